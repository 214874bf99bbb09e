package wire

import (
	"io"

	"github.com/jackc/pgproto3/v2"
)

// limitedChunkReader is the ChunkReader pgproto3's Backend reads through.
// pgproto3/v2 allocates whatever body length a client declares; this
// refuses any read above max before a byte is allocated.
type limitedChunkReader struct {
	cr  pgproto3.ChunkReader
	max int
}

func newLimitedChunkReader(r io.Reader, max int) *limitedChunkReader {
	return &limitedChunkReader{cr: pgproto3.NewChunkReader(r), max: max}
}

func (r *limitedChunkReader) Next(n int) ([]byte, error) {
	if n > r.max || n < 0 {
		return nil, errMessageTooLarge
	}
	return r.cr.Next(n)
}
