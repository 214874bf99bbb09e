package pgcatalog

import (
	"strings"

	"mirrordb/session"
	"mirrordb/types"
)

// Snapshot is what one statement may see, as the engine describes it.
type Snapshot struct {
	Database  Database // the session's database
	Databases []Database
	Logins    []Login
	Roles     []Login // server roles (sysadmin, public): roles that cannot log in
	Tables    []Table // the session's database's tables
	// Procedures are the system procedures (sp_...), shown in schema sys,
	// ordered by name.
	Procedures []Procedure
	Settings   []Setting
	Schemas    []Schema
}

// Database is a database of the instance; OID is its database_id.
type Database struct {
	OID   int64
	Name  string
	Owner int64 // the owning login's OID
}

// Login is a login or a server role; OID is its principal_id.
type Login struct {
	OID      int64
	Name     string
	Super    bool // member of sysadmin
	CanLogin bool
	Disabled bool
	MemberOf []int64 // role OIDs
}

// Schema is a schema of the session's database; OID is its schema_id.
type Schema struct {
	OID  int64
	Name string
}

// Table is a table of the session's database; OID is its object_id.
type Table struct {
	OID     int64
	Schema  string
	Name    string
	Columns []Column
	// Indexes are the table's indexes, the primary key (ID 1) first. The
	// engine fills in secondary indexes as sys.indexes lists them.
	Indexes []Index
	// ForeignKeys and Checks are the table's constraints (constraints.go).
	ForeignKeys []ForeignKey
	Checks      []Check
}

// Column is one column of a table.
type Column struct {
	Name     string
	Type     types.Type
	Nullable bool
	Default  string // T-SQL text of the DEFAULT, "" when none
	Identity bool
}

// Index is an index of a table (sys.indexes without the heap); Columns
// are 0-based column indexes.
type Index struct {
	ID        int64 // sys.indexes.index_id: 1 for a clustered primary key
	Name      string
	Columns   []int
	Desc      []bool // per key column; nil means all ascending
	Primary   bool
	Unique    bool
	Clustered bool   // the table's rows are kept in this index's order
	Filter    string // a filtered index's WHERE, T-SQL text
	Building  bool   // CREATE INDEX is still filling it (or DROP emptying it)
	// Constraint marks the index of a UNIQUE constraint.
	Constraint bool
}

// Procedure is a system procedure and its parameters.
type Procedure struct {
	Name   string
	Params []ProcParam
}

// ProcParam is a procedure parameter: mirrordb's system procedures take
// values of any type, so a parameter has a name and whether it has a
// default.
type ProcParam struct {
	Name       string // without @
	HasDefault bool
}

// ProcedureArguments is pg_get_function_arguments(oid): the parameters as
// a call names them (@name, @other = default), "" for none.
func (s *Snapshot) ProcedureArguments(oid int64) (string, bool) {
	for i, p := range s.Procedures {
		if procOID(i) != oid {
			continue
		}
		parts := make([]string, len(p.Params))
		for j, a := range p.Params {
			parts[j] = "@" + a.Name
			if a.HasDefault {
				parts[j] += " = default"
			}
		}
		return strings.Join(parts, ", "), true
	}
	return "", false
}

// Setting is a session setting as SHOW prints it.
type Setting struct{ Name, Value string }

// IndexOID is pg_class.oid of an index: index ids live in their table, so
// the OID combines both, above every object_id.
func IndexOID(table, index int64) int64 { return 1<<40 | table<<16 | index }

// attrDefOID is pg_attrdef.oid of a column's default.
func attrDefOID(table int64, attnum int) int64 { return 2<<40 | table<<16 | int64(attnum) }

// View is one catalog view: its columns and its rows from a snapshot.
type View struct {
	Cols []session.Column
	Rows func(s *Snapshot) [][]types.Value
}

// Namespace OIDs that are not schema_ids of a database.
const (
	PGCatalogOID = 11
	dboOID       = 1
)

func (s *Snapshot) schemaOID(name string) int64 {
	for _, sc := range s.Schemas {
		if equalFold(sc.Name, name) {
			return sc.OID
		}
	}
	return dboOID
}

// IndexByOID returns the index with the given OID and its table, or nils.
func (s *Snapshot) IndexByOID(oid int64) (*Table, *Index) { return s.index(oid) }

// Table returns the table with the given OID, or nil.
func (s *Snapshot) Table(oid int64) *Table {
	for i := range s.Tables {
		if s.Tables[i].OID == oid {
			return &s.Tables[i]
		}
	}
	return nil
}

// index returns the index with the given OID and its table.
func (s *Snapshot) index(oid int64) (*Table, *Index) {
	for i := range s.Tables {
		t := &s.Tables[i]
		for j := range t.Indexes {
			if IndexOID(t.OID, t.Indexes[j].ID) == oid {
				return t, &t.Indexes[j]
			}
		}
	}
	return nil, nil
}

// UserName is pg_get_userbyid: the login or role with that OID.
func (s *Snapshot) UserName(oid int64) (string, bool) {
	for _, l := range append(append([]Login{}, s.Logins...), s.Roles...) {
		if l.OID == oid {
			return l.Name, true
		}
	}
	return "", false
}
