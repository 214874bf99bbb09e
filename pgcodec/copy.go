package pgcodec

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// COPY's data formats (PostgreSQL's "COPY" page): text (a delimiter
// between fields, \N for NULL, backslash escapes), csv (quoted fields) and
// binary (the PGCOPY header, then length-prefixed fields). CopyReader splits
// a stream into rows of raw fields; what a field means is the column's
// business (DecodeText, DecodeBinary). CopyWriter does the reverse.

// CopyFormat is a COPY's FORMAT option.
type CopyFormat int8

const (
	CopyText CopyFormat = iota
	CopyCSV
	CopyBinary
)

// CopyOptions are the format options of a COPY statement. Zero values mean
// PostgreSQL's defaults for the format (see Defaults).
type CopyOptions struct {
	Format    CopyFormat
	Delimiter byte   // text: tab; csv: ','
	Null      string // text: \N; csv: the empty (unquoted) string
	HasNull   bool   // Null was given (it may be empty)
	Header    bool   // csv, text: the first line names the columns
	Quote     byte   // csv: '"'
	Escape    byte   // csv: the quote character
	// Per column (by position in the row), csv only: ForceQuote quotes
	// every non-NULL value written; ForceNotNull reads an unquoted null
	// string as a value (the empty string), ForceNull reads a quoted one
	// as NULL.
	ForceQuote, ForceNotNull, ForceNull []bool
	// NoQuote reads csv without quoting: fields split at every delimiter
	// (T-SQL BULK INSERT's char format).
	NoQuote bool
}

// flag reports column i's entry of a per-column option.
func flag(list []bool, i int) bool { return i < len(list) && list[i] }

// Defaults fills the options a COPY statement left out.
func (o CopyOptions) Defaults() CopyOptions {
	if o.Delimiter == 0 {
		o.Delimiter = '\t'
		if o.Format == CopyCSV {
			o.Delimiter = ','
		}
	}
	if !o.HasNull && o.Format == CopyText {
		o.Null = `\N`
	}
	if o.Quote == 0 {
		o.Quote = '"'
	}
	if o.Escape == 0 {
		o.Escape = o.Quote
	}
	return o
}

// CopyError is a malformed COPY stream: Line is 1-based (a binary stream
// counts rows), Column 0 when no field is to blame.
type CopyError struct {
	Line, Column int
	Msg          string
}

func (e *CopyError) Error() string {
	if e.Column > 0 {
		return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Column, e.Msg)
	}
	return fmt.Sprintf("line %d: %s", e.Line, e.Msg)
}

// binarySignature opens a binary COPY stream.
var binarySignature = []byte("PGCOPY\n\xff\r\n\x00")

// CopyReader reads the rows of a COPY FROM stream.
type CopyReader struct {
	r       *bufio.Reader
	opt     CopyOptions
	columns int
	line    int
	started bool
	fields  [][]byte
	buf     []byte
	done    bool
	header  []string
	vals    []byte // the current row's field bytes (keep)
	scratch []byte // a field being unescaped
}

// Header returns the names of the header line (with the Header option),
// once the first row has been read.
func (c *CopyReader) Header() []string { return c.header }

// NewCopyReader reads rows of columns fields from r.
func NewCopyReader(r io.Reader, opt CopyOptions, columns int) *CopyReader {
	return &CopyReader{r: bufio.NewReaderSize(r, 64<<10), opt: opt.Defaults(), columns: columns}
}

// Line is the line (or, in binary, the row) last read.
func (c *CopyReader) Line() int { return c.line }

// Next returns the next row's fields (nil for NULL), valid until the next
// call, or io.EOF after the last row.
func (c *CopyReader) Next() ([][]byte, error) {
	if c.done {
		return nil, io.EOF
	}
	if c.opt.Format == CopyBinary {
		return c.nextBinary()
	}
	for {
		line, err := c.readLine()
		if err != nil {
			return nil, err
		}
		header := !c.started && c.opt.Header
		c.started = true
		if string(line) == `\.` && !header { // the end-of-data marker
			c.done = true
			return nil, io.EOF
		}
		if c.opt.Format == CopyCSV {
			err = c.splitCSV(line)
		} else {
			err = c.splitText(line)
		}
		if err != nil {
			return nil, err
		}
		if header {
			for _, f := range c.fields {
				c.header = append(c.header, string(f))
			}
			continue
		}
		if len(c.fields) != c.columns {
			return nil, c.errorf(0, "%d columns of data for %d columns", len(c.fields), c.columns)
		}
		return c.fields, nil
	}
}

func (c *CopyReader) errorf(col int, format string, args ...any) error {
	return &CopyError{Line: c.line, Column: col, Msg: fmt.Sprintf(format, args...)}
}

// readLine returns the next line without its end (\n or \r\n). In csv a
// quoted field may span lines, so the line ends at a newline outside
// quotes.
func (c *CopyReader) readLine() ([]byte, error) {
	c.buf = c.buf[:0]
	quoted := false
	for {
		b, err := c.r.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			c.buf = append(c.buf, b...)
			continue
		}
		if err == io.EOF && len(b) == 0 && len(c.buf) == 0 {
			c.done = true
			return nil, io.EOF
		}
		if err != nil && err != io.EOF {
			return nil, err
		}
		c.buf = append(c.buf, b...)
		if c.opt.Format == CopyCSV {
			quoted = csvQuoted(b, c.opt, quoted)
			if quoted && err == nil {
				continue
			}
		}
		c.line++
		line := bytes.TrimSuffix(c.buf, []byte{'\n'})
		return bytes.TrimSuffix(line, []byte{'\r'}), nil
	}
}

// csvQuoted says whether a csv line ends inside quotes, given whether it
// started inside them.
func csvQuoted(b []byte, opt CopyOptions, quoted bool) bool {
	if opt.NoQuote {
		return false
	}
	for i := 0; i < len(b); i++ {
		switch {
		case quoted && b[i] == opt.Escape && opt.Escape != opt.Quote && i+1 < len(b) &&
			(b[i+1] == opt.Quote || b[i+1] == opt.Escape):
			i++
		case b[i] == opt.Quote:
			quoted = !quoted
		}
	}
	return quoted
}

// startRow starts splitting a row: the previous row's fields are no
// longer needed.
func (c *CopyReader) startRow() {
	c.fields = c.fields[:0]
	if c.vals == nil {
		c.vals = make([]byte, 0, 4096)
	}
	c.vals = c.vals[:0]
}

// keep copies a field's bytes into the row's buffer and returns them
// (never nil: an empty field is an empty value, not NULL). Fields of one
// row share the buffer, so a row costs no allocation once it has grown.
func (c *CopyReader) keep(b []byte) []byte {
	start := len(c.vals)
	c.vals = append(c.vals, b...)
	return c.vals[start:len(c.vals):len(c.vals)]
}

// splitText splits a text-format line at the delimiter, undoing backslash
// escapes; the null string (before unescaping) is NULL.
func (c *CopyReader) splitText(line []byte) error {
	c.startRow()
	out := c.scratch[:0]
	start := 0
	raw := func(end int) []byte { return line[start:end] }
	emit := func(end int) {
		if string(raw(end)) == c.opt.Null {
			c.fields = append(c.fields, nil)
		} else {
			c.fields = append(c.fields, c.keep(out))
		}
		out = out[:0]
		start = end + 1
	}
	defer func() { c.scratch = out[:0] }()
	for i := 0; i < len(line); i++ {
		ch := line[i]
		switch {
		case ch == c.opt.Delimiter:
			emit(i)
		case ch == '\\' && i+1 < len(line):
			i++
			switch e := line[i]; e {
			case 'b':
				out = append(out, '\b')
			case 'f':
				out = append(out, '\f')
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'v':
				out = append(out, '\v')
			case 'x':
				n, v := hexDigits(line[i+1:])
				if n == 0 {
					out = append(out, 'x')
					continue
				}
				out = append(out, v)
				i += n
			case '0', '1', '2', '3', '4', '5', '6', '7':
				v, n := 0, 0
				for n < 3 && i+n < len(line) && line[i+n] >= '0' && line[i+n] <= '7' {
					v = v*8 + int(line[i+n]-'0')
					n++
				}
				out = append(out, byte(v))
				i += n - 1
			default:
				out = append(out, e) // \\, \<delimiter> and any other character stand for themselves
			}
		default:
			out = append(out, ch)
		}
	}
	emit(len(line))
	return nil
}

func hexDigits(b []byte) (int, byte) {
	v, n := 0, 0
	for n < 2 && n < len(b) {
		d := unhex(b[n])
		if d < 0 {
			break
		}
		v = v*16 + d
		n++
	}
	return n, byte(v)
}

func unhex(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// splitCSV splits a csv record: quoted fields may hold delimiters, quotes
// (doubled, or after the escape character) and newlines; an unquoted field
// equal to the null string is NULL, a quoted one never is.
func (c *CopyReader) splitCSV(line []byte) error {
	c.startRow()
	o := c.opt
	i := 0
	for {
		out := c.scratch[:0]
		quotedAny := false
		rawStart := i
		for i < len(line) && line[i] != o.Delimiter {
			if o.NoQuote || line[i] != o.Quote {
				out = append(out, line[i])
				i++
				continue
			}
			quotedAny = true
			i++
			for {
				if i >= len(line) {
					return c.errorf(len(c.fields)+1, "unterminated CSV quoted field")
				}
				ch := line[i]
				if ch == o.Escape && i+1 < len(line) && (line[i+1] == o.Quote || line[i+1] == o.Escape) &&
					(o.Escape != o.Quote || line[i+1] == o.Quote) {
					out = append(out, line[i+1])
					i += 2
					continue
				}
				if ch == o.Quote {
					i++
					break
				}
				out = append(out, ch)
				i++
			}
		}
		col := len(c.fields)
		switch {
		case !quotedAny && string(line[rawStart:i]) == o.Null && !flag(o.ForceNotNull, col),
			quotedAny && string(out) == o.Null && flag(o.ForceNull, col):
			c.fields = append(c.fields, nil)
		default:
			c.fields = append(c.fields, c.keep(out))
		}
		c.scratch = out[:0]
		if i >= len(line) {
			return nil
		}
		i++ // the delimiter
	}
}

// nextBinary reads one tuple of the binary format.
func (c *CopyReader) nextBinary() ([][]byte, error) {
	if !c.started {
		c.started = true
		hdr := make([]byte, len(binarySignature)+8)
		if _, err := io.ReadFull(c.r, hdr); err != nil {
			return nil, c.errorf(0, "COPY file signature not recognized")
		}
		if !bytes.Equal(hdr[:len(binarySignature)], binarySignature) {
			return nil, c.errorf(0, "COPY file signature not recognized")
		}
		ext := binary.BigEndian.Uint32(hdr[len(hdr)-4:])
		if _, err := io.CopyN(io.Discard, c.r, int64(ext)); err != nil {
			return nil, c.errorf(0, "invalid COPY file header (missing extension)")
		}
	}
	var n [2]byte
	if _, err := io.ReadFull(c.r, n[:]); err != nil {
		if err == io.EOF {
			c.done = true
			return nil, io.EOF // a stream that ends without its trailer, as PostgreSQL accepts
		}
		return nil, c.errorf(0, "unexpected EOF in COPY data")
	}
	count := int16(binary.BigEndian.Uint16(n[:]))
	if count == -1 {
		c.done = true
		return nil, io.EOF
	}
	c.line++
	if int(count) != c.columns {
		return nil, c.errorf(0, "row field count is %d, expected %d", count, c.columns)
	}
	c.fields = c.fields[:0]
	for col := 1; col <= int(count); col++ {
		var l [4]byte
		if _, err := io.ReadFull(c.r, l[:]); err != nil {
			return nil, c.errorf(col, "unexpected EOF in COPY data")
		}
		size := int32(binary.BigEndian.Uint32(l[:]))
		if size == -1 {
			c.fields = append(c.fields, nil)
			continue
		}
		if size < 0 || size > maxField {
			return nil, c.errorf(col, "invalid field size %d", size)
		}
		f, err := readN(c.r, int(size))
		if err != nil {
			return nil, c.errorf(col, "unexpected EOF in COPY data")
		}
		c.fields = append(c.fields, f)
	}
	return c.fields, nil
}

// maxField is the largest field a binary stream may declare (PostgreSQL's
// limit for one value).
const maxField = 1 << 30

// readN reads n bytes, growing its buffer as they arrive: a declared
// length is the sender's word, not an allocation to make up front.
func readN(r io.Reader, n int) ([]byte, error) {
	if n <= 64<<10 {
		b := make([]byte, n)
		_, err := io.ReadFull(r, b)
		return b, err
	}
	var buf bytes.Buffer
	if _, err := io.CopyN(&buf, r, int64(n)); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// CopyWriter writes the rows of a COPY TO stream: each Row is one Write
// (one CopyData message, as PostgreSQL sends them).
type CopyWriter struct {
	w       io.Writer
	opt     CopyOptions
	started bool
	buf     []byte
}

// NewCopyWriter writes rows to w in opt's format.
func NewCopyWriter(w io.Writer, opt CopyOptions) *CopyWriter {
	return &CopyWriter{w: w, opt: opt.Defaults()}
}

// Header writes the csv/text header line, or the binary format's header.
func (c *CopyWriter) Header(names []string) error {
	if c.opt.Format == CopyBinary {
		return c.begin()
	}
	c.started = true
	if !c.opt.Header {
		return nil
	}
	fields := make([][]byte, len(names))
	for i, n := range names {
		fields[i] = []byte(n)
	}
	force := c.opt.ForceQuote
	c.opt.ForceQuote = nil // FORCE_QUOTE quotes values, not the header
	defer func() { c.opt.ForceQuote = force }()
	return c.Row(fields)
}

func (c *CopyWriter) begin() error {
	if c.started {
		return nil
	}
	c.started = true
	hdr := append(append([]byte{}, binarySignature...), 0, 0, 0, 0, 0, 0, 0, 0)
	_, err := c.w.Write(hdr)
	return err
}

// Row writes one row of fields (nil for NULL), already in the format's
// representation of each value (text, or binary).
func (c *CopyWriter) Row(fields [][]byte) error {
	b := c.buf[:0]
	switch c.opt.Format {
	case CopyBinary:
		if err := c.begin(); err != nil {
			return err
		}
		b = binary.BigEndian.AppendUint16(b, uint16(len(fields)))
		for _, f := range fields {
			if f == nil {
				b = binary.BigEndian.AppendUint32(b, 0xffffffff)
				continue
			}
			b = binary.BigEndian.AppendUint32(b, uint32(len(f)))
			b = append(b, f...)
		}
	case CopyCSV:
		for i, f := range fields {
			if i > 0 {
				b = append(b, c.opt.Delimiter)
			}
			b = c.appendCSV(b, f, flag(c.opt.ForceQuote, i))
		}
		b = append(b, '\n')
	default:
		for i, f := range fields {
			if i > 0 {
				b = append(b, c.opt.Delimiter)
			}
			if f == nil {
				b = append(b, c.opt.Null...)
				continue
			}
			b = c.appendText(b, f)
		}
		b = append(b, '\n')
	}
	c.buf = b
	_, err := c.w.Write(b)
	return err
}

// Close ends a binary stream with its trailer.
func (c *CopyWriter) Close() error {
	if c.opt.Format != CopyBinary {
		return nil
	}
	if err := c.begin(); err != nil {
		return err
	}
	_, err := c.w.Write([]byte{0xff, 0xff})
	return err
}

func (c *CopyWriter) appendText(b, f []byte) []byte {
	for _, ch := range f {
		switch ch {
		case '\\':
			b = append(b, '\\', '\\')
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		case '\b':
			b = append(b, '\\', 'b')
		case '\f':
			b = append(b, '\\', 'f')
		case '\v':
			b = append(b, '\\', 'v')
		default:
			if ch == c.opt.Delimiter {
				b = append(b, '\\')
			}
			b = append(b, ch)
		}
	}
	return b
}

// appendCSV quotes a field when it must be: it holds the delimiter, the
// quote, a line end, or equals the null string (so that it reads back as
// a value, not NULL).
func (c *CopyWriter) appendCSV(b, f []byte, force bool) []byte {
	if f == nil {
		return append(b, c.opt.Null...)
	}
	o := c.opt
	needs := force || len(f) == 0 && o.Null == "" || string(f) == o.Null || string(f) == `\.`
	for _, ch := range f {
		if ch == o.Delimiter || ch == o.Quote || ch == '\n' || ch == '\r' || ch == o.Escape {
			needs = true
			break
		}
	}
	if !needs {
		return append(b, f...)
	}
	b = append(b, o.Quote)
	for _, ch := range f {
		if ch == o.Quote || ch == o.Escape {
			b = append(b, o.Escape)
		}
		b = append(b, ch)
	}
	return append(b, o.Quote)
}
