package parser

import (
	"strconv"
	"strings"

	"github.com/alecthomas/participle/v2/lexer"
)

// Conversion of the grammar structs (grammar.go) into the syntax tree
// (ast.go). Expressions arrive already built by the Pratt parser; names
// are unquoted here.

func unquoteAll(raw []string) []string {
	if len(raw) == 0 {
		return nil
	}
	out := make([]string, len(raw))
	for i, r := range raw {
		out[i] = unquote(r)
	}
	return out
}

func (s *selectStmt) build(string) (Statement, error) { return s.buildSelect() }

func (s *selectStmt) buildSelect() (*Select, error) {
	sel, err := s.Core.build()
	if err != nil {
		return nil, err
	}
	if len(s.SetOps) > 0 {
		if sel, err = s.buildSetOps(sel); err != nil {
			return nil, err
		}
	}
	sel.Offset, sel.Fetch, sel.MaxRecursion = s.Offset, s.Fetch, -1
	for _, h := range s.Hints {
		if h.Force {
			sel.Hints = append(sel.Hints, "FORCE ORDER")
			continue
		}
		if h.MaxRecursion != nil {
			n, err := strconv.Atoi(h.MaxRecursion.Value)
			if err != nil || n < 0 || n > 32767 {
				return nil, errAt(h.MaxRecursion)
			}
			sel.MaxRecursion = n
			continue
		}
		sel.Hints = append(sel.Hints, strings.ToUpper(h.Kind)+" JOIN")
	}
	if err := s.buildLimit(sel); err != nil {
		return nil, err
	}
	if len(s.OrderBy) > 0 {
		sel.OrderBy = make([]*OrderItem, len(s.OrderBy))
		for i, o := range s.OrderBy {
			sel.OrderBy[i] = &OrderItem{Pos: posOf(o.Pos), Expr: o.Expr, Desc: o.Desc}
		}
	}
	for _, c := range s.With {
		q, err := c.Query.buildSelect()
		if err != nil {
			return nil, err
		}
		sel.With = append(sel.With, &CTE{Pos: posOf(c.Pos), Name: unquote(c.Name), Columns: unquoteAll(c.Columns), Select: q})
	}
	return sel, nil
}

func (c *selectCore) build() (*Select, error) {
	sel := &Select{
		Pos:          posOf(c.Pos),
		Distinct:     c.Distinct,
		Top:          c.Top.build(),
		Where:        c.Where,
		GroupBy:      c.GroupBy,
		Having:       c.Having,
		MaxRecursion: -1,
	}
	if c.Items != nil {
		sel.Items = c.Items.selectItems()
	}
	from, err := buildFrom(c.From)
	if err != nil {
		return nil, err
	}
	sel.From = from
	return sel, nil
}

// buildSetOps folds first and the set operations after it into a tree:
// INTERSECT first, then UNION and EXCEPT from the left.
func (s *selectStmt) buildSetOps(first *Select) (*Select, error) {
	type term struct {
		op  *setOpTail
		sel *Select
	}
	terms := []term{{sel: first}}
	for _, t := range s.SetOps {
		var right *Select
		var err error
		if t.Paren != nil {
			right, err = t.Paren.buildSelect()
		} else {
			right, err = t.Core.build()
		}
		if err != nil {
			return nil, err
		}
		if strings.EqualFold(t.Op, "INTERSECT") {
			last := &terms[len(terms)-1]
			last.sel = compound(t, last.sel, right)
			continue
		}
		terms = append(terms, term{op: t, sel: right})
	}
	out := terms[0].sel
	for _, t := range terms[1:] {
		out = compound(t.op, out, t.sel)
	}
	return out, nil
}

func compound(t *setOpTail, l, r *Select) *Select {
	return &Select{Pos: l.Pos, MaxRecursion: -1, SetOp: &SetOp{Pos: posOf(t.Pos), Op: strings.ToUpper(t.Op), All: t.All, Left: l, Right: r}}
}

func (t *topClause) build() *Top {
	if t == nil {
		return nil
	}
	top := &Top{Pos: posOf(t.Pos), Count: t.Expr, Percent: t.Percent}
	if t.Expr == nil {
		top.Count = &Literal{Pos: posOf(t.Count.Pos), Kind: numberKind(t.Count.Value), Value: t.Count.Value}
	}
	return top
}

// buildDMLTop converts the TOP of UPDATE and DELETE, where the parentheses
// are required.
func (t *topClause) buildDMLTop() (*Top, error) {
	if t != nil && t.Expr == nil {
		return nil, errAt(&t.Count)
	}
	return t.build(), nil
}

func buildFrom(sources []*tableSource) ([]TableExpr, error) {
	if len(sources) == 0 {
		return nil, nil
	}
	out := make([]TableExpr, len(sources))
	for i, src := range sources {
		left, err := src.First.build()
		if err != nil {
			return nil, err
		}
		for _, j := range src.Joins {
			join := &Join{Pos: left.Position(), Left: left}
			switch {
			case j.Lat != nil:
				join.Kind = CrossApply
				if strings.EqualFold(j.Apply, "OUTER") {
					join.Kind = OuterApply
				}
				join.Right, err = j.Lat.build()
			case j.Cross != nil:
				join.Kind = CrossJoin
				join.Right, err = j.Cross.build()
			default:
				join.Right, err = j.Right.build()
				join.On = j.On
				if len(j.Using) > 0 && err == nil {
					join.On = usingCondition(left, join.Right, unquoteAll(j.Using))
				}
				switch j.Kind {
				case "LEFT":
					join.Kind = LeftJoin
				case "RIGHT":
					join.Kind = RightJoin
				case "FULL":
					join.Kind = FullJoin
				}
			}
			if err != nil {
				return nil, err
			}
			left = join
		}
		out[i] = left
	}
	return out, nil
}

func (t *tablePrimary) build() (TableExpr, error) {
	switch {
	case t.Sub != nil:
		sel, err := t.Sub.buildSelect()
		if err != nil {
			return nil, err
		}
		return &DerivedTable{Pos: posOf(t.Pos), Select: sel, Alias: unquote(t.SubAlias), Columns: unquoteAll(t.SubColumns)}, nil
	case t.Call:
		return &TableFunc{Pos: posOf(t.Pos), Name: ObjectName(t.Name), Args: t.Args, Alias: unquote(t.Alias), Columns: unquoteAll(t.Columns)}, nil
	case len(t.Columns) > 0: // only derived tables and functions name their columns
		return nil, &parseErr{tok: lexer.Token{Type: tokPunct, Value: "(", Pos: t.Pos}}
	}
	return &TableRef{Pos: posOf(t.Pos), Name: ObjectName(t.Name), Alias: unquote(t.Alias)}, nil
}

func (s *insertStmt) build(string) (Statement, error) {
	ins := &Insert{Pos: posOf(s.Pos), Table: ObjectName(s.Table), DefaultValues: s.DefaultValues}
	if s.Columns != nil {
		ins.Columns = s.Columns.Names
	}
	if s.Rows != nil {
		ins.Rows = s.Rows.valueRows()
	}
	if s.Select != nil {
		sel, err := s.Select.buildSelect()
		if err != nil {
			return nil, err
		}
		ins.Select = sel
	}
	var err error
	ins.Output, err = buildOutput(s.Output, s.Returning)
	return ins, err
}

func (s *updateStmt) build(string) (Statement, error) {
	top, err := s.Top.buildDMLTop()
	if err != nil {
		return nil, err
	}
	from, err := buildFrom(s.From)
	if err != nil {
		return nil, err
	}
	up := &Update{Pos: posOf(s.Pos), Top: top, Table: ObjectName(s.Table), From: from, Where: s.Where}
	up.Set = make([]*Assignment, len(s.Set))
	for i, a := range s.Set {
		up.Set[i] = &Assignment{Pos: posOf(a.Pos), Column: unquote(a.Column), Value: a.Value}
	}
	up.Output, err = buildOutput(s.Output, s.Returning)
	return up, err
}

func (s *deleteStmt) build(string) (Statement, error) {
	top, err := s.Top.buildDMLTop()
	if err != nil {
		return nil, err
	}
	out, err := buildOutput(s.Output, s.Returning)
	return &Delete{Pos: posOf(s.Pos), Top: top, Table: ObjectName(s.Table), Where: s.Where, Output: out}, err
}

func (s *createDatabaseStmt) build(string) (Statement, error) {
	return &CreateDatabase{Pos: posOf(s.Pos), Name: unquote(s.Name)}, nil
}

func (s *dropDatabaseStmt) build(string) (Statement, error) {
	return &DropDatabase{Pos: posOf(s.Pos), IfExists: s.IfExists, Names: unquoteAll(s.Names)}, nil
}

func (s *useStmt) build(string) (Statement, error) {
	return &Use{Pos: posOf(s.Pos), Database: unquote(s.Database)}, nil
}

func (s *alterDatabaseStmt) build(string) (Statement, error) {
	opt, err := s.Option.build()
	if err != nil {
		return nil, err
	}
	return &AlterDatabase{Pos: posOf(s.Pos), Name: unquote(s.Name), Current: s.Current, Option: opt}, nil
}

func (s *createTableStmt) build(string) (Statement, error) {
	ct := &CreateTable{Pos: posOf(s.Pos), Name: ObjectName(s.Name), Storage: storageText(s.Storage)}
	for _, e := range s.Elements {
		switch {
		case e.PK != nil:
			if ct.PrimaryKey != nil {
				return nil, &parseErr{number: 8110, tok: lexer.Token{Pos: e.PK.Pos}, args: []any{ct.Name.Object()}}
			}
			ct.PrimaryKey = e.PK.build()
		case e.Constraint != nil:
			if e.Constraint.For != "" { // DEFAULT ... FOR belongs to ALTER TABLE only
				return nil, &parseErr{number: 156, tok: lexer.Token{Pos: e.Constraint.Pos}, args: []any{"DEFAULT"}}
			}
			ct.Constraints = append(ct.Constraints, e.Constraint.build())
		default:
			ct.Columns = append(ct.Columns, e.Column.build())
		}
	}
	return ct, nil
}

func (c *columnDef) build() *ColumnDef {
	col := &ColumnDef{Pos: posOf(c.Pos), Name: unquote(c.Name), Type: TypeName(c.Type), Computed: c.Computed, Persisted: c.Persisted}
	for _, k := range c.Constraints {
		switch {
		case k.Null || k.NotNull:
			nullable := k.Null
			col.Nullable = &nullable
		case k.Identity != nil:
			id := &Identity{Pos: posOf(k.Identity.Pos), Seed: k.Identity.Seed, Increment: k.Identity.Increment}
			if id.Seed == "" {
				id.Seed, id.Increment = "1", "1"
			}
			col.Identity = id
		case k.Collate != "":
			col.Collation = unquote(k.Collate)
		case k.PK:
			col.PrimaryKey, col.PrimaryKeyName, col.PrimaryKeyNonclustered = true, unquote(k.Name), k.PKNoncl
		case k.Default != nil:
			col.Default, col.DefaultName = k.Default, unquote(k.Name)
		default:
			k.addColumnConstraint(col)
		}
	}
	return col
}

func (s *dropTableStmt) build(string) (Statement, error) {
	dt := &DropTable{Pos: posOf(s.Pos), IfExists: s.IfExists, Names: make([]ObjectName, len(s.Names))}
	for i, n := range s.Names {
		dt.Names[i] = ObjectName(n)
	}
	return dt, nil
}

func (s *truncateStmt) build(string) (Statement, error) {
	return &TruncateTable{Pos: posOf(s.Pos), Name: ObjectName(s.Name)}, nil
}

func (s *beginStmt) build(string) (Statement, error) {
	return &BeginTran{Pos: posOf(s.Pos), Name: unquote(s.Name), Modes: s.Modes.build()}, nil
}

func (s *startStmt) build(string) (Statement, error) {
	return &BeginTran{Pos: posOf(s.Pos), Modes: s.Modes.build()}, nil
}

// build folds the list into one TxModes (the last of each kind counts);
// nil when there is no list.
func (l *txModeList) build() *TxModes {
	if l == nil {
		return nil
	}
	m := &TxModes{}
	for _, x := range l.Modes {
		switch {
		case x.Isolation != nil:
			m.Isolation = strings.ToUpper(strings.Join(x.Isolation, " "))
		case x.Access != nil:
			m.Access = strings.ToUpper(strings.Join(x.Access, " "))
		default:
			m.Deferrable = strings.ToUpper(strings.Join(x.Deferrable, " "))
		}
	}
	return m
}

func (s *commitStmt) build(string) (Statement, error) {
	return &CommitTran{Pos: posOf(s.Pos), Name: unquote(s.Name), Chain: s.Chain}, nil
}

func (s *rollbackStmt) build(string) (Statement, error) {
	if s.To != "" {
		return &RollbackTran{Pos: posOf(s.Pos), Name: unquote(s.To), Savepoint: true}, nil
	}
	return &RollbackTran{Pos: posOf(s.Pos), Name: unquote(s.Name), Chain: s.Chain}, nil
}

func (s *saveStmt) build(string) (Statement, error) {
	return &SaveTran{Pos: posOf(s.Pos), Name: unquote(s.Name)}, nil
}

func (s *releaseStmt) build(string) (Statement, error) {
	return &ReleaseSavepoint{Pos: posOf(s.Pos), Name: unquote(s.Name)}, nil
}

// isolationName is Set.Name for SET TRANSACTION ISOLATION LEVEL.
const isolationName = "TRANSACTION ISOLATION LEVEL"

func (s *setStmt) build(src string) (Statement, error) {
	set := &Set{Pos: posOf(s.Pos)}
	switch {
	case s.Modes != nil:
		m := s.Modes.build()
		if !s.Session && *m == (TxModes{Isolation: m.Isolation}) {
			set.Name, set.Value = isolationName, m.Isolation // T-SQL's statement
			return set, nil
		}
		return &SetTransaction{Pos: set.Pos, Session: s.Session, Modes: *m}, nil
	case s.IdentityInsert != nil:
		table := ObjectName(s.IdentityInsert.Table)
		set.Name, set.Table, set.Value = "IDENTITY_INSERT", &table, s.IdentityInsert.Value.text()
	case len(s.Stat) > 0: // SET STATISTICS IO [, TIME ...] ON | OFF
		set.Name, set.Value = "STATISTICS "+strings.ToUpper(strings.Join(s.Stat, ", ")), s.StatVal.text()
	case s.PG:
		set.Name, set.PG = unquote(s.Name.Value), true
		vals := make([]string, len(s.Values))
		for i, v := range s.Values {
			vals[i] = v.text(src)
		}
		set.Value = strings.Join(vals, ", ")
	default:
		set.Name, set.Value = strings.ToUpper(unquote(s.Name.Value)), s.Value.text()
	}
	return set, nil
}

func (v *setValue) text() string { return valueText(v.Neg, unquote(v.Tok.Value)) }

// text returns the value as written; a keyword's token value is its
// canonical upper-case spelling, so its text comes from the source.
func (v *pgValue) text(src string) string {
	s := unquote(v.Tok.Value)
	if v.Tok.Type == tokKeyword && v.Tok.Pos.Offset+len(s) <= len(src) {
		s = src[v.Tok.Pos.Offset : v.Tok.Pos.Offset+len(s)]
	}
	return valueText(v.Neg, s)
}

func valueText(neg bool, s string) string {
	if neg {
		return "-" + s
	}
	return s
}

func (s *showStmt) build(string) (Statement, error) {
	if s.Isolation {
		return &Show{Pos: posOf(s.Pos), Name: "transaction_isolation"}, nil
	}
	return &Show{Pos: posOf(s.Pos), Name: unquote(s.Name)}, nil
}

func (s *execStmt) build(string) (Statement, error) {
	ex := &Exec{Pos: posOf(s.Pos), Proc: ObjectName(s.Proc)}
	if len(s.Args) > 0 {
		ex.Args = make([]*ExecArg, len(s.Args))
		for i, a := range s.Args {
			name := a.Name
			if name != "" {
				name = name[1:] // strip @
			}
			ex.Args[i] = &ExecArg{Pos: posOf(a.Pos), Name: name, Value: a.Value}
		}
	}
	return ex, nil
}

func (s *printStmt) build(string) (Statement, error) {
	return &Print{Pos: posOf(s.Pos), Expr: s.Expr}, nil
}

func (s *waitforStmt) build(string) (Statement, error) {
	return &WaitFor{Pos: posOf(s.Pos), Time: s.Time, Value: s.Value}, nil
}

func (s *checkpointStmt) build(string) (Statement, error) { return &Checkpoint{Pos: posOf(s.Pos)}, nil }

func (s *dbccStmt) build(string) (Statement, error) {
	d := &Dbcc{Pos: posOf(s.Pos), Command: strings.ToUpper(s.Command), Args: s.Args}
	for _, w := range s.With {
		d.With = append(d.With, strings.ToUpper(w))
	}
	return d, nil
}

func (s *resetStmt) build(string) (Statement, error) {
	return &Reset{Pos: posOf(s.Pos), Name: unquote(s.Name)}, nil
}

func (s *discardStmt) build(string) (Statement, error) {
	what := strings.ToUpper(s.What)
	if what == "TEMPORARY" {
		what = "TEMP"
	}
	return &Discard{Pos: posOf(s.Pos), What: what}, nil
}

func (s *killStmt) build(string) (Statement, error) {
	n, err := strconv.ParseInt(s.ID.Value, 10, 64)
	if err != nil {
		return nil, errAt(&s.ID)
	}
	if s.Neg {
		n = -n
	}
	return &Kill{Pos: posOf(s.Pos), SessionID: n, StatusOnly: s.StatusOnly}, nil
}
