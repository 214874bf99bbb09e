package backup

import (
	"context"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"mirrordb/sqlerr"
)

// Restoring a full backup rebuilds the store in a directory aside and
// swaps it in only when complete, so a failed restore changes nothing.

// Restorer is the instance a full backup is restored onto; the engine
// implements it.
type Restorer interface {
	// Database is the database of that name, nil when there is none.
	Database(name string) Database
	// NewStoreDir makes a directory aside to restore a store into.
	NewStoreDir() (string, error)
	// Prepare runs durable (which makes the copied files durable), then
	// readies the store in dir to be opened as a database of its own.
	// That work cannot be interrupted: when ctx ends first, Prepare
	// returns ctx's cause at once and leaves the work to finish, and to
	// remove dir, behind it (left).
	Prepare(ctx context.Context, dir string, h SetHeader, durable func() error) (left bool, err error)
	// Install puts the store in dir into service under name, replacing
	// a database of that name, RESTORING or ONLINE. It is the restore's
	// commit point.
	Install(name, dir string, restoring bool) error
	Logger() *slog.Logger
}

// RestoreDatabase restores a full backup as req.Database, creating or
// replacing it.
func RestoreDatabase(ctx context.Context, in Restorer, req RestoreRequest, progress Progress) (Result, error) {
	start := time.Now()
	r, err := OpenSet(req.File, req.Position)
	if err != nil {
		return Result{}, DeviceError(req.Path, err)
	}
	defer r.Close()
	set := r.Set()
	if set.Header.Type != TypeDatabase {
		return Result{}, sqlerr.New(3135, req.Path, "BACKUP LOG")
	}
	if strings.EqualFold(req.Database, "master") {
		return Result{}, sqlerr.New(3108)
	}
	if existing := in.Database(req.Database); existing != nil {
		if existing.Mirrored() {
			return Result{}, sqlerr.New(3104, existing.Name())
		}
		if err := checkReplace(existing, set.Header, req.Replace); err != nil {
			return Result{}, err
		}
	}

	tmp, err := in.NewStoreDir()
	if err != nil {
		return Result{}, err
	}
	keep := false
	defer func() {
		if !keep {
			os.RemoveAll(tmp)
		}
	}()
	var done int64
	var written []string
	err = r.Read(func(name string, size int64, content io.Reader) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		p, err := RestoreFile(ctx, tmp, name, content, func(n int) {
			done += int64(n)
			if progress != nil {
				progress(done, set.Trailer.Bytes)
			}
		})
		written = append(written, p)
		return err
	}, nil)
	if err != nil {
		return Result{}, DeviceError(req.Path, err)
	}
	// Files are made durable together at the end: the kernel writes them
	// back while the copy goes on, as it would for cp + sync.
	left, err := in.Prepare(ctx, tmp, set.Header, func() error {
		if err := SyncFiles(written); err != nil {
			return DeviceError(req.Path, err)
		}
		return nil
	})
	keep = left // then Prepare removes tmp
	if err == nil && ctx.Err() != nil {
		err = context.Cause(ctx) // the last moment to stop: installing is the commit
	}
	if err != nil {
		return Result{}, err
	}
	if err := in.Install(req.Database, tmp, req.NoRecovery); err != nil {
		return Result{}, err
	}
	keep = true
	state := "ONLINE"
	if req.NoRecovery {
		state = "RESTORING"
	}
	in.Logger().Info("database restored", "db", req.Database, "from", req.File, "position", req.Position,
		"lsn", set.Header.LastLSN-1, "state", state)
	return Result{Position: req.Position, Bytes: set.Trailer.Bytes, Elapsed: time.Since(start)}, nil
}

// checkReplace applies SQL Server's safety checks before a restore
// overwrites an existing database: no one may use it (3102, 3101), and
// without REPLACE it must be the same database (3154) whose log has been
// backed up (3159, the tail-log check).
func checkReplace(d Database, h SetHeader, replace bool) error {
	if d.UsedBySession() {
		return sqlerr.New(3102, d.Name())
	}
	if d.InUse() {
		return sqlerr.New(3101)
	}
	if replace {
		return nil
	}
	if d.FamilyGUID() != h.FamilyGUID {
		return sqlerr.New(3154, d.Name())
	}
	if d.Online() && d.RecoveryModel() == RecoveryFull {
		if c := d.Chain(); c.NextLogLSN != 0 && c.NextLogLSN <= d.DurableLSN() {
			return sqlerr.New(3159, d.Name())
		}
	}
	return nil
}
