package main

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// TestLogBackupAcrossFailover: a log backup taken on a SAFETY FULL
// principal stops at the log the mirror hardened. Log past that point may
// be undone by a failover (here: a commit the mirror never heard of), so
// the old principal's backup followed by the new principal's must restore
// exactly what the new principal holds (found by the crash-consistency
// soak: the undone row came back, and an acknowledged one was lost).
func TestLogBackupAcrossFailover(t *testing.T) {
	c := newCluster(t, "Fork", 0)
	p, m := c.steady()
	dir := t.TempDir()
	p.exec(fmt.Sprintf("BACKUP DATABASE Fork TO DISK = '%s/full.bak'", dir))
	p.exec("INSERT INTO Fork.dbo.t VALUES (1, 1)")
	p.exec(fmt.Sprintf("BACKUP LOG Fork TO DISK = '%s/log1.bak'", dir))

	cutOneWay(p, m)                                        // the mirror hears nothing more from the principal
	go p.try("INSERT INTO Fork.dbo.t VALUES (-100, -100)") // durable on p only, never acknowledged
	time.Sleep(300 * time.Millisecond)
	p.exec(fmt.Sprintf("BACKUP LOG Fork TO DISK = '%s/log2.bak'", dir))
	p.kill()
	c.heal()
	c.waitRole(m, "PRINCIPAL", time.Minute)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := m.connect(ctx, "Fork")
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []int{-200, -300} { // acknowledged on the new principal; -200 takes the undone commit's LSN
		if _, err := conn.Exec(ctx, fmt.Sprintf("INSERT INTO dbo.t VALUES (%d, %d)", k, k)); err != nil {
			t.Fatal(err)
		}
	}
	conn.Close(ctx)
	m.exec(fmt.Sprintf("BACKUP LOG Fork TO DISK = '%s/log3.bak'", dir))

	m.exec(fmt.Sprintf("RESTORE DATABASE Chain FROM DISK = '%s/full.bak' WITH NORECOVERY", dir))
	for _, f := range []string{"log1", "log2"} {
		m.exec(fmt.Sprintf("RESTORE LOG Chain FROM DISK = '%s/%s.bak' WITH NORECOVERY", dir, f))
	}
	m.exec(fmt.Sprintf("RESTORE LOG Chain FROM DISK = '%s/log3.bak' WITH RECOVERY", dir))
	count := func(db string, k int) (n int) {
		t.Helper()
		c, err := m.connect(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close(ctx)
		if err := c.QueryRow(ctx, fmt.Sprintf("SELECT COUNT(*) FROM dbo.t WHERE id = %d", k)).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for k, want := range map[int]int{1: 1, -100: 0, -200: 1, -300: 1} {
		if live, restored := count("Fork", k), count("Chain", k); live != want || restored != want {
			t.Errorf("key %d: %d on the principal, %d in the restored chain, want %d", k, live, restored, want)
		}
	}
}
