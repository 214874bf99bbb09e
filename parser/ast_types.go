package parser

import "strings"

// User-defined alias data types: CREATE TYPE and DROP TYPE
// (grammar_types.go).

// CreateType is CREATE TYPE [schema.]name FROM base_type [NULL | NOT NULL].
type CreateType struct {
	Pos
	Name ObjectName
	Base TypeName
	// Nullable is nil when neither NULL nor NOT NULL was written.
	Nullable *bool
}

// DropType is DROP TYPE [IF EXISTS] [schema.]name.
type DropType struct {
	Pos
	IfExists bool
	Name     ObjectName
}

func (*CreateType) statementNode() {}
func (*DropType) statementNode()   {}

func (s *CreateType) String() string { return nodeString(s) }
func (s *CreateType) format(b *strings.Builder) {
	b.WriteString("CREATE TYPE ")
	s.Name.format(b)
	b.WriteString(" FROM ")
	s.Base.format(b)
	if s.Nullable != nil {
		if *s.Nullable {
			b.WriteString(" NULL")
		} else {
			b.WriteString(" NOT NULL")
		}
	}
}

func (s *DropType) String() string { return nodeString(s) }
func (s *DropType) format(b *strings.Builder) {
	b.WriteString("DROP TYPE ")
	if s.IfExists {
		b.WriteString("IF EXISTS ")
	}
	s.Name.format(b)
}
