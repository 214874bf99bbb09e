package sqlcmd

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgconn"
)

// PostgreSQL type OIDs the server sends (wire/types.go), which fix a
// column's display width as SQL Server's types fix sqlcmd's.
const (
	oidBool      = 16
	oidBytea     = 17
	oidInt8      = 20
	oidInt2      = 21
	oidInt4      = 23
	oidFloat4    = 700
	oidFloat8    = 701
	oidBPChar    = 1042
	oidVarChar   = 1043
	oidDate      = 1082
	oidTimestamp = 1114
	oidTimestTZ  = 1184
	oidNumeric   = 1700
	oidUUID      = 2950
)

// column is how one column prints.
type column struct {
	name  string
	width int  // display width; values are padded to it and cut at it
	right bool // numbers are right-aligned
	oid   uint32
}

// resultSet prints one result set as sqlcmd does: the column names and a
// line of dashes (every -h rows; none with -h -1), the rows, a blank
// line. Columns are as wide as their type's display width (int 11,
// nvarchar(50) 50, a MAX type SQLCMDMAXVARTYPEWIDTH) or their name; -W
// pads nothing.
type resultSet struct {
	w       io.Writer
	cols    []column
	sep     string
	trim    bool
	headers int // rows between headings; 0 once; -1 never
	rows    int
}

func (s *Session) beginResultSet(fds []pgconn.FieldDescription) *resultSet {
	sep, _ := s.vars.get(varColSep)
	r := &resultSet{w: s.out, sep: sep, trim: s.cfg.TrimSpaces, headers: s.vars.int(varHeaders, 0)}
	maxVar, maxFixed := s.vars.int(varMaxVarWidth, 256), s.vars.int(varMaxFixedWidth, 0)
	for _, fd := range fds {
		c := column{name: fd.Name, oid: fd.DataTypeOID}
		c.width, c.right = displayWidth(fd, maxVar, maxFixed)
		if n := utf8.RuneCountInString(c.name); n > c.width && c.width != 0 {
			c.width = n
		}
		r.cols = append(r.cols, c)
	}
	if r.headers >= 0 {
		r.heading()
	}
	return r
}

// displayWidth is the width sqlcmd gives a type (the ODBC column size,
// plus sign and point for numbers), from the OID and type modifier.
func displayWidth(fd pgconn.FieldDescription, maxVar, maxFixed int) (width int, right bool) {
	fixed := func(n int) int {
		if maxFixed > 0 && n > maxFixed {
			return maxFixed
		}
		return n
	}
	switch fd.DataTypeOID {
	case oidBool:
		return 1, true
	case oidInt2:
		return 6, true
	case oidInt4:
		return 11, true
	case oidInt8:
		return 21, true
	case oidFloat4:
		return 14, true
	case oidFloat8:
		return 24, true
	case oidNumeric:
		if fd.TypeModifier >= 4 {
			return int((fd.TypeModifier-4)>>16) + 2, true
		}
		return 40, true
	case oidDate:
		return 10, true
	case oidTimestamp, oidTimestTZ:
		if fd.TypeModifier >= 1 && fd.TypeModifier <= 6 {
			return 20 + int(fd.TypeModifier), true
		}
		if fd.TypeModifier == 0 {
			return 19, true
		}
		return 26, true
	case oidUUID:
		return 36, false
	case oidBPChar, oidVarChar:
		if fd.TypeModifier >= 4 {
			return fixed(int(fd.TypeModifier - 4)), false
		}
	}
	return maxVar, false
}

// heading prints the column names and the dashes under them.
func (r *resultSet) heading() {
	var names, dashes strings.Builder
	for i, c := range r.cols {
		if i > 0 {
			names.WriteString(r.sep)
			dashes.WriteString(r.sep)
		}
		if r.trim || c.width == 0 {
			names.WriteString(c.name)
			dashes.WriteString(strings.Repeat("-", max(utf8.RuneCountInString(c.name), 1)))
			continue
		}
		names.WriteString(pad(cut(c.name, c.width), c.width, false))
		dashes.WriteString(strings.Repeat("-", c.width))
	}
	fmt.Fprintf(r.w, "%s\n%s\n", names.String(), dashes.String())
}

// row prints one row and returns its first column as printed.
func (r *resultSet) row(values [][]byte) string {
	var b strings.Builder
	first := ""
	for i, c := range r.cols {
		if i > 0 {
			b.WriteString(r.sep)
		}
		v := "NULL"
		if values[i] != nil {
			v = render(c.oid, values[i])
		}
		if i == 0 {
			first = v
		}
		if c.width > 0 {
			v = cut(v, c.width)
		}
		if !r.trim {
			v = pad(v, c.width, c.right)
		}
		b.WriteString(v)
	}
	fmt.Fprintln(r.w, b.String())
	r.rows++
	if r.headers > 0 && r.rows%r.headers == 0 {
		fmt.Fprintln(r.w)
		r.heading()
	}
	return first
}

func (r *resultSet) end() { fmt.Fprintln(r.w) }

// render turns the text form PostgreSQL clients receive into SQL
// Server's: bit as 1 or 0, binary as 0x hex digits.
func render(oid uint32, v []byte) string {
	switch oid {
	case oidBool:
		if string(v) == "t" {
			return "1"
		}
		return "0"
	case oidBytea:
		if h, ok := strings.CutPrefix(string(v), `\x`); ok {
			return "0x" + strings.ToUpper(h)
		}
	}
	return string(v)
}

// cut shortens s to width characters, as sqlcmd cuts values wider than
// their column.
func cut(s string, width int) string {
	if utf8.RuneCountInString(s) <= width {
		return s
	}
	return string([]rune(s)[:width])
}

func pad(s string, width int, right bool) string {
	n := width - utf8.RuneCountInString(s)
	if n <= 0 {
		return s
	}
	if right {
		return strings.Repeat(" ", n) + s
	}
	return s + strings.Repeat(" ", n)
}
