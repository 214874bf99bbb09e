package backup

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"os"
)

// SetReader reads the content of one backup set, verifying every block.
type SetReader struct {
	f   *os.File
	br  *blockReader
	set *Set
}

// OpenSet opens backup set number position of the media file at path.
func OpenSet(path string, position int) (*SetReader, error) {
	m, err := Open(path)
	if err != nil {
		return nil, err
	}
	set, err := m.Set(position)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	if _, err := f.Seek(set.offset, io.SeekStart); err != nil {
		f.Close()
		return nil, err
	}
	br := newBlockReader(f, set.offset)
	if kind, _, err := br.next(); err != nil || kind != kindSet {
		f.Close()
		return nil, fmt.Errorf("%w: set %d header moved", ErrMalformed, position)
	}
	return &SetReader{f: f, br: br, set: set}, nil
}

// Close releases the file.
func (r *SetReader) Close() error { return r.f.Close() }

// Set returns the set's header and trailer.
func (r *SetReader) Set() Set { return *r.set }

// Read walks the set's content: fn.file for each file (its content reader
// yields the file's bytes, checked block by block) and fn.record for each
// log record (valid only during the call). It fails on any damage,
// including a count that does not match the trailer.
func (r *SetReader) Read(file func(name string, size int64, content io.Reader) error, record func(rec []byte) error) error {
	var blocks, records int64
	for {
		kind, p, err := r.br.next()
		if err != nil {
			if err == io.EOF {
				return fmt.Errorf("%w: set ends early", errTruncated)
			}
			return err
		}
		switch kind {
		case kindFile:
			var fh fileHeader
			if err := json.Unmarshal(p, &fh); err != nil {
				return fmt.Errorf("%w: file header: %v", ErrMalformed, err)
			}
			cr := &chunkReader{r: r, remaining: fh.Size, blocks: &blocks}
			if file != nil {
				if err := file(fh.Name, fh.Size, cr); err != nil {
					return err
				}
			}
			if _, err := io.Copy(io.Discard, cr); err != nil { // whatever fn left unread
				return err
			}
		case kindRecords:
			blocks++
			for len(p) > 0 {
				n, k := binary.Uvarint(p)
				if k <= 0 || uint64(len(p)-k) < n {
					return fmt.Errorf("%w: log record framing", ErrMalformed)
				}
				records++
				if record != nil {
					if err := record(p[k : k+int(n)]); err != nil {
						return err
					}
				}
				p = p[k+int(n):]
			}
		case kindTrailer:
			if blocks != r.set.Trailer.Blocks || records != r.set.Trailer.Records {
				return fmt.Errorf("%w: set holds %d blocks and %d records, trailer says %d and %d",
					ErrMalformed, blocks, records, r.set.Trailer.Blocks, r.set.Trailer.Records)
			}
			return nil
		default:
			return fmt.Errorf("%w: unexpected block %q inside a set", ErrMalformed, kind)
		}
	}
}

// chunkReader yields a file's content from its data blocks.
type chunkReader struct {
	r         *SetReader
	remaining int64
	buf       []byte
	blocks    *int64
}

func (c *chunkReader) Read(p []byte) (int, error) {
	for len(c.buf) == 0 {
		if c.remaining == 0 {
			return 0, io.EOF
		}
		kind, data, err := c.r.br.next()
		if err == io.EOF {
			return 0, fmt.Errorf("%w: file content ends early", errTruncated)
		}
		if err != nil {
			return 0, err
		}
		if kind != kindData || int64(len(data)) > c.remaining {
			return 0, fmt.Errorf("%w: file content", ErrMalformed)
		}
		*c.blocks++
		c.remaining -= int64(len(data))
		c.buf = data
	}
	n := copy(p, c.buf)
	c.buf = c.buf[n:]
	return n, nil
}

// Verify reads a whole set, checking every block (RESTORE VERIFYONLY).
func Verify(path string, position int) (Set, error) {
	r, err := OpenSet(path, position)
	if err != nil {
		return Set{}, err
	}
	defer r.Close()
	return r.Set(), r.Read(nil, nil)
}
