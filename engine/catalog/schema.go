package catalog

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"github.com/cockroachdb/pebble"

	"mirrordb/engine/keys"
)

// Schema is an immutable snapshot of a database's tables, as committed or
// as one transaction sees them. It is never changed once made: DDL writes
// new definitions and the engine loads a new Schema.
type Schema struct {
	byName map[string]*TableDef // lower-case schema.name
	byID   map[uint32]*TableDef
	// byStore finds the tables whose rows are not kept under their id.
	byStore map[uint32]*TableDef
	// refs indexes the foreign keys by the table they reference, made on
	// first use; a set never changes, so neither does its index.
	refsOnce sync.Once
	refs     map[uint32][]FKRef
}

// NewSchema makes a set of the given definitions.
func NewSchema(tables ...*TableDef) *Schema {
	s := &Schema{byName: make(map[string]*TableDef, len(tables)), byID: make(map[uint32]*TableDef, len(tables))}
	for _, t := range tables {
		s.byID[t.ID] = t
		if t.Store != 0 {
			if s.byStore == nil {
				s.byStore = map[uint32]*TableDef{}
			}
			s.byStore[t.Store] = t
		}
		s.byName[nameKey(t.Schema, t.Name)] = t
	}
	return s
}

func nameKey(schema, name string) string {
	return strings.ToLower(schema) + "." + strings.ToLower(name)
}

// Table finds a table by schema (default dbo) and name, case-insensitive;
// nil when there is none.
func (s *Schema) Table(schema, name string) *TableDef {
	if schema == "" {
		schema = "dbo"
	}
	return s.byName[nameKey(schema, name)]
}

// ByID finds a table by its id (nil when there is none).
func (s *Schema) ByID(id uint32) *TableDef { return s.byID[id] }

// ByStore finds the table whose rows are kept under store (a key's
// number; nil when there is none).
func (s *Schema) ByStore(store uint32) *TableDef {
	if t := s.byStore[store]; t != nil {
		return t
	}
	if t := s.byID[store]; t != nil && t.Store == 0 {
		return t
	}
	return nil
}

// Tables returns the tables ordered by id.
func (s *Schema) Tables() []*TableDef {
	out := make([]*TableDef, 0, len(s.byID))
	for id := uint32(0); len(out) < len(s.byID); id++ {
		if t, ok := s.byID[id]; ok {
			out = append(out, t)
		}
	}
	return out
}

// FKRef is a foreign key and the table (the child) that has it.
type FKRef struct {
	Child *TableDef
	FK    *ForeignKeyDef
}

// Referencing lists the foreign keys that reference table id (disabled
// ones too), by the child's id and then in the child's order. Every UPDATE
// and DELETE asks, so the answer is indexed once per set rather than
// found by walking every table.
func (s *Schema) Referencing(id uint32) []FKRef {
	s.refsOnce.Do(func() {
		s.refs = map[uint32][]FKRef{}
		for _, child := range s.Tables() {
			for i := range child.ForeignKeys {
				fk := &child.ForeignKeys[i]
				s.refs[fk.RefTable] = append(s.refs[fk.RefTable], FKRef{child, fk})
			}
		}
	})
	return s.refs[id]
}

// ReferencedBy names a foreign key of another table that references def
// ("" when none): what DROP TABLE (3726) and TRUNCATE TABLE (4712)
// refuse. dropping lists tables going away in the same statement.
func (s *Schema) ReferencedBy(def *TableDef, dropping map[uint32]bool) string {
	for _, ref := range s.Referencing(def.ID) {
		if ref.Child.ID != def.ID && !dropping[ref.Child.ID] {
			return ref.FK.Name
		}
	}
	return ""
}

// ObjectNames lists the names of every table and constraint, lower case:
// a new object may take none of them (2714).
func (s *Schema) ObjectNames() map[string]bool {
	out := map[string]bool{}
	for _, t := range s.byID {
		for _, n := range t.OwnNames() {
			out[strings.ToLower(n)] = true
		}
	}
	return out
}

// LoadSchema reads every table definition (s/t/<id>) visible through r.
func LoadSchema(r pebble.Reader) (*Schema, error) {
	var tables []*TableDef
	err := scanJSON(r, keys.TableDefKey(0)[:len(keys.Schema)+2], func() any {
		t := new(TableDef)
		tables = append(tables, t)
		return t
	})
	if err != nil {
		return nil, fmt.Errorf("table definition %w", err)
	}
	return NewSchema(tables...), nil
}

// EncodeTable serialises a definition for its s/t/<id> key.
func EncodeTable(t *TableDef) []byte {
	b, err := json.Marshal(t)
	if err != nil {
		panic(err) // TableDef holds only marshalable fields
	}
	return b
}

// DecodeTable decodes a definition stored under its s/t/<id> key.
func DecodeTable(raw []byte) (*TableDef, error) {
	t := new(TableDef)
	if err := json.Unmarshal(raw, t); err != nil {
		return nil, err
	}
	return t, nil
}

// ReferencingKey names a foreign key (of any table: its table as
// "dbo.name", and its own name) that references def's columns cols, "" and
// "" when none does; def stands for its own id in the set (it may be a
// changed copy).
func (s *Schema) ReferencingKey(def *TableDef, cols []int) (table, fk string) {
	for _, t := range s.Tables() {
		if t.ID == def.ID {
			t = def
		}
		for i := range t.ForeignKeys {
			if fk := &t.ForeignKeys[i]; fk.RefTable == def.ID && SameColumnSet(fk.RefColumns, cols) {
				return "dbo." + t.Name, fk.Name
			}
		}
	}
	return "", ""
}

// NameInUse is the first name a new table brings (its own, its
// constraints', its DEFAULTs') that another object of the schema, or
// another of these, already has ("" when none): 2714.
func (s *Schema) NameInUse(def *TableDef) string {
	taken := s.ObjectNames()
	for _, n := range def.OwnNames() {
		if taken[strings.ToLower(n)] {
			return n
		}
		taken[strings.ToLower(n)] = true
	}
	return ""
}

// scanJSON decodes every value under prefix into a fresh value from next.
func scanJSON(r pebble.Reader, prefix []byte, next func() any) error {
	it, err := r.NewIter(&pebble.IterOptions{LowerBound: prefix, UpperBound: keys.PrefixEnd(prefix)})
	if err != nil {
		return err
	}
	for it.First(); it.Valid(); it.Next() {
		if err := json.Unmarshal(it.Value(), next()); err != nil {
			it.Close()
			return fmt.Errorf("%x: %w", it.Key(), err)
		}
	}
	return it.Close()
}
