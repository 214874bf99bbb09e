package exec

import (
	"bytes"
	"encoding/binary"
	"strings"

	"mirrordb/engine/catalog"
	"mirrordb/engine/keys"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// RowWriter stores complete rows of one table through a statement's
// Writes, enforcing what every write path shares: conversion to the
// column types (2628 on truncation), NOT NULL (515), identity and
// rowversion values, primary-key uniqueness (2627) and the table's
// indexes. CHECK and FOREIGN KEY constraints, whose expressions the
// engine binds, are the engine's, around it.
type RowWriter struct {
	Table    *catalog.TableDef
	Database string // the table's database, as messages name it
	Verb     string // INSERT or UPDATE, for 515's message
	// Absent, when set, says a primary key is known not to exist, sparing
	// Insert its lookup (a bulk load past the table's last key).
	Absent func(key []byte) bool
}

// QualifiedName is the "db.dbo.t" form SQL Server uses in messages.
func (w *RowWriter) QualifiedName() string {
	return w.Database + ".dbo." + w.Table.Name
}

// Convert brings a value to column i's type and checks nullability.
func (w *RowWriter) Convert(i int, v types.Value, from types.Type) (types.Value, error) {
	col := &w.Table.Columns[i]
	if v == nil {
		if !col.Nullable {
			return nil, sqlerr.New(515, col.Name, w.QualifiedName(), w.Verb)
		}
		return nil, nil
	}
	out, err := types.Convert(v, from, col.Type, types.Implicit)
	if err != nil {
		if sqlerr.Is(err, 8152) {
			return nil, sqlerr.New(2628, w.QualifiedName(), col.Name, truncatedValue(v, from, col.Type))
		}
		return nil, err
	}
	return out, nil
}

// truncatedValue is the value as it would have been cut, for 2628.
func truncatedValue(v types.Value, from, to types.Type) string {
	cut, err := types.Convert(v, from, to, types.Explicit)
	if err != nil {
		return ""
	}
	if b, ok := cut.([]byte); ok {
		return string(b)
	}
	return types.ToText(cut, to)
}

// Key returns the storage key of a new row: its primary key, or for a
// heap a new hidden row id.
func (w *RowWriter) Key(ws Writes, row []types.Value) ([]byte, error) {
	if len(w.Table.PK) == 0 {
		id, err := ws.NextCounter(keys.RowIDKey(w.Table.StoreID()), 1, 1)
		if err != nil {
			return nil, err
		}
		return keys.RowKey(w.Table.StoreID(), keys.AppendValue(nil, id, types.TypeBigInt)), nil
	}
	return w.PKKey(row), nil
}

// PKKey is the row's primary key as stored.
func (w *RowWriter) PKKey(row []types.Value) []byte {
	var scratch [64]byte // RowKey copies the key: one allocation per row
	enc := scratch[:0]
	for _, i := range w.Table.PK {
		enc = keys.AppendValue(enc, row[i], w.Table.Columns[i].Type)
	}
	return keys.RowKey(w.Table.StoreID(), enc)
}

// Insert stores a new row and its index entries, refusing a duplicate
// primary key.
func (w *RowWriter) Insert(ws Writes, key []byte, row []types.Value) error {
	if len(w.Table.PK) > 0 && (w.Absent == nil || !w.Absent(key)) {
		if _, exists, err := ws.Get(key); err != nil {
			return err
		} else if exists {
			return w.duplicate(row)
		}
	}
	// key and the encoded row are fresh: the transaction keeps them as they are.
	if err := ws.WriteOwned(key, nil, false, keys.EncodeRowExact(row)); err != nil {
		return err
	}
	return WriteIndexes(ws, w.Table.ID, nil, nil, key, row)
}

func (w *RowWriter) duplicate(row []types.Value) error {
	vals := make([]string, len(w.Table.PK))
	for i, c := range w.Table.PK {
		vals[i] = types.ToText(row[c], w.Table.Columns[c].Type)
	}
	return sqlerr.New(2627, "PRIMARY KEY", w.Table.PKName, "dbo."+w.Table.Name, strings.Join(vals, ", "))
}

// NextIdentity returns the next IDENTITY value of column i (8115 past
// its type's range).
func (w *RowWriter) NextIdentity(ws Writes, i int) (int64, error) {
	id := w.Table.Columns[i].Identity
	v, err := ws.NextCounter(keys.IdentityKey(w.Table.ID), id.Seed, id.Increment)
	if err != nil {
		return 0, err
	}
	k := w.Table.Columns[i].Type.Kind
	if k != types.Decimal && !types.CheckIntRange(v, k) {
		return 0, sqlerr.New(8115, "IDENTITY", k.String())
	}
	return v, nil
}

// RowversionKey holds a database's last rowversion value: a logged
// schema key, so a mirror and a restored backup continue from it.
var RowversionKey = keys.SchemaKey("db", "rowversion")

// FirstRowversion is @@DBTS of a new database (SQL Server's 0x7D0).
const FirstRowversion = 2000

// NextRowversion takes the database's next rowversion value.
func NextRowversion(ws Writes) (types.Value, error) {
	n, err := ws.NextCounter(RowversionKey, FirstRowversion+1, 1)
	if err != nil {
		return nil, err
	}
	return binary.BigEndian.AppendUint64(nil, uint64(n)), nil
}

// Stamp gives an updated row its new rowversion value.
func (w *RowWriter) Stamp(ws Writes, row []types.Value) error {
	i := w.Table.RowversionColumn()
	if i < 0 {
		return nil
	}
	v, err := NextRowversion(ws)
	row[i] = v
	return err
}

// RowChange is one row an UPDATE (or a cascade) changes.
type RowChange struct {
	OldKey, OldRaw, NewKey []byte
	Old, Row               []types.Value
}

// StorageKey is where a changed row goes: its primary key, or for a heap
// where it was.
func (w *RowWriter) StorageKey(oldKey []byte, row []types.Value) []byte {
	if len(w.Table.PK) > 0 {
		return w.PKKey(row)
	}
	return oldKey
}

// ApplyChanges writes changed rows and their index entries.
func (w *RowWriter) ApplyChanges(e *Env, ws Writes, changes []RowChange) error {
	// Rows whose key changes are removed first, so that shifting keys
	// (SET id = id + 1) does not collide with rows not yet moved.
	for _, c := range changes {
		if err := e.Gov.Check(); err != nil {
			return err
		}
		if !bytes.Equal(c.OldKey, c.NewKey) {
			if err := ws.Write(c.OldKey, c.OldRaw, true, nil); err != nil {
				return err
			}
		}
		newKey, newRow := c.NewKey, c.Row
		if !bytes.Equal(c.OldKey, c.NewKey) {
			newKey, newRow = nil, nil // a moved row's entries come back with its insert
		}
		if err := IndexPhase(ws, w.Table.ID, c.OldKey, c.Old, newKey, newRow, true); err != nil {
			return err
		}
	}
	for _, c := range changes {
		if err := e.Gov.Check(); err != nil {
			return err
		}
		if bytes.Equal(c.OldKey, c.NewKey) {
			if err := ws.Write(c.OldKey, c.OldRaw, true, keys.EncodeRow(nil, c.Row)); err != nil {
				return err
			}
			if err := IndexPhase(ws, w.Table.ID, c.OldKey, c.Old, c.OldKey, c.Row, false); err != nil {
				return err
			}
			continue
		}
		if err := w.Insert(ws, c.NewKey, c.Row); err != nil {
			return err
		}
	}
	return nil
}
