package engine

import (
	"mirrordb/engine/bind"
	"mirrordb/engine/catalog"
	"mirrordb/engine/exec"
	"mirrordb/engine/keys"
	"mirrordb/parser"
)

// rowWriter is exec's row writer with the database the engine's
// constraint checks (CHECK, FOREIGN KEY, IDENTITY_INSERT) need.
type rowWriter struct {
	exec.RowWriter
	db *Database
}

func newRowWriter(db *Database, def *catalog.TableDef, verb string) rowWriter {
	return rowWriter{RowWriter: exec.RowWriter{Table: def, Database: db.Name(), Verb: verb}, db: db}
}

// newWriter is a statement's row writer and the Enforcer of its rules.
func newWriter(db *Database, def *catalog.TableDef, verb string) (*exec.RowWriter, exec.Enforcer) {
	w := newRowWriter(db, def, verb)
	return &w.RowWriter, &w
}

// dml binds INSERT, UPDATE and DELETE (bind.DMLBinder) against the
// session's databases.
func (b *binder) dml() bind.DMLBinder[*Database] {
	return bind.DMLBinder[*Database]{Binder: &b.Binder, Cat: b.cat, Set: b.set, Eng: dmlEngine{}}
}

// dmlEngine is what binding INSERT, UPDATE and DELETE needs of the
// engine (bind.DML).
type dmlEngine struct{}

func (dmlEngine) Writer(db *Database, def *catalog.TableDef, verb string) (*exec.RowWriter, exec.Enforcer) {
	return newWriter(db, def, verb)
}

func (dmlEngine) Parse(text string) parser.Expr { return exprFromText(text) }

// truncateTable deletes every row and resets the identity counter.
func truncateTable(e *exec.Env, t *txn, db *Database, def *catalog.TableDef) error {
	scan := newTableScan(db, def)
	ks, raws, rows, err := exec.MatchRows(e, scan, nil, nil)
	if err == nil {
		err = exec.DeleteRows(e, t, def.ID, ks, raws, rows)
	}
	if err != nil {
		return err
	}
	return t.Delete(keys.IdentityKey(def.ID))
}
