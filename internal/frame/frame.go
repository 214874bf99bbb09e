// Package frame is the framing shared by backup media and the mirroring
// transport: a stream of self-checking blocks,
//
//	kind(1) | length(4, big-endian) | payload(length) | crc32c(4)
//
// where the CRC-32C covers kind, length and payload. A reader refuses a
// declared length above its limit before allocating anything, so a hostile
// or corrupt stream cannot make it allocate gigabytes.
package frame

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Overhead is the bytes a frame adds to its payload.
const Overhead = 9

// Errors. A truncated stream (it ends inside a frame) is ErrTruncated; a
// frame whose checksum does not match is ErrChecksum; a declared length
// above the reader's limit is ErrTooLarge.
var (
	ErrTruncated = errors.New("frame: stream ends inside a frame")
	ErrChecksum  = errors.New("frame: checksum mismatch")
	ErrTooLarge  = errors.New("frame: frame larger than allowed")
)

// Writer writes frames to an io.Writer (buffer it: a frame is three
// writes).
type Writer struct {
	w    io.Writer
	n    int64
	head [5]byte
}

// NewWriter returns a Writer on w whose offset starts at off.
func NewWriter(w io.Writer, off int64) *Writer { return &Writer{w: w, n: off} }

// Offset is the stream offset after the last frame written.
func (w *Writer) Offset() int64 { return w.n }

// Write writes one frame.
func (w *Writer) Write(kind byte, payload []byte) error {
	w.head[0] = kind
	binary.BigEndian.PutUint32(w.head[1:], uint32(len(payload)))
	var tail [4]byte
	binary.BigEndian.PutUint32(tail[:], Checksum(kind, payload))
	for _, part := range [][]byte{w.head[:], payload, tail[:]} {
		n, err := w.w.Write(part)
		w.n += int64(n)
		if err != nil {
			return err
		}
	}
	return nil
}

// Checksum is the CRC-32C of a frame's kind, length and payload.
func Checksum(kind byte, payload []byte) uint32 {
	var head [5]byte
	head[0] = kind
	binary.BigEndian.PutUint32(head[1:], uint32(len(payload)))
	return crc32.Update(crc32.Checksum(head[:], castagnoli), castagnoli, payload)
}

// Reader reads and verifies frames.
type Reader struct {
	r   *bufio.Reader
	max int
	off int64
	buf []byte
}

// NewReader reads frames of at most max payload bytes from r, whose offset
// starts at off.
func NewReader(r io.Reader, max int, off int64) *Reader {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, 64<<10)
	}
	return &Reader{r: br, max: max, off: off}
}

// Offset is the stream offset of the next frame.
func (r *Reader) Offset() int64 { return r.off }

// Next reads the next frame. It returns io.EOF at a clean end of stream
// (between frames). The payload is valid until the next call.
func (r *Reader) Next() (kind byte, payload []byte, err error) {
	var head [5]byte
	if _, err := io.ReadFull(r.r, head[:]); err != nil {
		if err == io.EOF {
			return 0, nil, io.EOF
		}
		return 0, nil, fmt.Errorf("%w at offset %d", ErrTruncated, r.off)
	}
	n := binary.BigEndian.Uint32(head[1:])
	if uint64(n) > uint64(r.max) {
		return 0, nil, fmt.Errorf("%w: %d bytes at offset %d (limit %d)", ErrTooLarge, n, r.off, r.max)
	}
	if cap(r.buf) < int(n)+4 {
		r.buf = make([]byte, int(n)+4)
	}
	body := r.buf[:n+4]
	if _, err := io.ReadFull(r.r, body); err != nil {
		return 0, nil, fmt.Errorf("%w at offset %d", ErrTruncated, r.off)
	}
	if Checksum(head[0], body[:n]) != binary.BigEndian.Uint32(body[n:]) {
		return head[0], nil, fmt.Errorf("%w in frame %q at offset %d", ErrChecksum, head[0], r.off)
	}
	r.off += int64(n) + Overhead
	return head[0], body[:n], nil
}
