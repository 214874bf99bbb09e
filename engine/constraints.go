package engine

import (
	"mirrordb/engine/bind"
	"mirrordb/engine/catalog"
	"mirrordb/engine/exec"
	"mirrordb/parser"
	"mirrordb/sqlerr"
)

// Constraints. FOREIGN KEY and CHECK constraints are part of their table's
// definition (catalog.TableDef.ForeignKeys, .Checks), a UNIQUE constraint is a
// unique index marked Constraint, a DEFAULT lives on its column: so they
// are stored, logged, mirrored and backed up with the table, and every
// action a constraint takes (a cascade deleting or updating child rows)
// writes through the statement's own transaction, where the log, the
// mirror and the undo of forced service see it like any other write.
//
// Enforcement is exec's (engine/exec/foreignkeys.go: computed columns,
// CHECK, the parent lookups, the child searches and the cascades, through
// the statement's transaction); the engine binds the rules' expressions
// from their text (rulesFor, below) and gives exec the database's tables
// (the statement's rowWriter, enforcer.go).
//
// Bulk loads (COPY, BULK INSERT) store rows through INSERT's path, so they
// compute and check as INSERT does (SQL Server's BULK INSERT skips CHECK
// and FOREIGN KEY constraints unless told CHECK_CONSTRAINTS; mirrordb
// always checks). docs/ARCHITECTURE.md ("Constraints") has the rest.

// exprFromText parses an expression stored as text (a DEFAULT, a CHECK, a
// computed column), cached by its text.
func exprFromText(text string) parser.Expr {
	return parseCached(&defaultExprs, "SELECT ("+text+")", storedExpr)
}

// storedExpr is the expression of "SELECT (text)": parenthesised, since
// "SELECT q = 5" would read as a column alias q for 5.
func storedExpr(s *parser.Select) parser.Expr {
	if len(s.Items) != 1 {
		return nil
	}
	if p, ok := s.Items[0].Expr.(*parser.Paren); ok {
		return p.X
	}
	return s.Items[0].Expr
}

// boundRules holds the rules rulesFor bound, per table definition.
var boundRules exec.RulesCache

// rulesFor is a table's computed columns, CHECK constraints and DEFAULTs
// bound (once per definition) from their stored text, for exec to
// evaluate against the rows written (the Enforcer's Rules).
func rulesFor(e *exec.Env, db *Database, def *catalog.TableDef) (*exec.RowRules, error) {
	if r, ok := boundRules.Get(def); ok {
		return r, nil
	}
	r, err := newBinder(sessionOf(e), bind.Binder{}).BindRowRules(db.Name(), def, exprFromText)
	if err != nil {
		return nil, err
	}
	boundRules.Put(def, r)
	return r, nil
}

// refuseReferenced is DROP TABLE's 3726 and TRUNCATE TABLE's 4712 when a
// foreign key of another table (not among dropping) references def.
func refuseReferenced(t *txn, def *catalog.TableDef, dropping map[uint32]bool, msg int) error {
	set, err := t.schemaView()
	if err != nil {
		return err
	}
	if set.ReferencedBy(def, dropping) == "" {
		return nil
	}
	if msg == 3726 {
		return sqlerr.New(msg, "dbo."+def.Name)
	}
	return sqlerr.New(msg, def.Name)
}

// droppedTables are the ids of the tables a DROP TABLE names: a foreign
// key between two of them does not stop it.
func droppedTables(t *txn, names []parser.ObjectName) (map[uint32]bool, error) {
	set, err := t.schemaView()
	if err != nil {
		return nil, err
	}
	out := map[uint32]bool{}
	for _, n := range names {
		if def := set.Table("dbo", n.Object()); def != nil {
			out[def.ID] = true
		}
	}
	return out, nil
}

// indexEnforces names the constraint an index enforces, which DROP INDEX
// may not take away (3723): a UNIQUE constraint's own index, or the
// unique index a foreign key's parent lookup goes through.
func indexEnforces(t *txn, def *catalog.TableDef, ix *catalog.IndexDef) (string, error) {
	if ix.Constraint {
		return "UNIQUE KEY", nil
	}
	set, err := t.schemaView()
	if err != nil || !ix.Unique {
		return "", err
	}
	if _, fk := set.ReferencingKey(def, ix.Columns); fk != "" && !(len(def.PK) > 0 && catalog.SameColumnSet(def.PK, ix.Columns)) {
		return "FOREIGN KEY", nil
	}
	return "", nil
}

// constraintOnColumn names a constraint (or computed column) that depends
// on column col of def, "" when none does: what ALTER TABLE DROP COLUMN
// and ALTER COLUMN must refuse (5074) before they shift or change a
// column that FOREIGN KEY, CHECK, UNIQUE, DEFAULT or a computed column
// uses. Foreign keys of other tables that reference def count too.
func constraintOnColumn(set *catalog.Schema, def *catalog.TableDef, col int) string {
	name := def.Columns[col].Name
	mentions := func(text string) bool { return bind.NamesColumn(exprFromText(text), name) }
	has := func(cols []int) bool {
		for _, c := range cols {
			if c == col {
				return true
			}
		}
		return false
	}
	for i := range def.ForeignKeys {
		if has(def.ForeignKeys[i].Columns) {
			return def.ForeignKeys[i].Name
		}
	}
	for i := range def.Checks {
		if ck := &def.Checks[i]; ck.Column == col || mentions(ck.Expr) {
			return ck.Name
		}
	}
	for i := range def.Indexes {
		if ix := &def.Indexes[i]; ix.Constraint && has(ix.Columns) {
			return ix.Name
		}
	}
	if c := &def.Columns[col]; c.Default != "" && c.DefaultName != "" {
		return c.DefaultName
	}
	for i := range def.Columns {
		if c := &def.Columns[i]; i != col && c.Computed != "" && mentions(c.Computed) {
			return c.Name
		}
	}
	for _, t := range set.Tables() {
		for i := range t.ForeignKeys {
			if fk := &t.ForeignKeys[i]; fk.RefTable == def.ID && has(fk.RefColumns) {
				return fk.Name
			}
		}
	}
	return ""
}
