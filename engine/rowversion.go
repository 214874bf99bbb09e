package engine

import (
	"encoding/binary"

	"mirrordb/engine/bind"
	"mirrordb/engine/exec"
	"mirrordb/types"
)

// rowversion (timestamp) columns: binary(8) values from a per-database
// counter that every insert and update of a row with such a column moves
// on, so a row's value changes whenever the row does. The counter is a
// logged schema key, so a mirror and a restored backup continue from the
// same value. @@DBTS reads it. The column cannot be written (273 in an
// INSERT, 272 in an UPDATE) and a table has at most one (2738).

// dbts is @@DBTS: the current database's last rowversion value.
func dbts(e *exec.Env, _ []types.Value, _ []types.Type) (types.Value, error) {
	n, ok, err := readCounter(sessionOf(e).readerFor(sessionOf(e).db), exec.RowversionKey)
	if err != nil {
		return nil, err
	}
	if !ok {
		n = exec.FirstRowversion
	}
	return binary.BigEndian.AppendUint64(nil, uint64(n)), nil
}

func init() {
	bind.Globals["DBTS"] = &exec.Builtin{Type: fixed(types.VarBinaryType(8)), Volatile: true, Eval: dbts}
}
