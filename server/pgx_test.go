package server_test

import (
	"context"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"mirrordb/server/servertest"
)

var execModes = []string{"cache_statement", "cache_describe", "describe_exec", "exec", "simple_protocol"}

func connectMode(t *testing.T, url, mode string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, url+"&default_query_exec_mode="+mode)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func pgError(err error) *pgconn.PgError {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe
	}
	return nil
}

// TestTypesRoundTrip writes a row of every type through parameters and
// reads it back, in every pgx execution mode (binary and text formats,
// prepared and simple protocol).
func TestTypesRoundTrip(t *testing.T) {
	srv := servertest.Start(t, "")
	setup := servertest.Connect(t, srv, "master")
	ctx := context.Background()
	if _, err := setup.Exec(ctx, `CREATE DATABASE types USE types CREATE TABLE v (
		mode VARCHAR(20) PRIMARY KEY, i INT, bi BIGINT, si SMALLINT, ti TINYINT, b BIT, d DECIMAL(12,3),
		f FLOAT, r REAL, s NVARCHAR(50), c CHAR(4), dt DATE, ts DATETIME2, u UNIQUEIDENTIFIER, bin VARBINARY(10))`); err != nil {
		t.Fatal(err)
	}
	when := time.Date(2026, 11, 22, 13, 45, 30, 123456000, time.UTC)
	day := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	u := [16]byte{0x6f, 0x96, 0x19, 0xff, 0x8b, 0x86, 0xd0, 0x11, 0xb4, 0x2d, 0x00, 0xc0, 0x4f, 0xc9, 0x64, 0xff}
	dec := pgtype.Numeric{Int: big.NewInt(-1234567), Exp: -3, Valid: true}
	for _, mode := range execModes {
		t.Run(mode, func(t *testing.T) {
			conn := connectMode(t, servertest.URL(srv, "types"), mode)
			_, err := conn.Exec(ctx, `INSERT v VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
				mode, int32(-42), int64(1)<<40, int16(-7), int16(200), true, dec, 2.5, float32(1.25),
				"héllo wörld", "ab", day, when, pgtype.UUID{Bytes: u, Valid: true}, []byte{0, 1, 0xff})
			if err != nil {
				t.Fatal(err)
			}
			var (
				i      int32
				bi     int64
				si, ti int16
				b      bool
				d      pgtype.Numeric
				f      float64
				r      float32
				s, c   string
				dt, ts time.Time
				gotU   [16]byte
				bin    []byte
			)
			err = conn.QueryRow(ctx, `SELECT i, bi, si, ti, b, d, f, r, s, c, dt, ts, u, bin FROM v WHERE mode = $1`, mode).
				Scan(&i, &bi, &si, &ti, &b, &d, &f, &r, &s, &c, &dt, &ts, &gotU, &bin)
			if err != nil {
				t.Fatal(err)
			}
			if i != -42 || bi != 1<<40 || si != -7 || ti != 200 || !b || f != 2.5 || r != 1.25 ||
				s != "héllo wörld" || c != "ab  " || !dt.Equal(day) || !ts.Equal(when) || gotU != u ||
				string(bin) != "\x00\x01\xff" {
				t.Fatalf("round trip: %v %v %v %v %v %v %v %q %q %v %v %x %x", i, bi, si, ti, b, f, r, s, c, dt, ts, gotU, bin)
			}
			if d.Int.Cmp(big.NewInt(-1234567)) != 0 || d.Exp != -3 {
				t.Fatalf("decimal: %v e%d", d.Int, d.Exp)
			}
		})
	}
}

// TestParameterTypesAreInferred checks that parameters take their types
// from context, so drivers can send them in binary.
func TestParameterTypesAreInferred(t *testing.T) {
	srv := servertest.Start(t, "")
	conn := servertest.Connect(t, srv, "master")
	ctx := context.Background()
	if _, err := conn.Exec(ctx, "CREATE TABLE t (id INT PRIMARY KEY, amount DECIMAL(10,2), seen DATETIME2)"); err != nil {
		t.Fatal(err)
	}
	sd, err := conn.Prepare(ctx, "ins", "INSERT t (id, amount, seen) VALUES ($1, $2, $3)")
	if err != nil {
		t.Fatal(err)
	}
	want := []uint32{pgtype.Int4OID, pgtype.NumericOID, pgtype.TimestampOID}
	for i, oid := range sd.ParamOIDs {
		if oid != want[i] {
			t.Fatalf("parameter $%d announced as OID %d, want %d", i+1, oid, want[i])
		}
	}
	if _, err := conn.Exec(ctx, "ins", 1, "12.345", time.Now()); err != nil {
		t.Fatal(err)
	}
	var n int64
	if err := conn.QueryRow(ctx, "SELECT $1 + 1", 41).Scan(&n); err != nil || n != 42 {
		t.Fatalf("SELECT $1 + 1 = %d, %v", n, err)
	}
	var amount string
	if err := conn.QueryRow(ctx, "SELECT CAST(amount AS VARCHAR(20)) FROM t WHERE id = $1", 1).Scan(&amount); err != nil || amount != "12.35" {
		t.Fatalf("amount = %q, %v", amount, err)
	}
	_, err = conn.Exec(ctx, "INSERT t (id) VALUES ($1)", "not a number")
	if pe := pgError(err); pe == nil || pe.Code != "22P02" {
		t.Fatalf("bad parameter: %v", err)
	}
}

// TestCancelRunningStatement cancels a long statement through pgx's
// context (a CancelRequest on a second connection); the session survives.
func TestCancelRunningStatement(t *testing.T) {
	srv := servertest.Start(t, "")
	conn := servertest.Connect(t, srv, "master")
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := conn.Exec(ctx, "WAITFOR DELAY '00:01:00'")
	if err == nil {
		t.Fatal("WAITFOR was not cancelled")
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("cancel took %v", d)
	}
	// pgx closes a connection whose query was interrupted by its context,
	// sending a CancelRequest from a goroutine first: wait for it, or the
	// server's shutdown at the end of the test may beat it and wait out
	// the WAITFOR (seen under CI load).
	select {
	case <-conn.PgConn().CleanupDone():
	case <-time.After(20 * time.Second):
		t.Fatal("pgx did not finish closing the interrupted connection")
	}
	// A new connection works and the server is fine.
	again := servertest.Connect(t, srv, "master")
	var one int
	if err := again.QueryRow(context.Background(), "SELECT 1").Scan(&one); err != nil || one != 1 {
		t.Fatalf("after cancel: %v", err)
	}
}

// TestCancelReportsQueryCanceled checks the error a cancelled statement
// reports when the client keeps the connection (pgconn's CancelRequest).
func TestCancelReportsQueryCanceled(t *testing.T) {
	srv := servertest.Start(t, "")
	conn := servertest.Connect(t, srv, "master")
	pc := conn.PgConn()
	done := make(chan error, 1)
	go func() {
		_, err := pc.Exec(context.Background(), "WAITFOR DELAY '00:01:00'").ReadAll()
		done <- err
	}()
	time.Sleep(100 * time.Millisecond)
	if err := pc.CancelRequest(context.Background()); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if pe := pgError(err); pe == nil || pe.Code != "57014" || !strings.HasPrefix(pe.Message, "Msg 3980") {
			t.Fatalf("cancelled statement: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("cancel did not interrupt WAITFOR")
	}
	var n int
	if err := conn.QueryRow(context.Background(), "SELECT 2").Scan(&n); err != nil || n != 2 {
		t.Fatalf("session after cancel: %v", err)
	}
}

// TestTargetSessionAttrs connects the way an HA client does: pgx runs its
// read-write and primary probes against the server.
func TestTargetSessionAttrs(t *testing.T) {
	srv := servertest.Start(t, "")
	for _, attrs := range []string{"read-write", "primary", "any"} {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		conn, err := pgx.Connect(ctx, servertest.URL(srv, "master")+"&target_session_attrs="+attrs)
		cancel()
		if err != nil {
			t.Fatalf("target_session_attrs=%s: %v", attrs, err)
		}
		conn.Close(context.Background())
	}
}

// TestPreparedStatementSurvivesDDL re-binds a cached statement after the
// table it reads is replaced; a changed result shape is an error pgx
// recovers from by preparing again.
func TestPreparedStatementSurvivesDDL(t *testing.T) {
	srv := servertest.Start(t, "")
	conn := servertest.Connect(t, srv, "master")
	ctx := context.Background()
	mustExec := func(sql string) {
		if _, err := conn.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	mustExec("CREATE TABLE p (a INT)")
	mustExec("INSERT p VALUES (1)")
	var a int
	if err := conn.QueryRow(ctx, "SELECT * FROM p WHERE a = $1", 1).Scan(&a); err != nil {
		t.Fatal(err)
	}
	mustExec("DROP TABLE p")
	mustExec("CREATE TABLE p (a INT, b VARCHAR(5))")
	mustExec("INSERT p VALUES (1, 'x')")
	// The first run after the change may fail (the shape changed under
	// pgx's cache); pgx then forgets the statement and prepares it again.
	if rows, err := conn.Query(ctx, "SELECT * FROM p WHERE a = $1", 1); err == nil {
		rows.Close()
	}
	var b string
	if err := conn.QueryRow(ctx, "SELECT * FROM p WHERE a = $1", 1).Scan(&a, &b); err != nil || b != "x" {
		t.Fatalf("after DDL: %v", err)
	}
}
