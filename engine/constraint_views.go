package engine

import (
	"context"
	"strings"

	"mirrordb/engine/catalog"
	"mirrordb/engine/exec"
	"mirrordb/engine/pgcatalog"
	"mirrordb/parser"
	"mirrordb/session"
	"mirrordb/types"
)

// The catalog of constraints: sys.objects (tables and every constraint),
// sys.foreign_keys, sys.foreign_key_columns, sys.check_constraints,
// sys.default_constraints and sys.key_constraints, for the session's
// current database.

// constraintObject is one constraint as sys.objects lists it.
type constraintObject struct {
	table    *catalog.TableDef
	name     string
	id       uint32
	typ      string // sys.objects.type, two characters
	desc     string
	prefix   string // of the generated name: PK, UQ, FK, CK, DF
	column   int    // the column of a DEFAULT or column-level CHECK, else -1
	fk       *catalog.ForeignKeyDef
	ck       *catalog.CheckDef
	ix       *catalog.IndexDef // a UNIQUE constraint's index
	defaultX string            // a DEFAULT's expression
}

// constraintObjects lists a table's constraints in the order SQL Server
// would make them: the primary key, UNIQUE, CHECK, DEFAULT, FOREIGN KEY.
func constraintObjects(t *catalog.TableDef) []constraintObject {
	var out []constraintObject
	if len(t.PK) > 0 {
		out = append(out, constraintObject{table: t, name: t.PKName, id: catalog.PKObjectID(t.ID), typ: "PK",
			desc: "PRIMARY_KEY_CONSTRAINT", prefix: "PK", column: -1})
	}
	for i := range t.Indexes {
		if ix := &t.Indexes[i]; ix.Constraint {
			out = append(out, constraintObject{table: t, name: ix.Name, id: ix.ObjectID, typ: "UQ",
				desc: "UNIQUE_CONSTRAINT", prefix: "UQ", column: -1, ix: ix})
		}
	}
	for i := range t.Checks {
		ck := &t.Checks[i]
		out = append(out, constraintObject{table: t, name: ck.Name, id: ck.ObjectID, typ: "C ",
			desc: "CHECK_CONSTRAINT", prefix: "CK", column: ck.Column, ck: ck})
	}
	for i := range t.Columns {
		if c := &t.Columns[i]; c.Default != "" && c.DefaultName != "" {
			out = append(out, constraintObject{table: t, name: c.DefaultName, id: c.DefaultID, typ: "D ",
				desc: "DEFAULT_CONSTRAINT", prefix: "DF", column: i, defaultX: c.Default})
		}
	}
	for i := range t.ForeignKeys {
		fk := &t.ForeignKeys[i]
		out = append(out, constraintObject{table: t, name: fk.Name, id: fk.ObjectID, typ: "F ",
			desc: "FOREIGN_KEY_CONSTRAINT", prefix: "FK", column: fk.Columns[0], fk: fk})
	}
	return out
}

// systemNamed reports whether the constraint carries a generated name.
func (c *constraintObject) systemNamed() bool {
	col := ""
	switch {
	case c.prefix == "PK":
		return c.name == catalog.ConstraintName("PK", c.table.Name, "", c.id)
	case c.column >= 0 && c.prefix != "UQ":
		col = c.table.Columns[c.column].Name
	}
	return c.name == catalog.ConstraintName(c.prefix, c.table.Name, col, c.id)
}

// objectColumns are the columns sys.objects and the views built on it
// share.
func objectColumns(extra ...any) []session.Column {
	return cols(append([]any{"name", sysname, "object_id", intT, "principal_id", intT, "schema_id", intT,
		"parent_object_id", intT, "type", types.Type{Kind: types.Char, Length: 2}, "type_desc", desc60,
		"create_date", dtT, "modify_date", dtT, "is_ms_shipped", bit}, extra...)...)
}

// objectValues are those shared columns' values for a constraint.
func (c *constraintObject) objectValues(extra ...types.Value) []types.Value {
	return append([]types.Value{c.name, int64(c.id), nil, int64(1), int64(c.table.ID), c.typ, c.desc,
		timeOrNil(c.table.Created), timeOrNil(c.table.Created), false}, extra...)
}

// eachConstraint calls fn for every constraint of the current database.
func eachConstraint(e *exec.Env, fn func(c *constraintObject)) error {
	set, err := sessionOf(e).schemaFor(sessionOf(e).db)
	if err != nil {
		return err
	}
	for _, t := range set.Tables() {
		for _, c := range constraintObjects(t) {
			fn(&c)
		}
	}
	return nil
}

// referentialActions maps an action to its sys.foreign_keys code and text.
var referentialActions = map[string]struct {
	code int64
	desc string
}{
	catalog.ActionNone: {0, "NO_ACTION"}, catalog.ActionCascade: {1, "CASCADE"}, catalog.ActionSetNull: {2, "SET_NULL"}, catalog.ActionSetDefault: {3, "SET_DEFAULT"},
}

// keyIndexID is the index_id of the key a foreign key references.
func keyIndexID(parent *catalog.TableDef, fk *catalog.ForeignKeyDef) types.Value {
	if parent == nil {
		return nil
	}
	switch pk, ix := parent.RowKeyFor(fk.RefColumns, true); {
	case pk:
		return int64(parent.PKIndexID())
	case ix != nil:
		return int64(ix.ID)
	}
	return nil
}

func (vs viewSet) addConstraintViews() {
	vs["sys.objects"] = &view{
		cols: objectColumns("is_published", bit, "is_schema_published", bit),
		rows: func(e *exec.Env, _ []types.Value) ([][]types.Value, error) {
			set, err := sessionOf(e).schemaFor(sessionOf(e).db)
			if err != nil {
				return nil, err
			}
			var out [][]types.Value
			for _, t := range set.Tables() {
				out = append(out, []types.Value{t.Name, int64(t.ID), nil, int64(1), int64(0), "U ", "USER_TABLE",
					timeOrNil(t.Created), timeOrNil(t.Created), false, false, false})
				for _, c := range constraintObjects(t) {
					out = append(out, c.objectValues(false, false))
				}
			}
			return out, nil
		},
	}
	vs["sys.foreign_keys"] = &view{
		cols: objectColumns("is_published", bit, "is_schema_published", bit, "referenced_object_id", intT,
			"key_index_id", intT, "is_disabled", bit, "is_not_for_replication", bit, "is_not_trusted", bit,
			"delete_referential_action", tinyint, "delete_referential_action_desc", desc60,
			"update_referential_action", tinyint, "update_referential_action_desc", desc60, "is_system_named", bit),
		rows: func(e *exec.Env, _ []types.Value) ([][]types.Value, error) {
			set, err := sessionOf(e).schemaFor(sessionOf(e).db)
			if err != nil {
				return nil, err
			}
			var out [][]types.Value
			err = eachConstraint(e, func(c *constraintObject) {
				if fk := c.fk; fk != nil {
					del, upd := referentialActions[fk.OnDelete], referentialActions[fk.OnUpdate]
					out = append(out, c.objectValues(false, false, int64(fk.RefTable), keyIndexID(set.ByID(fk.RefTable), fk),
						fk.Disabled, false, fk.NotTrusted, del.code, del.desc, upd.code, upd.desc, c.systemNamed()))
				}
			})
			return out, err
		},
	}
	vs["sys.foreign_key_columns"] = &view{
		cols: cols("constraint_object_id", intT, "constraint_column_id", intT, "parent_object_id", intT,
			"parent_column_id", intT, "referenced_object_id", intT, "referenced_column_id", intT),
		rows: func(e *exec.Env, _ []types.Value) ([][]types.Value, error) {
			var out [][]types.Value
			err := eachConstraint(e, func(c *constraintObject) {
				if fk := c.fk; fk != nil {
					for i, col := range fk.Columns {
						out = append(out, []types.Value{int64(fk.ObjectID), int64(i + 1), int64(c.table.ID), int64(col + 1),
							int64(fk.RefTable), int64(fk.RefColumns[i] + 1)})
					}
				}
			})
			return out, err
		},
	}
	vs["sys.check_constraints"] = &view{
		cols: objectColumns("is_published", bit, "is_schema_published", bit, "is_disabled", bit,
			"is_not_for_replication", bit, "is_not_trusted", bit, "parent_column_id", intT,
			"definition", types.NVarCharType(types.MaxLength), "uses_database_collation", bit, "is_system_named", bit),
		rows: func(e *exec.Env, _ []types.Value) ([][]types.Value, error) {
			var out [][]types.Value
			err := eachConstraint(e, func(c *constraintObject) {
				if ck := c.ck; ck != nil {
					out = append(out, c.objectValues(false, false, ck.Disabled, false, ck.NotTrusted, int64(ck.Column+1),
						printedDefinition(ck.Expr), true, c.systemNamed()))
				}
			})
			return out, err
		},
	}
	vs["sys.default_constraints"] = &view{
		cols: objectColumns("is_published", bit, "is_schema_published", bit, "parent_column_id", intT,
			"definition", types.NVarCharType(types.MaxLength), "is_system_named", bit),
		rows: func(e *exec.Env, _ []types.Value) ([][]types.Value, error) {
			var out [][]types.Value
			err := eachConstraint(e, func(c *constraintObject) {
				if c.defaultX != "" {
					out = append(out, c.objectValues(false, false, int64(c.column+1), printedDefinition(c.defaultX), c.systemNamed()))
				}
			})
			return out, err
		},
	}
	vs["sys.key_constraints"] = &view{
		cols: objectColumns("is_published", bit, "is_schema_published", bit, "unique_index_id", intT,
			"is_system_named", bit, "is_enforced", bit),
		rows: func(e *exec.Env, _ []types.Value) ([][]types.Value, error) {
			var out [][]types.Value
			err := eachConstraint(e, func(c *constraintObject) {
				switch {
				case c.ix != nil:
					out = append(out, c.objectValues(false, false, int64(c.ix.ID), c.systemNamed(), true))
				case c.typ == "PK":
					out = append(out, c.objectValues(false, false, int64(c.table.PKIndexID()), c.systemNamed(), true))
				}
			})
			return out, err
		},
	}
}

// printedDefinition is an expression as SQL Server stores a CHECK's or a
// DEFAULT's definition: in parentheses, names in brackets, numbers in
// parentheses, no spaces around comparisons, functions in lower case,
// BETWEEN and IN spelt out: "([qty]>(0))", "(getdate())".
func printedDefinition(text string) string {
	x := exprFromText(text)
	if x == nil {
		return "(" + text + ")"
	}
	for {
		p, ok := x.(*parser.Paren)
		if !ok {
			break
		}
		x = p.X
	}
	var b strings.Builder
	switch x.(type) {
	case *parser.Between, *parser.InList: // they print their own parentheses
		writeDefinition(&b, x)
		return b.String()
	}
	b.WriteByte('(')
	writeDefinition(&b, x)
	b.WriteByte(')')
	return b.String()
}

func writeDefinition(b *strings.Builder, x parser.Expr) {
	switch n := x.(type) {
	case *parser.ColumnRef:
		b.WriteString("[" + n.Parts[len(n.Parts)-1] + "]")
	case *parser.Literal:
		switch n.Kind {
		case parser.LitInt, parser.LitDecimal, parser.LitFloat:
			b.WriteString("(" + n.Value + ")")
		default:
			b.WriteString(n.String())
		}
	case *parser.Paren:
		b.WriteByte('(')
		writeDefinition(b, n.X)
		b.WriteByte(')')
	case *parser.Unary:
		if lit, ok := n.X.(*parser.Literal); ok && n.Op == "-" {
			b.WriteString("(-" + lit.Value + ")")
			return
		}
		b.WriteString(n.Op)
		if n.Op == "NOT" {
			b.WriteByte(' ')
		}
		writeDefinition(b, n.X)
	case *parser.Binary:
		writeDefinition(b, n.L)
		if n.Op == "AND" || n.Op == "OR" {
			b.WriteString(" " + n.Op + " ")
		} else {
			b.WriteString(n.Op)
		}
		writeDefinition(b, n.R)
	case *parser.Between:
		lo, hi, and := ">=", "<=", " AND "
		if n.Not {
			lo, hi, and = "<", ">", " OR "
		}
		b.WriteByte('(')
		writeDefinition(b, n.X)
		b.WriteString(lo)
		writeDefinition(b, n.Lo)
		b.WriteString(and)
		writeDefinition(b, n.X)
		b.WriteString(hi)
		writeDefinition(b, n.Hi)
		b.WriteByte(')')
	case *parser.InList:
		if n.Subquery != nil || n.Not {
			b.WriteString(n.String())
			return
		}
		b.WriteByte('(')
		for i, v := range n.List {
			if i > 0 {
				b.WriteString(" OR ")
			}
			writeDefinition(b, n.X)
			b.WriteByte('=')
			writeDefinition(b, v)
		}
		b.WriteByte(')')
	case *parser.IsNull:
		writeDefinition(b, n.X)
		if n.Not {
			b.WriteString(" IS NOT NULL")
		} else {
			b.WriteString(" IS NULL")
		}
	case *parser.Like:
		writeDefinition(b, n.X)
		if n.Not {
			b.WriteString(" not")
		}
		b.WriteString(" like ")
		writeDefinition(b, n.Pattern)
	case *parser.FuncCall:
		b.WriteString(strings.ToLower(n.Name.Object()) + "(")
		for i, a := range n.Args {
			if i > 0 {
				b.WriteByte(',')
			}
			writeDefinition(b, a)
		}
		b.WriteByte(')')
	default:
		b.WriteString(x.String())
	}
}

// pgConstraints describes a table's foreign keys and checks for pgcatalog.
func pgConstraints(set *catalog.Schema, t *catalog.TableDef, out *pgcatalog.Table) {
	for i := range t.ForeignKeys {
		fk := &t.ForeignKeys[i]
		refIndex, _ := keyIndexID(set.ByID(fk.RefTable), fk).(int64)
		out.ForeignKeys = append(out.ForeignKeys, pgcatalog.ForeignKey{OID: int64(fk.ObjectID), Name: fk.Name,
			Columns: fk.Columns, RefTable: int64(fk.RefTable), RefIndex: refIndex, RefColumns: fk.RefColumns,
			OnDelete: fk.OnDelete, OnUpdate: fk.OnUpdate, Disabled: fk.Disabled, NotTrusted: fk.NotTrusted})
	}
	for _, ck := range t.Checks {
		out.Checks = append(out.Checks, pgcatalog.Check{OID: int64(ck.ObjectID), Name: ck.Name,
			Definition: printedDefinition(ck.Expr), Disabled: ck.Disabled, NotTrusted: ck.NotTrusted})
	}
}

// registerConstraintProcedures adds sp_helpconstraint: the constraints of
// a table as SQL Server's second result set lists them (the first, the
// object's name, is left out: a procedure returns one result set here).
// A foreign key takes two rows, the second naming what it references.
func (in *Instance) registerConstraintProcedures() {
	in.RegisterProcedure("sp_helpconstraint", Procedure{
		Params: []Param{{Name: "objname", Required: true}},
		Columns: cols("constraint_type", types.NVarCharType(146), "constraint_name", sysname,
			"delete_action", types.NVarCharType(9), "update_action", types.NVarCharType(9),
			"status_enabled", types.VarCharType(8), "status_for_replication", types.VarCharType(19),
			"constraint_keys", types.NVarCharType(2126)),
		Run: func(_ context.Context, call *ProcCall) ([][]types.Value, error) {
			t, _, err := procTable(call)
			if err != nil {
				return nil, err
			}
			set, err := call.Session.schemaFor(call.Session.db)
			if err != nil {
				return nil, err
			}
			db := call.Session.db.Name()
			var out [][]types.Value
			row := func(kind, name string, del, upd, enabled types.Value, keys string) {
				out = append(out, []types.Value{kind, name, del, upd, enabled, "(n/a)", keys})
			}
			status := func(disabled bool) types.Value {
				if disabled {
					return "Disabled"
				}
				return "Enabled"
			}
			for _, c := range constraintObjects(t) {
				switch {
				case c.typ == "PK":
					kind := "PRIMARY KEY (clustered)"
					if t.PKNonclustered {
						kind = "PRIMARY KEY (non-clustered)"
					}
					row(kind, c.name, "(n/a)", "(n/a)", "(n/a)", columnNames(t, t.PK))
				case c.ix != nil:
					kind := "UNIQUE (non-clustered)"
					if c.ix.Clustered {
						kind = "UNIQUE (clustered)"
					}
					row(kind, c.name, "(n/a)", "(n/a)", "(n/a)", columnNames(t, c.ix.Columns))
				case c.ck != nil:
					kind := "CHECK Table Level "
					if c.column >= 0 {
						kind = "CHECK on column " + t.Columns[c.column].Name
					}
					row(kind, c.name, "(n/a)", "(n/a)", status(c.ck.Disabled), printedDefinition(c.ck.Expr))
				case c.defaultX != "":
					row("DEFAULT on column "+t.Columns[c.column].Name, c.name, "(n/a)", "(n/a)", "(n/a)", printedDefinition(c.defaultX))
				case c.fk != nil:
					fk := c.fk
					row("FOREIGN KEY", c.name, actionWord(fk.OnDelete), actionWord(fk.OnUpdate), status(fk.Disabled), columnNames(t, fk.Columns))
					if parent := set.ByID(fk.RefTable); parent != nil {
						row(" ", " ", " ", " ", " ", "REFERENCES "+db+".dbo."+parent.Name+" ("+columnNames(parent, fk.RefColumns)+")")
					}
				}
			}
			return out, nil
		},
	})
}

// actionWord is a referential action as sp_helpconstraint prints it.
func actionWord(action string) string {
	return map[string]string{catalog.ActionNone: "No Action", catalog.ActionCascade: "Cascade", catalog.ActionSetNull: "Set Null", catalog.ActionSetDefault: "Set Default"}[action]
}

// columnNames is "a, b".
func columnNames(t *catalog.TableDef, cols []int) string {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = t.Columns[c].Name
	}
	return strings.Join(names, ", ")
}
