package engine

import (
	"context"
	"strings"

	"github.com/cockroachdb/pebble"

	"mirrordb/engine/catalog"
	"mirrordb/engine/exec"
	"mirrordb/engine/keys"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// The catalog of indexes: sys.indexes, sys.index_columns, sys.stats (one
// statistics object per index, as SQL Server makes), row counts in
// sys.partitions and sys.dm_db_stats_properties, and sp_helpindex. All of
// them describe the session's current database.

// catalogIndex is one row of sys.indexes: the heap, the primary key or a
// secondary index of a table.
type catalogIndex struct {
	id                   uint32
	name                 string // "" for the heap
	clustered, unique    bool
	primaryKey, disabled bool
	constraint           bool // a UNIQUE constraint's index
	filter               string
	cols                 []int
	desc                 []bool
	include              []int
	prefix               []byte // where its keys (rows or entries) are
}

// catalogIndexes lists a table's indexes in index_id order as the catalog
// shows them.
func catalogIndexes(t *catalog.TableDef) []catalogIndex {
	var out []catalogIndex
	rows := keys.TablePrefix(t.StoreID())
	if t.ClusteredName() == "" {
		out = append(out, catalogIndex{id: 0, prefix: rows})
	}
	if len(t.PK) > 0 {
		out = append(out, catalogIndex{id: t.PKIndexID(), name: t.PKName, clustered: !t.PKNonclustered, unique: true,
			primaryKey: true, cols: t.PK, desc: make([]bool, len(t.PK)), prefix: rows})
	}
	for _, ix := range t.Indexes {
		out = append(out, catalogIndex{id: ix.ID, name: ix.Name, clustered: ix.Clustered, unique: ix.Unique, constraint: ix.Constraint,
			disabled: ix.State != catalog.IndexReady, cols: ix.Columns, desc: ix.Desc, include: ix.Include, filter: ix.Filter,
			prefix: keys.IndexPrefix(t.StoreID(), ix.StoreID())})
	}
	for i := 1; i < len(out); i++ { // index_id order (few entries)
		for j := i; j > 0 && out[j].id < out[j-1].id; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// filterDefinition is sys.indexes.filter_definition: the filter in
// parentheses, NULL without one.
func (c *catalogIndex) filterDefinition() types.Value {
	if c.filter == "" {
		return nil
	}
	return "(" + c.filter + ")"
}

func (c *catalogIndex) typeDesc() (int64, string) {
	switch {
	case c.id == 0:
		return 0, "HEAP"
	case c.clustered:
		return 1, "CLUSTERED"
	}
	return 2, "NONCLUSTERED"
}

// countKeys counts the keys under prefix as the session sees them.
func countKeys(e *exec.Env, r pebble.Reader, prefix []byte) (int64, error) {
	it, err := r.NewIter(&pebble.IterOptions{LowerBound: prefix, UpperBound: keys.PrefixEnd(prefix)})
	if err != nil {
		return 0, err
	}
	defer it.Close()
	var n int64
	for it.First(); it.Valid(); it.Next() {
		if err := e.Gov.Check(); err != nil {
			return 0, err
		}
		n++
	}
	return n, it.Error()
}

// eachIndex calls fn for every index of every table of the current
// database.
func eachIndex(e *exec.Env, fn func(t *catalog.TableDef, c *catalogIndex) error) error {
	set, err := sessionOf(e).schemaFor(sessionOf(e).db)
	if err != nil {
		return err
	}
	for _, t := range set.Tables() {
		for _, c := range catalogIndexes(t) {
			if err := fn(t, &c); err != nil {
				return err
			}
		}
	}
	return nil
}

func nameOrNil(s string) types.Value {
	if s == "" {
		return nil
	}
	return s
}

func (vs viewSet) addIndexViews() {
	vs["sys.indexes"] = &view{
		cols: cols("object_id", intT, "name", sysname, "index_id", intT, "type", tinyint, "type_desc", desc60,
			"is_unique", bit, "data_space_id", intT, "ignore_dup_key", bit, "is_primary_key", bit,
			"is_unique_constraint", bit, "fill_factor", tinyint, "is_padded", bit, "is_disabled", bit,
			"is_hypothetical", bit, "allow_row_locks", bit, "allow_page_locks", bit, "has_filter", bit,
			"filter_definition", types.NVarCharType(types.MaxLength)),
		rows: func(e *exec.Env, _ []types.Value) ([][]types.Value, error) {
			var out [][]types.Value
			err := eachIndex(e, func(t *catalog.TableDef, c *catalogIndex) error {
				typ, desc := c.typeDesc()
				out = append(out, []types.Value{int64(t.ID), nameOrNil(c.name), int64(c.id), typ, desc, c.unique,
					int64(1), false, c.primaryKey, c.constraint, int64(0), false, c.disabled, false, true, true,
					c.filter != "", c.filterDefinition()})
				return nil
			})
			return out, err
		},
	}
	vs["sys.index_columns"] = &view{
		cols: cols("object_id", intT, "index_id", intT, "index_column_id", intT, "column_id", intT,
			"key_ordinal", tinyint, "partition_ordinal", tinyint, "is_descending_key", bit, "is_included_column", bit),
		rows: func(e *exec.Env, _ []types.Value) ([][]types.Value, error) {
			var out [][]types.Value
			err := eachIndex(e, func(t *catalog.TableDef, c *catalogIndex) error {
				n := int64(0)
				for i, col := range c.cols {
					n++
					out = append(out, []types.Value{int64(t.ID), int64(c.id), n, int64(col + 1), int64(i + 1), int64(0), c.desc[i], false})
				}
				for _, col := range c.include {
					n++
					out = append(out, []types.Value{int64(t.ID), int64(c.id), n, int64(col + 1), int64(0), int64(0), false, true})
				}
				return nil
			})
			return out, err
		},
	}
	vs["sys.stats"] = &view{
		cols: cols("object_id", intT, "name", sysname, "stats_id", intT, "auto_created", bit, "user_created", bit,
			"no_recompute", bit, "has_filter", bit, "filter_definition", types.NVarCharType(types.MaxLength),
			"is_temporary", bit, "is_incremental", bit),
		rows: func(e *exec.Env, _ []types.Value) ([][]types.Value, error) {
			var out [][]types.Value
			err := eachIndex(e, func(t *catalog.TableDef, c *catalogIndex) error {
				if c.id != 0 {
					out = append(out, []types.Value{int64(t.ID), c.name, int64(c.id), false, false, false, c.filter != "", c.filterDefinition(), false, false})
				}
				return nil
			})
			return out, err
		},
	}
	vs["sys.partitions"] = &view{
		cols: cols("partition_id", bigint, "object_id", intT, "index_id", intT, "partition_number", intT,
			"hobt_id", bigint, "rows", bigint, "data_compression", tinyint, "data_compression_desc", desc60),
		rows: func(e *exec.Env, _ []types.Value) ([][]types.Value, error) {
			var out [][]types.Value
			r := sessionOf(e).readerFor(sessionOf(e).db)
			err := eachIndex(e, func(t *catalog.TableDef, c *catalogIndex) error {
				n, err := countKeys(e, r, c.prefix)
				id := int64(t.ID)<<16 | int64(c.id)
				out = append(out, []types.Value{id, int64(t.ID), int64(c.id), int64(1), id, n, int64(0), "NONE"})
				return err
			})
			return out, err
		},
	}
	vs["sys.dm_db_stats_properties"] = &view{
		function: true,
		cols: cols("object_id", intT, "stats_id", intT, "last_updated", types.Type{Kind: types.DateTime2, Scale: 7},
			"rows", bigint, "rows_sampled", bigint, "steps", intT, "unfiltered_rows", bigint, "modification_counter", bigint),
		rows: func(e *exec.Env, args []types.Value) ([][]types.Value, error) {
			if len(args) != 2 {
				return nil, sqlerr.New(174, "dm_db_stats_properties", 2)
			}
			var out [][]types.Value
			r := sessionOf(e).readerFor(sessionOf(e).db)
			err := eachIndex(e, func(t *catalog.TableDef, c *catalogIndex) error {
				if c.id == 0 || args[0] != int64(t.ID) || args[1] != int64(c.id) {
					return nil
				}
				n, err := countKeys(e, r, c.prefix)
				out = append(out, []types.Value{int64(t.ID), int64(c.id), nil, n, n, int64(0), n, int64(0)})
				return err
			})
			return out, err
		},
	}
}

// procTable is the table a procedure's objname argument names ([dbo.]t),
// with the name as given; 15009 when there is none.
func procTable(call *ProcCall) (*catalog.TableDef, string, error) {
	s := call.Session
	name := types.ToText(call.Args["objname"], types.TypeUnknown)
	parts := strings.Split(name, ".")
	set, err := s.schemaFor(s.db)
	if err != nil {
		return nil, name, err
	}
	t := set.Table("dbo", strings.Trim(parts[len(parts)-1], "[]"))
	if t == nil || (len(parts) > 1 && !strings.EqualFold(strings.Trim(parts[len(parts)-2], "[]"), "dbo")) {
		return nil, name, sqlerr.New(15009, name, s.db.Name())
	}
	return t, name, nil
}

// registerIndexProcedures adds sp_helpindex.
func (in *Instance) registerIndexProcedures() {
	in.registerConstraintProcedures()
	in.RegisterProcedure("sp_helpindex", Procedure{
		Params:  []Param{{Name: "objname", Required: true}},
		Columns: cols("index_name", sysname, "index_description", types.VarCharType(210), "index_keys", types.NVarCharType(2126)),
		Run: func(_ context.Context, call *ProcCall) ([][]types.Value, error) {
			t, name, err := procTable(call)
			if err != nil {
				return nil, err
			}
			var out [][]types.Value
			for _, c := range catalogIndexes(t) {
				if c.id == 0 {
					continue
				}
				desc := "nonclustered"
				if c.clustered {
					desc = "clustered"
				}
				if c.unique {
					desc += ", unique"
				}
				if c.primaryKey {
					desc += ", primary key"
				}
				if c.disabled {
					desc += ", disabled"
				}
				desc += " located on PRIMARY"
				ks := make([]string, len(c.cols))
				for i, col := range c.cols {
					ks[i] = t.Columns[col].Name
					if c.desc[i] {
						ks[i] += "(-)"
					}
				}
				out = append(out, []types.Value{c.name, desc, strings.Join(ks, ", ")})
			}
			if len(out) == 0 {
				return nil, call.Notice(&sqlerr.Error{Severity: 10, State: 1, Code: sqlerr.SuccessfulCompletion,
					Message: "The object '" + name + "' does not have any indexes, or you do not have permissions."})
			}
			return out, nil
		},
	})
}
