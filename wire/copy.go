package wire

import (
	"io"

	"github.com/jackc/pgproto3/v2"

	"mirrordb/session"
	"mirrordb/sqlerr"
)

// The COPY sub-protocol (session.Copier). A COPY statement runs on the
// connection's goroutine, so the reader it gets reads the client's
// messages directly: CopyData until CopyDone or CopyFail. Flush and Sync
// are ignored meanwhile, as PostgreSQL does. Whatever the statement leaves
// unread, dispatch drops later (CopyData, CopyDone and CopyFail outside a
// COPY are the leftovers of one that failed).

var _ session.Copier = (*resultWriter)(nil)

func (w *resultWriter) CopyIn(format session.CopyFormat, columns int) (io.Reader, error) {
	err := w.c.send(&pgproto3.CopyInResponse{OverallFormat: byte(format), ColumnFormatCodes: columnFormats(format, columns)})
	if err == nil {
		err = w.c.flush()
	}
	if err != nil {
		return nil, err
	}
	return &copyReader{c: w.c}, nil
}

func (w *resultWriter) CopyOut(format session.CopyFormat, columns int) (io.WriteCloser, error) {
	if err := w.c.send(&pgproto3.CopyOutResponse{OverallFormat: byte(format), ColumnFormatCodes: columnFormats(format, columns)}); err != nil {
		return nil, err
	}
	return &copyWriter{c: w.c}, nil
}

func columnFormats(format session.CopyFormat, columns int) []uint16 {
	codes := make([]uint16, columns)
	for i := range codes {
		codes[i] = uint16(format)
	}
	return codes
}

// copyReader yields the data of the client's CopyData messages.
type copyReader struct {
	c   *conn
	buf []byte
	err error // sticky: io.EOF after CopyDone, or why the copy ended
}

func (r *copyReader) Read(p []byte) (int, error) {
	for len(r.buf) == 0 {
		if r.err != nil {
			return 0, r.err
		}
		msg, err := r.c.receive()
		if err != nil {
			r.c.copyEnd, r.err = err, err
			return 0, err
		}
		switch m := msg.(type) {
		case *pgproto3.CopyData:
			r.buf = append(r.buf[:0], m.Data...) // m is reused by the next read
		case *pgproto3.CopyDone:
			r.err = io.EOF
		case *pgproto3.CopyFail:
			r.err = sqlerr.Protocol(sqlerr.QueryCanceled, "COPY from stdin failed: %s", m.Message)
		case *pgproto3.Flush, *pgproto3.Sync:
		case *pgproto3.Terminate:
			r.err = &connEnd{}
			r.c.copyEnd = r.err
		default:
			r.err = fatal(sqlerr.Protocol(sqlerr.ProtocolViolation, "unexpected message type %T during COPY from stdin", msg))
			r.c.copyEnd = r.err
		}
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}

// copyWriter sends each Write as one CopyData message.
type copyWriter struct{ c *conn }

func (w *copyWriter) Write(p []byte) (int, error) {
	if err := w.c.send(&pgproto3.CopyData{Data: p}); err != nil {
		return 0, err
	}
	return len(p), nil
}

func (w *copyWriter) Close() error { return w.c.send(&pgproto3.CopyDone{}) }
