package parser

import "strings"

func (s *AlterTable) String() string { return nodeString(s) }
func (s *AlterTable) format(b *strings.Builder) {
	b.WriteString("ALTER TABLE ")
	s.Table.format(b)
	switch {
	case s.Alter != nil:
		b.WriteString(" ALTER COLUMN ")
		writeIdent(b, s.Alter.Name)
		b.WriteByte(' ')
		s.Alter.Type.format(b)
		if s.Alter.Collation != "" {
			b.WriteString(" COLLATE ")
			writeIdent(b, s.Alter.Collation)
		}
		if s.Alter.Nullable != nil {
			if *s.Alter.Nullable {
				b.WriteString(" NULL")
			} else {
				b.WriteString(" NOT NULL")
			}
		}
	case len(s.Drop) > 0:
		b.WriteString(" DROP COLUMN ")
		if s.IfExists {
			b.WriteString("IF EXISTS ")
		}
		for i, c := range s.Drop {
			if i > 0 {
				b.WriteString(", ")
			}
			writeIdent(b, c)
		}
	default:
		b.WriteString(" ADD ")
		for i, c := range s.Add {
			if i > 0 {
				b.WriteString(", ")
			}
			c.ColumnDef.format(b)
			if c.WithValues {
				b.WriteString(" WITH VALUES")
			}
		}
	}
}
