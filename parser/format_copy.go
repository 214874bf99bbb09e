package parser

import "strings"

func (s *Copy) String() string { return nodeString(s) }
func (s *Copy) format(b *strings.Builder) {
	b.WriteString("COPY ")
	if s.Query != nil {
		b.WriteByte('(')
		s.Query.format(b)
		b.WriteByte(')')
	} else {
		s.Table.format(b)
		if len(s.Columns) > 0 {
			b.WriteString(" (")
			writeNames(b, s.Columns)
			b.WriteByte(')')
		}
	}
	if s.From {
		b.WriteString(" FROM ")
	} else {
		b.WriteString(" TO ")
	}
	switch {
	case s.Program:
		b.WriteString("PROGRAM ")
		writeString(b, s.File)
	case s.File != "":
		writeString(b, s.File)
	case s.From:
		b.WriteString("STDIN")
	default:
		b.WriteString("STDOUT")
	}
	writeWithList(b, len(s.Options), func(i int) {
		o := s.Options[i]
		b.WriteString(o.Name)
		switch {
		case o.Star:
			b.WriteString(" *")
		case o.Columns != nil:
			b.WriteString(" (")
			writeNames(b, o.Columns)
			b.WriteByte(')')
		case o.HasArg:
			writeLoadOptionValue(b, " ", o.Value, o.Quoted)
		}
	})
}

func (s *BulkInsert) String() string { return nodeString(s) }
func (s *BulkInsert) format(b *strings.Builder) {
	b.WriteString("BULK INSERT ")
	s.Table.format(b)
	b.WriteString(" FROM ")
	writeString(b, s.File)
	writeWithList(b, len(s.Options), func(i int) {
		o := s.Options[i]
		b.WriteString(o.Name)
		if o.HasArg {
			writeLoadOptionValue(b, " = ", o.Value, o.Quoted)
		}
	})
}

// writeWithList writes " WITH (item, ...)" for n items, nothing for none.
func writeWithList(b *strings.Builder, n int, item func(i int)) {
	if n == 0 {
		return
	}
	b.WriteString(" WITH (")
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		item(i)
	}
	b.WriteByte(')')
}

// writeLoadOptionValue writes an option's value after sep: a string quoted, a
// word or number as written.
func writeLoadOptionValue(b *strings.Builder, sep, v string, quoted bool) {
	b.WriteString(sep)
	if quoted {
		writeString(b, v)
	} else {
		b.WriteString(v)
	}
}
