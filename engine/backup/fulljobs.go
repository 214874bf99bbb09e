package backup

import (
	"context"
	"os"
	"path/filepath"
	"time"
)

// A full backup is the database's store as of one LSN: a checkpoint taken
// under the writer lock (so it holds exactly the transactions up to that
// LSN, durably) streamed file by file into the media.

// BackupDatabase takes a full backup of d. Unless it is COPY_ONLY, it
// becomes the base of the log chain (the chain starts here in FULL and
// BULK_LOGGED recovery).
func BackupDatabase(ctx context.Context, d Database, req Request, progress Progress) (Result, error) {
	start := time.Now()
	release, err := d.BeginBackup()
	if err != nil {
		return Result{}, err
	}
	defer release()
	if err := os.MkdirAll(filepath.Dir(req.File), 0o755); err != nil {
		return Result{}, DeviceError(req.Path, err)
	}
	ckpt, end, remove, err := d.Checkpoint(ctx)
	if err != nil {
		return Result{}, err
	}
	defer remove()
	files, total, err := ListFiles(ckpt)
	if err != nil {
		return Result{}, err
	}

	chain := d.Chain()
	h := d.Header(TypeDatabase, req.User)
	h.Name, h.Description, h.CopyOnly, h.Checksums = req.Name, req.Description, req.CopyOnly, req.Checksum
	h.FirstLSN, h.LastLSN, h.CheckpointLSN, h.DatabaseBackupLSN = end+1, end+1, end+1, chain.LastFullLSN
	w, err := Create(req.File, req.Mode, req.MediaName, h)
	if err != nil {
		return Result{}, DeviceError(req.Path, err)
	}
	var done int64
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			w.Abort()
			return Result{}, err
		}
		if err := w.AddFileFrom(ctx, ckpt, f, func(n int) {
			done += int64(n)
			if progress != nil {
				progress(done, total)
			}
		}); err != nil {
			w.Abort()
			return Result{}, DeviceError(req.Path, err)
		}
	}
	trailer, err := w.Finish()
	if err != nil {
		return Result{}, DeviceError(req.Path, err)
	}
	if !req.CopyOnly {
		full := d.RecoveryModel() != RecoverySimple
		err := d.SetChain(func(c *Chain) {
			c.LastFullLSN = end + 1
			if full && c.NextLogLSN == 0 {
				c.NextLogLSN = end + 1 // the log chain starts here
			}
		})
		if err != nil {
			return Result{}, err
		}
	}
	d.Logger().Info("database backed up", "db", d.Name(), "lsn", end, "path", req.File, "position", w.Header().Position, "bytes", trailer.Bytes)
	return Result{Position: w.Header().Position, Bytes: trailer.Bytes, Elapsed: time.Since(start)}, nil
}
