package engine

import (
	"context"
	"fmt"
	"math/rand"
	"sync/atomic"
	"testing"

	"mirrordb/engine/catalog"
	"mirrordb/engine/exec"
	"mirrordb/sqlerr"
)

// TestConstraintMessages: each constraint error carries SQL Server's
// number, its SQLSTATE and SQL Server's wording with the names filled in
// (the scripts under testdata/sql/constraints check numbers and SQLSTATEs;
// this checks the text).
func TestConstraintMessages(t *testing.T) {
	in := openTestInstance(t)
	s := openSession(t, in, "master")
	for _, q := range []string{
		"CREATE TABLE p (id INT PRIMARY KEY, code INT CONSTRAINT uq_code UNIQUE)",
		"CREATE TABLE c (id INT PRIMARY KEY, pid INT CONSTRAINT fk_c REFERENCES p, qty INT CONSTRAINT ck_qty CHECK (qty > 0), lo INT, hi INT, CONSTRAINT ck_range CHECK (lo < hi), dbl AS qty * 2)",
		"CREATE TABLE g (a INT, b INT, CONSTRAINT pk_g PRIMARY KEY (a, b))",
		"CREATE TABLE h (a INT, b INT, CONSTRAINT fk_h FOREIGN KEY (a, b) REFERENCES g (a, b))",
		"INSERT p VALUES (1, 10)",
		"INSERT c (id, pid, qty) VALUES (1, 1, 1)",
	} {
		mustQuery(t, s, q)
	}
	for _, c := range []struct {
		sql, state, text string
		number           int
	}{
		{"INSERT c (id, pid) VALUES (2, 7)", sqlerr.ForeignKeyViolation, `The INSERT statement conflicted with the FOREIGN KEY constraint "fk_c". The conflict occurred in database "master", table "dbo.p", column 'id'.`, 547},
		{"INSERT h VALUES (1, 2)", sqlerr.ForeignKeyViolation, `The INSERT statement conflicted with the FOREIGN KEY constraint "fk_h". The conflict occurred in database "master", table "dbo.g".`, 547},
		{"UPDATE c SET qty = 0", sqlerr.CheckViolation, `The UPDATE statement conflicted with the CHECK constraint "ck_qty". The conflict occurred in database "master", table "dbo.c", column 'qty'.`, 547},
		{"INSERT c (id, lo, hi) VALUES (3, 5, 1)", sqlerr.CheckViolation, `The INSERT statement conflicted with the CHECK constraint "ck_range". The conflict occurred in database "master", table "dbo.c".`, 547},
		{"DELETE FROM p", sqlerr.ForeignKeyViolation, `The DELETE statement conflicted with the REFERENCE constraint "fk_c". The conflict occurred in database "master", table "dbo.c", column 'pid'.`, 547},
		{"INSERT p VALUES (2, 10)", sqlerr.UniqueViolation, `Violation of UNIQUE KEY constraint 'uq_code'. Cannot insert duplicate key in object 'dbo.p'. The duplicate key value is (10).`, 2627},
		{"INSERT p VALUES (1, 11)", sqlerr.UniqueViolation, `Violation of PRIMARY KEY constraint 'PK__p__3B4A0001'. Cannot insert duplicate key in object 'dbo.p'. The duplicate key value is (1).`, 2627},
		{"UPDATE c SET dbl = 1", "42809", `The column "dbl" cannot be modified because it is either a computed column or is the result of a UNION operator.`, 271},
		{"DROP TABLE p", "2BP01", `Could not drop object 'dbo.p' because it is referenced by a FOREIGN KEY constraint.`, 3726},
		{"TRUNCATE TABLE p", "2BP01", `Cannot truncate table 'p' because it is being referenced by a FOREIGN KEY constraint.`, 4712},
		{"ALTER TABLE c DROP CONSTRAINT nope", "42704", `'nope' is not a constraint.`, 3728},
		{"CREATE TABLE x (a INT CONSTRAINT fk_x REFERENCES c (qty))", "42P16", `There are no primary or candidate keys in the referenced table 'c' that match the referencing column list in the foreign key 'fk_x'.`, 1776},
		{"CREATE TABLE x (a BIGINT CONSTRAINT fk_x REFERENCES p (id))", "42804", `Column 'p.id' is not the same data type as referencing column 'x.a' in foreign key 'fk_x'.`, 1778},
		{"CREATE TABLE x (id INT PRIMARY KEY, up INT CONSTRAINT fk_x REFERENCES x ON DELETE CASCADE)", "42P16", `Introducing FOREIGN KEY constraint 'fk_x' on table 'x' may cause cycles or multiple cascade paths. Specify ON DELETE NO ACTION or ON UPDATE NO ACTION, or modify other FOREIGN KEY constraints.`, 1785},
		{"ALTER TABLE c ADD CONSTRAINT ck_qty CHECK (qty < 10)", "42P07", `There is already an object named 'ck_qty' in the database.`, 2714},
		{"ALTER TABLE c ADD CONSTRAINT ck_big CHECK (qty > 5)", sqlerr.CheckViolation, `The ALTER TABLE statement conflicted with the CHECK constraint "ck_big". The conflict occurred in database "master", table "dbo.c".`, 547},
		{"DROP INDEX uq_code ON p", "55006", `An explicit DROP INDEX is not allowed on index 'p.uq_code'. It is being used for UNIQUE KEY constraint enforcement.`, 3723},
	} {
		err := s.Query(context.Background(), c.sql, &collect{})
		e := sqlerr.As(err)
		if err == nil || e.Number != c.number || e.Code != c.state || e.Message != c.text {
			t.Errorf("%s:\n got %v (Msg %d, %s)\nwant Msg %d, %s: %s", c.sql, err, e.Number, e.Code, c.number, c.state, c.text)
		}
		if trailer := "Msg 3621, Level 0, State 1: The statement has been terminated."; c.number == 547 && e.Detail != trailer {
			t.Errorf("%s: detail %q, want %q", c.sql, e.Detail, trailer)
		}
	}
}

// TestConstraintOnColumn: every kind of constraint is found on the
// columns it uses (what DROP COLUMN must refuse), and a free column has
// none.
func TestConstraintOnColumn(t *testing.T) {
	in := openTestInstance(t)
	s := openSession(t, in, "master")
	mustQuery(t, s, "CREATE TABLE p (id INT PRIMARY KEY, free INT)")
	mustQuery(t, s, `CREATE TABLE c (id INT PRIMARY KEY, pid INT CONSTRAINT fk REFERENCES p, a INT, b INT CONSTRAINT df DEFAULT 1,
		u INT CONSTRAINT uq UNIQUE, d AS a * 2, e INT, CONSTRAINT ck CHECK (e > 0), free INT)`)
	set := s.db.schema.Load()
	p, c := set.Table("dbo", "p"), set.Table("dbo", "c")
	for col, want := range map[string]string{"pid": "fk", "a": "d", "b": "df", "u": "uq", "e": "ck", "free": ""} {
		if got := constraintOnColumn(set, c, c.ColumnIndex(col)); got != want {
			t.Errorf("c.%s: %q, want %q", col, got, want)
		}
	}
	if got := constraintOnColumn(set, p, p.ColumnIndex("id")); got != "fk" {
		t.Errorf("p.id: %q, want fk (referenced from c)", got)
	}
	if got := constraintOnColumn(set, p, p.ColumnIndex("free")); got != "" {
		t.Errorf("p.free: %q", got)
	}
}

// TestNoOrphansUnderConcurrentWrites: sessions insert children of random
// parents (some missing: 547), move them between parents, and delete
// parents (cascading to children and grandchildren) and re-create them,
// all at once; at the end no child is without its parent, every refused
// write was a 547, and DBCC finds the indexes in agreement.
func TestNoOrphansUnderConcurrentWrites(t *testing.T) {
	in := openTestInstance(t)
	admin := openSession(t, in, "master")
	mustQuery(t, admin, "CREATE TABLE par (id INT PRIMARY KEY)")
	mustQuery(t, admin, "CREATE TABLE kid (id INT PRIMARY KEY, pid INT NOT NULL CONSTRAINT fk_kid REFERENCES par ON DELETE CASCADE ON UPDATE CASCADE)")
	mustQuery(t, admin, "CREATE INDEX ix_pid ON kid (pid)")
	mustQuery(t, admin, "CREATE TABLE grand (id INT PRIMARY KEY, kid INT CONSTRAINT fk_grand REFERENCES kid ON DELETE CASCADE)")
	for i := 0; i < 20; i++ {
		mustQuery(t, admin, fmt.Sprintf("INSERT par VALUES (%d)", i))
	}
	const workers, steps = 4, 150
	errs := make(chan error, workers)
	var refused atomic.Int64
	for w := 0; w < workers; w++ {
		s := openSession(t, in, "master")
		go func(w int) {
			r := rand.New(rand.NewSource(int64(w)))
			for i := 0; i < steps; i++ {
				id := w*steps + i
				var sql string
				switch r.Intn(5) {
				case 0:
					sql = fmt.Sprintf("DELETE FROM par WHERE id = %d", r.Intn(25))
				case 1:
					sql = fmt.Sprintf("INSERT par VALUES (%d)", r.Intn(25))
				case 2:
					sql = fmt.Sprintf("UPDATE kid SET pid = %d WHERE id %% 7 = %d", r.Intn(25), r.Intn(7))
				default:
					sql = fmt.Sprintf("INSERT kid VALUES (%d, %d); INSERT grand VALUES (%d, %d)", id, r.Intn(25), id, id)
				}
				err := s.Query(context.Background(), sql, &collect{})
				if err == nil {
					continue
				}
				switch n := sqlerr.As(err).Number; {
				case n == 547 || n == 2627:
					refused.Add(1)
				default:
					errs <- fmt.Errorf("%s: %v", sql, err)
					return
				}
			}
			errs <- nil
		}(w)
	}
	for w := 0; w < workers; w++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if refused.Load() == 0 {
		t.Fatal("no write was refused: the test proves little")
	}
	orphans := mustQuery(t, admin, "SELECT COUNT(*) FROM kid k WHERE NOT EXISTS (SELECT 1 FROM par p WHERE p.id = k.pid)").text()
	grandOrphans := mustQuery(t, admin, "SELECT COUNT(*) FROM grand g WHERE g.kid IS NOT NULL AND NOT EXISTS (SELECT 1 FROM kid k WHERE k.id = g.kid)").text()
	if orphans != "[[0]]" || grandOrphans != "[[0]]" {
		t.Fatalf("orphans: kid %s, grand %s", orphans, grandOrphans)
	}
	if kids := mustQuery(t, admin, "SELECT COUNT(*) FROM kid").text(); kids == "[[0]]" {
		t.Fatal("no child survived: the check above proves little")
	}
	mustQuery(t, admin, "DBCC CHECKTABLE('kid')")
}

// BenchmarkUpdateManyTables: a single-row UPDATE inside one transaction on
// a schema of 50 tables, the updated one with a CHECK and referenced by a
// foreign key: what finding the foreign keys that reference a table and
// the table's bound row rules cost per statement. In "rewritten" every
// table was rewritten by ALTER TABLE 10 times first (a rewrite keeps the
// table's id and takes a new store number from the same counter, so the
// definitions' store numbers spread up to about 550).
func BenchmarkUpdateManyTables(b *testing.B) {
	for _, rewrites := range []int{0, 10} {
		name := "fresh"
		if rewrites > 0 {
			name = "rewritten"
		}
		b.Run(name, func(b *testing.B) {
			in := openTestInstance(b)
			s := openSession(b, in, "master")
			for i := 0; i < 50; i++ {
				mustQuery(b, s, fmt.Sprintf("CREATE TABLE t%d (id INT PRIMARY KEY, v INT CHECK (v >= 0), r INT, w INT)", i))
			}
			mustQuery(b, s, "ALTER TABLE t49 ADD CONSTRAINT fk_t49 FOREIGN KEY (r) REFERENCES t25 (id)")
			mustQuery(b, s, "INSERT t25 VALUES (1, 0, NULL, NULL)")
			for k := 0; k < rewrites; k++ {
				for i := 0; i < 50; i++ {
					mustQuery(b, s, fmt.Sprintf("ALTER TABLE t%d ALTER COLUMN w %s", i, []string{"VARCHAR(20)", "INT"}[k%2]))
				}
			}
			mustQuery(b, s, "BEGIN TRAN")
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				mustQuery(b, s, "UPDATE t25 SET v = v + 1 WHERE id = 1")
			}
			b.StopTimer()
			mustQuery(b, s, "COMMIT")
		})
	}
}

// TestRulesCacheBounded: the bound rules of at most exec.RulesCacheMax table
// definitions are kept; past that the cache starts again.
func TestRulesCacheBounded(t *testing.T) {
	in := openTestInstance(t)
	s := openSession(t, in, "master")
	mustQuery(t, s, "CREATE TABLE rc (id INT PRIMARY KEY, v INT CHECK (v > 0))")
	set, err := s.schemaFor(s.db)
	if err != nil {
		t.Fatal(err)
	}
	def := set.Table("dbo", "rc")
	e := &exec.Env{Sess: s}
	for i := 0; i < 3*exec.RulesCacheMax; i++ {
		d := *def // a new definition each time, as every schema change makes
		if _, err := rulesFor(e, s.db, &d); err != nil {
			t.Fatal(err)
		}
	}
	if held := boundRules.Len(); held == 0 || held > exec.RulesCacheMax {
		t.Fatalf("the cache holds %d definitions' rules (at most %d)", held, exec.RulesCacheMax)
	}
	r1, _ := rulesFor(e, s.db, def)
	r2, _ := rulesFor(e, s.db, def)
	if r1 != r2 || len(r1.Checks) != 1 {
		t.Fatalf("rules bound again for the same definition, or wrong: %p %p %d", r1, r2, len(r1.Checks))
	}
}

// TestRowKeyForRefusesBuilding: a parent or child row is never looked up
// through an index still being built (it does not hold every row yet),
// nor through a filtered one; a ready index after it serves instead.
func TestRowKeyForRefusesBuilding(t *testing.T) {
	def := &catalog.TableDef{Name: "p", Columns: []catalog.ColumnDef{{Name: "id"}, {Name: "code"}, {Name: "n"}},
		Indexes: []catalog.IndexDef{
			{ID: 2, Name: "ux_building", Unique: true, Columns: []int{1}, State: catalog.IndexBuilding},
			{ID: 3, Name: "ux_filtered", Unique: true, Columns: []int{1}, Filter: "code > 0"},
			{ID: 4, Name: "ix_code_n", Columns: []int{1, 2}},
		}}
	if pk, ix := def.RowKeyFor([]int{1}, true); pk || ix != nil {
		t.Fatalf("parent lookup on code: pk %v, index %v (want none: building or filtered only)", pk, ix)
	}
	if _, ix := def.RowKeyFor([]int{1}, false); ix == nil || ix.Name != "ix_code_n" {
		t.Fatalf("child lookup on code: %v, want ix_code_n", ix)
	}
	def.Indexes = append(def.Indexes, catalog.IndexDef{ID: 5, Name: "ux_ready", Unique: true, Columns: []int{1}})
	if _, ix := def.RowKeyFor([]int{1}, true); ix == nil || ix.Name != "ux_ready" {
		t.Fatalf("parent lookup on code: %v, want ux_ready", ix)
	}
	def.PK = []int{0, 1}
	if pk, _ := def.RowKeyFor([]int{1, 0}, true); !pk {
		t.Fatal("parent lookup on (code, id): not through the primary key")
	}
	if pk, _ := def.RowKeyFor([]int{0}, false); !pk {
		t.Fatal("child lookup on id: not through the primary key's leading column")
	}
}
