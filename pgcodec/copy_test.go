package pgcodec

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
)

func readAll(t testing.TB, data string, opt CopyOptions, columns int) ([][]*string, error) {
	t.Helper()
	r := NewCopyReader(strings.NewReader(data), opt, columns)
	var rows [][]*string
	for {
		fields, err := r.Next()
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return rows, err
		}
		row := make([]*string, len(fields))
		for i, f := range fields {
			if f != nil {
				s := string(f)
				row[i] = &s
			}
		}
		rows = append(rows, row)
	}
}

func show(rows [][]*string) string {
	var b strings.Builder
	for _, r := range rows {
		for i, f := range r {
			if i > 0 {
				b.WriteByte('|')
			}
			if f == nil {
				b.WriteString("NULL")
			} else {
				fmt.Fprintf(&b, "%q", *f)
			}
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// TestCopyRead reads the examples of PostgreSQL's COPY page and the cases
// around them: escapes, NULLs, empty strings, quotes, line ends in quoted
// csv fields, headers and the end-of-data marker.
func TestCopyRead(t *testing.T) {
	for _, c := range []struct {
		name    string
		opt     CopyOptions
		columns int
		in      string
		want    string
	}{
		{"text", CopyOptions{}, 3, "1\tone\t\\N\n2\t\ttwo\\ttab\n", "\"1\"|\"one\"|NULL\n\"2\"|\"\"|\"two\\ttab\"\n"},
		{"text escapes", CopyOptions{}, 1, `a\\b\nc\x41\101\q` + "\n", "\"a\\\\b\\ncAAq\"\n"},
		{"text escaped delimiter", CopyOptions{Delimiter: '|'}, 2, "a\\|b|c\r\n", "\"a|b\"|\"c\"\n"},
		{"text end marker", CopyOptions{}, 1, "x\n\\.\nignored\n", "\"x\"\n"},
		{"text null option", CopyOptions{Null: "", HasNull: true}, 2, "\tb\n", "NULL|\"b\"\n"},
		{"text header", CopyOptions{Header: true}, 1, "name\nv\n", "\"v\"\n"},
		{"text last line without newline", CopyOptions{}, 1, "a\nb", "\"a\"\n\"b\"\n"},
		{"csv", CopyOptions{Format: CopyCSV}, 3, "1,\"one, two\",\n2,\"\",\"say \"\"hi\"\"\"\n",
			"\"1\"|\"one, two\"|NULL\n\"2\"|\"\"|\"say \\\"hi\\\"\"\n"},
		{"csv multi-line field", CopyOptions{Format: CopyCSV}, 2, "1,\"line one\nline two\"\n2,x\n",
			"\"1\"|\"line one\\nline two\"\n\"2\"|\"x\"\n"},
		{"csv header and null", CopyOptions{Format: CopyCSV, Header: true, Null: "NULL", HasNull: true}, 2,
			"a,b\nNULL,\"NULL\"\n", "NULL|\"NULL\"\n"},
		{"csv escape", CopyOptions{Format: CopyCSV, Escape: '\\'}, 1, "\"a\\\"b\\\\c\"\n", "\"a\\\"b\\\\c\"\n"},
		{"csv delimiter", CopyOptions{Format: CopyCSV, Delimiter: ';'}, 2, "a;\"b;c\"\n", "\"a\"|\"b;c\"\n"},
		{"csv force not null", CopyOptions{Format: CopyCSV, ForceNotNull: []bool{false, true}}, 2, ",\n", "NULL|\"\"\n"},
		{"csv force null", CopyOptions{Format: CopyCSV, ForceNull: []bool{true, false}}, 2, "\"\",\"\"\n", "NULL|\"\"\n"},
		{"csv without quoting", CopyOptions{Format: CopyCSV, NoQuote: true}, 2, "\"a,b\"\n", "\"\\\"a\"|\"b\\\"\"\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			rows, err := readAll(t, c.in, c.opt, c.columns)
			if err != nil {
				t.Fatal(err)
			}
			if got := show(rows); got != c.want {
				t.Fatalf("got\n%s\nwant\n%s", got, c.want)
			}
		})
	}
}

func TestCopyReadErrors(t *testing.T) {
	for _, c := range []struct {
		name       string
		opt        CopyOptions
		in         string
		line, col  int
		msgContain string
	}{
		{"too few fields", CopyOptions{}, "1\t2\n3\n", 2, 0, "1 columns of data for 2"},
		{"too many fields", CopyOptions{}, "1\t2\t3\n", 1, 0, "3 columns of data for 2"},
		{"unterminated quote", CopyOptions{Format: CopyCSV}, "1,2\n3,\"x", 2, 2, "unterminated"},
		{"binary signature", CopyOptions{Format: CopyBinary}, "PGCOPY\nnope", 0, 0, "signature"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := readAll(t, c.in, c.opt, 2)
			var ce *CopyError
			if !errors.As(err, &ce) || ce.Line != c.line || ce.Column != c.col || !strings.Contains(ce.Msg, c.msgContain) {
				t.Fatalf("got %v, want line %d column %d %q", err, c.line, c.col, c.msgContain)
			}
		})
	}
}

// TestCopyRoundTrip writes awkward rows in each format and reads them
// back unchanged.
func TestCopyRoundTrip(t *testing.T) {
	rows := [][][]byte{
		{[]byte("plain"), nil, []byte("")},
		{[]byte("tab\there, comma, \"quote\""), []byte("line\nbreak\r\n"), []byte(`back\slash`)},
		{[]byte(`\N`), []byte("NULL"), []byte(`\.`)},
		{[]byte{0, 1, 0xff}, []byte(";"), []byte("  spaces  ")},
	}
	for _, opt := range []CopyOptions{
		{}, {Format: CopyCSV}, {Format: CopyBinary}, {Format: CopyCSV, Header: true, Delimiter: ';', Null: "NULL", HasNull: true},
		{Format: CopyCSV, Escape: '\\'}, {Delimiter: '|'},
	} {
		t.Run(fmt.Sprintf("%+v", opt), func(t *testing.T) {
			var buf bytes.Buffer
			w := NewCopyWriter(&buf, opt)
			if err := w.Header([]string{"a", "b", "c"}); err != nil {
				t.Fatal(err)
			}
			for _, r := range rows {
				if err := w.Row(r); err != nil {
					t.Fatal(err)
				}
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			r := NewCopyReader(&buf, opt, 3)
			for i, want := range rows {
				got, err := r.Next()
				if err != nil {
					t.Fatalf("row %d: %v", i, err)
				}
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("row %d: got %q, want %q", i, got, want)
				}
			}
			if _, err := r.Next(); err != io.EOF {
				t.Fatalf("after the rows: %v", err)
			}
		})
	}
}

// FuzzCopyReader: any input ends in rows, EOF or a CopyError, never a
// panic.
func FuzzCopyReader(f *testing.F) {
	f.Add([]byte("1\tone\n\\N\t\\x41\n"), uint8(0))
	f.Add([]byte("1,\"a\nb\",\n"), uint8(1))
	f.Add(append(append([]byte{}, binarySignature...), 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 1, 'x', 0xff, 0xff, 0xff, 0xff), uint8(2))
	f.Fuzz(func(t *testing.T, data []byte, format uint8) {
		r := NewCopyReader(bytes.NewReader(data), CopyOptions{Format: CopyFormat(format % 3)}, 2)
		for i := 0; i < 10000; i++ {
			_, err := r.Next()
			if err == io.EOF {
				return
			}
			var ce *CopyError
			if err != nil && !errors.As(err, &ce) {
				t.Fatalf("error of type %T: %v", err, err)
			}
			if err != nil {
				return
			}
		}
	})
}

// TestCopyHeaderAndForceQuote: the header line's names are kept for
// HEADER MATCH, and FORCE_QUOTE quotes every non-NULL value of its columns.
func TestCopyHeaderAndForceQuote(t *testing.T) {
	r := NewCopyReader(strings.NewReader("a,\"b c\"\n1,2\n"), CopyOptions{Format: CopyCSV, Header: true}, 2)
	if _, err := r.Next(); err != nil {
		t.Fatal(err)
	}
	if got := r.Header(); !reflect.DeepEqual(got, []string{"a", "b c"}) {
		t.Fatalf("header %q", got)
	}
	var out bytes.Buffer
	w := NewCopyWriter(&out, CopyOptions{Format: CopyCSV, ForceQuote: []bool{true, false}})
	if err := w.Row([][]byte{[]byte("x"), []byte("y")}); err != nil {
		t.Fatal(err)
	}
	if err := w.Row([][]byte{nil, []byte("y")}); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != "\"x\",y\n,y\n" {
		t.Fatalf("got %q", got)
	}
}
