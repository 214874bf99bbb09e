package storage

import (
	"context"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"mirrordb/internal/faultfs"
)

// TestRecoverRightAfterAFailure: the client whose commit met a failed WAL
// write can have its error before the database is marked out of service
// (that runs on a goroutine of the store's own). A SET ONLINE (Recover)
// sent at once must still recover the database, never return as a no-op
// and leave it RECOVERY_PENDING a moment later.
func TestRecoverRightAfterAFailure(t *testing.T) {
	disk := faultfs.New(1)
	db, err := OpenDB(Config{Dir: filepath.Join(t.TempDir(), "d"), Name: "d", ID: 5, Create: true, Logger: quiet(), FS: disk})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	put(t, db, "t/k", "v")
	for i := range 30 {
		disk.Inject(faultfs.Rule{Op: faultfs.Write, Match: func(p string) bool { return strings.HasSuffix(p, ".log") || isCommitLog(p) }, Err: syscall.EIO})
		tx, err := db.Begin(context.Background(), -1)
		if err != nil {
			t.Fatalf("round %d: begin: %v", i, err)
		}
		if err := tx.Put([]byte("t/k"), []byte("lost")); err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Commit(context.Background()); err == nil {
			t.Fatalf("round %d: a commit whose WAL write failed succeeded", i)
		}
		disk.Clear()
		if err := db.Recover(); err != nil {
			t.Fatalf("round %d: recover: %v", i, err)
		}
		if h := db.Health(); h != Serving {
			t.Fatalf("round %d: after Recover the database is %s", i, h)
		}
		put(t, db, "t/k", "v")
	}
}
