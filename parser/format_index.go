package parser

import "strings"

func (s *CreateIndex) String() string { return nodeString(s) }
func (s *CreateIndex) format(b *strings.Builder) {
	b.WriteString("CREATE ")
	if s.Unique {
		b.WriteString("UNIQUE ")
	}
	if s.Clustered {
		b.WriteString("CLUSTERED ")
	}
	b.WriteString("INDEX ")
	writeIdent(b, s.Name)
	b.WriteString(" ON ")
	s.Table.format(b)
	b.WriteByte(' ')
	writeKeyColumns(b, s.Columns, s.Desc)
	if len(s.Include) > 0 {
		b.WriteString(" INCLUDE (")
		for i, c := range s.Include {
			if i > 0 {
				b.WriteString(", ")
			}
			writeIdent(b, c)
		}
		b.WriteByte(')')
	}
	if s.Where != nil {
		b.WriteString(" WHERE ")
		b.WriteString(s.Where.String())
	}
	if len(s.Options) > 0 {
		b.WriteString(" WITH (")
		for i, o := range s.Options {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(o.Name + " = " + o.Value)
		}
		b.WriteByte(')')
	}
	if s.FileGroup != "" {
		b.WriteString(" ON ")
		b.WriteString("[" + strings.ReplaceAll(s.FileGroup, "]", "]]") + "]")
	}
}

func (s *DropIndex) String() string { return nodeString(s) }
func (s *DropIndex) format(b *strings.Builder) {
	b.WriteString("DROP INDEX ")
	if s.IfExists {
		b.WriteString("IF EXISTS ")
	}
	for i, r := range s.Indexes {
		if i > 0 {
			b.WriteString(", ")
		}
		writeIdent(b, r.Name)
		b.WriteString(" ON ")
		r.Table.format(b)
	}
}
