package catalog

import "strings"

// Secondary indexes. An index is part of its table's definition (TableDef
// .Indexes, one schema key), and its entries are keys beside the table's
// rows (engine/keys/index.go) written in the same transaction as the row
// they point at. docs/ARCHITECTURE.md ("Secondary indexes") tells the
// whole story.
//
// Rows are always stored by their primary key (or a heap's hidden row
// id); "clustered" is what the catalog says. A table with a clustered
// primary key has index_id 1 as its primary key; PRIMARY KEY NONCLUSTERED
// makes it a heap in the catalog (index_id 0) with its primary key as
// index_id 2, and a CLUSTERED secondary index on such a table, or on a
// heap, takes index_id 1.

// IndexState is where an index is in its life. Only a ready index answers
// queries; building and ready ones are maintained by every write.
type IndexState string

const (
	IndexReady    IndexState = ""
	IndexBuilding IndexState = "building" // CREATE INDEX is filling it
	IndexDropping IndexState = "dropping" // DROP INDEX is emptying it
)

// IndexDef is one secondary index of a table.
type IndexDef struct {
	ID        uint32     `json:"id"` // its sys.indexes index_id
	Name      string     `json:"name"`
	Unique    bool       `json:"unique,omitempty"`
	Clustered bool       `json:"clustered,omitempty"`
	Columns   []int      `json:"columns"`
	Desc      []bool     `json:"desc"`
	Include   []int      `json:"include,omitempty"`
	State     IndexState `json:"state,omitempty"`
	// Filter is a filtered index's WHERE as T-SQL text; the engine parses
	// and evaluates it.
	Filter string `json:"filter,omitempty"`
	// Store numbers the index's entries (keys.IndexPrefix) when it is not
	// ID: an index rebuilt WITH (DROP_EXISTING = ON) keeps its index_id
	// while the new entries are built beside the old ones.
	Store uint32 `json:"store,omitempty"`
	// Constraint marks the index of a UNIQUE constraint (2627 rather than
	// 2601, a row in sys.key_constraints); ObjectID is that constraint's.
	Constraint bool   `json:"constraint,omitempty"`
	ObjectID   uint32 `json:"object_id,omitempty"`
}

// StoreID is the number under which the index's entries are kept.
func (ix *IndexDef) StoreID() uint32 {
	if ix.Store != 0 {
		return ix.Store
	}
	return ix.ID
}

// Maintained reports whether writes keep the index's entries.
func (ix *IndexDef) Maintained() bool { return ix.State != IndexDropping }

// MaxIndexKeyColumns is SQL Server's limit on key columns (Msg 1904).
const MaxIndexKeyColumns = 16

// FirstNonclusteredID is the index_id of the first nonclustered index.
const FirstNonclusteredID = 2

// PKIndexID is the index_id the catalog gives the primary key.
func (t *TableDef) PKIndexID() uint32 {
	if t.PKNonclustered {
		return FirstNonclusteredID
	}
	return 1
}

// Index finds a table's index by name (case-insensitive), or nil.
func (t *TableDef) Index(name string) *IndexDef {
	for i := range t.Indexes {
		if strings.EqualFold(t.Indexes[i].Name, name) {
			return &t.Indexes[i]
		}
	}
	return nil
}

// ClusteredName names the table's clustered index ("" when it is a heap).
func (t *TableDef) ClusteredName() string {
	if len(t.PK) > 0 && !t.PKNonclustered {
		return t.PKName
	}
	for i := range t.Indexes {
		if t.Indexes[i].Clustered {
			return t.Indexes[i].Name
		}
	}
	return ""
}
