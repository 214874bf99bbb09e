package engine

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"mirrordb/engine/builtins"
	"mirrordb/engine/exec"
	"mirrordb/parser"
	"mirrordb/session"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// planTransaction handles BEGIN / COMMIT / ROLLBACK / SAVE TRAN with T-SQL
// semantics: BEGIN nests (@@TRANCOUNT), only the outermost COMMIT commits,
// ROLLBACK undoes everything (or back to a named savepoint). PostgreSQL's
// forms map onto them (txmodes.go): BEGIN's modes, AND CHAIN, ROLLBACK TO
// SAVEPOINT, RELEASE SAVEPOINT, SET TRANSACTION.
func (b *binder) planTransaction(st parser.Statement) (*stmtPlan, error) {
	s := b.s
	// inTx builds the plan of a statement that needs an open transaction;
	// without one it fails with noTx.
	inTx := func(noTx *sqlerr.Error, allowDoomed bool, run func(e *exec.Env, tx *userTx) (string, error)) *stmtPlan {
		return &stmtPlan{control: true, allowDoomed: allowDoomed, run: func(e *exec.Env, _ *txn, _ session.ResultWriter) (string, error) {
			if s.tx == nil {
				return "", b.ErrAt(st, noTx)
			}
			return run(e, s.tx)
		}}
	}
	located := func(err error) error {
		if err != nil {
			return b.ErrAt(st, err)
		}
		return nil
	}
	switch x := st.(type) {
	case *parser.BeginTran:
		return &stmtPlan{control: true, run: func(*exec.Env, *txn, session.ResultWriter) (string, error) {
			s.beginTx(x.Name, x.Modes)
			return "BEGIN", nil
		}}, nil
	case *parser.CommitTran:
		return inTx(sqlerr.New(3902), true, func(e *exec.Env, tx *userTx) (string, error) {
			if tx.doomed {
				s.rollbackTx()
				return "", located(sqlerr.New(3998))
			}
			if tx.depth--; tx.depth > 0 {
				return "COMMIT", nil // AND CHAIN: the transaction goes on anyway
			}
			s.tx = nil
			if tx.t != nil {
				if err := s.commit(e.CommitCtx, tx.t); err != nil {
					return "", err
				}
			}
			s.chain(x.Chain, tx.modes)
			return "COMMIT", nil
		}), nil
	case *parser.RollbackTran:
		return inTx(sqlerr.New(3903), true, func(_ *exec.Env, tx *userTx) (string, error) {
			if x.Savepoint || x.Name != "" && !strings.EqualFold(x.Name, tx.name) {
				return "ROLLBACK", located(tx.rollbackTo(x.Name))
			}
			s.rollbackTx()
			s.chain(x.Chain, tx.modes)
			return "ROLLBACK", nil
		}), nil
	case *parser.SaveTran:
		return inTx(sqlerr.New(628), false, func(_ *exec.Env, tx *userTx) (string, error) {
			tx.save(x.Name)
			return "SAVEPOINT", nil
		}), nil
	case *parser.ReleaseSavepoint:
		return inTx(sqlerr.New(50104, "RELEASE SAVEPOINT"), false, func(_ *exec.Env, tx *userTx) (string, error) {
			return "RELEASE", located(tx.release(x.Name))
		}), nil
	case *parser.SetTransaction:
		return b.planSetTransaction(x), nil
	}
	return nil, b.ErrAt(st, sqlerr.New(40517, statementName(st)))
}

// chain is AND CHAIN: a new transaction with the modes of the one that
// just ended.
func (s *Session) chain(chain bool, m txModes) {
	if chain {
		s.startTx("", m)
	}
}

// planSetTransaction is PostgreSQL's SET SESSION CHARACTERISTICS AS
// TRANSACTION (the defaults) and SET TRANSACTION (the open transaction;
// outside one PostgreSQL warns that it does nothing, and so do we).
func (b *binder) planSetTransaction(x *parser.SetTransaction) *stmtPlan {
	s := b.s
	if x.Session {
		return setPlan(func() error { s.txDefaults = s.txDefaults.with(&x.Modes); return nil })
	}
	return &stmtPlan{control: true, run: func(_ *exec.Env, _ *txn, w session.ResultWriter) (string, error) {
		if s.tx == nil {
			return "SET", w.Notice(sqlerr.New(50106, "SET TRANSACTION"))
		}
		if err := s.setTxModes(&x.Modes); err != nil {
			return "", b.ErrAt(x, err)
		}
		return "SET", nil
	}}
}

// rollbackTx ends the user transaction, discarding its writes.
func (s *Session) rollbackTx() {
	tx := s.tx
	s.tx = nil
	if tx != nil && tx.t != nil {
		tx.t.Rollback()
	}
}

// T-SQL SET options that mirrordb accepts. Those with an effect are handled
// in planSet; the others are accepted for compatibility with scripts and
// drivers and change nothing.
var acceptedSetOptions = map[string]bool{
	"ANSI_NULLS": true, "ANSI_PADDING": true, "ANSI_WARNINGS": true, "ANSI_NULL_DFLT_ON": true,
	"QUOTED_IDENTIFIER": true, "CONCAT_NULL_YIELDS_NULL": true, "ARITHABORT": true,
	"NUMERIC_ROUNDABORT": true, "TEXTSIZE": true, "DATEFIRST": true, "DATEFORMAT": true,
	"LANGUAGE": true, "DEADLOCK_PRIORITY": true,
	"NOEXEC": false, "ROWCOUNT": true,
}

// PostgreSQL settings clients set at connection time.
var acceptedPGSettings = map[string]bool{
	"client_encoding": true, "application_name": true, "datestyle": true, "timezone": true,
	"extra_float_digits": true, "search_path": true, "intervalstyle": true,
	"standard_conforming_strings": true, "statement_timeout": true, "lock_timeout": true,
	"client_min_messages": true, "bytea_output": true, "idle_in_transaction_session_timeout": true,
}

func (b *binder) planSet(x *parser.Set) (*stmtPlan, error) {
	s := b.s
	name, value := x.Name, x.Value
	upper := strings.ToUpper(name)
	on := strings.EqualFold(value, "ON")
	switch {
	case x.Table != nil && upper == "IDENTITY_INSERT":
		return b.planIdentityInsert(x)
	case (upper == "DATEFORMAT" || upper == "DATEFIRST") && !x.PG:
		// Dates are read month first and weeks start on Sunday; another
		// setting is refused rather than ignored, which would misread
		// '02/01/2024' silently.
		if v := strings.ToUpper(value); v != map[string]string{"DATEFORMAT": "MDY", "DATEFIRST": "7"}[upper] {
			return nil, b.ErrAt(x, sqlerr.New(40517, "SET "+upper+" "+value))
		}
		return setPlan(func() error { return nil }), nil
	case upper == "NOCOUNT":
		return setPlan(func() error { s.nocount = on; return nil }), nil
	case upper == "XACT_ABORT":
		return setPlan(func() error { s.xactAbort = on; return nil }), nil
	case upper == "IMPLICIT_TRANSACTIONS":
		if on {
			return nil, b.ErrAt(x, sqlerr.New(40517, "SET IMPLICIT_TRANSACTIONS ON"))
		}
		return setPlan(func() error { return nil }), nil
	case upper == "TRANSACTION ISOLATION LEVEL":
		// T-SQL's: the session's level, and the open transaction's at once
		// (PostgreSQL's SET TRANSACTION would change only the latter, and
		// only before its first query).
		iso, _ := parseIsolation(value)
		return setPlan(func() error {
			s.txDefaults.iso = iso
			if s.tx != nil {
				s.tx.modes.iso = iso
			}
			return nil
		}), nil
	case strings.HasPrefix(upper, "SHOWPLAN_") && !x.PG:
		return b.planShowplanSet(x)
	case strings.HasPrefix(upper, "STATISTICS ") && !x.PG:
		return b.planStatisticsSet(x, on)
	case upper == "LOCK_TIMEOUT" && !x.PG: // milliseconds, -1 for ever, 0 not at all
		n, err := strconv.ParseInt(value, 10, 64)
		if err != nil || n < -1 {
			return nil, b.ErrAt(x, sqlerr.New(102, value))
		}
		return setPlan(func() error { s.lockTimeoutMS = n; return nil }), nil
	case acceptedSetOptions[upper]:
		return setPlan(func() error { return nil }), nil
	}
	lower := strings.ToLower(name)
	if _, ok := txSettings[lower]; ok {
		return b.planTxSetting(x, lower)
	}
	if !acceptedPGSettings[lower] {
		return nil, b.ErrAt(x, sqlerr.New(195, name, "SET option"))
	}
	switch lower {
	case "client_encoding":
		if v := strings.ToUpper(strings.ReplaceAll(value, "-", "")); v != "UTF8" && v != "UNICODE" {
			return nil, b.ErrAt(x, sqlerr.New(155, value, "client_encoding"))
		}
		value = "UTF8"
	case "standard_conforming_strings":
		if !on {
			return nil, b.ErrAt(x, sqlerr.New(155, value, "standard_conforming_strings"))
		}
	case "lock_timeout", "statement_timeout":
		if strings.EqualFold(value, "DEFAULT") {
			return setPlan(func() error { return s.resetSetting(lower) }), nil
		}
		d, err := parseTimeout(lower, value)
		if err != nil {
			return nil, b.ErrAt(x, err)
		}
		return setPlan(func() error { s.setTimeout(lower, d); return nil }), nil
	case "datestyle":
		name = "DateStyle"
	case "timezone":
		name = "TimeZone"
	}
	return setPlan(func() error { s.params[name] = value; return nil }), nil
}

// planReset is PostgreSQL's RESET: the setting goes back to its value at
// connection (the startup packet's, else the server default).
func (b *binder) planReset(x *parser.Reset) (*stmtPlan, error) {
	name := strings.ToLower(x.Name)
	if name != "all" && !acceptedPGSettings[name] && !txSettings[name] {
		return nil, b.ErrAt(x, sqlerr.New(195, x.Name, "SET option"))
	}
	return &stmtPlan{control: true, run: func(*exec.Env, *txn, session.ResultWriter) (string, error) {
		return "RESET", b.s.resetSetting(name)
	}}, nil
}

// planDiscard is PostgreSQL's DISCARD, what poolers (PgBouncer's
// server_reset_query) send before another client gets the connection.
// DISCARD ALL gives the session back as it was opened, as SQL Server's
// sp_reset_connection does for its pools: every setting (RESET ALL, the
// T-SQL SET options, SHOWPLAN and STATISTICS, the transaction defaults),
// the startup database, no @@IDENTITY. It runs under SHOWPLAN, as SET
// does. Like PostgreSQL it is refused in a transaction (574 / 25001). mirrordb has no temporary tables, sequences or cached plans a
// session owns, so PLANS, TEMP and SEQUENCES have nothing to do.
// Protocol-level prepared statements are the wire's and stay.
func (b *binder) planDiscard(x *parser.Discard) (*stmtPlan, error) {
	verb := "DISCARD " + x.What
	if x.What != "ALL" {
		return &stmtPlan{control: true, run: func(*exec.Env, *txn, session.ResultWriter) (string, error) {
			return verb, nil
		}}, nil
	}
	return &stmtPlan{control: true, noTx: verb, noTxNumber: 574, run: func(*exec.Env, *txn, session.ResultWriter) (string, error) {
		if err := b.s.discardAll(); err != nil {
			return "", b.ErrAt(x, sqlerr.As(err))
		}
		return verb, nil
	}}, nil
}

// discardAll returns the session to its state at connection.
func (s *Session) discardAll() error {
	home, err := s.inst.openForSession(s.home)
	if err != nil {
		return err
	}
	s.db.users.Add(-1)
	s.db = home
	s.current.Store(home)
	s.nocount, s.xactAbort, s.lastIdentity = false, false, nil
	s.showplan, s.statsIO, s.statsTime = showplanOff, false, false
	return s.resetSetting("all")
}

// defaultParams are the PostgreSQL settings a session starts with.
func defaultParams(st session.Startup) map[string]string {
	return map[string]string{"application_name": st.ApplicationName, "client_encoding": "UTF8",
		"DateStyle": "ISO, MDY", "TimeZone": "UTC", "extra_float_digits": "1"}
}

// resetSetting returns one setting (or "all") to its value at connection.
func (s *Session) resetSetting(name string) error {
	switch name {
	case "all":
		s.params, s.stmtTimeout, s.lockTimeoutMS, s.txDefaults = defaultParams(s.startup), 0, -1, txModes{}
		return s.applyStartupSettings(s.startup.Params)
	case "statement_timeout", "lock_timeout":
		s.setTimeout(name, 0)
		if v, ok := startupSetting(s.startup.Params, name); ok {
			d, err := parseTimeout(name, v)
			if err != nil {
				return err
			}
			s.setTimeout(name, d)
		}
		return nil
	}
	if txSettings[name] {
		return s.resetTxDefault(name)
	}
	for k, v := range defaultParams(s.startup) {
		if strings.EqualFold(k, name) {
			s.params[k] = v
			return nil
		}
	}
	delete(s.params, name)
	return nil
}

// applyStartupSettings applies the timeouts and transaction defaults a
// client set in its startup packet, directly (pgx's RuntimeParams) or in
// options (-c name=value).
func (s *Session) applyStartupSettings(params map[string]string) error {
	for _, name := range []string{"statement_timeout", "lock_timeout"} {
		if v, ok := startupSetting(params, name); ok {
			d, err := parseTimeout(name, v)
			if err != nil {
				return err
			}
			s.setTimeout(name, d)
		}
	}
	for name, isDefault := range txSettings {
		if _, ok := startupSetting(params, name); ok && isDefault {
			if err := s.resetTxDefault(name); err != nil {
				return err
			}
		}
	}
	return nil
}

// startupSetting finds a setting among startup parameters: as a parameter
// of its own, or as "-c name=value" / "--name=value" in options.
func startupSetting(params map[string]string, name string) (string, bool) {
	if v, ok := params[name]; ok {
		return v, true
	}
	fields := strings.Fields(params["options"])
	for i, f := range fields {
		switch {
		case f == "-c" && i+1 < len(fields):
			f = fields[i+1]
		case strings.HasPrefix(f, "-c"):
			f = f[2:]
		case strings.HasPrefix(f, "--"):
			f = f[2:]
		default:
			continue
		}
		if k, v, ok := strings.Cut(f, "="); ok && strings.EqualFold(strings.ReplaceAll(k, "-", "_"), name) {
			return v, true
		}
	}
	return "", false
}

// setTimeout sets statement_timeout or lock_timeout; 0 means none.
func (s *Session) setTimeout(name string, d time.Duration) {
	if name == "statement_timeout" {
		s.stmtTimeout = d
		return
	}
	s.lockTimeoutMS = -1
	if d > 0 {
		s.lockTimeoutMS = d.Milliseconds()
	}
}

// timeoutUnits are PostgreSQL's units for time settings, largest first.
var timeoutUnits = []struct {
	name string
	d    time.Duration
}{{"d", 24 * time.Hour}, {"h", time.Hour}, {"min", time.Minute}, {"s", time.Second}, {"ms", time.Millisecond}, {"us", time.Microsecond}}

const maxTimeoutMS = math.MaxInt32

// parseTimeout reads a PostgreSQL time setting: milliseconds, or a number
// with a unit ('5s', '1.5min', '250 ms'); 0 turns it off. Values are
// rounded to milliseconds and must be within 0 .. 2147483647 ms.
func parseTimeout(name, value string) (time.Duration, error) {
	v := strings.TrimSpace(value)
	num, unit := v, ""
	if i := strings.IndexFunc(v, func(r rune) bool { return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' }); i > 0 {
		num, unit = strings.TrimSpace(v[:i]), v[i:]
	}
	f, err := strconv.ParseFloat(num, 64)
	scale := time.Millisecond
	if unit != "" {
		scale = 0
		for _, u := range timeoutUnits {
			if u.name == unit {
				scale = u.d
			}
		}
	}
	if err != nil || scale == 0 || math.IsNaN(f) {
		return 0, sqlerr.New(50102, name, value, `Valid units for this parameter are "us", "ms", "s", "min", "h", and "d".`)
	}
	ms := math.Round(f * float64(scale) / float64(time.Millisecond))
	if ms < 0 || ms > maxTimeoutMS {
		return 0, sqlerr.New(50102, name, value, fmt.Sprintf("The value must be between 0 and %d ms.", maxTimeoutMS))
	}
	return time.Duration(ms) * time.Millisecond, nil
}

// formatTimeout shows a time setting as PostgreSQL's SHOW does: "0" when
// off, else in the largest unit that divides it exactly.
func formatTimeout(d time.Duration) string {
	if d <= 0 {
		return "0"
	}
	for _, u := range timeoutUnits {
		if d%u.d == 0 {
			return strconv.FormatInt(int64(d/u.d), 10) + u.name
		}
	}
	return d.String()
}

func setPlan(apply func() error) *stmtPlan {
	return &stmtPlan{control: true, run: func(*exec.Env, *txn, session.ResultWriter) (string, error) { return "SET", apply() }}
}

// showValue returns the value of a SHOW-able setting.
func (s *Session) showValue(name string) (string, bool) {
	params := s.Parameters()
	for k, v := range params {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	if v, ok := s.txSettingValue(name); ok {
		return v, true
	}
	switch strings.ToLower(name) {
	case "max_identifier_length":
		return "128", true
	case "lock_timeout":
		return formatTimeout(s.lockTimeout()), true
	case "statement_timeout":
		return formatTimeout(s.stmtTimeout), true
	}
	if v, ok := s.params[strings.ToLower(name)]; ok {
		return v, true
	}
	return "", false
}

// settingNames lists what SHOW ALL shows, sorted.
func (s *Session) settingNames() []string {
	names := []string{"lock_timeout", "statement_timeout", "max_identifier_length"}
	for k := range s.Parameters() {
		names = append(names, k)
	}
	for k := range txSettings {
		if k != "default_transaction_read_only" { // a parameter too
			names = append(names, k)
		}
	}
	sort.Strings(names)
	return names
}

func (b *binder) planShow(x *parser.Show) (*stmtPlan, error) {
	s := b.s
	if strings.EqualFold(x.Name, "ALL") {
		cols := []session.Column{{Name: "name", Type: types.NVarCharType(128)}, {Name: "setting", Type: types.NVarCharType(types.MaxLength)}}
		return &stmtPlan{cols: cols, control: true, run: func(_ *exec.Env, _ *txn, w session.ResultWriter) (string, error) {
			for _, n := range s.settingNames() {
				v, _ := s.showValue(n)
				if err := w.Row([]types.Value{n, v}); err != nil {
					return "", err
				}
			}
			return "SHOW", nil
		}}, nil
	}
	if _, ok := s.showValue(x.Name); !ok {
		return nil, b.ErrAt(x, sqlerr.New(15123, x.Name))
	}
	cols := []session.Column{{Name: strings.ToLower(x.Name), Type: types.NVarCharType(types.MaxLength)}}
	return &stmtPlan{cols: cols, control: true, run: func(_ *exec.Env, _ *txn, w session.ResultWriter) (string, error) {
		v, _ := s.showValue(x.Name)
		return "SHOW", w.Row([]types.Value{v})
	}}, nil
}

func (b *binder) planPrint(x *parser.Print) (*stmtPlan, error) {
	v, err := b.BindExpr(x.Expr, nil, nil, types.NVarCharType(types.MaxLength))
	if err != nil {
		return nil, err
	}
	// PRINT writes nothing, so it runs in a doomed transaction too.
	return &stmtPlan{allowDoomed: true, dbs: b.referenced(nil), run: func(e *exec.Env, _ *txn, w session.ResultWriter) (string, error) {
		val, err := v.Eval(e)
		if err != nil {
			return "", err
		}
		msg := &sqlerr.Error{Number: 0, Severity: 0, State: 1, Code: sqlerr.SuccessfulCompletion, Message: types.ToText(val, v.Type())}
		return "PRINT", w.Notice(msg)
	}}, nil
}

func (b *binder) planWaitFor(x *parser.WaitFor) (*stmtPlan, error) {
	v, err := b.BindExpr(x.Value, nil, nil, types.VarCharType(types.MaxLength))
	if err != nil {
		return nil, err
	}
	return &stmtPlan{run: func(e *exec.Env, _ *txn, _ session.ResultWriter) (string, error) {
		val, err := v.Eval(e)
		if err != nil {
			return "", err
		}
		text := types.ToText(val, v.Type())
		t, ok := types.ParseTime(text)
		if !ok {
			return "", b.ErrAt(x, sqlerr.New(148, text))
		}
		midnight := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
		d := t.Sub(midnight)
		if x.Time {
			now := builtins.LocalWall(time.Now())
			target := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC).Add(d)
			if target.Before(now) {
				target = target.AddDate(0, 0, 1)
			}
			d = target.Sub(now)
		}
		timer := time.NewTimer(d)
		defer timer.Stop()
		return "WAITFOR", sessionOf(e).waiting(waitState{kind: "WAITFOR"}, func() error {
			select {
			case <-timer.C:
				return nil
			case <-e.Ctx.Done():
				return context.Cause(e.Ctx)
			}
		})
	}}, nil
}
