package wire

import (
	"io"
)

// Sizes of limitedChunkReader's buffers.
const (
	// chunkSize is the buffer small messages are read into, several at a
	// time.
	chunkSize = 8 << 10
	// largeStart is where the buffer of a message larger than chunkSize
	// starts; it doubles as the bytes arrive.
	largeStart = 64 << 10
)

// limitedChunkReader is the ChunkReader pgproto3's Backend reads through
// (the startup packet too). pgproto3/v2 trusts the body length a client
// declares, and its own chunk reader allocates that much before a byte of
// the body has arrived; this one
//
//   - refuses any length above max, allocating nothing, and
//   - reads a message larger than chunkSize into a buffer that grows as
//     its bytes arrive, so memory follows what the client sent, not what
//     it promised.
//
// As with pgproto3's reader, a returned slice belongs to the caller and is
// never overwritten: pgproto3 keeps sub-slices of the body (Bind
// parameters) in the messages it decodes. Small messages share a chunk,
// which a slice held on to keeps alive.
type limitedChunkReader struct {
	r      io.Reader
	max    int
	buf    []byte // current chunk: bytes [rp, wp) are read but not handed out
	rp, wp int
}

func newLimitedChunkReader(r io.Reader, max int) *limitedChunkReader {
	return &limitedChunkReader{r: r, max: max}
}

// Next returns the next n bytes.
func (r *limitedChunkReader) Next(n int) ([]byte, error) {
	if n > r.max || n < 0 {
		return nil, errMessageTooLarge
	}
	if n > chunkSize {
		return r.large(n)
	}
	if r.wp-r.rp < n {
		if len(r.buf)-r.rp < n {
			// The rest of the chunk cannot hold the message: move what is
			// buffered to a fresh one (the old one may be in use).
			buf := make([]byte, chunkSize)
			r.wp = copy(buf, r.buf[r.rp:r.wp])
			r.rp, r.buf = 0, buf
		}
		m, err := io.ReadAtLeast(r.r, r.buf[r.wp:], r.rp+n-r.wp)
		r.wp += m
		if err != nil {
			return nil, err
		}
	}
	b := r.buf[r.rp : r.rp+n : r.rp+n]
	r.rp += n
	return b, nil
}

// large reads an n-byte message into a buffer of its own, starting with
// what is already buffered and doubling as needed, never reading past the
// message.
func (r *limitedChunkReader) large(n int) ([]byte, error) {
	have := r.buf[r.rp:r.wp]
	b := make([]byte, len(have), min(n, max(largeStart, 2*len(have))))
	copy(b, have)
	r.buf, r.rp, r.wp = nil, 0, 0
	for len(b) < n {
		if len(b) == cap(b) {
			grown := make([]byte, len(b), min(n, 2*cap(b)))
			copy(grown, b)
			b = grown
		}
		m, err := r.r.Read(b[len(b):cap(b)])
		b = b[:len(b)+m]
		if err != nil && len(b) < n {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
	}
	return b, nil
}
