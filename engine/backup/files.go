package backup

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"mirrordb/sqlerr"
)

// Copying a database's store files into a backup set and back out, and
// what the statements report when the media fail.

// DeviceError maps a problem with the media at path (as the statement
// wrote it) to SQL Server's messages; other errors pass unchanged.
func DeviceError(path string, err error) error {
	switch {
	case errors.Is(err, ErrChecksum):
		return sqlerr.New(3183, path)
	case errors.Is(err, ErrMalformed):
		return sqlerr.New(3241, path)
	case errors.Is(err, ErrNoSuchSet):
		var ns *NoSuchSetError
		errors.As(err, &ns)
		return sqlerr.New(4038, ns.Position, path)
	case errors.Is(err, os.ErrNotExist), errors.Is(err, os.ErrPermission):
		return sqlerr.New(3201, path, osErrorText(err))
	}
	var pe *os.PathError
	if errors.As(err, &pe) {
		return sqlerr.New(3201, path, osErrorText(err))
	}
	return err
}

func osErrorText(err error) string {
	switch {
	case errors.Is(err, os.ErrNotExist):
		return "2(The system cannot find the file specified.)"
	case errors.Is(err, os.ErrPermission):
		return "5(Access is denied.)"
	}
	return "(" + err.Error() + ")"
}

// File is a file of a directory to back up: its path relative to the
// directory and its size.
type File struct {
	Rel  string
	Size int64
}

// ListFiles lists the files under dir in name order, and their total size.
func ListFiles(dir string) ([]File, int64, error) {
	var out []File
	var total int64
	err := filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out = append(out, File{Rel: rel, Size: info.Size()})
		total += info.Size()
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Rel < out[j].Rel })
	return out, total, err
}

// AddFileFrom adds the file f of dir to the set, stopping within a chunk
// when ctx ends.
func (w *Writer) AddFileFrom(ctx context.Context, dir string, f File, progress func(int)) error {
	file, err := os.Open(filepath.Join(dir, f.Rel))
	if err != nil {
		return err
	}
	defer file.Close()
	return w.AddFile(f.Rel, f.Size, stoppable{ctx, file}, progress)
}

// stoppable reads r until ctx ends, so that copying a big file stops
// within a chunk when the statement is cancelled.
type stoppable struct {
	ctx context.Context
	r   io.Reader
}

func (s stoppable) Read(p []byte) (int, error) {
	if s.ctx.Err() != nil {
		return 0, context.Cause(s.ctx)
	}
	return s.r.Read(p)
}

// RestoreFile writes one file of a backup set under dir and returns its
// path, stopping within a chunk when ctx ends; it does not sync (see
// SyncFiles). A name that leads outside dir is malformed media.
func RestoreFile(ctx context.Context, dir, name string, content io.Reader, progress func(int)) (string, error) {
	p := filepath.Join(dir, filepath.FromSlash(name))
	if !strings.HasPrefix(p, dir+string(filepath.Separator)) {
		return "", fmt.Errorf("%w: file name %q", ErrMalformed, name)
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return "", err
	}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return "", err
	}
	_, err = io.CopyBuffer(writerFunc(func(b []byte) (int, error) {
		n, err := f.Write(b)
		progress(n)
		return n, err
	}), stoppable{ctx, content}, make([]byte, ChunkSize))
	return p, errors.Join(err, f.Close())
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }

// SyncFiles fsyncs files, several at a time, then their directories.
func SyncFiles(paths []string) error {
	sem := make(chan struct{}, 8)
	errs := make(chan error, len(paths))
	dirs := map[string]bool{}
	for _, p := range paths {
		dirs[filepath.Dir(p)] = true
		sem <- struct{}{}
		go func(p string) {
			defer func() { <-sem }()
			f, err := os.OpenFile(p, os.O_WRONLY, 0)
			if err == nil {
				err = errors.Join(f.Sync(), f.Close())
			}
			errs <- err
		}(p)
	}
	var all []error
	for range paths {
		all = append(all, <-errs)
	}
	for d := range dirs {
		SyncDir(d)
	}
	return errors.Join(all...)
}

// SyncDir fsyncs a directory, so that the files created or renamed in it
// stay; errors are ignored (not every file system syncs directories).
func SyncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}
