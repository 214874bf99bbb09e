package backup

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"mirrordb/engine/txlog"
	"mirrordb/sqlerr"
)

// Log backups, RESTORE LOG and RESTORE ... WITH RECOVERY (SPEC §2.8, §2.9):
// the log-chain rules and their errors. A log backup holds the records
// from the chain position to the durable end; restoring one redoes its
// records through the same Redo that mirroring uses, checking that it
// continues the database's log.

// Chain is a database's position in its log-backup chain (SPEC §2.8,
// §5.2). It is local bookkeeping, not logged: each copy of a database
// keeps its own — the principal advances it with log backups, a restoring
// copy with the backups restored onto it.
type Chain struct {
	// NextLogLSN is the first LSN the next log backup must start at; 0
	// when there is no chain (SIMPLE recovery, or FULL before the first
	// full backup, when SQL Server truncates the log as in SIMPLE).
	NextLogLSN txlog.LSN `json:"next_log_lsn"`
	// LastFullLSN is the CheckpointLSN of the last full backup (the
	// DatabaseBackupLSN of the backups that follow).
	LastFullLSN txlog.LSN `json:"last_full_lsn"`
	// LastLogBackup is when the last log backup finished.
	LastLogBackup time.Time `json:"last_log_backup"`
}

// Database is one database as backups and restores work on it, with
// the session running the statement; the engine implements it over its
// database and store.
type Database interface {
	Name() string
	Mirrored() bool
	RecoveryModel() RecoveryModel
	// Online and Restoring say whether the database is ONLINE or
	// RESTORING; SetRestoring makes it RESTORING, or brings it ONLINE,
	// and records that in the catalog.
	Online() bool
	Restoring() bool
	SetRestoring(restoring bool) error
	// UsedBySession says whether the session running the statement
	// uses the database (3102), InUse whether any session does (3101).
	UsedBySession() bool
	InUse() bool
	FamilyGUID() string
	// Header is a new backup set's header with the database's and the
	// instance's identity filled in.
	Header(typ int, user string) SetHeader
	Now() time.Time
	Logger() *slog.Logger

	Chain() Chain
	SetChain(update func(c *Chain)) error

	// BeginBackup serializes backups of the database (3023).
	BeginBackup() (release func(), err error)
	// Checkpoint copies the store into a new directory under the writer
	// lock and returns the directory, the LSN the copy holds, and how to
	// remove it once the copy is in the media (full backups).
	Checkpoint(ctx context.Context) (dir string, end txlog.LSN, remove func(), err error)
	// LockWriter takes the writer lock, bounded by the session's
	// LOCK_TIMEOUT.
	LockWriter(ctx context.Context) (unlock func(), err error)
	EndLSN() txlog.LSN
	DurableLSN() txlog.LSN
	// BackupLimit is the highest LSN a log backup may take: past it a
	// failover may still undo the log.
	BackupLimit() txlog.LSN
	// HoldLog keeps the log from first on until release.
	HoldLog(first txlog.LSN) (release func())
	ReadLog(first, last txlog.LSN, fn func(lsn txlog.LSN, rec []byte) error) error

	// CommitTime is the commit time of record lsn, if the log holds it.
	CommitTime(lsn txlog.LSN) (time.Time, bool)
	// SameLogRecord is 4330 when the log holds another record at lsn.
	SameLogRecord(lsn txlog.LSN, rec []byte) error
	Redo(ctx context.Context, recs [][]byte) error
	// UndoOpenTail undoes a transaction written in parts whose commit
	// was not restored.
	UndoOpenTail(ctx context.Context) error
}

// Request describes a BACKUP statement's job.
type Request struct {
	Log         bool
	Path        string // as written, for messages
	File        string // resolved
	Mode        Mode
	MediaName   string
	Name        string
	Description string
	CopyOnly    bool
	Checksum    bool
	NoRecovery  bool // BACKUP LOG ... WITH NORECOVERY (tail-log backup)
	NoTruncate  bool // BACKUP LOG ... WITH NO_TRUNCATE (copy-only, best effort)
	User        string
}

// BackupLog takes a log backup of d: the records from the chain position
// to the durable end. With NORECOVERY (a tail-log backup) the database is
// left RESTORING.
func BackupLog(ctx context.Context, d Database, req Request, progress Progress) (Result, error) {
	start := time.Now()
	release, err := d.BeginBackup()
	if err != nil {
		return Result{}, err
	}
	defer release()
	if d.RecoveryModel() == RecoverySimple {
		return Result{}, sqlerr.New(4208, d.Name())
	}
	chain := d.Chain()
	if chain.NextLogLSN == 0 {
		return Result{}, sqlerr.New(4214, d.Name())
	}
	if err := os.MkdirAll(filepath.Dir(req.File), 0o755); err != nil {
		return Result{}, DeviceError(req.Path, err)
	}
	if req.NoRecovery { // no commit may slip in after the tail is read
		unlock, err := d.LockWriter(ctx)
		if err != nil {
			return Result{}, err
		}
		defer unlock()
	}
	first, last := chain.NextLogLSN, d.DurableLSN()+1
	if req.NoRecovery {
		last = d.EndLSN() + 1
	} else if limit := d.BackupLimit(); limit < last-1 {
		// Past the limit a failover may still undo the log (the mirror
		// has not hardened it): a backup holding it would restore what
		// the new principal never had. The next log backup takes it.
		last = max(limit+1, first)
	}
	// Keep these records until they are in the backup.
	defer d.HoldLog(first)()

	h := d.Header(TypeLog, req.User)
	h.Name, h.Description, h.Checksums = req.Name, req.Description, req.Checksum
	h.CopyOnly = req.CopyOnly || req.NoTruncate
	h.FirstLSN, h.LastLSN, h.CheckpointLSN, h.DatabaseBackupLSN = first, last, last, chain.LastFullLSN
	h.ForceOffline = req.NoRecovery
	h.BeginsLogChain = first == chain.LastFullLSN
	w, err := Create(req.File, req.Mode, req.MediaName, h)
	if err != nil {
		return Result{}, DeviceError(req.Path, err)
	}
	err = d.ReadLog(first, last-1, func(lsn txlog.LSN, rec []byte) error {
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		if progress != nil { // log progress counts records
			progress(int64(lsn-first+1), int64(last-first))
		}
		return w.AddRecord(rec)
	})
	if err != nil {
		w.Abort()
		return Result{}, DeviceError(req.Path, err)
	}
	trailer, err := w.Finish()
	if err != nil {
		return Result{}, DeviceError(req.Path, err)
	}
	if !h.CopyOnly {
		err := d.SetChain(func(c *Chain) {
			c.NextLogLSN = last
			c.LastLogBackup = d.Now()
		})
		if err != nil {
			return Result{}, err
		}
	}
	if req.NoRecovery {
		if err := d.SetRestoring(true); err != nil {
			return Result{}, err
		}
	}
	d.Logger().Info("log backed up", "db", d.Name(), "first_lsn", first, "last_lsn", last, "path", req.File, "records", trailer.Records)
	return Result{Position: w.Header().Position, Bytes: trailer.Bytes, Elapsed: time.Since(start)}, nil
}

// CheckTailLog refuses a tail-log backup (BACKUP LOG ... WITH NORECOVERY,
// which leaves the database RESTORING) of a mirrored database (1468) or
// of one a session uses (3101).
func CheckTailLog(d Database) error {
	if d.Mirrored() {
		return sqlerr.New(1468, d.Name())
	}
	if d.UsedBySession() || d.InUse() {
		return sqlerr.New(3101)
	}
	return nil
}

// RestoreRequest describes a RESTORE DATABASE or RESTORE LOG statement's
// job.
type RestoreRequest struct {
	Log        bool
	Database   string
	Path       string // as written, for messages
	File       string // resolved
	Position   int    // FILE = n
	NoRecovery bool
	Replace    bool      // RESTORE DATABASE only
	StopAt     time.Time // RESTORE LOG only; zero when absent
}

// RestoreLog applies a log backup to a RESTORING database, checking that
// it continues the database's log (4305 for a gap, 4326 for log already
// applied), optionally stopping at a point in time.
func RestoreLog(ctx context.Context, d Database, req RestoreRequest, progress Progress) (Result, error) {
	start := time.Now()
	if d.Mirrored() {
		return Result{}, sqlerr.New(3104, d.Name())
	}
	if !d.Restoring() {
		return Result{}, sqlerr.New(3117)
	}
	if d.UsedBySession() {
		return Result{}, sqlerr.New(3102, d.Name())
	}
	r, err := OpenSet(req.File, req.Position)
	if err != nil {
		return Result{}, DeviceError(req.Path, err)
	}
	defer r.Close()
	set := r.Set()
	h := set.Header
	if h.Type != TypeLog {
		return Result{}, sqlerr.New(3135, req.Path, "BACKUP DATABASE")
	}
	if d.FamilyGUID() != h.FamilyGUID {
		return Result{}, sqlerr.New(3154, d.Name())
	}
	next := d.EndLSN() + 1
	switch {
	case h.FirstLSN > next:
		return Result{}, sqlerr.New(4305, h.FirstLSN, next)
	case h.LastLSN < next || (h.LastLSN == next && h.FirstLSN < h.LastLSN):
		return Result{}, sqlerr.New(4326, h.LastLSN, next)
	}
	if !req.StopAt.IsZero() {
		if t, ok := d.CommitTime(next - 1); ok && t.After(req.StopAt) {
			return Result{}, sqlerr.New(4335)
		}
	}
	var batch [][]byte
	var batchBytes, done int64
	stopped := false
	total := set.Trailer.Records
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := d.Redo(ctx, batch)
		batch, batchBytes = batch[:0], 0
		return err
	}
	err = r.Read(nil, func(rec []byte) error {
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		done++
		if progress != nil { // log progress counts records
			progress(done, total)
		}
		if stopped {
			return nil
		}
		lsn, ok := txlog.PeekLSN(rec)
		if !ok || lsn < next {
			// Already applied (overlapping log backups): it must be the
			// same record, or the backup is from another recovery path
			// (a log backup of a former principal past its failover LSN).
			if ok {
				return d.SameLogRecord(lsn, rec)
			}
			return nil
		}
		if !req.StopAt.IsZero() {
			decoded, err := txlog.Decode(rec)
			if err != nil {
				return err
			}
			// Parts have no commit time: STOPAT stops at commits, and
			// the parts of a transaction it stops before are undone
			// when the database comes online.
			if decoded.Kind == txlog.KindCommit && decoded.CommitTime.After(req.StopAt) {
				stopped = true
				return nil
			}
		}
		batch = append(batch, bytes.Clone(rec))
		batchBytes += int64(len(rec))
		if batchBytes >= 4<<20 {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err != nil {
		return Result{}, DeviceError(req.Path, err)
	}
	if err := d.SetChain(func(c *Chain) {
		if end := d.EndLSN() + 1; end > c.NextLogLSN {
			c.NextLogLSN = end
		}
	}); err != nil {
		return Result{}, err
	}
	if !req.NoRecovery {
		if err := d.UndoOpenTail(ctx); err != nil {
			return Result{}, err
		}
		if err := d.SetRestoring(false); err != nil {
			return Result{}, err
		}
	}
	d.Logger().Info("log restored", "db", d.Name(), "from", req.File, "position", req.Position, "end_lsn", d.EndLSN(),
		"stopped_at_time", stopped)
	return Result{Position: req.Position, Bytes: set.Trailer.Bytes, Elapsed: time.Since(start)}, nil
}

// Recover brings a RESTORING database online (RESTORE DATABASE db WITH
// RECOVERY without FROM).
func Recover(d Database) error {
	if d.Mirrored() {
		return sqlerr.New(3104, d.Name())
	}
	if !d.Restoring() {
		return sqlerr.New(3153)
	}
	// A transaction written in parts whose commit was not restored.
	if err := d.UndoOpenTail(context.Background()); err != nil {
		return err
	}
	return d.SetRestoring(false)
}
