package engine

import (
	"context"
	"strings"

	"mirrordb/engine/bind"
	"mirrordb/engine/catalog"
	"mirrordb/engine/exec"
	"mirrordb/engine/keys"
	"mirrordb/parser"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// sp_rename renames a table, a column or an index of the current database
// in one transaction that writes the table's definition, as any DDL does:
// the log, mirroring and the plan cache (a new schema generation: cached
// plans and prepared statements bind again) see it like any other schema
// change. Index filters that name a renamed column are rewritten with the
// new name. Like SQL Server it warns that scripts may break (Msg 15477).

// registerRename adds sp_rename.
func (in *Instance) registerRename() {
	in.RegisterProcedure("sp_rename", Procedure{
		Params: []Param{{Name: "objname", Required: true}, {Name: "newname", Required: true}, {Name: "objtype"}},
		Run: func(ctx context.Context, call *ProcCall) ([][]types.Value, error) {
			var vals [3]string
			for i, p := range []string{"objname", "newname", "objtype"} {
				v := call.Args[p]
				if v == nil && i < 2 {
					return nil, sqlerr.New(15223, p)
				}
				if v != nil {
					vals[i] = types.ToText(v, types.TypeUnknown)
				}
			}
			s := call.Session
			db := s.db
			e := &exec.Env{Ctx: ctx, CommitCtx: ctx, Sess: s}
			if err := s.withWrite(e, db, func(t *txn) error { return rename(t, db, vals[0], vals[1], vals[2]) }); err != nil {
				return nil, err
			}
			return nil, call.Notice(sqlerr.New(15477))
		},
	})
}

// rename renames objname (a [dbo.]table, table.column or table.index) to
// newname.
func rename(t *txn, db *Database, objname, newname, objtype string) error {
	kind := strings.ToUpper(strings.TrimSpace(objtype))
	parts := splitName(objname)
	shown := kind
	if shown == "" {
		shown = "(null)"
	}
	ambiguous := sqlerr.New(15248, shown)
	set, err := t.schemaView()
	if err != nil {
		return err
	}
	// table finds the table parts[:n] names ([dbo.]name).
	table := func(n int) *catalog.TableDef {
		if n < 1 || n > 2 || len(parts) < n || (n == 2 && !strings.EqualFold(parts[0], "dbo")) {
			return nil
		}
		return set.Table("dbo", parts[n-1])
	}
	switch kind {
	case "", "OBJECT":
		def := table(len(parts))
		if def == nil {
			return ambiguous
		}
		// Tables and constraints share one namespace (2714): the new name
		// may be the table's own in another case, not a constraint's.
		if !strings.EqualFold(newname, def.Name) && set.ObjectNames()[strings.ToLower(newname)] {
			return sqlerr.New(15335, newname, "object")
		}
		return putTableDef(t, def, func(d *catalog.TableDef) { d.Name = newname })
	case "COLUMN":
		def := table(len(parts) - 1)
		if def == nil {
			return ambiguous
		}
		i := def.ColumnIndex(parts[len(parts)-1])
		if i < 0 {
			return ambiguous
		}
		if j := def.ColumnIndex(newname); j >= 0 && j != i {
			return sqlerr.New(15335, newname, "COLUMN")
		}
		old := def.Columns[i].Name
		d := def.Clone()
		d.Columns[i].Name = newname
		for k := range d.Indexes {
			if ix := &d.Indexes[k]; ix.Filter != "" && filterReads(ix, old) {
				f, err := renamedFilter(ix.Filter, old, newname)
				if err != nil {
					return err
				}
				ix.Filter = f
			}
		}
		// CHECK constraints and computed columns name columns in their
		// text: SQL Server rewrites their definitions too.
		if len(d.Checks) > 0 {
			d.Checks = append([]catalog.CheckDef(nil), d.Checks...)
			for k := range d.Checks {
				x, err := renamedExpr(d.Checks[k].Expr, old, newname)
				if err != nil {
					return err
				}
				d.Checks[k].Expr = x
			}
		}
		for k := range d.Columns {
			if c := &d.Columns[k]; c.Computed != "" {
				x, err := renamedExpr(c.Computed, old, newname)
				if err != nil {
					return err
				}
				c.Computed = x
			}
		}
		return t.Put(keys.TableDefKey(d.ID), catalog.EncodeTable(d))
	case "INDEX":
		def := table(len(parts) - 1)
		if def == nil {
			return ambiguous
		}
		name := parts[len(parts)-1]
		ix := def.Index(name)
		pk := ix == nil && len(def.PK) > 0 && strings.EqualFold(def.PKName, name)
		if ix == nil && !pk {
			return ambiguous
		}
		if other := def.Index(newname); (other != nil && other != ix) || (!pk && strings.EqualFold(def.PKName, newname)) {
			return sqlerr.New(15335, newname, "INDEX")
		}
		return putTableDef(t, def, func(d *catalog.TableDef) {
			if pk {
				d.PKName = newname
				return
			}
			d.Index(name).Name = newname
		})
	}
	return sqlerr.New(15249, objtype)
}

// renamedFilter rewrites a filtered index's WHERE with a column renamed.
func renamedFilter(filter, old, new string) (string, error) {
	st, err := parser.ParseStatementOwned("SELECT 1 WHERE " + filter)
	if err != nil {
		return "", err
	}
	where := st.(*parser.Select).Where
	renameColumnRefs(where, old, new)
	return where.String(), nil
}

// renamedExpr rewrites an expression stored as text (a CHECK, a computed
// column) with a column renamed, on its own parse (parsed statements are
// otherwise cached and shared).
func renamedExpr(text, old, new string) (string, error) {
	st, err := parser.ParseStatementOwned("SELECT (" + text + ")")
	if err != nil {
		return "", err
	}
	x := storedExpr(st.(*parser.Select))
	renameColumnRefs(x, old, new)
	return x.String(), nil
}

func renameColumnRefs(x parser.Expr, old, new string) {
	bind.WalkExpr(x, func(e parser.Expr) bool {
		if c, ok := e.(*parser.ColumnRef); ok && strings.EqualFold(c.Parts[len(c.Parts)-1], old) {
			c.Parts[len(c.Parts)-1] = new
		}
		return true
	})
}

// splitName splits a dotted name, with [bracketed] or "quoted" parts.
func splitName(s string) []string {
	var parts []string
	var cur strings.Builder
	quote := rune(0)
	for _, r := range s {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			cur.WriteRune(r)
		case r == '[':
			quote = ']'
		case r == '"':
			quote = '"'
		case r == '.':
			parts = append(parts, cur.String())
			cur.Reset()
		default:
			cur.WriteRune(r)
		}
	}
	return append(parts, cur.String())
}
