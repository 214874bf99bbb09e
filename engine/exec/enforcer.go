package exec

import (
	"encoding/binary"

	"mirrordb/engine/keys"
	"mirrordb/engine/plan"
	"mirrordb/types"
)

// Enforcer is what only the engine can do around the rows an INSERT,
// UPDATE or DELETE writes: the session's identity state, the other
// tables' stores and the rules it binds from their stored text (Tables),
// and the printing of the constraints' expressions in plans. exec checks
// the constraints itself (foreignkeys.go). The engine gives each bound
// statement one for its table.
type Enforcer interface {
	Tables
	// IdentityInsert is called before an INSERT writes a row. It applies
	// SET IDENTITY_INSERT as the session has it now (544, 8101, 545: the
	// plan may have been bound under the other setting), given whether
	// the INSERT has a column list and whether the list names the
	// identity column.
	IdentityInsert(e *Env, listed, explicitID bool) error
	// Identity records an identity value a row was given, generated or
	// explicit: SCOPE_IDENTITY() and @@IDENTITY report the session's last.
	Identity(e *Env, v int64)
	// Explain puts over a write's plan node the Assert of the
	// constraints it checks; verb is Insert, Update or Delete, set an
	// UPDATE's columns.
	Explain(x *Explainer, verb string, set []int, write *plan.Node) *plan.Node
}

// IdentityValue is an identity column's value as an int64 (an integer
// or a decimal of scale 0).
func IdentityValue(v types.Value) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case types.Dec:
		return x.Int64()
	}
	return 0, false
}

// explicitIdentity records an explicit identity value v (SET
// IDENTITY_INSERT): the table's counter moves to v when v lies beyond it
// in the increment's direction, or when the table never generated one,
// so later generated values do not collide. ok is false for a NULL.
func (w *RowWriter) explicitIdentity(ws Writes, v types.Value) (n int64, ok bool, err error) {
	if n, ok = IdentityValue(v); !ok {
		return 0, false, nil
	}
	key := keys.IdentityKey(w.Table.ID)
	cur, had, err := ws.Get(key)
	if err != nil {
		return n, true, err
	}
	inc := w.Table.Columns[w.Table.IdentityColumn()].Identity.Increment
	if had && len(cur) == 8 {
		c := int64(binary.BigEndian.Uint64(cur))
		if (inc > 0 && n <= c) || (inc < 0 && n >= c) {
			return n, true, nil
		}
	}
	return n, true, ws.Write(key, cur, had, binary.BigEndian.AppendUint64(nil, uint64(n)))
}
