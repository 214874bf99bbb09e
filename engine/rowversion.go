package engine

import (
	"encoding/binary"

	"mirrordb/engine/catalog"
	"mirrordb/engine/exec"
	"mirrordb/engine/keys"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// rowversion (timestamp) columns: binary(8) values from a per-database
// counter that every insert and update of a row with such a column moves
// on, so a row's value changes whenever the row does. The counter is a
// logged schema key, so a mirror and a restored backup continue from the
// same value. @@DBTS reads it. The column cannot be written (273 in an
// INSERT, 272 in an UPDATE) and a table has at most one (2738).

// rowversionKey holds the database's last rowversion value.
var rowversionKey = keys.SchemaKey("db", "rowversion")

// firstRowversion is @@DBTS of a new database (SQL Server's 0x7D0).
const firstRowversion = 2000

// nextRowversion takes the database's next rowversion value.
func nextRowversion(t *txn) (types.Value, error) {
	n, err := t.nextCounter(rowversionKey, firstRowversion+1, 1)
	if err != nil {
		return nil, err
	}
	return binary.BigEndian.AppendUint64(nil, uint64(n)), nil
}

// stampRow gives an updated row its new rowversion value.
func (w *rowWriter) stampRow(t *txn, row []types.Value) error {
	i := w.table.RowversionColumn()
	if i < 0 {
		return nil
	}
	v, err := nextRowversion(t)
	row[i] = v
	return err
}

// checkRowversionColumns refuses a second rowversion column (2738).
func checkRowversionColumns(def *catalog.TableDef) error {
	seen := false
	for _, c := range def.Columns {
		if c.IsRowversion() {
			if seen {
				return sqlerr.New(2738, def.Name, c.Name)
			}
			seen = true
		}
	}
	return nil
}

// dbts is @@DBTS: the current database's last rowversion value.
func dbts(e *exec.Env, _ []types.Value, _ []types.Type) (types.Value, error) {
	n, ok, err := readCounter(sessionOf(e).readerFor(sessionOf(e).db), rowversionKey)
	if err != nil {
		return nil, err
	}
	if !ok {
		n = firstRowversion
	}
	return binary.BigEndian.AppendUint64(nil, uint64(n)), nil
}

func init() {
	globalVars["DBTS"] = &exec.Builtin{Type: fixed(types.VarBinaryType(8)), Volatile: true, Eval: dbts}
}
