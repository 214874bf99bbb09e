package wire

import (
	"strconv"
	"strings"

	"github.com/jackc/pgproto3/v2"

	"mirrordb/pgcodec"
	"mirrordb/session"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// resultWriter turns the engine's results into protocol messages. In the
// simple protocol it sends RowDescription for each result set (text
// format); in the extended protocol the client learnt the columns from
// Describe, Columns is ignored, and rows use the formats Bind asked for.
// With buffer set (an Execute with a row limit) DataRows and the command
// tag are kept for the portal instead of being sent.
type resultWriter struct {
	c        *conn
	simple   bool
	cols     []session.Column
	formats  []int16 // per column; nil = text
	buffer   bool
	rows     [][]byte // encoded DataRow messages, when buffering
	held     int64    // bytes of Config.Memory reserved for rows
	used     int64    // bytes rows hold
	rowCount int
	tag      string
	complete bool
}

// bufferGrain is how much a buffering writer reserves at a time.
const bufferGrain = 64 << 10

var _ session.ResultWriter = (*resultWriter)(nil)

func (w *resultWriter) Columns(cols []session.Column) error {
	if !w.simple {
		return nil
	}
	w.cols = append(w.c.simpleCols[:0], cols...) // a copy: cols is the engine's
	w.c.simpleCols = w.cols
	w.rowCount = 0
	return w.c.sendColumns(cols, nil)
}

func (w *resultWriter) Row(values []types.Value) error {
	if len(values) != len(w.cols) {
		return sqlerr.Protocol(sqlerr.Internal, "row has %d values for %d columns", len(values), len(w.cols))
	}
	msg, err := w.c.encodeDataRow(w.cols, w.formats, values)
	if err != nil {
		return err
	}
	w.rowCount++
	if w.buffer {
		if err := w.reserve(int64(len(msg)) + 24); err != nil {
			return err
		}
		w.rows = append(w.rows, append([]byte(nil), msg...))
		return nil
	}
	return w.c.write(msg)
}

// reserve accounts n more bytes of buffered rows in Config.Memory.
func (w *resultWriter) reserve(n int64) error {
	mem := w.c.srv.cfg.Memory
	if mem == nil {
		return nil
	}
	if w.used+n > w.held {
		grain := max(n, bufferGrain)
		if err := mem.Reserve(w.held, grain); err != nil {
			return err
		}
		w.held += grain
	}
	w.used += n
	return nil
}

// release gives back what the buffered rows held.
func (w *resultWriter) release() {
	if w.held > 0 {
		w.c.srv.cfg.Memory.Release(w.held)
		w.held, w.used = 0, 0
	}
	w.rows = nil
}

func (w *resultWriter) Complete(tag string) error {
	w.complete = true
	if w.buffer {
		w.tag = tag
		return nil
	}
	return w.c.sendCommandComplete(tag)
}

// Notice sends msg at once, as PostgreSQL does: notices report progress
// (BACKUP ... WITH STATS) that the client should see while it happens.
func (w *resultWriter) Notice(msg *sqlerr.Error) error {
	if msg == nil {
		return nil
	}
	if err := w.c.send(noticeResponse(msg)); err != nil {
		return err
	}
	return w.c.flush()
}

// encodeDataRow encodes one DataRow message into c.enc and returns it;
// the slice is valid until the next send.
func (c *conn) encodeDataRow(cols []session.Column, formats []int16, values []types.Value) ([]byte, error) {
	if cap(c.rowVals) < len(values) {
		c.rowVals = make([][]byte, len(values))
	}
	vals := c.rowVals[:len(values)]
	ends := make([]int, len(values))
	buf := c.rowBuf[:0]
	for i, v := range values {
		if v == nil {
			ends[i] = -1
			continue
		}
		var err error
		if formats != nil && formats[i] == formatBinary {
			buf, err = pgcodec.AppendBinary(buf, cols[i].Type, v)
		} else {
			buf, err = pgcodec.AppendText(buf, cols[i].Type, v)
		}
		if err != nil {
			return nil, err
		}
		ends[i] = len(buf)
	}
	start := 0
	for i := range vals {
		if ends[i] < 0 {
			vals[i] = nil
			continue
		}
		vals[i] = buf[start:ends[i]:ends[i]]
		start = ends[i]
	}
	msg, err := (&pgproto3.DataRow{Values: vals}).Encode(c.enc[:0])
	clear(vals)
	c.keepScratch(msg)
	if cap(buf) <= 1<<20 {
		c.rowBuf = buf[:0]
	} else {
		c.rowBuf = nil
	}
	if err != nil {
		return nil, sqlerr.Protocol(sqlerr.ProgramLimitExceeded, "row too large to send: %v", err)
	}
	return msg, nil
}

// retag rewrites a "SELECT n" tag to count n rows, for a portal that
// finishes after being suspended (PostgreSQL counts the last Execute's
// rows).
func retag(tag string, n int) string {
	if strings.HasPrefix(tag, "SELECT ") {
		return "SELECT " + strconv.Itoa(n)
	}
	return tag
}
