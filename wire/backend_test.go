package wire

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"mirrordb/pgcodec"
	"mirrordb/session"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// testBackend is a stand-in engine that understands a handful of fixed
// statements (see compile). Statements in a simple Query are separated by
// ';'.
type testBackend struct {
	mu       sync.Mutex
	sessions []*testSession
	queries  []string      // every statement text run, in order
	started  chan struct{} // receives a value when a "sleep"/"slow" statement starts
	produced atomic.Int64  // rows "big" statements have handed to wire
	fuzz     bool          // refuse statements that block
}

func newTestBackend() *testBackend {
	return &testBackend{started: make(chan struct{}, 16)}
}

func (b *testBackend) Open(ctx context.Context, st session.Startup) (session.Session, error) {
	if st.Database == "nodb" {
		return nil, sqlerr.New(4060, st.Database)
	}
	s := &testSession{
		b:       b,
		startup: st,
		killed:  make(chan struct{}),
		params: map[string]string{
			"server_version":                "16.0 (mirrordb test)",
			"DateStyle":                     "ISO, MDY",
			"default_transaction_read_only": "off",
			"in_hot_standby":                "off",
			"application_name":              st.ApplicationName,
		},
	}
	b.mu.Lock()
	b.sessions = append(b.sessions, s)
	b.mu.Unlock()
	return s, nil
}

func (b *testBackend) record(q string) {
	b.mu.Lock()
	b.queries = append(b.queries, q)
	b.mu.Unlock()
}

func (b *testBackend) sawQuery(q string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, x := range b.queries {
		if strings.EqualFold(x, q) {
			return true
		}
	}
	return false
}

func (b *testBackend) session(pid uint32) *testSession {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, s := range b.sessions {
		if s.startup.ProcessID == pid {
			return s
		}
	}
	return nil
}

func (b *testBackend) openSessions() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for _, s := range b.sessions {
		s.mu.Lock()
		if !s.closed {
			n++
		}
		s.mu.Unlock()
	}
	return n
}

type testSession struct {
	b       *testBackend
	startup session.Startup

	mu        sync.Mutex
	trancount int
	failed    bool
	params    map[string]string
	closed    bool
	killed    chan struct{}
	reason    *sqlerr.Error
}

func (s *testSession) Kill(reason *sqlerr.Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	select {
	case <-s.killed:
	default:
		s.reason = reason
		close(s.killed)
	}
}

func (s *testSession) Killed() <-chan struct{} { return s.killed }

func (s *testSession) KillReason() *sqlerr.Error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reason
}

func (s *testSession) Close() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
}

func (s *testSession) TxStatus() session.TxStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.failed:
		return session.TxFailed
	case s.trancount > 0:
		return session.TxActive
	}
	return session.TxIdle
}

func (s *testSession) Parameters() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]string, len(s.params))
	for k, v := range s.params {
		out[k] = v
	}
	return out
}

func (s *testSession) Query(ctx context.Context, sql string, w session.ResultWriter) error {
	var stmts []string
	for _, part := range splitOutsideQuotes(sql, ';') {
		if p := strings.TrimSpace(part); p != "" {
			stmts = append(stmts, p)
		}
	}
	if len(stmts) == 0 {
		return session.ErrEmptyQuery
	}
	for _, text := range stmts {
		st, err := s.compile(text, nil, true)
		if err != nil {
			return err
		}
		if st.cols != nil {
			if err := w.Columns(st.cols); err != nil {
				return err
			}
		}
		if err := st.run(ctx, nil, w); err != nil {
			return err
		}
	}
	return nil
}

func (s *testSession) Prepare(ctx context.Context, sql string, paramTypes []types.Type) (session.Prepared, error) {
	return s.compile(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(sql), ";")), paramTypes, false)
}

// testStmt is a compiled test statement; it implements session.Prepared.
type testStmt struct {
	params []types.Type
	cols   []session.Column
	run    func(ctx context.Context, args []types.Value, w session.ResultWriter) error
}

func (t *testStmt) Params() []types.Type      { return t.params }
func (t *testStmt) Columns() []session.Column { return t.cols }
func (t *testStmt) Execute(ctx context.Context, args []types.Value, w session.ResultWriter) error {
	return t.run(ctx, args, w)
}

func col(name string, t types.Type) session.Column { return session.Column{Name: name, Type: t} }

// rowsStmt returns fixed rows.
func rowsStmt(cols []session.Column, rows ...[]types.Value) *testStmt {
	return &testStmt{cols: cols, run: func(_ context.Context, _ []types.Value, w session.ResultWriter) error {
		for _, r := range rows {
			if err := w.Row(r); err != nil {
				return err
			}
		}
		return w.Complete(fmt.Sprintf("SELECT %d", len(rows)))
	}}
}

var placeholderRE = regexp.MustCompile(`\$\d+`)

// Sample values of every type, used by the "types" statement.
var (
	sampleTime = time.Date(2024, 5, 1, 13, 45, 0, 123456000, time.UTC)
	sampleUUID = types.UUID{0xa0, 0xee, 0xbc, 0x99, 0x9c, 0x0b, 0x4e, 0xf8, 0xbb, 0x6d, 0x6b, 0xb9, 0xbd, 0x38, 0x0a, 0x11}
	typesCols  = []session.Column{
		col("ti", types.TypeTinyInt), col("si", types.TypeSmallInt), col("i", types.TypeInt),
		col("bi", types.TypeBigInt), col("b", types.TypeBit), col("d", types.DecimalType(10, 2)),
		col("r", types.TypeReal), col("f", types.TypeFloat), col("c", types.Type{Kind: types.Char, Length: 5}),
		col("vc", types.VarCharType(20)), col("nc", types.Type{Kind: types.NChar, Length: 3}),
		col("nvc", types.NVarCharType(types.MaxLength)), col("dt", types.TypeDate), col("dtm", types.TypeDateTime),
		col("dt2", types.DateTime2Type(6)), col("u", types.TypeUUID), col("bin", types.Type{Kind: types.Binary, Length: 2}),
		col("vb", types.VarBinaryType(types.MaxLength)), col("unk", types.TypeUnknown),
	}
	typesRow = []types.Value{
		int64(255), int64(-32768), int64(2147483647), int64(-9223372036854775808), true,
		types.NewDec(big.NewInt(-12345), 2), float64(float32(1.5)), 0.1, "ab   ", "héllo", "xyz", "wide ☃",
		time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC), time.Date(2024, 5, 1, 13, 45, 0, 0, time.UTC), sampleTime,
		sampleUUID, []byte{0x0a, 0x1b}, []byte{}, "unknown text",
	}
)

// compile understands:
//
//	select 1 | show transaction_read_only | select pg_is_in_recovery()
//	types                 one row of every type, then a row of NULLs
//	rows N                N rows of one int column
//	rowerror N            N rows of one int column, then error 2627
//	big N                 N rows of a 1 KiB varchar, made one at a time
//	echo K $1, K $2 ...   (extended) returns its arguments converted to the types K
//	echo K lit, K lit ... (simple) the same with literals ('quoted', null, numbers)
//	error N               fails with SQL Server message N
//	prepare-error         fails at Prepare (extended) or at run (simple)
//	notice                sends a notice, then one row
//	sleep                 waits until its context is cancelled
//	slow MS               sleeps MS milliseconds ignoring its context, then one row
//	begin | commit | rollback | fail    transaction count for ReadyForQuery
//	set NAME VALUE        changes a reported parameter
//	insert N              tag INSERT 0 N
//	kill                  kills its own session
//	fatal                 returns an error marked Fatal
//	panic                 panics
//	copyin [fail-after N] COPY FROM STDIN: reads everything (or fails after N bytes); tag COPY <bytes>
//	copyout N             COPY TO STDOUT: N lines "row i\n"
func (s *testSession) compile(text string, declared []types.Type, simple bool) (*testStmt, error) {
	s.b.record(text)
	words := strings.Fields(text)
	if len(words) == 0 {
		return nil, session.ErrEmptyQuery
	}
	low := strings.ToLower(text)
	one := []types.Value{int64(1)}
	if s.b.fuzz && (low == "sleep" || strings.HasPrefix(low, "slow")) {
		return nil, sqlerr.New(40517, words[0])
	}
	switch strings.ToLower(words[0]) {
	case "select":
		switch low {
		case "select 1":
			return rowsStmt([]session.Column{col("?column?", types.TypeInt)}, one), nil
		case "select 2":
			return rowsStmt([]session.Column{col("?column?", types.TypeInt)}, []types.Value{int64(2)}), nil
		case "select pg_is_in_recovery()", "select pg_catalog.pg_is_in_recovery()":
			return rowsStmt([]session.Column{col("pg_is_in_recovery", types.TypeBit)}, []types.Value{false}), nil
		}
	case "show":
		if low == "show transaction_read_only" {
			return rowsStmt([]session.Column{col("transaction_read_only", types.VarCharType(3))}, []types.Value{"off"}), nil
		}
	case "types":
		nulls := make([]types.Value, len(typesRow))
		return rowsStmt(typesCols, typesRow, nulls), nil
	case "rows":
		n, _ := strconv.Atoi(words[1])
		rows := make([][]types.Value, n)
		for i := range rows {
			rows[i] = []types.Value{int64(i + 1)}
		}
		return rowsStmt([]session.Column{col("n", types.TypeInt)}, rows...), nil
	case "big":
		n, _ := strconv.Atoi(words[1])
		row := []types.Value{strings.Repeat("x", 1024)}
		return &testStmt{cols: []session.Column{col("x", types.VarCharType(1024))}, run: func(ctx context.Context, _ []types.Value, w session.ResultWriter) error {
			for range n {
				if err := ctx.Err(); err != nil {
					return err
				}
				if err := w.Row(row); err != nil {
					return err
				}
				s.b.produced.Add(1)
			}
			return w.Complete(fmt.Sprintf("SELECT %d", n))
		}}, nil
	case "rowerror":
		n, _ := strconv.Atoi(words[1])
		return &testStmt{cols: []session.Column{col("n", types.TypeInt)}, run: func(_ context.Context, _ []types.Value, w session.ResultWriter) error {
			for i := 0; i < n; i++ {
				if err := w.Row([]types.Value{int64(i + 1)}); err != nil {
					return err
				}
			}
			return errorFor(2627)
		}}, nil
	case "echo":
		return compileEcho(strings.TrimSpace(text[4:]), simple)
	case "error":
		n, _ := strconv.Atoi(words[1])
		return nil, errorFor(n)
	case "prepare-error":
		e := sqlerr.New(102, "prepare-error")
		return nil, e.WithPosition(1, 1)
	case "notice":
		st := rowsStmt([]session.Column{col("n", types.TypeInt)}, one)
		run := st.run
		st.run = func(ctx context.Context, args []types.Value, w session.ResultWriter) error {
			if err := w.Notice(sqlerr.New(0, "hello notice")); err != nil {
				return err
			}
			return run(ctx, args, w)
		}
		return st, nil
	case "copyin":
		failAfter := -1
		if len(words) == 3 && words[1] == "fail-after" {
			failAfter, _ = strconv.Atoi(words[2])
		}
		return &testStmt{run: func(_ context.Context, _ []types.Value, w session.ResultWriter) error {
			r, err := w.(session.Copier).CopyIn(session.CopyText, 2)
			if err != nil {
				return err
			}
			var got []byte
			buf := make([]byte, 7) // odd-sized reads cross message boundaries
			for {
				n, err := r.Read(buf)
				got = append(got, buf[:n]...)
				if failAfter >= 0 && len(got) >= failAfter {
					return sqlerr.New(2627, "PRIMARY KEY", "copy", "x", "1")
				}
				if err == io.EOF {
					break
				}
				if err != nil {
					return err
				}
			}
			s.b.record("copied:" + string(got))
			return w.Complete(fmt.Sprintf("COPY %d", len(got)))
		}}, nil
	case "copyout":
		n, _ := strconv.Atoi(words[1])
		return &testStmt{run: func(_ context.Context, _ []types.Value, w session.ResultWriter) error {
			out, err := w.(session.Copier).CopyOut(session.CopyText, 1)
			if err != nil {
				return err
			}
			for i := 1; i <= n; i++ {
				if _, err := fmt.Fprintf(out, "row %d\n", i); err != nil {
					return err
				}
			}
			if err := out.Close(); err != nil {
				return err
			}
			return w.Complete(fmt.Sprintf("COPY %d", n))
		}}, nil
	case "sleep", "notice-sleep":
		return &testStmt{cols: []session.Column{col("n", types.TypeInt)}, run: func(ctx context.Context, _ []types.Value, w session.ResultWriter) error {
			if words[0] == "notice-sleep" {
				if err := w.Notice(sqlerr.New(0, "progress")); err != nil {
					return err
				}
			}
			s.b.started <- struct{}{}
			<-ctx.Done()
			return ctx.Err()
		}}, nil
	case "slow":
		ms, _ := strconv.Atoi(words[1])
		return &testStmt{cols: []session.Column{col("n", types.TypeInt)}, run: func(ctx context.Context, _ []types.Value, w session.ResultWriter) error {
			s.b.started <- struct{}{}
			time.Sleep(time.Duration(ms) * time.Millisecond)
			if err := w.Row(one); err != nil {
				return err
			}
			return w.Complete("SELECT 1")
		}}, nil
	case "begin":
		return s.tag("BEGIN", func() { s.trancount++ }), nil
	case "commit":
		return s.tag("COMMIT", func() { s.trancount = max(0, s.trancount-1) }), nil
	case "rollback":
		return s.tag("ROLLBACK", func() { s.trancount, s.failed = 0, false }), nil
	case "fail":
		return s.tag("FAIL", func() { s.failed = s.trancount > 0 }), nil
	case "set":
		if len(words) == 3 {
			return s.tag("SET", func() { s.params[words[1]] = words[2] }), nil
		}
	case "insert":
		return s.tag("INSERT 0 "+words[1], nil), nil
	case "kill":
		return &testStmt{run: func(context.Context, []types.Value, session.ResultWriter) error {
			s.Kill(sqlerr.New(596))
			return errors.New("killed")
		}}, nil
	case "fatal":
		return nil, &sqlerr.Error{Number: 18456, Severity: 14, State: 1, Code: sqlerr.InvalidPassword, Message: "bye", Fatal: true}
	case "panic":
		panic("test backend panic")
	}
	return nil, sqlerr.New(40517, words[0])
}

func (s *testSession) tag(tag string, fn func()) *testStmt {
	return &testStmt{run: func(_ context.Context, _ []types.Value, w session.ResultWriter) error {
		if fn != nil {
			s.mu.Lock()
			fn()
			s.mu.Unlock()
		}
		return w.Complete(tag)
	}}
}

func errorFor(n int) *sqlerr.Error {
	switch n {
	case 2627:
		return sqlerr.New(2627, "PRIMARY KEY", "PK_t", "dbo.t", "1")
	case 102:
		return sqlerr.New(102, "frm").WithPosition(10, 1)
	case 208:
		return sqlerr.New(208, "nosuch")
	}
	return sqlerr.New(n)
}

// compileEcho builds "echo K $1, K $2" (or literals in simple mode).
func compileEcho(rest string, simple bool) (*testStmt, error) {
	st := &testStmt{}
	var lits []types.Value
	for i, item := range splitOutsideQuotes(rest, ',') {
		item = strings.TrimSpace(item)
		typName, val, _ := strings.Cut(item, " ")
		t, err := parseTypeName(typName)
		if err != nil {
			return nil, err
		}
		st.cols = append(st.cols, col(fmt.Sprintf("c%d", i+1), t))
		val = strings.TrimSpace(val)
		if simple {
			v, err := literal(val, t)
			if err != nil {
				return nil, err
			}
			lits = append(lits, v)
		} else {
			if !placeholderRE.MatchString(val) {
				return nil, sqlerr.New(102, val)
			}
			st.params = append(st.params, t)
		}
	}
	st.run = func(_ context.Context, args []types.Value, w session.ResultWriter) error {
		if simple {
			args = lits
		}
		row := make([]types.Value, len(args))
		for i, a := range args {
			v, e := types.Convert(a, types.TypeOf(a), st.cols[i].Type, types.Implicit)
			if e != nil {
				return e
			}
			row[i] = v
		}
		if err := w.Row(row); err != nil {
			return err
		}
		return w.Complete("SELECT 1")
	}
	return st, nil
}

// literal reads a simple-protocol literal as PostgreSQL would read a
// quoted constant cast to t: through wire's own text decoder.
func literal(s string, t types.Type) (types.Value, error) {
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(s), "("), ")"))
	if strings.EqualFold(s, "null") {
		return nil, nil
	}
	if len(s) >= 2 && s[0] == '\'' && s[len(s)-1] == '\'' {
		s = strings.ReplaceAll(s[1:len(s)-1], "''", "'")
	}
	oid := pgcodec.TypeOf(t).OID
	if oid == pgcodec.OIDBool && (s == "true" || s == "false") {
		return s == "true", nil
	}
	return pgcodec.DecodeText(oid, []byte(s))
}

func parseTypeName(s string) (types.Type, error) {
	name, argText, hasArgs := strings.Cut(s, "(")
	var args []int
	isMax := false
	if hasArgs {
		for _, a := range strings.Split(strings.TrimSuffix(argText, ")"), ",") {
			if strings.EqualFold(a, "max") {
				isMax = true
				continue
			}
			n, err := strconv.Atoi(a)
			if err != nil {
				return types.Type{}, sqlerr.New(102, s)
			}
			args = append(args, n)
		}
	}
	t, e := types.FromName(name, args, isMax)
	if e != nil {
		return types.Type{}, e
	}
	return t, nil
}

// splitOutsideQuotes splits s at sep outside single-quoted strings and
// parentheses.
func splitOutsideQuotes(s string, sep byte) []string {
	var parts []string
	inQuote := false
	depth := 0
	start := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\'':
			inQuote = !inQuote
		case '(', ')':
			if !inQuote {
				depth += map[byte]int{'(': 1, ')': -1}[s[i]]
			}
		case sep:
			if !inQuote && depth <= 0 {
				parts = append(parts, s[start:i])
				start = i + 1
			}
		}
	}
	return append(parts, s[start:])
}

// testServer runs a Server on 127.0.0.1:0 for one test.
type testServer struct {
	t       testing.TB
	srv     *Server
	backend *testBackend
	addr    string
	port    int
	served  chan error
}

func startServer(t testing.TB, cfg Config) *testServer {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	b := newTestBackend()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts := &testServer{t: t, srv: NewServer(b, cfg), backend: b, addr: l.Addr().String(),
		port: l.Addr().(*net.TCPAddr).Port, served: make(chan error, 1)}
	go func() { ts.served <- ts.srv.Serve(l) }()
	t.Cleanup(func() { ts.stop() })
	return ts
}

func (ts *testServer) stop() {
	select {
	case <-ts.served:
		return // already stopped
	default:
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := ts.srv.Shutdown(ctx); err != nil {
		ts.t.Errorf("Shutdown: %v", err)
	}
	if err := <-ts.served; !errors.Is(err, ErrServerClosed) {
		ts.t.Errorf("Serve returned %v", err)
	}
	ts.served <- ErrServerClosed
}

func (ts *testServer) connString(extra string) string {
	return fmt.Sprintf("postgres://tester@127.0.0.1:%d/db?sslmode=disable&%s", ts.port, extra)
}

// waitFor polls cond for up to 5 s.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
