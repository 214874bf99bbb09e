package backup

import (
	"bufio"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"mirrordb/internal/frame"
)

// Mode says what happens to a media file that already exists.
type Mode int

const (
	// Append (NOINIT, the default) adds the set after the existing ones.
	Append Mode = iota
	// Init (INIT) keeps the media header and overwrites all sets.
	Init
	// Format (FORMAT) writes a new media header, invalidating the file.
	Format
)

// Writer writes one backup set. Create it with Create, add files or log
// records, then Finish; Abort leaves the media as it was before.
type Writer struct {
	f       *os.File
	bw      *bufio.Writer
	blk     blockWriter
	start   int64 // where this set begins (the media is cut back here on Abort)
	created bool  // the file did not exist before
	header  SetHeader
	trailer SetTrailer
	records []byte // pending log records for the next R block
}

// NewGUID returns a random GUID in SQL Server's text form.
func NewGUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return fmt.Sprintf("%s-%s-%s-%s-%s", h[0:8], h[8:12], h[12:16], h[16:20], h[20:])
}

// Create starts a backup set on the media file at path, creating the file
// (and a media header) when it does not exist. The set's position is
// chosen here and returned in Header().Position.
func Create(path string, mode Mode, mediaName string, h SetHeader) (*Writer, error) {
	w := &Writer{header: h}
	var media *Media
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		mode, w.created = Format, true
	} else if mode != Format {
		m, err := Open(path)
		if err != nil {
			return nil, err
		}
		media = m
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	w.f = f
	w.bw = bufio.NewWriterSize(f, 1<<20)
	w.blk = blockWriter{frame.NewWriter(w.bw, 0)}
	fail := func(err error) (*Writer, error) {
		w.Abort()
		return nil, err
	}
	switch mode {
	case Format:
		if err := f.Truncate(0); err != nil {
			return fail(err)
		}
		hdr := MediaHeader{Magic: magic, Version: FormatVersion, MediaGUID: NewGUID(), Name: mediaName, Created: time.Now().UTC()}
		if err := w.blk.writeJSON(kindMedia, hdr); err != nil {
			return fail(err)
		}
		w.start = w.blk.Offset()
		w.header.Position = 1
	case Init:
		if err := w.seekTo(firstSetOffset(media)); err != nil {
			return fail(err)
		}
		w.header.Position = 1
	default:
		if err := w.seekTo(media.end); err != nil {
			return fail(err)
		}
		w.header.Position = len(media.Sets) + 1
	}
	if err := w.blk.writeJSON(kindSet, w.header); err != nil {
		return fail(err)
	}
	return w, nil
}

// firstSetOffset is where the first set of a media file begins (just after
// the media header).
func firstSetOffset(m *Media) int64 {
	if len(m.Sets) > 0 {
		return m.Sets[0].offset
	}
	return m.end
}

func (w *Writer) seekTo(off int64) error {
	if err := w.f.Truncate(off); err != nil {
		return err
	}
	if _, err := w.f.Seek(off, io.SeekStart); err != nil {
		return err
	}
	w.start = off
	w.blk = blockWriter{frame.NewWriter(w.bw, off)}
	return nil
}

// Header returns the set's header (with its position).
func (w *Writer) Header() SetHeader { return w.header }

// Bytes is the payload written so far (for progress reports).
func (w *Writer) Bytes() int64 { return w.trailer.Bytes }

// AddFile writes a file of the given size read from r, in checksummed chunks.
func (w *Writer) AddFile(name string, size int64, r io.Reader, progress func(n int)) error {
	if err := w.blk.writeJSON(kindFile, fileHeader{Name: filepath.ToSlash(name), Size: size}); err != nil {
		return err
	}
	w.trailer.Files++
	buf := make([]byte, ChunkSize)
	var done int64
	for done < size {
		n, err := io.ReadFull(r, buf[:min(int64(len(buf)), size-done)])
		if n > 0 {
			if err := w.blk.Write(kindData, buf[:n]); err != nil {
				return err
			}
			done += int64(n)
			w.trailer.Bytes += int64(n)
			w.trailer.Blocks++
			if progress != nil {
				progress(n)
			}
		}
		if err != nil {
			return fmt.Errorf("reading %s: %w", name, err)
		}
	}
	return nil
}

// AddRecord appends an encoded log record; records are grouped into
// blocks of about ChunkSize.
func (w *Writer) AddRecord(rec []byte) error {
	w.records = binary.AppendUvarint(w.records, uint64(len(rec)))
	w.records = append(w.records, rec...)
	w.trailer.Records++
	if len(w.records) >= ChunkSize {
		return w.flushRecords()
	}
	return nil
}

func (w *Writer) flushRecords() error {
	if len(w.records) == 0 {
		return nil
	}
	if err := w.blk.Write(kindRecords, w.records); err != nil {
		return err
	}
	w.trailer.Bytes += int64(len(w.records))
	w.trailer.Blocks++
	w.records = w.records[:0]
	return nil
}

// Finish writes the trailer and makes the set durable.
func (w *Writer) Finish() (SetTrailer, error) {
	if err := w.flushRecords(); err != nil {
		w.Abort()
		return w.trailer, err
	}
	w.trailer.Finished = time.Now().UTC()
	err := w.blk.writeJSON(kindTrailer, w.trailer)
	if err == nil {
		err = w.bw.Flush()
	}
	if err == nil {
		err = w.f.Sync()
	}
	if err != nil {
		w.Abort()
		return w.trailer, err
	}
	if err := w.f.Close(); err != nil {
		return w.trailer, err
	}
	if w.created {
		SyncDir(filepath.Dir(w.f.Name()))
	}
	return w.trailer, nil
}

// Abort discards the set: the media is cut back to where the set began (or
// removed if this backup created it).
func (w *Writer) Abort() {
	if w.f == nil {
		return
	}
	_ = w.bw.Flush()
	if w.created {
		w.f.Close()
		os.Remove(w.f.Name())
	} else {
		_ = w.f.Truncate(w.start)
		_ = w.f.Sync()
		w.f.Close()
	}
	w.f = nil
}
