package engine

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/cockroachdb/pebble"

	"mirrordb/engine/keys"
	"mirrordb/engine/storage"
	"mirrordb/parser"
	"mirrordb/types"
)

// TableDef is a table's definition. It is stored as JSON under s/t/<id> in
// the database's own store, so DDL travels through the log, backups and
// mirroring exactly like rows do.
type TableDef struct {
	ID      uint32      `json:"id"`
	Schema  string      `json:"schema"`
	Name    string      `json:"name"`
	Columns []ColumnDef `json:"columns"`
	// PK lists the primary key's column indexes; empty for a heap, whose
	// rows are keyed by a hidden row id.
	PK      []int     `json:"pk,omitempty"`
	PKName  string    `json:"pk_name,omitempty"`
	Created time.Time `json:"created"`
	// PKNonclustered records PRIMARY KEY NONCLUSTERED (engine/indexes.go).
	PKNonclustered bool `json:"pk_nonclustered,omitempty"`
	// Indexes are the secondary indexes, NextIndexID the index_id the next
	// nonclustered one takes (engine/indexes.go).
	Indexes     []IndexDef `json:"indexes,omitempty"`
	NextIndexID uint32     `json:"next_index_id,omitempty"`
	// ForeignKeys and Checks are the table's FOREIGN KEY and CHECK
	// constraints (engine/constraints.go); UNIQUE constraints are Indexes.
	ForeignKeys []ForeignKeyDef `json:"foreign_keys,omitempty"`
	Checks      []CheckDef      `json:"checks,omitempty"`
}

// ColumnDef is one column of a table.
type ColumnDef struct {
	Name     string     `json:"name"`
	Type     types.Type `json:"type"`
	Nullable bool       `json:"nullable"`
	Identity *Identity  `json:"identity,omitempty"`
	// Default is the DEFAULT expression in canonical T-SQL text.
	Default     string `json:"default,omitempty"`
	DefaultName string `json:"default_name,omitempty"`
	// TypeName is the declared type's name when the stored Type does not
	// say it (text, ntext, image, timestamp, an alias type); UserTypeID is
	// the alias type's id (engine/usertypes.go).
	TypeName   string `json:"type_name,omitempty"`
	UserTypeID int64  `json:"user_type_id,omitempty"`
	// DefaultID is the default constraint's object_id (0 for a table made
	// before constraints had object ids).
	DefaultID uint32 `json:"default_id,omitempty"`
	// Computed is a computed column's expression in T-SQL text; its value
	// is computed on every write and stored with the row (PERSISTED or
	// not: engine/constraints.go).
	Computed  string `json:"computed,omitempty"`
	Persisted bool   `json:"persisted,omitempty"`
}

// Identity is a column's IDENTITY(seed, increment).
type Identity struct {
	Seed      int64 `json:"seed"`
	Increment int64 `json:"increment"`
}

// ColumnIndex returns the index of the named column (case-insensitive), or -1.
func (t *TableDef) ColumnIndex(name string) int {
	for i := range t.Columns {
		if strings.EqualFold(t.Columns[i].Name, name) {
			return i
		}
	}
	return -1
}

// IdentityColumn returns the index of the IDENTITY column, or -1.
func (t *TableDef) IdentityColumn() int {
	for i := range t.Columns {
		if t.Columns[i].Identity != nil {
			return i
		}
	}
	return -1
}

// defaultExprs caches parsed DEFAULT expressions by their text.
var defaultExprs sync.Map // string → parser.Expr

// defaultExpression returns the parsed DEFAULT expression (nil if none).
func (c *ColumnDef) defaultExpression() parser.Expr {
	if c.Default == "" {
		return nil
	}
	return exprFromText(c.Default)
}

// schemaSet is an immutable snapshot of a database's tables.
type schemaSet struct {
	byName map[string]*TableDef // lower-case schema.name
	byID   map[uint32]*TableDef
	// refs indexes the foreign keys by the table they reference, made on
	// first use (engine/constraint_refs.go); a set never changes once
	// loaded, so neither does its index.
	refsOnce sync.Once
	refs     map[uint32][]fkRef
}

func schemaKey(schema, name string) string {
	return strings.ToLower(schema) + "." + strings.ToLower(name)
}

// table finds a table by schema (default dbo) and name.
func (s *schemaSet) table(schema, name string) *TableDef {
	if schema == "" {
		schema = "dbo"
	}
	return s.byName[schemaKey(schema, name)]
}

// tables returns the tables ordered by id.
func (s *schemaSet) tables() []*TableDef {
	out := make([]*TableDef, 0, len(s.byID))
	for id := uint32(0); len(out) < len(s.byID); id++ {
		if t, ok := s.byID[id]; ok {
			out = append(out, t)
		}
	}
	return out
}

// schemaGeneration counts the schema loads of the instance's databases
// (committed or as a transaction sees it); a prepared statement re-binds
// when it moved since it was bound. One number for the instance, not one
// per database: a plan may name tables of any database of the instance.
func (in *Instance) schemaGeneration() uint64 { return in.schemaGen.Load() }

// loadSchema reads every table definition visible through r.
func (in *Instance) loadSchema(r pebble.Reader) (*schemaSet, error) {
	in.schemaGen.Add(1)
	s := &schemaSet{byName: map[string]*TableDef{}, byID: map[uint32]*TableDef{}}
	prefix := keys.TableDefKey(0)[:len(keys.Schema)+2] // "s/t/"
	it, err := r.NewIter(&pebble.IterOptions{LowerBound: prefix, UpperBound: keys.PrefixEnd(prefix)})
	if err != nil {
		return nil, err
	}
	for it.First(); it.Valid(); it.Next() {
		var t TableDef
		if err := json.Unmarshal(it.Value(), &t); err != nil {
			it.Close()
			return nil, fmt.Errorf("table definition %x: %w", it.Key(), err)
		}
		s.byID[t.ID] = &t
		s.byName[schemaKey(t.Schema, t.Name)] = &t
	}
	return s, it.Close()
}

// encodeTableDef serialises a definition for its s/t/<id> key.
func encodeTableDef(t *TableDef) []byte {
	b, err := json.Marshal(t)
	if err != nil {
		panic(err) // TableDef holds only marshalable fields
	}
	return b
}

// nextCounter reads a uint64 counter key through the transaction, adds
// delta and writes it back, returning the new value. Counters (table ids,
// identity values, heap row ids) are ordinary logged keys.
func (t *txn) nextCounter(key []byte, start, delta int64) (int64, error) {
	cur, had, err := t.Get(key)
	if err != nil {
		return 0, err
	}
	var v int64
	if had && len(cur) == 8 {
		v = int64(binary.BigEndian.Uint64(cur)) + delta
	} else {
		v = start
	}
	var buf [8]byte
	binary.BigEndian.PutUint64(buf[:], uint64(v))
	return v, t.Write(key, cur, had, buf[:])
}

// readCounter reads a counter key's current value (ok false if unset).
func readCounter(r pebble.Reader, key []byte) (int64, bool, error) {
	v, ok, err := storage.ReadValue(r, key)
	if err != nil || !ok || len(v) != 8 {
		return 0, false, err
	}
	return int64(binary.BigEndian.Uint64(v)), true, nil
}
