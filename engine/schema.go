package engine

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"github.com/cockroachdb/pebble"

	"mirrordb/engine/catalog"
	"mirrordb/engine/keys"
	"mirrordb/engine/storage"
	"mirrordb/parser"
)

// defaultExprs caches parsed DEFAULT expressions by their text.
var defaultExprs sync.Map // string → parser.Expr

// defaultExpression returns the parsed DEFAULT expression (nil if none).
func defaultExpression(c *catalog.ColumnDef) parser.Expr {
	if c.Default == "" {
		return nil
	}
	return exprFromText(c.Default)
}

// schemaSet is an immutable snapshot of a database's tables.
type schemaSet struct {
	byName map[string]*catalog.TableDef // lower-case schema.name
	byID   map[uint32]*catalog.TableDef
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
func (s *schemaSet) table(schema, name string) *catalog.TableDef {
	if schema == "" {
		schema = "dbo"
	}
	return s.byName[schemaKey(schema, name)]
}

// tables returns the tables ordered by id.
func (s *schemaSet) tables() []*catalog.TableDef {
	out := make([]*catalog.TableDef, 0, len(s.byID))
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
	s := &schemaSet{byName: map[string]*catalog.TableDef{}, byID: map[uint32]*catalog.TableDef{}}
	prefix := keys.TableDefKey(0)[:len(keys.Schema)+2] // "s/t/"
	it, err := r.NewIter(&pebble.IterOptions{LowerBound: prefix, UpperBound: keys.PrefixEnd(prefix)})
	if err != nil {
		return nil, err
	}
	for it.First(); it.Valid(); it.Next() {
		var t catalog.TableDef
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
func encodeTableDef(t *catalog.TableDef) []byte {
	b, err := json.Marshal(t)
	if err != nil {
		panic(err) // catalog.TableDef holds only marshalable fields
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
