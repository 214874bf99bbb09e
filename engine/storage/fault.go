package storage

import (
	"errors"
	"fmt"
	"io/fs"
	"syscall"

	"github.com/cockroachdb/pebble"
)

// Kind classifies a storage fault by what the database can do about it.
type Kind int

const (
	// NoSpace: the file system is full (ENOSPC, EDQUOT). Nothing is wrong
	// with what is on disk; writes can resume once space returns.
	NoSpace Kind = iota + 1
	// IOError: the operating system failed a read, write or fsync (EIO, a
	// short write). After a failed write or fsync the state of the page
	// cache is unknown: the store is reopened from its WAL, never retried.
	IOError
	// Corruption: a checksum or structural check failed on something read
	// back (an SSTable block, the WAL, a log record, a row).
	Corruption
)

func (k Kind) String() string {
	switch k {
	case NoSpace:
		return "no space"
	case IOError:
		return "I/O error"
	case Corruption:
		return "corruption"
	}
	return "fault"
}

// Fault is a storage-fatal error: a store that returned one for a write
// cannot be trusted to continue (Pebble's commit pipeline does not survive
// a failed WAL write), so no statement-level recovery may treat it as an
// ordinary error. It names the file and the operation, which is what a DBA
// needs from the error log (SQL Server's Msg 823 says the same).
type Fault struct {
	Kind Kind
	// Op is the failed operation: "write", "sync", "create", "read",
	// "open", "rename", "apply" (a failure reported by Pebble itself).
	Op string
	// Path is the file, when known.
	Path string
	// Offset is the file offset of a failed read or write (-1: unknown).
	Offset int64
	Err    error
	// Store is the directory of the store the fault belongs to.
	Store string
}

func (f *Fault) Error() string {
	s := fmt.Sprintf("storage %s during %s", f.Kind, f.Op)
	if f.Path != "" {
		s += " of " + f.Path
	}
	if f.Offset >= 0 {
		s += fmt.Sprintf(" at offset %#x", f.Offset)
	}
	if f.Err != nil {
		s += ": " + f.Err.Error()
	}
	return s
}

func (f *Fault) Unwrap() error { return f.Err }

// Errno is the operating system's error number behind the fault, 0 when
// there is none (corruption found by a checksum).
func (f *Fault) Errno() syscall.Errno {
	var errno syscall.Errno
	if errors.As(f.Err, &errno) {
		return errno
	}
	return 0
}

// Classify turns an error from Pebble or the file system into a Fault, or
// returns nil when err is not a storage failure (a closed iterator, a
// cancelled context). op and path describe where it was seen.
func Classify(err error, op, path string) *Fault {
	if err == nil {
		return nil
	}
	var f *Fault
	if errors.As(err, &f) {
		return f
	}
	var pe *fs.PathError
	if path == "" && errors.As(err, &pe) {
		path = pe.Path
	}
	switch {
	case errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT):
		return &Fault{Kind: NoSpace, Op: op, Path: path, Offset: -1, Err: err}
	case pebble.IsCorruptionError(err):
		return &Fault{Kind: Corruption, Op: op, Path: path, Offset: -1, Err: err}
	case errors.Is(err, syscall.EIO), errors.Is(err, syscall.EROFS), errors.Is(err, errShortWrite):
		return &Fault{Kind: IOError, Op: op, Path: path, Offset: -1, Err: err}
	}
	return nil
}

// IsFault reports whether err is (or wraps) a storage fault.
func IsFault(err error) bool {
	var f *Fault
	return errors.As(err, &f)
}

// errShortWrite is what a write that wrote fewer bytes than asked, without
// an error from the operating system, is reported as.
var errShortWrite = errors.New("short write")

// errFenced is what a failed store's files answer once it is fenced.
var errFenced = errors.New("the store failed and was taken out of service")
