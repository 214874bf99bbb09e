package bind

import (
	"strings"

	"mirrordb/engine/exec"
	"mirrordb/parser"
	"mirrordb/session"
	"mirrordb/sqlerr"
)

// Scope is the set of columns an expression may reference: the sources of
// a FROM clause laid side by side in one combined row.
type Scope struct {
	Sources []*Source
}

// Source is one FROM entry's columns within the combined row.
type Source struct {
	Name   string // exposed name: alias, or the table's own name
	Schema string // schema of a base table ("" for aliased or virtual)
	Alias  bool
	Cols   []session.Column
	Offset int
	// Table is the object_id of a base table, 0 for views and functions:
	// its columns' origin in RowDescription.
	Table    uint32
	Database string // a base table's database's name, for printed plans
}

// Origin returns where column i of the source comes from: its table's
// object_id and 1-based column number, zero for a virtual source.
func (s *Source) Origin(i int) exec.ColumnOrigin {
	if s.Table == 0 {
		return exec.ColumnOrigin{}
	}
	return exec.ColumnOrigin{Table: s.Table, Attr: int16(i + 1)}
}

// Width is the number of columns of the combined row.
func (sc *Scope) Width() int {
	if sc == nil || len(sc.Sources) == 0 {
		return 0
	}
	last := sc.Sources[len(sc.Sources)-1]
	return last.Offset + len(last.Cols)
}

// Add lays src beside the sources already in the scope.
func (sc *Scope) Add(src *Source) {
	src.Offset = sc.Width()
	sc.Sources = append(sc.Sources, src)
}

// OrDbo is a schema name, dbo when none is given.
func OrDbo(s string) string {
	if s == "" {
		return "dbo"
	}
	return s
}

// ColumnName names a position of the combined row in plans: a base
// table's column in full, an aliased or virtual source's by its exposed
// name.
func (sc *Scope) ColumnName(idx int) (string, bool) {
	if sc == nil {
		return "", false
	}
	for _, src := range sc.Sources {
		if idx >= src.Offset && idx < src.Offset+len(src.Cols) {
			col := exec.Bracket(src.Cols[idx-src.Offset].Name)
			if src.Database != "" && !src.Alias {
				return exec.Bracket(src.Database) + "." + exec.Bracket(OrDbo(src.Schema)) + "." + exec.Bracket(src.Name) + "." + col, true
			}
			return exec.Bracket(src.Name) + "." + col, true
		}
	}
	return "", false
}

// Resolve finds a column reference in the scope: the column, or a bit
// constant for PostgreSQL's true and false when no column has that name.
// When no source has the column and the qualifier names none of them,
// outer looks it up in the enclosing queries' scopes first (a correlated
// subquery); its ok is false when none has it. Errors are SQL Server's
// (207, 209, 4104), not yet positioned.
func (sc *Scope) Resolve(ref *parser.ColumnRef, outer func(*parser.ColumnRef) (x exec.Expr, ok bool, err error)) (exec.Expr, error) {
	name := ref.Name()
	qual := ref.Parts[:len(ref.Parts)-1]
	var found exec.Expr
	var matches int
	qualified := false
	if sc != nil {
		for _, src := range sc.Sources {
			if len(qual) > 0 {
				if !strings.EqualFold(qual[len(qual)-1], src.Name) {
					continue
				}
				if len(qual) >= 2 && (src.Alias || !strings.EqualFold(qual[len(qual)-2], OrDbo(src.Schema))) {
					continue
				}
				qualified = true
			}
			for i, c := range src.Cols {
				if strings.EqualFold(c.Name, name) {
					matches++
					found = &exec.ColRef{Idx: src.Offset + i, T: c.Type, Origin: src.Origin(i)}
				}
			}
		}
	}
	if matches == 0 && (len(qual) == 0 || !qualified) && outer != nil {
		if x, ok, err := outer(ref); ok {
			return x, err
		}
	}
	switch {
	case matches == 1:
		return found, nil
	case matches > 1:
		return nil, sqlerr.New(209, name)
	case len(qual) > 0 && !qualified:
		return nil, sqlerr.New(4104, strings.Join(ref.Parts, "."))
	}
	if x, ok := BoolLiteral(ref); ok {
		return x, nil
	}
	return nil, sqlerr.New(207, name)
}
