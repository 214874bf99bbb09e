package engine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"mirrordb/engine/backup"
)

// TestNoDatabaseEntersServiceWhileStopping: once the instance is stopping,
// CREATE DATABASE and RESTORE DATABASE are refused with Msg 6005 (a
// database put into service then would not be marked stopping), and so is
// a restore that was copying when the stop began; the refused restores
// leave no directory behind, and the databases already in service are
// marked.
func TestNoDatabaseEntersServiceWhileStopping(t *testing.T) {
	in := openTestInstance(t)
	ctx := context.Background()
	d, err := in.CreateDatabase(ctx, "before")
	if err != nil {
		t.Fatal(err)
	}
	bak := filepath.Join(t.TempDir(), "before.bak")
	mustBackup(t, in, d, BackupRequest{Path: bak, Mode: backup.Format})

	// A restore under way when the instance begins to stop is refused at
	// its install, before its commit point.
	var once sync.Once
	_, err = in.RestoreDatabase(ctx, RestoreRequest{Database: "landing", Path: bak, Position: 1}, func(done, total int64) {
		once.Do(in.BeginStop)
	})
	wantErr(t, err, 6005)
	if !d.storage.Stopping() || !in.master.storage.Stopping() {
		t.Fatal("a database in service was not marked stopping")
	}
	_, err = in.CreateDatabase(ctx, "after")
	wantErr(t, err, 6005)
	_, err = in.RestoreDatabase(ctx, RestoreRequest{Database: "restored", Path: bak, Position: 1}, nil)
	wantErr(t, err, 6005)
	_, err = in.RestoreDatabase(ctx, RestoreRequest{Database: "before", Path: bak, Position: 1}, nil)
	wantErr(t, err, 6005)
	if in.Database("after") != nil || in.Database("restored") != nil || in.Database("landing") != nil || in.Database("before") != d {
		t.Fatalf("databases after the refusals: %v", in.Databases())
	}
	entries, err := os.ReadDir(in.cfg.DataDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".restore-") || strings.HasPrefix(e.Name(), "after") || strings.HasPrefix(e.Name(), "restored") || strings.HasPrefix(e.Name(), "landing") {
			t.Errorf("a refused database left %s behind", e.Name())
		}
	}
}

// TestCreateDatabaseRacingBeginStop: databases created while BeginStop
// runs are either refused (Msg 6005) or in service and marked stopping;
// none slips in between.
func TestCreateDatabaseRacingBeginStop(t *testing.T) {
	in := openTestInstance(t)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := in.CreateDatabase(context.Background(), fmt.Sprintf("db%d", i))
			if err != nil {
				wantErr(t, err, 6005)
			}
		}()
	}
	in.BeginStop()
	wg.Wait()
	for _, d := range in.Databases() {
		if !d.storage.Stopping() {
			t.Errorf("database %s is in service but not marked stopping", d.Name())
		}
	}
}
