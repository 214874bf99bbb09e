package engine

import (
	"encoding/binary"
	"strconv"
	"strings"

	"mirrordb/engine/catalog"
	"mirrordb/engine/exec"
	"mirrordb/engine/keys"
	"mirrordb/parser"
	"mirrordb/session"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// SET IDENTITY_INSERT and DBCC CHECKIDENT: explicit values for IDENTITY
// columns, and reading or moving a table's identity counter (the logged
// key keys.IdentityKey, so both travel through the log and mirroring like
// any write).
//
// At most one table per session has IDENTITY_INSERT on (8107 for a
// second). While it is on, an INSERT into that table must name the
// identity column in a column list (8101 without a list, 545 when the list
// leaves it out); while it is off, naming it is 544. An explicit value
// past the counter moves the counter to it, so later generated values do
// not collide. The checks run when the INSERT runs, since its plan may
// have been bound (and cached) under the other setting.

// identityInsertTable is the table a session has IDENTITY_INSERT on for.
type identityInsertTable struct {
	db      *Database
	tableID uint32
	name    string // as SQL Server names it in 8107: db.dbo.table
}

func (b *binder) planIdentityInsert(x *parser.Set) (*stmtPlan, error) {
	db, def, err := b.lookupTable(*x.Table)
	if err != nil {
		return nil, err
	}
	if def.IdentityColumn() < 0 {
		return nil, b.ErrAt(x, sqlerr.New(8106, def.Name))
	}
	on := strings.EqualFold(x.Value, "ON")
	if !on && !strings.EqualFold(x.Value, "OFF") {
		return nil, b.ErrAt(x, sqlerr.New(102, x.Value))
	}
	s := b.s
	target := &identityInsertTable{db: db, tableID: def.ID, name: db.Name() + ".dbo." + def.Name}
	return setPlan(func() error {
		cur := s.identityInsert
		switch {
		case !on:
			if cur != nil && cur.db == db && cur.tableID == def.ID {
				s.identityInsert = nil
			}
		case cur != nil && (cur.db != db || cur.tableID != def.ID):
			return sqlerr.New(8107, cur.name, def.Name)
		default:
			s.identityInsert = target
		}
		return nil
	}), nil
}

// identityInsertOn reports whether the session has IDENTITY_INSERT on for
// the table.
func (s *Session) identityInsertOn(db *Database, def *catalog.TableDef) bool {
	cur := s.identityInsert
	return cur != nil && cur.db == db && cur.tableID == def.ID
}

// checkIdentityTargets applies the IDENTITY_INSERT rules to an INSERT
// about to run: listed says whether it has a column list, explicit
// whether that list names the identity column.
func (w *rowWriter) checkIdentityTargets(s *Session, listed, explicit bool) error {
	if w.Table.IdentityColumn() < 0 {
		return nil
	}
	on := s.identityInsertOn(w.db, w.Table)
	switch {
	case explicit && !on:
		return sqlerr.New(544, w.Table.Name)
	case on && !listed:
		return sqlerr.New(8101, w.Table.Name)
	case on && !explicit:
		return sqlerr.New(545, w.Table.Name)
	}
	return nil
}

// planCheckIdent is DBCC CHECKIDENT ('table' [, NORESEED | RESEED [, n]]).
func (b *binder) planCheckIdent(x *parser.Dbcc, quiet bool) (*stmtPlan, error) {
	if len(x.Args) < 1 || len(x.Args) > 3 {
		return nil, b.ErrAt(x, sqlerr.New(2526))
	}
	lit, ok := x.Args[0].(*parser.Literal)
	if !ok || (lit.Kind != parser.LitString && lit.Kind != parser.LitNString) {
		return nil, b.ErrAt(x, sqlerr.New(2526))
	}
	n := parser.ObjectName{Pos: lit.Pos, Parts: strings.Split(lit.Value, ".")}
	db, def, err := b.lookupTable(n)
	if err != nil {
		if sqlerr.Is(err, 208) {
			return nil, b.ErrAt(x, sqlerr.New(2501, lit.Value))
		}
		return nil, err
	}
	col := def.IdentityColumn()
	if col < 0 {
		return nil, b.ErrAt(x, sqlerr.New(7997, def.Name))
	}
	mode, reseedTo := "", int64(0)
	if len(x.Args) > 1 {
		ref, ok := x.Args[1].(*parser.ColumnRef)
		if !ok || len(ref.Parts) != 1 {
			return nil, b.ErrAt(x, sqlerr.New(2526))
		}
		mode = strings.ToUpper(ref.Parts[0])
		if (mode != "RESEED" && mode != "NORESEED") || (mode == "NORESEED" && len(x.Args) > 2) {
			return nil, b.ErrAt(x, sqlerr.New(2526))
		}
	}
	if len(x.Args) == 3 {
		v, err := b.BindExpr(x.Args[2], nil, nil, types.TypeBigInt)
		if err != nil {
			return nil, err
		}
		c, ok := v.(*exec.Const)
		if !ok {
			return nil, b.ErrAt(x.Args[2], sqlerr.New(2526))
		}
		n, ok := exec.IdentityValue(c.V)
		if !ok {
			return nil, b.ErrAt(x.Args[2], sqlerr.New(2526))
		}
		mode, reseedTo = "RESEED TO", n
	}
	inc := def.Columns[col].Identity.Increment
	return &stmtPlan{write: db, run: func(e *exec.Env, t *txn, w session.ResultWriter) (string, error) {
		key := keys.IdentityKey(def.ID)
		raw, had, err := t.Get(key)
		if err != nil {
			return "", err
		}
		current, hasCurrent := int64(0), had && len(raw) == 8
		if hasCurrent {
			current = int64(binary.BigEndian.Uint64(raw))
		}
		set := func(v int64) error {
			return t.Write(key, raw, had, binary.BigEndian.AppendUint64(nil, uint64(v)))
		}
		info := func(err *sqlerr.Error) error {
			if quiet {
				return nil
			}
			return w.Notice(err)
		}
		if mode == "RESEED TO" {
			if err := info(sqlerr.New(50132, valueOrNull(current, hasCurrent))); err != nil {
				return "", err
			}
			return "DBCC", firstErr(set(reseedTo), info(sqlerr.New(2528)))
		}
		// The column's extreme value in the increment's direction.
		colMax, hasRows := int64(0), false
		scan := newTableScan(db, def)
		if err := scan.Run(e, func(row []types.Value) error {
			if v, ok := exec.IdentityValue(row[col]); ok && (!hasRows || (inc > 0 && v > colMax) || (inc < 0 && v < colMax)) {
				colMax, hasRows = v, true
			}
			return e.Gov.Check()
		}); err != nil {
			return "", err
		}
		if err := info(sqlerr.New(7998, valueOrNull(current, hasCurrent), valueOrNull(colMax, hasRows))); err != nil {
			return "", err
		}
		behind := hasRows && (!hasCurrent || (inc > 0 && current < colMax) || (inc < 0 && current > colMax))
		switch {
		case mode == "RESEED" && hasRows:
			err = set(colMax)
		case mode == "" && behind:
			err = set(colMax)
		}
		return "DBCC", firstErr(err, info(sqlerr.New(2528)))
	}}, nil
}

func valueOrNull(v int64, ok bool) string {
	if !ok {
		return "NULL"
	}
	return strconv.FormatInt(v, 10)
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
