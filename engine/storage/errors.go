package storage

import (
	"errors"
	"fmt"
	"strings"
	"syscall"

	"github.com/cockroachdb/pebble"

	"mirrordb/sqlerr"
)

// The errors a database's storage reports are SQL Server's (Msg 823, 824,
// 1105, 9002; 926, 945 and 952 from Available; 911 once the database is
// closed): an error is made where it arises, with its number, and only
// the wire turns it into a protocol message (docs/ARCHITECTURE.md).
// Storage knows what went wrong, which file, which offset, and what holds
// the log back; sqlerr is a leaf package, so storage depends on no SQL to
// say it. The Fault stays inside, for errors.As.

// FaultError is the error a statement reports for a storage fault on db
// (any other error is returned as it is). object names what was being
// written, for Msg 1105 ("": the database).
func (db *DB) FaultError(err error, object string) error {
	var f *Fault
	if !errors.As(err, &f) {
		if pebble.IsCorruptionError(err) {
			f = &Fault{Kind: Corruption, Op: "read", Offset: -1, Err: err}
		} else {
			return err
		}
	}
	switch f.Kind {
	case NoSpace:
		if reason := db.LogReuseWait(); reason != "NOTHING" {
			return sqlerr.New(9002, db.Name(), reason)
		}
		if object == "" {
			object = db.Name()
		}
		return sqlerr.New(1105, object, db.Name(), "PRIMARY")
	case Corruption:
		db.markSuspect(f)
		e := sqlerr.New(824, describeFault(f), db.ID(), db.fileOf(f))
		e.Fatal = true
		return e
	}
	op := "write"
	if f.Op == "read" || f.Op == "open" {
		op = "read"
	}
	e := sqlerr.New(823, f.OSError(), op, max(f.Offset, 0), db.fileOf(f))
	e.Fatal = true
	return e
}

// ReadError maps an error met while reading db: corruption and I/O errors
// become 824 and 823 (corruption also marks the database SUSPECT);
// anything else passes through.
func (db *DB) ReadError(err error) error {
	if err == nil || (!IsFault(err) && !pebble.IsCorruptionError(err)) {
		return err
	}
	return db.FaultError(err, "")
}

// Corrupt reports damage found above the store (a row that does not
// decode, a log record that does not verify): the database is marked
// SUSPECT and the error is Msg 824.
func (db *DB) Corrupt(err error) error {
	return db.FaultError(&Fault{Kind: Corruption, Op: "read", Offset: -1, Store: db.Dir(), Err: err}, "")
}

// ReadFailure describes a failed read as Msg 824 (a checksum) or 823,
// without taking the database out of service: DBCC CHECKDB reports what
// it finds.
func (db *DB) ReadFailure(err error) *sqlerr.Error {
	f := Classify(err, "read", "")
	if f == nil {
		f = &Fault{Kind: IOError, Op: "read", Offset: -1, Err: err}
	}
	if f.Kind == Corruption {
		return sqlerr.New(824, describeFault(f), db.ID(), db.fileOf(f))
	}
	return sqlerr.New(823, f.OSError(), "read", max(f.Offset, 0), db.fileOf(f))
}

func (db *DB) fileOf(f *Fault) string {
	if f.Path != "" {
		return f.Path
	}
	return db.Dir()
}

// OSError renders the fault's cause as SQL Server does in Msg 823:
// "5(Input/output error)".
func (f *Fault) OSError() string {
	if n := f.Errno(); n != 0 {
		return fmt.Sprintf("%d(%s)", int(n), upperFirst(n.Error()))
	}
	return "0(" + f.Err.Error() + ")"
}

func describeFault(f *Fault) string {
	if f.Err == nil {
		return "checksum mismatch"
	}
	msg := f.Err.Error()
	if f.Errno() == syscall.EIO {
		return "I/O error"
	}
	return msg
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
