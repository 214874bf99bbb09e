package engine

import (
	"fmt"
	"runtime"
	"strings"
	"time"

	"mirrordb/engine/catalog"
	"mirrordb/parser"
	"mirrordb/session"
	"mirrordb/sqlerr"
)

// stmtStats gathers what SET STATISTICS IO and SET STATISTICS TIME report
// for one statement. A statement gets one only while either is on, so the
// figures cost nothing otherwise.
//
// What the figures mean here (README, "SHOWPLAN and STATISTICS"): a scan
// is one opening of a table by a scan or a seek; a logical read is one row
// (one key) read from the table, not an 8 KB page. Reads by the row writer
// (the primary-key check of an INSERT) are not counted. CPU time is the
// CPU the statement's own thread used, which is all the work of a
// statement here (Linux; 0 elsewhere).
type stmtStats struct {
	io     bool
	tables []*tableIO
	clock  *stmtClock // nil unless STATISTICS TIME is on
	outer  *stmtStats // of the statement running this one, if any
}

// tableIO is one table's figures within a statement.
type tableIO struct {
	db    *Database
	id    uint32
	name  string
	scans int64
	reads int64
}

// startStats begins the figures of a statement, nil when the session
// wants none (or shows plans, and runs nothing); endStats must follow.
func (s *Session) startStats() *stmtStats {
	if !s.statsIO && !s.statsTime || s.showplan != showplanOff {
		return nil
	}
	st := &stmtStats{io: s.statsIO, outer: s.stats}
	if s.statsTime {
		st.clock = startClock()
	}
	s.stats = st
	return st
}

// endStats ends the statement's figures (its clock, if report did not).
func (s *Session) endStats(st *stmtStats) {
	if st.clock != nil {
		st.clock.stop()
	}
	s.stats = st.outer
}

// open counts a scan of a table and returns where its reads are counted
// (nil when STATISTICS IO is off).
func (st *stmtStats) open(d *Database, t *catalog.TableDef) *tableIO {
	if st == nil || !st.io {
		return nil
	}
	for _, tio := range st.tables {
		if tio.db == d && tio.id == t.ID {
			tio.scans++
			return tio
		}
	}
	tio := &tableIO{db: d, id: t.ID, name: t.Name, scans: 1}
	st.tables = append(st.tables, tio)
	return tio
}

// report sends the statement's figures as notices, SQL Server's way.
func (st *stmtStats) report(w session.ResultWriter) error {
	if st == nil {
		return nil
	}
	for _, t := range st.tables {
		if err := w.Notice(info(fmt.Sprintf("Table '%s'. Scan count %d, logical reads %d.", t.name, t.scans, t.reads))); err != nil {
			return err
		}
	}
	if st.clock != nil {
		cpu, elapsed := st.clock.stop()
		return w.Notice(info(fmt.Sprintf("\n SQL Server Execution Times:\n   CPU time = %d ms,  elapsed time = %d ms.", cpu.Milliseconds(), elapsed.Milliseconds())))
	}
	return nil
}

// info is an informational message (severity 0), as PRINT sends.
func info(text string) *sqlerr.Error {
	return &sqlerr.Error{Severity: 0, State: 1, Code: sqlerr.SuccessfulCompletion, Message: text}
}

// stmtClock measures a statement's elapsed time and the CPU time of the
// thread it runs on; the goroutine keeps its thread until stop.
type stmtClock struct {
	start   time.Time
	cpu     time.Duration
	stopped bool
}

func startClock() *stmtClock {
	runtime.LockOSThread()
	return &stmtClock{start: time.Now(), cpu: threadCPU()}
}

func (c *stmtClock) stop() (cpu, elapsed time.Duration) {
	if c.stopped {
		return 0, 0
	}
	c.stopped = true
	cpu, elapsed = threadCPU()-c.cpu, time.Since(c.start)
	runtime.UnlockOSThread()
	return cpu, elapsed
}

// compileTime reports SQL Server's "parse and compile time" of a
// statement under SET STATISTICS TIME ON.
func compileTime(w session.ResultWriter, c *stmtClock) error {
	cpu, elapsed := c.stop()
	return w.Notice(info(fmt.Sprintf("SQL Server parse and compile time: \n   CPU time = %d ms, elapsed time = %d ms.", cpu.Milliseconds(), elapsed.Milliseconds())))
}

// planStatisticsSet is SET STATISTICS IO | TIME [, ...] ON | OFF; PROFILE
// and XML (plans with run-time figures) are not supported.
func (b *binder) planStatisticsSet(x *parser.Set, on bool) (*stmtPlan, error) {
	var io, tm bool
	for _, opt := range strings.Split(strings.TrimPrefix(strings.ToUpper(x.Name), "STATISTICS "), ",") {
		switch strings.TrimSpace(opt) {
		case "IO":
			io = true
		case "TIME":
			tm = true
		default:
			return nil, b.ErrAt(x, sqlerr.New(40517, "SET STATISTICS "+strings.TrimSpace(opt)))
		}
	}
	if v := strings.ToUpper(x.Value); v != "ON" && v != "OFF" {
		return nil, b.ErrAt(x, sqlerr.New(102, x.Value))
	}
	s := b.s
	return setPlan(func() error {
		if io {
			s.statsIO = on
		}
		if tm {
			s.statsTime = on
		}
		return nil
	}), nil
}
