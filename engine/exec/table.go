package exec

import (
	"mirrordb/engine/catalog"
	"mirrordb/types"
)

// Table is a stored table as a running statement reads it: the seam
// between the scans, which know keys, ranges and rows, and the store
// behind them, which the engine implements for one database's table. What
// a statement must not see of the store stays behind it: whether the
// database is in service, which snapshot the session reads (its own
// transaction's writes or the committed data), SET STATISTICS IO's counts
// and the translation of the store's failures into SQL Server's errors.
type Table interface {
	// Open begins one reading of the table by a scan or seek (SET
	// STATISTICS IO counts it as a scan); it fails when the database is
	// out of service. The Reader is valid for the run of e.
	Open(e *Env) (Reader, error)
	// Current is the table's descriptor as the statement's session sees
	// the schema now (nil when it cannot): a seek bound before DROP
	// INDEX began reads the table instead of an index no longer ready.
	Current(e *Env) *catalog.TableDef
	// Database is the name of the table's database, as plans print it.
	Database() string
}

// Reader is one reading of a table's store. Its errors are SQL Server's
// (823, 824 with the database marked SUSPECT); a row's key and value
// slices are valid only during the call they are passed to.
type Reader interface {
	// Ranges reads the keys and values of the store in the ranges, in
	// order (backward: from the last key of the last range), checking
	// the statement's governor. rows says the keys are the table's rows
	// (or entries that stand for them), each a logical read; an index's
	// entries that lead to their rows through Get are not.
	Ranges(rs []KeyRange, backward, rows bool, fn func(key, val []byte) error) error
	// Get reads one key's value, a logical read when it is there.
	Get(key []byte) (val []byte, ok bool, err error)
	// Row decodes a stored row into dst (reused when big enough),
	// materializing the columns need marks (nil: all) and computing
	// those added since the row was stored; a row that does not decode
	// is corruption.
	Row(raw []byte, dst []types.Value, need []bool) ([]types.Value, error)
	// Corrupt reports damage the scan found in what it read (an index
	// entry that does not decode or leads to no row).
	Corrupt(err error) error
}

// TableName is a table as plans print it: [db].[schema].[table].
func TableName(db string, t *catalog.TableDef) string {
	schema := t.Schema
	if schema == "" {
		schema = "dbo"
	}
	return Bracket(db) + "." + Bracket(schema) + "." + Bracket(t.Name)
}

// ObjectName is a table's OBJECT:() in plans: its TableName, with its
// primary key (the clustered index) [db].[schema].[table].[PK_name].
func ObjectName(db string, t *catalog.TableDef) string {
	s := TableName(db, t)
	if len(t.PK) > 0 && t.PKName != "" {
		s += "." + Bracket(t.PKName)
	}
	return s
}

// ColumnName is a table's column as plans print it: [db].[schema].[t].[c].
func ColumnName(db string, t *catalog.TableDef, i int) string {
	return TableName(db, t) + "." + Bracket(t.Columns[i].Name)
}
