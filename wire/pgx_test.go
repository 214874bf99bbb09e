package wire

import (
	"bytes"
	"context"
	"errors"
	"math/big"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
	"github.com/jackc/pgx/v5/pgtype"

	"mirrordb/pgcodec"
	"mirrordb/sqlerr"
)

var execModes = []string{"cache_statement", "cache_describe", "describe_exec", "exec", "simple_protocol"}

// connect opens a pgx connection whose context cancellation sends a
// CancelRequest (pgx's default only sets a socket deadline).
func connect(t *testing.T, ts *testServer, extra string, tweak ...func(*pgx.ConnConfig)) *pgx.Conn {
	t.Helper()
	cfg, err := pgx.ParseConfig(ts.connString(extra))
	if err != nil {
		t.Fatal(err)
	}
	cfg.BuildContextWatcherHandler = func(c *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.CancelRequestContextWatcherHandler{Conn: c, DeadlineDelay: 5 * time.Second}
	}
	for _, f := range tweak {
		f(cfg)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func eachMode(t *testing.T, fn func(t *testing.T, ts *testServer, conn *pgx.Conn)) {
	ts := startServer(t, Config{})
	for _, mode := range execModes {
		t.Run(mode, func(t *testing.T) {
			fn(t, ts, connect(t, ts, "default_query_exec_mode="+mode))
		})
	}
}

func TestPgxSelectAndExec(t *testing.T) {
	eachMode(t, func(t *testing.T, ts *testServer, conn *pgx.Conn) {
		ctx := context.Background()
		var n int32
		if err := conn.QueryRow(ctx, "select 1").Scan(&n); err != nil || n != 1 {
			t.Fatalf("select 1: %d, %v", n, err)
		}
		tag, err := conn.Exec(ctx, "insert 5")
		if err != nil || tag.String() != "INSERT 0 5" || tag.RowsAffected() != 5 {
			t.Fatalf("insert: %q, %v", tag, err)
		}
		rows, err := conn.Query(ctx, "rows 3")
		if err != nil {
			t.Fatal(err)
		}
		got, err := pgx.CollectRows(rows, pgx.RowTo[int32])
		if err != nil || len(got) != 3 || got[2] != 3 {
			t.Fatalf("rows 3: %v, %v", got, err)
		}
	})
}

type typesRowDest struct {
	ti, si       int16
	i            int32
	bi           int64
	b            bool
	d            pgtype.Numeric
	r            float32
	f            float64
	c, vc, nc    string
	nvc          string
	dt, dtm, dt2 time.Time
	u            [16]byte
	bin, vb      []byte
	unk          string
	nullI        *int32
	nullS        *string
	nullT        *time.Time
	nullB        []byte
	nullN        pgtype.Numeric
	nullU        pgtype.UUID
	nullBool     *bool
	nullF        *float64
}

func TestPgxTypesResult(t *testing.T) {
	eachMode(t, func(t *testing.T, ts *testServer, conn *pgx.Conn) {
		rows, err := conn.Query(context.Background(), "types")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		if !rows.Next() {
			t.Fatalf("no row: %v", rows.Err())
		}
		var d typesRowDest
		if err := rows.Scan(&d.ti, &d.si, &d.i, &d.bi, &d.b, &d.d, &d.r, &d.f, &d.c, &d.vc, &d.nc, &d.nvc,
			&d.dt, &d.dtm, &d.dt2, &d.u, &d.bin, &d.vb, &d.unk); err != nil {
			t.Fatal(err)
		}
		if d.ti != 255 || d.si != -32768 || d.i != 2147483647 || d.bi != -9223372036854775808 || !d.b ||
			d.r != 1.5 || d.f != 0.1 || d.c != "ab   " || d.vc != "héllo" || d.nc != "xyz" || d.nvc != "wide ☃" ||
			d.u != [16]byte(sampleUUID) || !bytes.Equal(d.bin, []byte{0x0a, 0x1b}) || len(d.vb) != 0 || d.unk != "unknown text" {
			t.Errorf("row: %+v", d)
		}
		if v, _ := d.d.Value(); v != "-123.45" {
			t.Errorf("decimal: %v", v)
		}
		if !d.dt.Equal(time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)) || !d.dtm.Equal(time.Date(2024, 5, 1, 13, 45, 0, 0, time.UTC)) ||
			!d.dt2.Equal(sampleTime) {
			t.Errorf("times: %v %v %v", d.dt, d.dtm, d.dt2)
		}
		fds := rows.FieldDescriptions()
		if fds[5].DataTypeOID != pgcodec.OIDNumeric || fds[5].TypeModifier != (10<<16|2)+4 || fds[9].TypeModifier != 24 {
			t.Errorf("field descriptions: %+v", fds)
		}
		if !rows.Next() {
			t.Fatalf("no null row: %v", rows.Err())
		}
		vals, err := rows.Values()
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range vals {
			if v != nil {
				t.Errorf("column %d of the null row: %#v", i, v)
			}
		}
		if rows.Next() {
			t.Fatal("extra row")
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
	})
}

// TestPgxParameterRoundTrip sends arguments of every type and reads them
// back, in every exec mode (binary parameters and results in the caching
// modes, text in exec, client-side interpolation in simple_protocol).
func TestPgxParameterRoundTrip(t *testing.T) {
	num := pgtype.Numeric{Int: big.NewInt(-1234567), Exp: -4, Valid: true}
	day := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	const sql = "echo tinyint $1, smallint $2, int $3, bigint $4, bit $5, decimal(20,4) $6, real $7, float $8, " +
		"char(5) $9, varchar(20) $10, nvarchar(max) $11, date $12, datetime2(6) $13, uniqueidentifier $14, " +
		"varbinary(max) $15, int $16, bit $17, decimal(10,2) $18"
	args := []any{int64(200), int16(-300), int32(70000), int64(-1 << 40), true, num, float32(1.5), 0.1,
		"ab", "it's", "wide ☃ \\ 'q'", day, sampleTime, pgtype.UUID{Bytes: sampleUUID, Valid: true},
		[]byte{0, 1, 0xff}, nil, false, "12.5"}
	eachMode(t, func(t *testing.T, ts *testServer, conn *pgx.Conn) {
		var (
			ti, si     int16
			i          int32
			bi         int64
			b, b2      bool
			d, d2      pgtype.Numeric
			r          float32
			f          float64
			c, vc, nvc string
			dt, dt2    time.Time
			u          pgtype.UUID
			vb         []byte
			null       *int32
		)
		err := conn.QueryRow(context.Background(), sql, args...).Scan(&ti, &si, &i, &bi, &b, &d, &r, &f, &c, &vc, &nvc,
			&dt, &dt2, &u, &vb, &null, &b2, &d2)
		if err != nil {
			t.Fatal(err)
		}
		if ti != 200 || si != -300 || i != 70000 || bi != -1<<40 || !b || r != 1.5 || f != 0.1 || c != "ab   " ||
			vc != "it's" || nvc != "wide ☃ \\ 'q'" || !dt.Equal(day) || !dt2.Equal(sampleTime) || u.Bytes != [16]byte(sampleUUID) ||
			!bytes.Equal(vb, []byte{0, 1, 0xff}) || null != nil || b2 {
			t.Errorf("got %v %v %v %v %v %v %v %q %q %q %v %v %v %x %v %v", ti, si, i, bi, b, r, f, c, vc, nvc, dt, dt2, u.Bytes, vb, null, b2)
		}
		if v, _ := d.Value(); v != "-123.4567" {
			t.Errorf("decimal: %v", v)
		}
		if v, _ := d2.Value(); v != "12.50" {
			t.Errorf("decimal from string: %v", v)
		}
	})
}

func TestPgxBatch(t *testing.T) {
	eachMode(t, func(t *testing.T, ts *testServer, conn *pgx.Conn) {
		ctx := context.Background()
		b := &pgx.Batch{}
		b.Queue("select 1")
		b.Queue("insert 3")
		b.Queue("echo int $1", 7)
		b.Queue("rows 2")
		br := conn.SendBatch(ctx, b)
		var n int32
		if err := br.QueryRow().Scan(&n); err != nil || n != 1 {
			t.Fatalf("1: %v %v", n, err)
		}
		if tag, err := br.Exec(); err != nil || tag.RowsAffected() != 3 {
			t.Fatalf("2: %v %v", tag, err)
		}
		if err := br.QueryRow().Scan(&n); err != nil || n != 7 {
			t.Fatalf("3: %v %v", n, err)
		}
		rows, err := br.Query()
		if err != nil {
			t.Fatal(err)
		}
		got, err := pgx.CollectRows(rows, pgx.RowTo[int32])
		if err != nil || len(got) != 2 {
			t.Fatalf("4: %v %v", got, err)
		}
		if err := br.Close(); err != nil {
			t.Fatal(err)
		}

		// A failing statement aborts the batch; the connection goes on.
		b = &pgx.Batch{}
		b.Queue("select 1")
		b.Queue("error 2627")
		b.Queue("select 2")
		br = conn.SendBatch(ctx, b)
		_, _ = br.Exec()
		_, err = br.Exec()
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != sqlerr.UniqueViolation {
			t.Fatalf("want 23505, got %v", err)
		}
		br.Close()
		if err := conn.QueryRow(ctx, "select 2").Scan(&n); err != nil || n != 2 {
			t.Fatalf("after failed batch: %v %v", n, err)
		}
	})
}

func TestPgxTargetSessionAttrs(t *testing.T) {
	ts := startServer(t, Config{})
	for attr, probe := range map[string]string{
		"read-write": "show transaction_read_only",
		"primary":    "select pg_is_in_recovery()",
	} {
		conn := connect(t, ts, "target_session_attrs="+attr)
		var n int32
		if err := conn.QueryRow(context.Background(), "select 1").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if !ts.backend.sawQuery(probe) {
			t.Errorf("%s: the session never saw %q", attr, probe)
		}
	}
}

func TestPgxCancel(t *testing.T) {
	eachMode(t, func(t *testing.T, ts *testServer, conn *pgx.Conn) {
		ctx, cancel := context.WithCancel(context.Background())
		go func() {
			<-ts.backend.started
			cancel()
		}()
		_, err := conn.Exec(ctx, "sleep")
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != sqlerr.QueryCanceled {
			t.Fatalf("want 57014, got %v", err)
		}
		if !strings.HasPrefix(pgErr.Message, "Msg 3980, Level 16, State 1:") {
			t.Errorf("message %q", pgErr.Message)
		}
		var n int32
		if err := conn.QueryRow(context.Background(), "select 1").Scan(&n); err != nil || n != 1 {
			t.Fatalf("after cancel: %v %v", n, err)
		}
	})
}

func TestPgxErrors(t *testing.T) {
	eachMode(t, func(t *testing.T, ts *testServer, conn *pgx.Conn) {
		ctx := context.Background()
		_, err := conn.Exec(ctx, "error 102")
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) {
			t.Fatalf("want PgError, got %v", err)
		}
		if pgErr.Code != sqlerr.SyntaxError || pgErr.Position != 10 || pgErr.Severity != "ERROR" ||
			!strings.HasPrefix(pgErr.Message, "Msg 102, Level 15, State 1, Line 1: Incorrect syntax near 'frm'.") {
			t.Errorf("got %+v", pgErr)
		}
		var n int32
		err = conn.QueryRow(ctx, "error 2627").Scan(&n)
		if !errors.As(err, &pgErr) || pgErr.Code != sqlerr.UniqueViolation ||
			!strings.HasPrefix(pgErr.Message, "Msg 2627, Level 14, State 1: Violation of PRIMARY KEY constraint 'PK_t'") {
			t.Errorf("got %v", err)
		}
		// Arguments that cannot be decoded are reported on Bind.
		if mode := conn.Config().DefaultQueryExecMode; mode == pgx.QueryExecModeExec {
			err = conn.QueryRow(ctx, "echo int $1", "abc").Scan(&n)
			if !errors.As(err, &pgErr) || pgErr.Code != sqlerr.InvalidTextRep {
				t.Errorf("bad argument: %v", err)
			}
		}
		if err := conn.QueryRow(ctx, "select 1").Scan(&n); err != nil || n != 1 {
			t.Fatalf("after errors: %v", err)
		}
	})
}

func TestPgxNotice(t *testing.T) {
	ts := startServer(t, Config{})
	var mu sync.Mutex
	var notices []*pgconn.Notice
	conn := connect(t, ts, "", func(c *pgx.ConnConfig) {
		c.OnNotice = func(_ *pgconn.PgConn, n *pgconn.Notice) {
			mu.Lock()
			notices = append(notices, n)
			mu.Unlock()
		}
	})
	var n int32
	if err := conn.QueryRow(context.Background(), "notice").Scan(&n); err != nil || n != 1 {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(notices) != 1 || notices[0].Message != "hello notice" || notices[0].Severity != "NOTICE" {
		t.Fatalf("notices: %+v", notices)
	}
}

func TestPgxSessionState(t *testing.T) {
	ts := startServer(t, Config{})
	conn := connect(t, ts, "application_name=wiretest")
	ctx := context.Background()
	pg := conn.PgConn()
	if pg.ParameterStatus("server_version") != "16.0 (mirrordb test)" || pg.ParameterStatus("application_name") != "wiretest" {
		t.Errorf("startup parameters: %q %q", pg.ParameterStatus("server_version"), pg.ParameterStatus("application_name"))
	}
	for k, v := range map[string]string{"client_encoding": "UTF8", "standard_conforming_strings": "on", "integer_datetimes": "on", "DateStyle": "ISO, MDY"} {
		if got := pg.ParameterStatus(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if pg.PID() == 0 || len(pg.SecretKey()) != 4 {
		t.Errorf("BackendKeyData: %d %d", pg.PID(), pg.SecretKey())
	}
	s := ts.backend.session(pg.PID())
	if s == nil || s.startup.User != "tester" || s.startup.Database != "db" || s.startup.ApplicationName != "wiretest" ||
		s.startup.Remote == nil || s.startup.Params["user"] != "tester" {
		t.Fatalf("startup: %+v", s)
	}
	if _, err := conn.Exec(ctx, "set foo bar"); err != nil {
		t.Fatal(err)
	}
	if got := pg.ParameterStatus("foo"); got != "bar" {
		t.Errorf("foo = %q after SET", got)
	}
	for _, step := range []struct {
		sql  string
		want byte
	}{{"begin", 'T'}, {"fail", 'E'}, {"rollback", 'I'}} {
		if _, err := conn.Exec(ctx, step.sql); err != nil {
			t.Fatal(err)
		}
		if got := pg.TxStatus(); got != step.want {
			t.Errorf("after %s: status %c, want %c", step.sql, got, step.want)
		}
	}
	infos := ts.srv.Conns()
	if len(infos) != 1 || infos[0].ProcessID != pg.PID() || infos[0].User != "tester" || infos[0].Busy {
		t.Errorf("Conns: %+v", infos)
	}
}

func TestPgxUnknownDatabase(t *testing.T) {
	ts := startServer(t, Config{})
	cfg, err := pgx.ParseConfig(strings.Replace(ts.connString(""), "/db?", "/nodb?", 1))
	if err != nil {
		t.Fatal(err)
	}
	_, err = pgx.ConnectConfig(context.Background(), cfg)
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != sqlerr.InvalidCatalogName || pgErr.Severity != "FATAL" ||
		!strings.HasPrefix(pgErr.Message, "Msg 4060, Level 11, State 1:") {
		t.Fatalf("got %v", err)
	}
	waitFor(t, "connections to close", func() bool { return ts.srv.NumConns() == 0 })
}

func TestPgxFatalAndPanicEndOnlyTheirConnection(t *testing.T) {
	ts := startServer(t, Config{})
	other := connect(t, ts, "")
	for _, sql := range []string{"fatal", "panic"} {
		conn := connect(t, ts, "")
		_, err := conn.Exec(context.Background(), sql)
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Severity != "FATAL" {
			t.Fatalf("%s: got %v", sql, err)
		}
		waitFor(t, "the connection to close", conn.IsClosed)
		var n int32
		if err := other.QueryRow(context.Background(), "select 1").Scan(&n); err != nil {
			t.Fatalf("other connection after %s: %v", sql, err)
		}
	}
}
