package engine

import (
	"slices"
	"strings"
	"time"

	"mirrordb/engine/bind"
	"mirrordb/engine/catalog"
	"mirrordb/engine/exec"
	"mirrordb/parser"
	"mirrordb/session"
	"mirrordb/sqlerr"
)

// ALTER TABLE ... ADD [CONSTRAINT name] UNIQUE (...) builds the
// constraint's index as CREATE INDEX builds one (index_ddl.go): outside a
// user transaction in steps of bounded memory, with progress notices on a
// long build; a duplicate key is 1505 with its value, and a failure or a
// cancel part-way removes what was built, leaving the table as it was. A
// statement that adds other constraints with it runs in one transaction
// (constraint_ddl.go), as a column's UNIQUE added by ADD COLUMN does.

// uniqueBuildPlan binds ADD of one UNIQUE constraint; nil for any other
// statement.
func (b *binder) uniqueBuildPlan(x *parser.AlterTableConstraint, db *Database, bound *catalog.TableDef) *stmtPlan {
	if x.Action != "ADD" || len(x.Add) != 1 {
		return nil
	}
	c, ok := x.Add[0].(*parser.UniqueConstraint)
	if !ok {
		return nil
	}
	s := b.s
	return &stmtPlan{dbs: []*Database{db}, run: func(e *exec.Env, _ *txn, w session.ResultWriter) (string, error) {
		build := &indexBuild{s: s, db: db, table: bound.Name, w: w, start: time.Now(),
			ix: catalog.IndexDef{Unique: true, Clustered: c.Clustered, Constraint: true, State: catalog.IndexBuilding},
			constraint: func(t *txn, def *catalog.TableDef, ix *catalog.IndexDef) error {
				return uniqueConstraintIndex(t, c, def, ix)
			}}
		if err := build.run(e); err != nil {
			if se := sqlerr.As(err); se.Position == 0 {
				err = b.ErrAt(c, se)
			}
			return "", err
		}
		return "ALTER TABLE", nil
	}}
}

// uniqueConstraintIndex completes the index of UNIQUE constraint c on def
// in the transaction that defines it: its columns (bind.KeyColumns' errors),
// its object_id and its name (given, 2714 when another object has it, or
// made as SQL Server makes one).
func uniqueConstraintIndex(t *txn, c *parser.UniqueConstraint, def *catalog.TableDef, ix *catalog.IndexDef) error {
	if c.Name != "" {
		set, err := t.schemaView()
		if err != nil {
			return err
		}
		if set.ObjectNames()[strings.ToLower(c.Name)] {
			return sqlerr.New(2714, c.Name)
		}
	}
	cols, err := bind.KeyColumns(def, c.Columns)
	if err != nil {
		return err
	}
	id, err := nextObjectID(t)
	if err != nil {
		return err
	}
	ix.Columns, ix.Desc = cols, slices.Clone(c.Desc)
	for len(ix.Desc) < len(cols) {
		ix.Desc = append(ix.Desc, false)
	}
	ix.ObjectID, ix.Name = id, bind.ConstraintName(c.Name, "UQ", def.Name, "", id)
	return nil
}
