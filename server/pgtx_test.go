package server_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/lib/pq"

	"mirrordb/server/servertest"
)

// Transactions as real drivers open them (issue 15 §1). The statements one
// by one are in testdata/sql/pgtransactions; these check that what each
// driver sends by itself works and that the drivers are content with the
// answers (command tags, ReadyForQuery's transaction status).

// pgtxSetup starts a server with database db holding t (id, v).
func pgtxSetup(t *testing.T, db string) (url string, conn *pgx.Conn) {
	t.Helper()
	srv := servertest.Start(t, "")
	setup := servertest.Connect(t, srv, "master")
	if _, err := setup.Exec(context.Background(), "CREATE DATABASE "+db+" USE "+db+
		" CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20))"); err != nil {
		t.Fatal(err)
	}
	return servertest.URL(srv, db), setup
}

// rowsWithID counts t's rows with id, through conn (not the connection
// under test).
func rowsWithID(t *testing.T, conn *pgx.Conn, id int) (n int) {
	t.Helper()
	if err := conn.QueryRow(context.Background(), "SELECT COUNT(*) FROM t WHERE id = $1", id).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// pqCode is the SQLSTATE of a lib/pq error, "" for none.
func pqCode(err error) string {
	var pe *pq.Error
	if errors.As(err, &pe) {
		return string(pe.Code)
	}
	return ""
}

// TestLibPQTransactions: lib/pq begins every database/sql transaction with
// BEGIN READ WRITE or BEGIN READ ONLY, after ISOLATION LEVEL x when one is
// asked for, and insists on the BEGIN tag and ReadyForQuery 'T'.
func TestLibPQTransactions(t *testing.T) {
	url, check := pgtxSetup(t, "pq")
	db, err := sql.Open("postgres", url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ctx := context.Background()
	count := func(id int) int { return rowsWithID(t, check, id) }

	t.Run("options", func(t *testing.T) {
		for i, c := range []struct {
			level    sql.IsolationLevel
			readOnly bool
			want     string
		}{
			{sql.LevelDefault, false, "read committed"},
			{sql.LevelReadUncommitted, false, "read uncommitted"},
			{sql.LevelReadCommitted, false, "read committed"},
			{sql.LevelRepeatableRead, false, "repeatable read"},
			{sql.LevelSerializable, false, "serializable"},
			{sql.LevelDefault, true, "read committed"},
			{sql.LevelSerializable, true, "serializable"},
		} {
			tx, err := db.BeginTx(ctx, &sql.TxOptions{Isolation: c.level, ReadOnly: c.readOnly})
			if err != nil {
				t.Fatalf("%v read-only %v: %v", c.level, c.readOnly, err)
			}
			var iso, ro string
			if err := tx.QueryRowContext(ctx, "SHOW transaction_isolation").Scan(&iso); err != nil {
				t.Fatal(err)
			}
			if err := tx.QueryRowContext(ctx, "SHOW transaction_read_only").Scan(&ro); err != nil {
				t.Fatal(err)
			}
			if iso != c.want || ro != map[bool]string{true: "on", false: "off"}[c.readOnly] {
				t.Errorf("%v read-only %v: transaction_isolation %q, transaction_read_only %q", c.level, c.readOnly, iso, ro)
			}
			_, err = tx.ExecContext(ctx, "INSERT t VALUES ($1, 'x')", i)
			if c.readOnly {
				if pqCode(err) != "25006" {
					t.Errorf("insert in a read-only transaction: %v, want 25006", err)
				}
				if err := tx.Rollback(); err != nil {
					t.Fatal(err)
				}
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := tx.Commit(); err != nil {
				t.Fatal(err)
			}
			if count(i) != 1 {
				t.Errorf("%v: row %d not committed", c.level, i)
			}
		}
	})

	// A failed statement undoes itself and the transaction goes on
	// (T-SQL's statement-level atomicity): ReadyForQuery says 'T', so
	// Rollback rolls back and Commit commits what succeeded.
	t.Run("error then rollback or commit", func(t *testing.T) {
		for _, commit := range []bool{false, true} {
			id := 100
			if commit {
				id = 101
			}
			tx, err := db.BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := tx.ExecContext(ctx, "INSERT t VALUES ($1, 'first')", id); err != nil {
				t.Fatal(err)
			}
			if _, err := tx.ExecContext(ctx, "INSERT t VALUES ($1, 'dup')", id); pqCode(err) != "23505" {
				t.Fatalf("duplicate: %v", err)
			}
			end := tx.Rollback
			if commit {
				end = tx.Commit
			}
			if err := end(); err != nil {
				t.Fatal(err)
			}
			if got, want := count(id), map[bool]int{false: 0, true: 1}[commit]; got != want {
				t.Errorf("commit %v: %d rows, want %d", commit, got, want)
			}
		}
	})

	// Under XACT_ABORT ON an error dooms the transaction: ReadyForQuery
	// says 'E', and lib/pq's Commit rolls back and says so.
	t.Run("xact_abort", func(t *testing.T) {
		c, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := c.ExecContext(ctx, "SET XACT_ABORT ON"); err != nil {
			t.Fatal(err)
		}
		defer c.ExecContext(ctx, "SET XACT_ABORT OFF")
		tx, err := c.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.ExecContext(ctx, "INSERT t VALUES (110, 'a')"); err != nil {
			t.Fatal(err)
		}
		if _, err := tx.ExecContext(ctx, "INSERT t VALUES (110, 'dup')"); pqCode(err) != "23505" {
			t.Fatalf("duplicate: %v", err)
		}
		if err := tx.Commit(); !errors.Is(err, pq.ErrInFailedTransaction) {
			t.Fatalf("commit of a doomed transaction: %v, want %v", err, pq.ErrInFailedTransaction)
		}
		if count(110) != 0 {
			t.Error("doomed transaction committed")
		}
	})

	t.Run("savepoints", func(t *testing.T) {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{
			"INSERT t VALUES (200, 'kept')",
			"SAVEPOINT a",
			"INSERT t VALUES (201, 'undone')",
			"ROLLBACK TO SAVEPOINT a",
			"INSERT t VALUES (202, 'kept')",
			"SAVEPOINT b",
			"INSERT t VALUES (203, 'kept')",
			"RELEASE SAVEPOINT b",
		} {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		if _, err := tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT b"); pqCode(err) != "3B001" {
			t.Errorf("rollback to a released savepoint: %v, want 3B001", err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		for id, want := range map[int]int{200: 1, 201: 0, 202: 1, 203: 1} {
			if got := count(id); got != want {
				t.Errorf("row %d: %d, want %d", id, got, want)
			}
		}
	})
}

// TestPgxTransactions: pgx's BeginTx with every TxOptions ("begin
// isolation level serializable read only deferrable"), and its nested
// transactions, which are savepoints sp_1, sp_2, ... released on Commit
// and rolled back to on Rollback.
func TestPgxTransactions(t *testing.T) {
	url, check := pgtxSetup(t, "px")
	ctx := context.Background()
	conn := connectMode(t, url, "cache_statement")
	count := func(id int) int { return rowsWithID(t, check, id) }
	show := func(tx pgx.Tx, name string) string {
		t.Helper()
		var v string
		if err := tx.QueryRow(ctx, "SHOW "+name).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}

	t.Run("options", func(t *testing.T) {
		id := 0
		for _, iso := range []pgx.TxIsoLevel{"", pgx.Serializable, pgx.RepeatableRead, pgx.ReadCommitted, pgx.ReadUncommitted} {
			for _, access := range []pgx.TxAccessMode{"", pgx.ReadWrite, pgx.ReadOnly} {
				for _, def := range []pgx.TxDeferrableMode{"", pgx.Deferrable, pgx.NotDeferrable} {
					id++
					opts := pgx.TxOptions{IsoLevel: iso, AccessMode: access, DeferrableMode: def}
					tx, err := conn.BeginTx(ctx, opts)
					if err != nil {
						t.Fatalf("%+v: %v", opts, err)
					}
					want := map[string]string{"transaction_isolation": string(iso), "transaction_read_only": "off", "transaction_deferrable": "off"}
					if iso == "" {
						want["transaction_isolation"] = "read committed"
					}
					if access == pgx.ReadOnly {
						want["transaction_read_only"] = "on"
					}
					if def == pgx.Deferrable {
						want["transaction_deferrable"] = "on"
					}
					for name, v := range want {
						if got := show(tx, name); got != v {
							t.Errorf("%+v: %s %q, want %q", opts, name, got, v)
						}
					}
					_, err = tx.Exec(ctx, "INSERT t VALUES ($1, 'x')", id)
					if access == pgx.ReadOnly {
						if pe := pgError(err); pe == nil || pe.Code != "25006" {
							t.Errorf("%+v: insert: %v, want 25006", opts, err)
						}
						if st := conn.PgConn().TxStatus(); st != 'T' {
							t.Errorf("%+v: status %c after a refused write, want T", opts, st)
						}
						if err := tx.Rollback(ctx); err != nil {
							t.Fatal(err)
						}
						continue
					}
					if err != nil {
						t.Fatalf("%+v: insert: %v", opts, err)
					}
					if err := tx.Commit(ctx); err != nil {
						t.Fatalf("%+v: commit: %v", opts, err)
					}
					if count(id) != 1 {
						t.Errorf("%+v: row %d not committed", opts, id)
					}
				}
			}
		}
	})

	t.Run("nested", func(t *testing.T) {
		tx, err := conn.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		exec := func(tx pgx.Tx, id int) {
			t.Helper()
			if _, err := tx.Exec(ctx, "INSERT t VALUES ($1, 'n')", id); err != nil {
				t.Fatal(err)
			}
		}
		begin := func(tx pgx.Tx) pgx.Tx {
			t.Helper()
			sp, err := tx.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return sp
		}
		exec(tx, 1001)
		sp1 := begin(tx) // savepoint sp_1
		exec(sp1, 1002)
		sp2 := begin(sp1) // savepoint sp_2
		exec(sp2, 1003)
		if err := sp2.Rollback(ctx); err != nil { // rollback to savepoint sp_2
			t.Fatal(err)
		}
		if err := sp1.Commit(ctx); err != nil { // release savepoint sp_1
			t.Fatal(err)
		}
		sp3 := begin(tx)
		exec(sp3, 1004)
		if _, err := sp3.Exec(ctx, "INSERT t VALUES (1001, 'dup')"); pgError(err) == nil || pgError(err).Code != "23505" {
			t.Fatalf("duplicate: %v", err)
		}
		if st := conn.PgConn().TxStatus(); st != 'T' {
			t.Errorf("status %c after a failed statement, want T (the statement undid itself)", st)
		}
		if err := sp3.Rollback(ctx); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		for id, want := range map[int]int{1001: 1, 1002: 1, 1003: 0, 1004: 0} {
			if got := count(id); got != want {
				t.Errorf("row %d: %d, want %d", id, got, want)
			}
		}
	})

	// The session's defaults: from the startup packet (pgx's RuntimeParams,
	// libpq's options=-c...) and SET SESSION CHARACTERISTICS, which
	// ParameterStatus reports for default_transaction_read_only, as
	// PostgreSQL does.
	t.Run("defaults", func(t *testing.T) {
		c := connectMode(t, url+"&default_transaction_isolation=serializable", "cache_statement")
		var iso string
		if err := c.QueryRow(ctx, "SHOW transaction_isolation").Scan(&iso); err != nil || iso != "serializable" {
			t.Errorf("transaction_isolation from the startup packet: %q, %v", iso, err)
		}
		if _, err := c.Exec(ctx, "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY"); err != nil {
			t.Fatal(err)
		}
		if got := c.PgConn().ParameterStatus("default_transaction_read_only"); got != "on" {
			t.Errorf("ParameterStatus default_transaction_read_only %q, want on", got)
		}
		if _, err := c.Exec(ctx, "INSERT t VALUES (2000, 'x')"); pgError(err) == nil || pgError(err).Code != "25006" {
			t.Errorf("insert in a read-only session: %v, want 25006", err)
		}
		if _, err := c.Exec(ctx, "RESET ALL"); err != nil {
			t.Fatal(err)
		}
		if got := c.PgConn().ParameterStatus("default_transaction_read_only"); got != "off" {
			t.Errorf("after RESET ALL: ParameterStatus default_transaction_read_only %q, want off", got)
		}
		if _, err := pgx.Connect(ctx, url+"&default_transaction_isolation=sometimes"); pgError(err) == nil || pgError(err).Code != "22023" {
			t.Errorf("connect with a bad default_transaction_isolation: %v, want 22023", err)
		}
	})

	// Under XACT_ABORT ON an error dooms the transaction ('E'); COMMIT
	// then fails with 3998 and rolls back, leaving the connection usable.
	t.Run("xact_abort", func(t *testing.T) {
		if _, err := conn.Exec(ctx, "SET XACT_ABORT ON"); err != nil {
			t.Fatal(err)
		}
		defer conn.Exec(ctx, "SET XACT_ABORT OFF")
		tx, err := conn.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(ctx, "INSERT t VALUES (1001, 'dup')"); pgError(err) == nil {
			t.Fatalf("duplicate: %v", err)
		}
		if st := conn.PgConn().TxStatus(); st != 'E' {
			t.Errorf("status %c in a doomed transaction, want E", st)
		}
		if err := tx.Commit(ctx); pgError(err) == nil || !strings.HasPrefix(pgError(err).Message, "Msg 3998,") {
			t.Fatalf("commit of a doomed transaction: %v, want Msg 3998", err)
		}
		if conn.IsClosed() || conn.PgConn().TxStatus() != 'I' {
			t.Fatalf("after the failed commit: closed %v, status %c", conn.IsClosed(), conn.PgConn().TxStatus())
		}
	})
}

// TestPgbenchTpcbLike runs pgbench's built-in tpcb-like script (BEGIN;
// three UPDATEs, a SELECT, an INSERT; END;) from two clients and checks
// that the money adds up: every committed transaction's delta is in the
// history, the branch and the tellers.
func TestPgbenchTpcbLike(t *testing.T) {
	// Debian ships pgbench with the server (postgresql-15), which ./test.sh
	// installs; the script's statements are also in testdata/sql/pgtransactions.
	pgbench, err := exec.LookPath("pgbench")
	if err == nil {
		err = exec.Command(pgbench, "--version").Run()
	}
	if err != nil {
		t.Fatalf("pgbench cannot run (%v): run the tests with ./test.sh, which installs postgresql-15", err)
	}
	_, conn := pgtxSetup(t, "bench") // conn uses bench
	ctx := context.Background()
	setup := []string{
		"CREATE TABLE pgbench_branches (bid INT PRIMARY KEY, bbalance INT, filler CHAR(88))",
		"CREATE TABLE pgbench_tellers (tid INT PRIMARY KEY, bid INT, tbalance INT, filler CHAR(84))",
		"CREATE TABLE pgbench_accounts (aid INT PRIMARY KEY, bid INT, abalance INT, filler CHAR(84))",
		"CREATE TABLE pgbench_history (tid INT, bid INT, aid INT, delta INT, mtime DATETIME2, filler CHAR(22))",
		"INSERT pgbench_branches VALUES (1, 0, '')",
		"INSERT pgbench_tellers VALUES (1, 1, 0, ''), (2, 1, 0, ''), (3, 1, 0, ''), (4, 1, 0, ''), (5, 1, 0, ''), " +
			"(6, 1, 0, ''), (7, 1, 0, ''), (8, 1, 0, ''), (9, 1, 0, ''), (10, 1, 0, '')",
	}
	for _, q := range setup {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	cfg := conn.Config()
	cmd := exec.Command(pgbench, "-n", "-b", "tpcb-like", "-c", "2", "-j", "1", "-t", "25",
		"-h", cfg.Host, "-p", fmt.Sprint(cfg.Port), "-U", cfg.User, "bench")
	cmd.Env = append(os.Environ(), "PGSSLMODE=disable", "PGCONNECT_TIMEOUT=10")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("pgbench: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "number of transactions actually processed: 50/50") {
		t.Fatalf("pgbench did not process 50 transactions:\n%s", out)
	}
	var history, n, branch, tellers int
	if err := conn.QueryRow(ctx, "SELECT COUNT(*), SUM(delta) FROM pgbench_history").Scan(&n, &history); err != nil {
		t.Fatal(err)
	}
	if err := conn.QueryRow(ctx, "SELECT bbalance FROM pgbench_branches").Scan(&branch); err != nil {
		t.Fatal(err)
	}
	if err := conn.QueryRow(ctx, "SELECT SUM(tbalance) FROM pgbench_tellers").Scan(&tellers); err != nil {
		t.Fatal(err)
	}
	if n != 50 || branch != history || tellers != history {
		t.Errorf("history %d rows summing to %d; branch balance %d, tellers' %d", n, history, branch, tellers)
	}
}
