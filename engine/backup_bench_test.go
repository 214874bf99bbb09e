package engine

import (
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"mirrordb/engine/keys"
	"mirrordb/types"
)

var backupBenchMB = flag.Int("backup.mb", 1024, "database size for BenchmarkBackupRestore, in MB")

// BenchmarkBackupRestore builds a database of about -backup.mb megabytes,
// then measures BACKUP DATABASE and RESTORE DATABASE throughput against
// `cp -r` of the same store in the same run (target: at least half of cp).
func BenchmarkBackupRestore(b *testing.B) {
	in := openTestInstance(b)
	mustQuery(b, openSession(b, in, "master"), "CREATE DATABASE big USE big CREATE TABLE t (id BIGINT PRIMARY KEY, v VARBINARY(MAX))")
	d := in.Database("big")
	def := d.schema.Load().Table("dbo", "t")
	ctx := context.Background()
	value := make([]byte, 4096)
	const perTxn = 2048
	for id := int64(0); id < int64(*backupBenchMB)*256; {
		t, err := d.beginWrite(ctx, -1)
		if err != nil {
			b.Fatal(err)
		}
		for i := 0; i < perTxn; i++ {
			_, _ = rand.Read(value) // incompressible, so the store is really this size
			row := keys.EncodeRow(nil, []types.Value{id, value})
			if err := t.Write(keys.RowKey(def.ID, keys.AppendValue(nil, id, types.TypeBigInt)), nil, false, row); err != nil {
				b.Fatal(err)
			}
			id++
		}
		if _, err := t.Commit(ctx); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := d.TruncateLog(); err != nil { // no backup yet: the log is not kept
		b.Fatal(err)
	}
	if err := d.storage.KV().Flush(); err != nil {
		b.Fatal(err)
	}
	if err := d.storage.KV().Compact(keys.Table, keys.PrefixEnd(keys.Table), true); err != nil {
		b.Fatal(err)
	}
	for d.storage.KV().Metrics().Compact.NumInProgress > 0 { // let the store settle before copying it
		time.Sleep(50 * time.Millisecond)
	}
	size := dirSize(d.dir)
	mb := float64(size) / (1 << 20)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		cp := func() float64 {
			settle(b, in)
			dst := filepath.Join(b.TempDir(), "cp")
			start := time.Now()
			if out, err := exec.Command("sh", "-c", "cp -r \"$0\" \"$1\" && sync", d.dir, dst).CombinedOutput(); err != nil {
				b.Fatalf("cp: %v %s", err, out)
			}
			secs := time.Since(start).Seconds()
			os.RemoveAll(dst)
			return secs
		}
		cpBefore := cp()

		settle(b, in)
		peak := sampleHeap()
		bak := filepath.Join(b.TempDir(), "big.bak")
		start := time.Now()
		if _, err := in.BackupDatabase(ctx, d, BackupRequest{Path: bak, Mode: 2}, nil); err != nil {
			b.Fatal(err)
		}
		backupSecs := time.Since(start).Seconds()

		settle(b, in)
		start = time.Now()
		if _, err := in.RestoreDatabase(ctx, RestoreRequest{Database: fmt.Sprintf("copy%d", i), Path: bak, Position: 1}, nil); err != nil {
			b.Fatal(err)
		}
		restoreSecs := time.Since(start).Seconds()
		heapMB := peak()
		cpSecs := (cpBefore + cp()) / 2

		b.ReportMetric(mb, "db_MB")
		b.ReportMetric(mb/cpSecs, "cp_MB/s")
		b.ReportMetric(mb/backupSecs, "backup_MB/s")
		b.ReportMetric(mb/restoreSecs, "restore_MB/s")
		b.ReportMetric(cpSecs/backupSecs, "backup/cp")
		b.ReportMetric(cpSecs/restoreSecs, "restore/cp")
		b.ReportMetric(heapMB, "heap_growth_MB")
	}
}

// settle flushes the page cache to disk and waits for every store's
// background compactions, so that each measured operation starts from the
// same quiet disk.
func settle(b *testing.B, in *Instance) {
	b.Helper()
	for _, d := range in.Databases() {
		for d.storage.KV().Metrics().Compact.NumInProgress > 0 {
			time.Sleep(50 * time.Millisecond)
		}
	}
	if out, err := exec.Command("sync").CombinedOutput(); err != nil {
		b.Fatalf("sync: %v %s", err, out)
	}
	time.Sleep(500 * time.Millisecond)
}

// sampleHeap samples the Go heap until the returned function is called,
// which returns the peak growth over the heap in use at the start, in MB:
// what the operation itself needed.
func sampleHeap() func() float64 {
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	stop := make(chan struct{})
	peak := make(chan float64)
	go func() {
		max := base.HeapInuse
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > max {
				max = ms.HeapInuse
			}
			select {
			case <-stop:
				peak <- float64(max-base.HeapInuse) / (1 << 20)
				return
			case <-t.C:
			}
		}
	}()
	return func() float64 {
		close(stop)
		return <-peak
	}
}

func dirSize(dir string) int64 {
	var n int64
	filepath.Walk(dir, func(_ string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			n += info.Size()
		}
		return nil
	})
	return n
}
