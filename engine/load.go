package engine

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"sync/atomic"

	"github.com/cockroachdb/pebble"

	"mirrordb/engine/exec"
	"mirrordb/engine/keys"
	"mirrordb/pgcodec"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// The loader behind COPY FROM and BULK INSERT (docs/ARCHITECTURE.md,
// "Loading data"): raw fields in, the table's rows out, converted and
// stored as INSERT converts and stores them, with errors that name the
// line and column of the data.

// loader turns rows of raw fields into a table's rows, as INSERT converts
// values, and stores them: COPY FROM and BULK INSERT share it.
type loader struct {
	ins    *exec.Insert
	binary bool
	oids   []uint32     // per field: the PostgreSQL type it is read as
	from   []types.Type // the SQL type of what decoding the oid gives
	// skip marks fields that are read but not stored: the column takes its
	// identity value or default (BULK INSERT's identity columns).
	skip []bool
	// emptyDefault: an empty or NULL field of a column with a default takes
	// the default (BULK INSERT without KEEPNULLS).
	emptyDefault bool
	where        func(line int) string // the CONTEXT of an error on a line

	vals  []types.Value
	typs  []types.Type
	isDef []bool
	// parts and charged: the parts the load's transaction had written
	// when it last charged a row, and what it charged since (charge).
	parts, charged int64
}

func newLoader(ins *exec.Insert, binary bool) *loader {
	n := len(ins.Targets)
	l := &loader{ins: ins, binary: binary, oids: make([]uint32, n), from: make([]types.Type, n),
		skip: make([]bool, n), vals: make([]types.Value, n), typs: make([]types.Type, n), isDef: make([]bool, n)}
	ins.Converted = true // value converts each field to its column's type
	for j, i := range ins.Targets {
		l.oids[j] = pgcodec.TypeOf(ins.W.Table.Columns[i].Type).OID
		l.from[j] = pgcodec.TypeFromOID(l.oids[j])
	}
	return l
}

// fieldError is a value of one field that does not convert.
type fieldError struct {
	col   int // 0-based field
	field []byte
	err   error
}

func (f *fieldError) Error() string { return f.err.Error() }

// value converts field j to its column's type.
func (l *loader) value(j int, f []byte) (types.Value, error) {
	col := l.ins.Targets[j]
	if f == nil {
		return l.ins.W.Convert(col, nil, types.TypeUnknown)
	}
	var v types.Value
	var err error
	if l.binary {
		v, err = pgcodec.DecodeBinary(l.oids[j], f)
	} else {
		v, err = pgcodec.DecodeText(l.oids[j], f)
		if err != nil && sqlerr.As(err).Code != sqlerr.CharNotInRepertoire {
			// What INSERT accepts from a string (T-SQL's own forms).
			if tv, terr := types.Convert(string(f), types.NVarCharType(types.MaxLength), l.ins.W.Table.Columns[col].Type, types.Implicit); terr == nil {
				return l.ins.W.Convert(col, tv, l.ins.W.Table.Columns[col].Type)
			}
		}
	}
	if err != nil {
		return nil, err
	}
	return l.ins.W.Convert(col, v, l.from[j])
}

// row stores one row. A value that does not convert is a *fieldError.
func (l *loader) row(e *exec.Env, t *txn, fields [][]byte) error {
	anyDef := false
	for j, f := range fields {
		l.isDef[j] = l.skip[j] || l.emptyDefault && len(f) == 0 && l.ins.Defs[l.ins.Targets[j]] != nil
		if l.isDef[j] {
			anyDef = true
			continue
		}
		v, err := l.value(j, f)
		if err != nil && f == nil {
			return err // NOT NULL: the row's fault, not a value's
		}
		if err != nil {
			return &fieldError{col: j, field: f, err: err}
		}
		l.vals[j], l.typs[j] = v, l.ins.W.Table.Columns[l.ins.Targets[j]].Type
	}
	var isDef []bool
	if anyDef {
		isDef = l.isDef
	}
	return l.ins.Put(e, t, l.vals, l.typs, isDef)
}

// pastLastKey lets the row writer skip the duplicate-key lookup for keys
// above every key the table had when the load began and every key the
// load stored since: data loaded in key order (the usual dump or export)
// then costs no lookup per row. Other keys are looked up as usual.
func (l *loader) pastLastKey(t *txn) error {
	def := l.ins.W.Table
	if len(def.PK) == 0 {
		return nil
	}
	prefix := keys.TablePrefix(def.StoreID())
	it, err := t.Reader().NewIter(&pebble.IterOptions{LowerBound: prefix, UpperBound: keys.PrefixEnd(prefix)})
	if err != nil {
		return err
	}
	var high []byte
	if it.Last() {
		high = bytes.Clone(it.Key())
	}
	if err := it.Close(); err != nil {
		return err
	}
	l.ins.W.Absent = func(key []byte) bool {
		if high != nil && bytes.Compare(key, high) <= 0 {
			return false
		}
		high = append(high[:0], key...)
		return true
	}
	return nil
}

// load reads every row of rd into the table and returns how many it
// stored. An error names the line (and the column) it arose on.
//
// Two goroutines share the work, so that a load uses two cores: the
// statement's own reads the stream and converts the values, a writer
// stores the rows it is handed in batches. Only the reader touches the
// client's stream and only the writer the transaction; load returns after
// the writer has stopped, and a failure on either side stops both.
func (l *loader) load(e *exec.Env, t *txn, rd *pgcodec.CopyReader, match bool) (int64, error) {
	if err := l.pastLastKey(t); err != nil {
		return 0, err
	}
	width := len(l.ins.Targets)
	typs := make([]types.Type, width)
	for j, i := range l.ins.Targets {
		typs[j] = l.ins.W.Table.Columns[i].Type
	}
	batches := make(chan *rowBatch, 4)
	var stored int64
	var failed atomic.Bool
	werr := make(chan error, 1)
	go func() {
		var err error
		var room int // operations reserved in the transaction and not yet used
		opsPerRow := 1 + len(l.ins.W.Table.Indexes)
		for b := range batches {
			if err != nil {
				continue // drain: the reader stops at its next row
			}
			// The transaction's operation list grows by doubling rather
			// than append's quarter: a million rows' list is then copied
			// about twice instead of ten times. (An estimate: a heap's row
			// counter or a filtered index writes more or fewer.)
			if n := len(b.lines) * opsPerRow; n > room {
				room = max(int(stored)*opsPerRow, 4*loadBatchRows*opsPerRow)
				t.Grow(room)
			}
			room -= len(b.lines) * opsPerRow
			err = sessionOf(e).protect(func() error { // a panic here must not take the process down
				for i := range b.lines {
					if err := l.ins.Put(e, t, b.vals[i*width:(i+1)*width], typs, nil); err != nil {
						return l.context(err, b.lines[i], nil)
					}
					stored++
				}
				return nil
			})
			if err != nil {
				failed.Store(true)
			}
		}
		werr <- err
	}()
	rerr := l.read(e, t, rd, match, width, batches, &failed)
	close(batches)
	if err := <-werr; err != nil {
		return 0, err
	}
	return stored, rerr
}

// charge counts a loaded row against the statement's memory budget
// (--query-memory, Msg 701): until the load commits its transaction holds
// the row several times over (the write batch, the operation with its
// images, the log record), about 8 times its data and 250 bytes more
// (measured: 630 MB for a 52 MB csv of 1M rows). A load too big for the
// budget then fails cleanly instead of exhausting the server's memory.
//
// A transaction written in parts holds only its current part: once a
// part is written the rows charged so far are given back.
func (l *loader) charge(e *exec.Env, t *txn, fields [][]byte) error {
	if p := t.Parts(); p != l.parts {
		e.Gov.Shrink(l.charged)
		l.parts, l.charged = p, 0
	}
	n := int64(250)
	for _, f := range fields {
		n += 8 * int64(len(f)+1)
	}
	l.charged += n
	return e.Gov.Grow(n)
}

// rowBatch is rows on their way from a load's reader to its writer.
type rowBatch struct {
	lines []int
	vals  []types.Value // len(lines) rows of converted values
}

const loadBatchRows = 1024

// read converts rd's rows into batches until the stream ends, an error,
// or the writer failed.
func (l *loader) read(e *exec.Env, t *txn, rd *pgcodec.CopyReader, match bool, width int, batches chan<- *rowBatch, failed *atomic.Bool) error {
	b := &rowBatch{}
	for !failed.Load() {
		if err := e.Gov.Check(); err != nil {
			return err
		}
		fields, err := rd.Next()
		if match && rd.Header() != nil {
			if herr := l.matchHeader(rd.Header()); herr != nil {
				return l.context(herr, 1, nil)
			}
			match = false
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return l.streamError(rd, err)
		}
		start := len(b.vals)
		b.vals = append(b.vals, make([]types.Value, width)...)
		for j, f := range fields {
			v, err := l.value(j, f)
			if err != nil && f == nil {
				return l.context(err, rd.Line(), nil) // NOT NULL: the row's fault, not a value's
			}
			if err != nil {
				return l.context(&fieldError{col: j, field: f, err: err}, rd.Line(), nil)
			}
			b.vals[start+j] = v
		}
		if err := l.charge(e, t, fields); err != nil {
			return err
		}
		b.lines = append(b.lines, rd.Line())
		if len(b.lines) == loadBatchRows {
			batches <- b
			b = &rowBatch{vals: make([]types.Value, 0, loadBatchRows*width)}
		}
	}
	if len(b.lines) > 0 {
		batches <- b
	}
	return nil
}

// matchHeader checks HEADER MATCH: the header names the columns in order.
func (l *loader) matchHeader(header []string) error {
	names := l.ins.TargetNames()
	if len(header) != len(names) {
		return copyErr(sqlerr.BadCopyFileFormat, "wrong number of fields in header line: got %d, expected %d", len(header), len(names))
	}
	for i, h := range header {
		if h != names[i] {
			return copyErr(sqlerr.BadCopyFileFormat, "column name mismatch in header line field %d: got \"%s\", expected \"%s\"", i+1, h, names[i])
		}
	}
	return nil
}

// streamError is an error reading the data: malformed data (the reader's
// CopyError) becomes PostgreSQL's bad_copy_file_format with its line;
// anything else (the client's CopyFail, a cancel, a lost connection) is
// passed on.
func (l *loader) streamError(rd *pgcodec.CopyReader, err error) error {
	var ce *pgcodec.CopyError
	if !errors.As(err, &ce) {
		return err
	}
	e := copyErr(sqlerr.BadCopyFileFormat, "%s", ce.Msg)
	e.Where = l.where(ce.Line)
	if ce.Column > 0 && ce.Column <= len(l.ins.Targets) {
		e.Where += ", column " + l.ins.TargetNames()[ce.Column-1]
	}
	return e
}

// context adds to err where in the data it arose: the line, and for a
// value that does not convert its column and the value (PostgreSQL's
// CONTEXT line).
func (l *loader) context(err error, line int, fields [][]byte) error {
	where := l.where(line)
	var fe *fieldError
	if errors.As(err, &fe) {
		where += ", column " + l.ins.TargetNames()[fe.col] + ": \"" + clip(fe.field) + "\""
		err = fe.err
	}
	e := *sqlerr.As(err)
	if e.Where == "" {
		e.Where = where
	}
	return &e
}

// clip shortens a value quoted in a message, as PostgreSQL does.
// Bytes that are not UTF-8 show as U+FFFD: the message travels as UTF-8.
func clip(b []byte) string {
	const max = 100
	s, more := string(b), ""
	if len(s) > max {
		s, more = s[:max], "..."
	}
	return strings.ToValidUTF8(s, "\uFFFD") + more
}
