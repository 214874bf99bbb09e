package wire

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/jackc/pgproto3/v2"
)

// frontendMessages reads a running session's messages. pgproto3's Backend
// allocates for every Bind (its slices, the statement's name), Execute and
// Describe, which a client using prepared statements sends on every round
// trip; these four and Sync are decoded here into messages reused from one
// round trip to the next, and statement and portal names are kept while
// they repeat. The other messages go through pgproto3's own decoders.
//
// A returned message is valid until the next call, and a Bind's
// parameters point into the reader's buffer (limitedChunkReader never
// overwrites a slice it handed out).
type frontendMessages struct {
	bind     pgproto3.Bind
	describe pgproto3.Describe
	execute  pgproto3.Execute
	sync     pgproto3.Sync
	names    [2]string // names recently decoded, reused while they repeat
}

// errInvalidBody is a message whose body does not hold what its type
// requires.
type errInvalidBody struct{ what string }

func (e *errInvalidBody) Error() string { return e.what + " body is invalid" }

var errBadBind = &errInvalidBody{"Bind"}

// next reads and decodes one message from r.
func (f *frontendMessages) next(r *limitedChunkReader) (pgproto3.FrontendMessage, error) {
	header, err := r.Next(5)
	if err != nil {
		return nil, eofIsUnexpected(err)
	}
	typ := header[0]
	n := int(int32(binary.BigEndian.Uint32(header[1:]))) - 4
	if n < 0 {
		return nil, errors.New("invalid message with negative body length received")
	}
	var msg pgproto3.FrontendMessage
	switch typ {
	case 'B', 'D', 'E', 'S':
	case 'C':
		msg = &pgproto3.Close{}
	case 'F':
		msg = &pgproto3.FunctionCall{}
	case 'f':
		msg = &pgproto3.CopyFail{}
	case 'd':
		msg = &pgproto3.CopyData{}
	case 'c':
		msg = &pgproto3.CopyDone{}
	case 'H':
		msg = &pgproto3.Flush{}
	case 'P':
		msg = &pgproto3.Parse{}
	case 'p':
		msg = &pgproto3.PasswordMessage{}
	case 'Q':
		msg = &pgproto3.Query{}
	case 'X':
		msg = &pgproto3.Terminate{}
	default:
		return nil, fmt.Errorf("unknown message type: %c", typ)
	}
	body, err := r.Next(n)
	if err != nil {
		return nil, eofIsUnexpected(err)
	}
	switch typ {
	case 'B':
		return &f.bind, f.decodeBind(body)
	case 'D':
		return &f.describe, f.decodeDescribe(body)
	case 'E':
		return &f.execute, f.decodeExecute(body)
	case 'S':
		if len(body) != 0 {
			return nil, &errInvalidBody{"Sync"}
		}
		return &f.sync, nil
	}
	return msg, msg.Decode(body)
}

func eofIsUnexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// name returns b as a string, without allocating when it is one of the
// last names seen.
func (f *frontendMessages) name(b []byte) string {
	switch {
	case len(b) == 0:
		return ""
	case string(b) == f.names[0]:
		return f.names[0]
	case string(b) == f.names[1]:
		f.names[0], f.names[1] = f.names[1], f.names[0]
		return f.names[0]
	}
	f.names[1], f.names[0] = f.names[0], string(b)
	return f.names[0]
}

// cstring splits a NUL-terminated string off the front of src.
func cstring(src []byte) (s, rest []byte, ok bool) {
	i := bytes.IndexByte(src, 0)
	if i < 0 {
		return nil, nil, false
	}
	return src[:i], src[i+1:], true
}

// int16s reads a count and that many int16 values into dst's array.
func int16s(dst []int16, src []byte) ([]int16, []byte, bool) {
	if len(src) < 2 {
		return nil, nil, false
	}
	n := int(binary.BigEndian.Uint16(src))
	src = src[2:]
	if len(src) < 2*n {
		return nil, nil, false
	}
	dst = dst[:0]
	for i := 0; i < n; i++ {
		dst = append(dst, int16(binary.BigEndian.Uint16(src[2*i:])))
	}
	return dst, src[2*n:], true
}

func (f *frontendMessages) decodeBind(src []byte) error {
	m := &f.bind
	bad := errBadBind
	portal, src, ok := cstring(src)
	if !ok {
		return bad
	}
	stmt, src, ok := cstring(src)
	if !ok {
		return bad
	}
	m.DestinationPortal, m.PreparedStatement = f.name(portal), f.name(stmt)
	if m.ParameterFormatCodes, src, ok = int16s(m.ParameterFormatCodes, src); !ok {
		return bad
	}
	if len(src) < 2 {
		return bad
	}
	n := int(binary.BigEndian.Uint16(src))
	src = src[2:]
	clear(m.Parameters)
	m.Parameters = m.Parameters[:0]
	for i := 0; i < n; i++ {
		if len(src) < 4 {
			return bad
		}
		size := int(int32(binary.BigEndian.Uint32(src)))
		src = src[4:]
		if size == -1 { // NULL
			m.Parameters = append(m.Parameters, nil)
			continue
		}
		if size < 0 || len(src) < size {
			return bad
		}
		m.Parameters = append(m.Parameters, src[:size:size])
		src = src[size:]
	}
	if m.ResultFormatCodes, _, ok = int16s(m.ResultFormatCodes, src); !ok {
		return bad
	}
	return nil
}

func (f *frontendMessages) decodeDescribe(src []byte) error {
	if len(src) < 2 || bytes.IndexByte(src[1:], 0) != len(src)-2 {
		return &errInvalidBody{"Describe"}
	}
	f.describe.ObjectType = src[0]
	f.describe.Name = f.name(src[1 : len(src)-1])
	return nil
}

func (f *frontendMessages) decodeExecute(src []byte) error {
	portal, src, ok := cstring(src)
	if !ok || len(src) < 4 {
		return &errInvalidBody{"Execute"}
	}
	f.execute.Portal = f.name(portal)
	f.execute.MaxRows = binary.BigEndian.Uint32(src)
	return nil
}
