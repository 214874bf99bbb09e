package mirroring_test

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// TestDatabaseMirroringMonitor: the sp_dbmmonitor* procedures record and
// return the §9.5 status rows on each partner, a threshold raises its
// event (32042 unsent log) when crossed, the monitor job records rows on
// its own, and bad calls get SQL Server's errors.
func TestDatabaseMirroringMonitor(t *testing.T) {
	a, b := pairedNodesWith(t, "Dbm", func(n *node) { n.minute = 20 * time.Millisecond })

	// Thresholds: unsent log above 1 KB, the others off.
	a.exec(`EXEC msdb.dbo.sp_dbmmonitorchangealert 'Dbm', 2, 1, 1`)
	a.exec(`EXEC sp_dbmmonitorchangealert @database_name = 'Dbm', @alert_id = 4, @threshold = 1000, @enabled = 0`)
	if got, _ := a.query(`EXEC sp_dbmmonitorhelpalert 'Dbm'`); fmt.Sprint(got) != "[[1 NULL NULL] [2 1 true] [3 NULL NULL] [4 1000 false]]" {
		t.Fatalf("helpalert: %v", got)
	}
	if got, _ := a.query(`EXEC sp_dbmmonitorhelpalert 'Dbm', 5`); fmt.Sprint(got) != "[[5 168 true]]" {
		t.Fatalf("helpalert retention: %v", got)
	}

	// A suspended session accumulates unsent log: the first status row
	// shows it and raises the warning.
	a.exec(`ALTER DATABASE Dbm SET PARTNER SUSPEND`)
	a.waitState("Dbm", "PRINCIPAL", "SUSPENDED")
	for i := range 40 {
		a.exec(fmt.Sprintf(`INSERT INTO Dbm.dbo.t (id, worker) VALUES (%d, -1)`, -1-i))
	}
	rows, notices := a.query(`EXEC msdb.dbo.sp_dbmmonitorresults 'Dbm', 0, 1`)
	if len(rows) != 1 {
		t.Fatalf("results: %v", rows)
	}
	r := rows[0]
	t.Logf("principal's status row while suspended: %v", r)
	if r[0] != "Dbm" || r[1] != "1" || r[2] != "0" || r[3] != "0" || r[5] == "0" || r[12] == "NULL" || r[14] == "NULL" {
		t.Fatalf("principal's row while suspended (role 1, state 0 suspended, no witness, unsent log > 0): %v", r)
	}
	if !slices.Contains(notices, 32042) || slices.Contains(notices, 32044) {
		t.Fatalf("notices %v, want 32042 (unsent log) and not 32044 (disabled)", notices)
	}
	// A second update within 15 s records nothing new.
	if rows, notices := a.query(`EXEC sp_dbmmonitorresults 'Dbm', 6, 1`); len(rows) != 1 || len(notices) != 0 {
		t.Fatalf("update within 15 s: rows %v notices %v", rows, notices)
	}

	a.exec(`ALTER DATABASE Dbm SET PARTNER RESUME`)
	a.waitState("Dbm", "PRINCIPAL", "SYNCHRONIZED")
	b.waitState("Dbm", "MIRROR", "SYNCHRONIZED")

	// The monitor job records rows on the mirror by itself.
	b.exec(`EXEC sp_dbmmonitoraddmonitoring 1`)
	if got, _ := b.query(`EXEC sp_dbmmonitorhelpmonitoring`); fmt.Sprint(got) != "[[1]]" {
		t.Fatalf("helpmonitoring: %v", got)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		rows, _ := b.query(`EXEC sp_dbmmonitorresults 'Dbm', 9, 0`)
		if len(rows) > 0 {
			if r := rows[0]; r[1] != "2" || r[2] != "4" || r[13] != "NULL" {
				t.Fatalf("mirror's row (role 2, synchronized, no time_behind): %v", r)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the monitor job recorded no status row")
		}
		time.Sleep(20 * time.Millisecond)
	}
	b.exec(`EXEC sp_dbmmonitorchangemonitoring 1, 5`)
	if got, _ := b.query(`EXEC sp_dbmmonitorhelpmonitoring`); fmt.Sprint(got) != "[[5]]" {
		t.Fatalf("helpmonitoring after change: %v", got)
	}
	b.exec(`EXEC sp_dbmmonitordropmonitoring`)
	if got, _ := b.query(`EXEC sp_dbmmonitorhelpmonitoring`); len(got) != 0 {
		t.Fatalf("helpmonitoring after drop: %v", got)
	}

	a.exec(`EXEC sp_dbmmonitordropalert 'Dbm'`)
	if got, _ := a.query(`EXEC sp_dbmmonitorhelpalert 'Dbm', 2`); fmt.Sprint(got) != "[[2 NULL NULL]]" {
		t.Fatalf("helpalert after drop: %v", got)
	}

	for _, c := range []struct {
		number int
		sql    string
	}{
		{15010, `EXEC sp_dbmmonitorresults 'Nope'`},
		{201, `EXEC sp_dbmmonitorresults`},
		{15600, `EXEC sp_dbmmonitorresults 'Dbm', 10`},
		{15600, `EXEC sp_dbmmonitorchangealert 'Dbm', 9, 1, 1`},
		{15600, `EXEC sp_dbmmonitoraddmonitoring 121`},
		{8144, `EXEC sp_dbmmonitorhelpmonitoring 1`},
		{8145, `EXEC sp_dbmmonitorresults @db = 'Dbm'`},
		{119, `EXEC sp_dbmmonitorresults @database_name = 'Dbm', 0`},
		{2812, `EXEC sp_no_such_procedure`},
	} {
		a.expectError(c.number, c.sql)
	}
	if err := a.try(`EXEC sp_dbmmonitorresults 'Dbm'`); err != nil {
		t.Fatalf("a good call after the bad ones: %v", err)
	}
}
