package engine

import (
	"context"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cockroachdb/pebble"

	"mirrordb/engine/keys"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

var alterRows = flag.Int("alter.rows", 60000, "rows of TestAlterTableBoundedMemory's table (the issue's figure: 1000000 with -index.keylen=20)")

// storedTables lists the store numbers (catalog.TableDef.StoreID) that
// have any key (row or index entry) in the database's store.
func storedTables(t testing.TB, s *Session) []uint32 {
	t.Helper()
	it, err := s.db.storage.KV().NewIter(&pebble.IterOptions{LowerBound: keys.Table, UpperBound: keys.PrefixEnd(keys.Table)})
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	var ids []uint32
	for ok := it.First(); ok; {
		id := binary.BigEndian.Uint32(it.Key()[len(keys.Table):])
		ids = append(ids, id)
		next := keys.PrefixEnd(append(append([]byte{}, keys.Table...), binary.BigEndian.AppendUint32(nil, id)...))
		ok = it.SeekGE(next)
	}
	return ids
}

// tableStore is the number a table's rows are stored under, as the
// session sees it now.
func tableStore(t testing.TB, s *Session, name string) uint32 {
	t.Helper()
	set, err := s.schemaFor(s.db)
	if err != nil {
		t.Fatal(err)
	}
	def := set.Table("dbo", name)
	if def == nil {
		t.Fatalf("no table %s", name)
	}
	return def.StoreID()
}

// TestAlterTableBoundedMemory: a change that rewrites every row streams it.
// At the CI size (60,000 rows of about 300 bytes) the same ALTER COLUMN
// as one transaction (inside BEGIN TRAN) grows the live heap by about 390
// MB (measured once); in steps it grows by far less (heapBound); so does
// dropping the primary key and adding it back, which move every row. With
// -alter.rows=1000000 -index.keylen=20 it is the 1M-row check
// (measured: 17 to 27 s a statement, the live heap grew by 13 MB at most).
// Afterwards the old rows are gone from the store, the index answers, DBCC
// is clean. Under the race detector the table has 10,000 rows: the run
// checks the steps, not the figure.
func TestAlterTableBoundedMemory(t *testing.T) {
	rows := *alterRows
	if raceEnabled && rows == 60000 {
		rows = 10000
	}
	in := openTestInstance(t)
	s := openSession(t, in, "master")
	start := time.Now()
	fillWide(t, s, rows, *buildKeyLen)
	mustQuery(t, s, "CREATE INDEX ix_n ON wide (n) INCLUDE (id)")
	t.Logf("%d rows loaded and indexed in %v", rows, time.Since(start).Round(time.Millisecond))
	pk := mustQuery(t, s, "SELECT name FROM sys.key_constraints WHERE parent_object_id = OBJECT_ID('wide')").rows[0][0]
	objectID := mustQuery(t, s, "SELECT OBJECT_ID('wide')").text()
	for _, stmt := range []string{
		"ALTER TABLE wide ALTER COLUMN k NVARCHAR(400) NOT NULL",
		"ALTER TABLE wide ADD extra INT IDENTITY(1, 1)",
		"ALTER TABLE wide DROP COLUMN extra",
		// Every row moves to a new key: to a row id, then back to id.
		fmt.Sprintf("ALTER TABLE wide DROP CONSTRAINT %s", pk),
		"ALTER TABLE wide ADD CONSTRAINT pk_wide PRIMARY KEY (id)",
	} {
		start = time.Now()
		before, growth, err := heapGrowth(func() error { return s.Query(context.Background(), stmt, &collect{}) })
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %v; live heap %d MB before, grew by at most %.1f MB", stmt, time.Since(start).Round(time.Millisecond), before>>20, float64(growth)/(1<<20))
		if growth > heapBound {
			t.Fatalf("%s: the live heap grew by %d MB", stmt, growth>>20)
		}
		if got := mustQuery(t, s, "SELECT OBJECT_ID('wide')").text(); got != objectID {
			t.Fatalf("%s: OBJECT_ID is %s, was %s", stmt, got, objectID)
		}
	}
	id := tableStore(t, s, "wide")
	if ids := storedTables(t, s); fmt.Sprint(ids) != fmt.Sprintf("[%d %d]", tableStore(t, s, "digits"), id) {
		t.Fatalf("tables with keys in the store: %v (wide is %d): a rewrite left rows behind", ids, id)
	}
	if got := mustQuery(t, s, "SELECT COUNT(*), COUNT(DISTINCT n), MIN(LEN(k)) FROM wide").text(); got != fmt.Sprintf("[[%d 10 %d]]", rows, *buildKeyLen) {
		t.Fatalf("after the rewrites: %s", got)
	}
	got := mustQuery(t, s, "SELECT COUNT(*) FROM wide WHERE n = 3").text()
	if want := mustQuery(t, s, "SELECT COUNT(*) FROM wide WHERE n + 0 = 3").text(); got != want {
		t.Fatalf("through the index %s, by a scan %s", got, want)
	}
	mustQuery(t, s, "DBCC CHECKTABLE('wide')")
}

// TestAlterTableFailurePartWay: a rewrite that fails after some steps
// committed (a full disk's error, a cancel) or a row that cannot convert
// near the end leaves the table as it was: same definition, same rows, no
// keys of the copy left in the store, and the table still writable.
func TestAlterTableFailurePartWay(t *testing.T) {
	oldChunk := indexChunkRows
	indexChunkRows = 500
	defer func() { indexChunkRows, alterStepHook = oldChunk, nil }()
	in := openTestInstance(t)
	s := openSession(t, in, "master")
	fillWide(t, s, 8000, 30)
	mustQuery(t, s, "CREATE INDEX ix_n ON wide (n)")
	id := tableStore(t, s, "wide")
	before := mustQuery(t, s, "SELECT id, k, n FROM wide ORDER BY id").text()
	cols := "SELECT c.name, c.system_type_id, c.max_length, c.is_nullable FROM sys.columns c JOIN sys.tables t ON t.object_id = c.object_id WHERE t.name = 'wide' ORDER BY c.column_id"
	beforeCols := mustQuery(t, s, cols).text()
	unchanged := func(what string) {
		t.Helper()
		if got := tableStore(t, s, "wide"); got != id {
			t.Fatalf("%s: the table's rows moved from store %d to %d", what, id, got)
		}
		if got := mustQuery(t, s, cols).text(); got != beforeCols {
			t.Fatalf("%s: columns %s, were %s", what, got, beforeCols)
		}
		if got := mustQuery(t, s, "SELECT id, k, n FROM wide ORDER BY id").text(); got != before {
			t.Fatalf("%s: the rows changed", what)
		}
		if ids := storedTables(t, s); len(ids) != 2 {
			t.Fatalf("%s: tables with keys in the store: %v (wide is %d)", what, ids, id)
		}
		mustQuery(t, s, "DBCC CHECKTABLE('wide')")
	}

	alterStepHook = func(phase string, copied int64) error {
		if phase == "copy" && copied >= 3000 {
			return sqlerr.New(1105, "dbo.wide", "master", "PRIMARY")
		}
		return nil
	}
	err := s.Query(context.Background(), "ALTER TABLE wide ALTER COLUMN k NVARCHAR(40)", &collect{})
	if !sqlerr.Is(err, 1105) {
		t.Fatalf("a rewrite failing part-way: %v", err)
	}
	unchanged("after a failure part-way")

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	alterStepHook = func(phase string, copied int64) error {
		if phase == "copy" && copied >= 3000 {
			if err := cancelSeen(s, cancel); err == nil {
				t.Error("the rewrite's governor never saw the cancel")
			}
		}
		return nil
	}
	err = s.Query(ctx, "ALTER TABLE wide ADD extra INT NOT NULL DEFAULT 3", &collect{})
	if !sqlerr.Is(err, 3980) && !errors.Is(err, context.Canceled) {
		t.Fatalf("a rewrite cancelled part-way: %v", err)
	}
	alterStepHook = nil
	unchanged("after a cancel part-way")

	mustQuery(t, s, "UPDATE wide SET k = 'not a number' WHERE id = 7990")
	mustQuery(t, s, "UPDATE wide SET k = CONVERT(VARCHAR(30), id) WHERE id <> 7990")
	before = mustQuery(t, s, "SELECT id, k, n FROM wide ORDER BY id").text()
	err = s.Query(context.Background(), "ALTER TABLE wide ALTER COLUMN k INT", &collect{})
	if !sqlerr.Is(err, 245) {
		t.Fatalf("a row that does not convert near the end: %v", err)
	}
	unchanged("after a conversion error at row 7990")

	mustQuery(t, s, "UPDATE wide SET k = '1' WHERE id = 7990")
	mustQuery(t, s, "ALTER TABLE wide ALTER COLUMN k INT")
	if got := mustQuery(t, s, "SELECT SUM(CONVERT(BIGINT, k)) - SUM(CONVERT(BIGINT, id)) FROM wide").text(); got != "[[-7989]]" {
		t.Fatalf("after the conversion: %s", got)
	}
}

// TestAlterTableCleanupLater: a statement cancelled while it deletes the
// rows its rewrite replaced has made its change; the rows left behind are
// marked, DBCC CHECKDB does not count them, and the next ALTER TABLE of the
// database deletes them.
func TestAlterTableCleanupLater(t *testing.T) {
	oldChunk := indexChunkRows
	indexChunkRows = 500
	defer func() { indexChunkRows, alterStepHook = oldChunk, nil }()
	in := openTestInstance(t)
	s := openSession(t, in, "master")
	fillWide(t, s, 5000, 20)
	mustQuery(t, s, "CREATE INDEX ix_n ON wide (n)")
	old := tableStore(t, s, "wide")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	alterStepHook = func(phase string, _ int64) error {
		if phase == "empty" {
			cancel()
		}
		return nil
	}
	if err := s.Query(ctx, "ALTER TABLE wide ALTER COLUMN k NVARCHAR(20)", &collect{}); err != nil {
		t.Fatalf("cancelled while deleting the old rows: %v", err)
	}
	alterStepHook = nil
	if ids := storedTables(t, s); len(ids) != 3 || ids[1] != old {
		t.Fatalf("tables with keys in the store: %v (the replaced one is %d)", ids, old)
	}
	mustQuery(t, s, "DBCC CHECKDB")
	mustQuery(t, s, "CREATE TABLE other (a INT) INSERT other VALUES (1)")
	mustQuery(t, s, "ALTER TABLE other ADD b INT NOT NULL DEFAULT 2")
	if ids := storedTables(t, s); len(ids) != 3 || ids[1] == old {
		t.Fatalf("after the next ALTER TABLE, tables with keys in the store: %v (the replaced one was %d)", ids, old)
	}
	if got := mustQuery(t, s, "SELECT COUNT(*) FROM wide").text(); got != "[[5000]]" {
		t.Fatalf("rows: %s", got)
	}
}

// TestAlterTableConcurrentWriters: sessions inserting and updating rows
// while another adds, converts and drops columns all succeed (a statement
// bound before a change binds again: Msg 50131 never reaches them), and
// the table ends with every row written, each once, every column filled
// as its definition says, and DBCC clean.
func TestAlterTableConcurrentWriters(t *testing.T) {
	oldChunk := indexChunkRows
	indexChunkRows = 200
	defer func() { indexChunkRows = oldChunk }()
	in := openTestInstance(t)
	s := openSession(t, in, "master")
	mustQuery(t, s, "CREATE TABLE c (id INT NOT NULL CONSTRAINT pk_c PRIMARY KEY, k VARCHAR(20), n INT)")
	mustQuery(t, s, "CREATE INDEX ix_k ON c (k)")
	for i := 0; i < 3000; i += 500 {
		sql := "INSERT c VALUES "
		for j := i; j < i+500; j++ {
			if j > i {
				sql += ", "
			}
			sql += fmt.Sprintf("(%d, 'k%d', %d)", j, j%50, j)
		}
		mustQuery(t, s, sql)
	}
	const writers = 3
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	inserted := make([]atomic.Int64, writers)
	errs := make(chan error, writers)
	for w := range writers {
		ws := openSession(t, in, "master")
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ctx.Err() == nil; i++ {
				id := 100000*(w+1) + i
				if err := ws.Query(context.Background(), fmt.Sprintf("INSERT c (id, k) VALUES (%d, 'w%d')", id, w), &collect{}); err != nil {
					errs <- fmt.Errorf("writer %d insert %d: %w", w, i, err)
					return
				}
				inserted[w].Add(1)
				if err := ws.Query(context.Background(), fmt.Sprintf("UPDATE c SET k = 'u%d' WHERE id = %d", i%7, i*13%3000), &collect{}); err != nil {
					errs <- fmt.Errorf("writer %d update %d: %w", w, i, err)
					return
				}
			}
		}()
	}
	for _, stmt := range []string{
		"ALTER TABLE c ADD flag INT NOT NULL DEFAULT 1",
		"ALTER TABLE c ALTER COLUMN n BIGINT",
		"ALTER TABLE c ALTER COLUMN n VARCHAR(12)",
		"ALTER TABLE c ADD note VARCHAR(10)",
		"ALTER TABLE c DROP COLUMN n",
		"ALTER TABLE c ALTER COLUMN note NVARCHAR(20)",
		// The rows move and the columns stay: a statement bound before
		// must not write under the old store.
		"ALTER TABLE c DROP CONSTRAINT pk_c",
		"ALTER TABLE c ADD CONSTRAINT pk_c PRIMARY KEY (id)",
	} {
		writersGetIn(t, inserted, errs)
		mustQuery(t, s, stmt)
	}
	writersGetIn(t, inserted, errs)
	cancel()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	total := 3000
	for i := range inserted {
		n := int(inserted[i].Load())
		if n == 0 {
			t.Fatal("a writer inserted nothing: the test proves little")
		}
		total += n
	}
	if got := mustQuery(t, s, "SELECT COUNT(*), COUNT(DISTINCT id), SUM(flag), COUNT(note) FROM c").text(); got != fmt.Sprintf("[[%d %d %d 0]]", total, total, total) {
		t.Fatalf("after the changes: %s, want %d rows each once with flag 1", got, total)
	}
	cols := mustQuery(t, s, "SELECT c.name FROM sys.columns c JOIN sys.tables t ON t.object_id = c.object_id WHERE t.name = 'c' ORDER BY c.column_id").text()
	if cols != "[[id] [k] [flag] [note]]" {
		t.Fatalf("columns: %s", cols)
	}
	for _, k := range []string{"w0", "u3", "k7"} {
		got := mustQuery(t, s, "SELECT id FROM c WHERE k = '"+k+"' ORDER BY id").text()
		want := mustQuery(t, s, "SELECT id FROM c WHERE k + '' = '"+k+"' ORDER BY id").text()
		if got != want {
			t.Errorf("k = %s: index %s, scan %s", k, got, want)
		}
	}
	mustQuery(t, s, "DBCC CHECKTABLE('c')")
	ids := storedTables(t, s)
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	if len(ids) != 1 || ids[0] != tableStore(t, s, "c") {
		t.Fatalf("tables with keys in the store: %v", ids)
	}
}

// BenchmarkAlterColumn times an ALTER COLUMN that rewrites a table of
// -alter.rows rows with -index.keylen-byte values (and changes it back).
func BenchmarkAlterColumn(b *testing.B) {
	in := openTestInstance(b)
	s := openSession(b, in, "master")
	fillWide(b, s, *alterRows, *buildKeyLen)
	b.ResetTimer()
	for i := range b.N {
		mustQuery(b, s, fmt.Sprintf("ALTER TABLE wide ALTER COLUMN n %s", []string{"VARCHAR(12)", "INT"}[i%2]))
	}
	b.ReportMetric(float64(*alterRows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// writersGetIn waits until every writer has inserted since the call
// began, so that each ALTER of TestAlterTableConcurrentWriters has writes
// between it and the next however the machine schedules them (a sleep
// would leave that to chance on a loaded machine). A writer that failed
// ends the wait: its error is reported with the others.
func writersGetIn(t *testing.T, inserted []atomic.Int64, errs chan error) {
	t.Helper()
	from := make([]int64, len(inserted))
	for i := range inserted {
		from[i] = inserted[i].Load()
	}
	if !eventually(func() bool {
		if len(errs) > 0 {
			return true
		}
		for i := range inserted {
			if inserted[i].Load() == from[i] {
				return false
			}
		}
		return true
	}) {
		t.Error("the writers made no progress in 30 s")
	}
}

// TestAlterTablePreparedStatements: a prepared statement binds again after
// ALTER TABLE and sp_rename. An INSERT prepared before a column was added
// fills it from its default; one prepared before a rewrite stores rows of
// the new shape under the new store number; a SELECT whose result would change shape
// is refused as PostgreSQL refuses it; one naming a renamed column fails
// with 207.
func TestAlterTablePreparedStatements(t *testing.T) {
	ctx := context.Background()
	in := openTestInstance(t)
	s := openSession(t, in, "master")
	mustQuery(t, s, "CREATE DATABASE p USE p CREATE TABLE t (k INT PRIMARY KEY, v VARCHAR(10)) INSERT t VALUES (1, '10')")
	ins, err := s.Prepare(ctx, "INSERT t (k, v) VALUES ($1, $2)", nil)
	if err != nil {
		t.Fatal(err)
	}
	sel, err := s.Prepare(ctx, "SELECT v FROM t WHERE k = $1", nil)
	if err != nil {
		t.Fatal(err)
	}
	star, err := s.Prepare(ctx, "SELECT * FROM t WHERE k = $1", nil)
	if err != nil {
		t.Fatal(err)
	}
	mustQuery(t, s, "ALTER TABLE t ADD d INT NOT NULL DEFAULT 4")
	mustQuery(t, s, "ALTER TABLE t ALTER COLUMN v INT")
	if err := ins.Execute(ctx, []types.Value{"2", "20"}, &collect{}); err != nil {
		t.Fatal(err)
	}
	if got := mustQuery(t, s, "SELECT k, v + 1, d FROM t ORDER BY k").text(); got != "[[1 11 4] [2 21 4]]" {
		t.Fatalf("rows: %s", got)
	}
	w := &collect{}
	if err := sel.Execute(ctx, []types.Value{"2"}, w); err == nil {
		t.Fatalf("a SELECT whose column changed type ran: %s", w.text())
	} else if e := sqlerr.As(err); e.Code != sqlerr.FeatureNotSupported {
		t.Fatalf("a SELECT whose column changed type: %v", err)
	}
	if err := star.Execute(ctx, []types.Value{"2"}, &collect{}); err == nil {
		t.Fatal("SELECT * ran after a column was added")
	}
	mustQuery(t, s, "EXEC sp_rename 't.v', 'w', 'COLUMN'")
	if err := ins.Execute(ctx, []types.Value{"3", "30"}, &collect{}); !sqlerr.Is(err, 207) {
		t.Fatalf("an INSERT naming a renamed column: %v", err)
	}
	mustQuery(t, s, "DBCC CHECKTABLE('t')")
}

// TestAlterTableDependentMessages: 5074 names what depends on a column as
// SQL Server does: an index as "The index", a constraint (UNIQUE, CHECK,
// FOREIGN KEY, DEFAULT) as "The object", with 4922's words as the detail.
func TestAlterTableDependentMessages(t *testing.T) {
	in := openTestInstance(t)
	s := openSession(t, in, "master")
	mustQuery(t, s, `CREATE TABLE dm (id INT PRIMARY KEY, u INT CONSTRAINT uq_dm_u UNIQUE, x INT, c INT CONSTRAINT ck_dm_c CHECK (c > 0))
		CREATE INDEX ix_dm_x ON dm (x)`)
	for _, tc := range []struct{ stmt, msg string }{
		{"ALTER TABLE dm DROP COLUMN u", "The object 'uq_dm_u' is dependent on column 'u'."},
		{"ALTER TABLE dm DROP COLUMN x", "The index 'ix_dm_x' is dependent on column 'x'."},
		{"ALTER TABLE dm ALTER COLUMN c BIGINT", "The object 'ck_dm_c' is dependent on column 'c'."},
	} {
		_, err := queryErr(s, tc.stmt)
		e := sqlerr.As(err)
		if e.Number != 5074 || e.Message != tc.msg || !strings.Contains(e.Detail, "failed because one or more objects access this column") {
			t.Errorf("%s: %v (detail %q), want Msg 5074 %q", tc.stmt, err, e.Detail, tc.msg)
		}
	}
}

// TestAlterAddComputedStoresNothing: ADD of a column AS expr that is not
// PERSISTED writes no row (the table's rows stay under the same store
// number); PERSISTED, it rewrites them.
func TestAlterAddComputedStoresNothing(t *testing.T) {
	in := openTestInstance(t)
	s := openSession(t, in, "master")
	mustQuery(t, s, "CREATE TABLE cc (id INT PRIMARY KEY, q INT) INSERT cc VALUES (1, 2), (2, 3)")
	before := tableStore(t, s, "cc")
	mustQuery(t, s, "ALTER TABLE cc ADD twice AS q * 2")
	if got := tableStore(t, s, "cc"); got != before {
		t.Fatalf("ADD of a non-persisted computed column rewrote the rows: store %d, was %d", got, before)
	}
	if got := mustQuery(t, s, "SELECT SUM(twice) FROM cc").text(); got != "[[10]]" {
		t.Fatalf("computed on read: %s", got)
	}
	mustQuery(t, s, "ALTER TABLE cc ADD plus AS q + 1 PERSISTED")
	if got := tableStore(t, s, "cc"); got == before {
		t.Fatalf("ADD of a PERSISTED computed column did not store its values")
	}
	if got := mustQuery(t, s, "SELECT SUM(twice), SUM(plus) FROM cc").text(); got != "[[10 7]]" {
		t.Fatalf("after the rewrite: %s", got)
	}
}
