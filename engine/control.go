package engine

import (
	"sort"
	"strconv"
	"strings"
	"time"

	"mirrordb/parser"
	"mirrordb/session"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// planTransaction handles BEGIN / COMMIT / ROLLBACK / SAVE TRAN with T-SQL
// semantics: BEGIN nests (@@TRANCOUNT), only the outermost COMMIT commits,
// ROLLBACK undoes everything (or back to a named savepoint).
func (b *binder) planTransaction(st parser.Statement) (*stmtPlan, error) {
	s := b.s
	switch x := st.(type) {
	case *parser.BeginTran:
		return &stmtPlan{run: func(*env, *txn, session.ResultWriter) (string, error) {
			if s.tx == nil {
				s.tx = &userTx{name: x.Name, savepoints: map[string]savepoint{}}
			}
			s.tx.depth++
			return "BEGIN", nil
		}}, nil
	case *parser.CommitTran:
		return &stmtPlan{allowDoomed: true, run: func(e *env, _ *txn, _ session.ResultWriter) (string, error) {
			if s.tx == nil {
				return "", b.errAt(x, sqlerr.New(3902))
			}
			if s.tx.doomed {
				s.rollbackTx()
				return "", b.errAt(x, sqlerr.New(3998))
			}
			if s.tx.depth--; s.tx.depth > 0 {
				return "COMMIT", nil
			}
			tx := s.tx
			s.tx = nil
			if tx.t != nil {
				if _, err := tx.t.commit(e.ctx); err != nil {
					return "", err
				}
			}
			return "COMMIT", nil
		}}, nil
	case *parser.RollbackTran:
		return &stmtPlan{allowDoomed: true, run: func(*env, *txn, session.ResultWriter) (string, error) {
			if s.tx == nil {
				return "", b.errAt(x, sqlerr.New(3903))
			}
			if x.Name != "" && !strings.EqualFold(x.Name, s.tx.name) {
				sp, ok := s.tx.savepoints[strings.ToLower(x.Name)]
				if !ok {
					return "", b.errAt(x, sqlerr.New(6401, x.Name))
				}
				if s.tx.t != nil && !s.tx.doomed {
					if err := s.tx.t.rollbackTo(sp); err != nil {
						return "", err
					}
				}
				return "ROLLBACK", nil
			}
			s.rollbackTx()
			return "ROLLBACK", nil
		}}, nil
	case *parser.SaveTran:
		return &stmtPlan{run: func(*env, *txn, session.ResultWriter) (string, error) {
			if s.tx == nil {
				return "", b.errAt(x, sqlerr.New(628))
			}
			var sp savepoint
			if s.tx.t != nil {
				sp = s.tx.t.savepoint()
			}
			s.tx.savepoints[strings.ToLower(x.Name)] = sp
			return "SAVEPOINT", nil
		}}, nil
	}
	return nil, b.errAt(st, sqlerr.New(40517, statementName(st)))
}

// rollbackTx ends the user transaction, discarding its writes.
func (s *Session) rollbackTx() {
	tx := s.tx
	s.tx = nil
	if tx != nil && tx.t != nil {
		tx.t.rollback()
	}
}

// T-SQL SET options that mirrordb accepts. Those with an effect are handled
// in planSet; the others are accepted for compatibility with scripts and
// drivers and change nothing.
var acceptedSetOptions = map[string]bool{
	"ANSI_NULLS": true, "ANSI_PADDING": true, "ANSI_WARNINGS": true, "ANSI_NULL_DFLT_ON": true,
	"QUOTED_IDENTIFIER": true, "CONCAT_NULL_YIELDS_NULL": true, "ARITHABORT": true,
	"NUMERIC_ROUNDABORT": true, "TEXTSIZE": true, "DATEFIRST": true, "DATEFORMAT": true,
	"LANGUAGE": true, "DEADLOCK_PRIORITY": true, "STATISTICS IO": true, "STATISTICS TIME": true,
	"TRANSACTION ISOLATION LEVEL": true, "NOEXEC": false, "ROWCOUNT": true,
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
	case upper == "NOCOUNT":
		return setPlan(func() error { s.nocount = on; return nil }), nil
	case upper == "XACT_ABORT":
		return setPlan(func() error { s.xactAbort = on; return nil }), nil
	case upper == "IMPLICIT_TRANSACTIONS":
		if on {
			return nil, b.errAt(x, sqlerr.New(40517, "SET IMPLICIT_TRANSACTIONS ON"))
		}
		return setPlan(func() error { return nil }), nil
	case upper == "LOCK_TIMEOUT":
		n, err := strconv.ParseInt(value, 10, 64)
		if err != nil || n < -1 {
			return nil, b.errAt(x, sqlerr.New(102, value))
		}
		return setPlan(func() error { s.lockTimeoutMS = n; return nil }), nil
	case acceptedSetOptions[upper]:
		return setPlan(func() error { return nil }), nil
	}
	lower := strings.ToLower(name)
	if !acceptedPGSettings[lower] {
		return nil, b.errAt(x, sqlerr.New(195, name, "SET option"))
	}
	switch lower {
	case "client_encoding":
		if v := strings.ToUpper(strings.ReplaceAll(value, "-", "")); v != "UTF8" && v != "UNICODE" {
			return nil, b.errAt(x, sqlerr.New(155, value, "client_encoding"))
		}
		value = "UTF8"
	case "standard_conforming_strings":
		if !on {
			return nil, b.errAt(x, sqlerr.New(155, value, "standard_conforming_strings"))
		}
	case "lock_timeout":
		n, err := strconv.ParseInt(strings.TrimSuffix(value, "ms"), 10, 64)
		if err != nil {
			return nil, b.errAt(x, sqlerr.New(102, value))
		}
		if n == 0 {
			n = -1
		}
		return setPlan(func() error { s.lockTimeoutMS = n; return nil }), nil
	case "datestyle":
		name = "DateStyle"
	case "timezone":
		name = "TimeZone"
	}
	return setPlan(func() error { s.params[name] = value; return nil }), nil
}

func setPlan(apply func() error) *stmtPlan {
	return &stmtPlan{run: func(*env, *txn, session.ResultWriter) (string, error) { return "SET", apply() }}
}

// showValue returns the value of a SHOW-able setting.
func (s *Session) showValue(name string) (string, bool) {
	params := s.Parameters()
	for k, v := range params {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	switch strings.ToLower(name) {
	case "transaction_read_only":
		return params["default_transaction_read_only"], true
	case "transaction_isolation", "default_transaction_isolation":
		return "read committed", true
	case "max_identifier_length":
		return "128", true
	case "lock_timeout":
		if s.lockTimeoutMS < 0 {
			return "0", true
		}
		return strconv.FormatInt(s.lockTimeoutMS, 10) + "ms", true
	}
	if v, ok := s.params[strings.ToLower(name)]; ok {
		return v, true
	}
	return "", false
}

func (b *binder) planShow(x *parser.Show) (*stmtPlan, error) {
	s := b.s
	if strings.EqualFold(x.Name, "ALL") {
		cols := []session.Column{{Name: "name", Type: types.NVarCharType(128)}, {Name: "setting", Type: types.NVarCharType(types.MaxLength)}}
		return &stmtPlan{cols: cols, run: func(_ *env, _ *txn, w session.ResultWriter) (string, error) {
			names := []string{"transaction_read_only", "transaction_isolation", "lock_timeout", "max_identifier_length"}
			for k := range s.Parameters() {
				names = append(names, k)
			}
			sort.Strings(names)
			for _, n := range names {
				v, _ := s.showValue(n)
				if err := w.Row([]types.Value{n, v}); err != nil {
					return "", err
				}
			}
			return "SHOW", nil
		}}, nil
	}
	if _, ok := s.showValue(x.Name); !ok {
		return nil, b.errAt(x, sqlerr.New(15123, x.Name))
	}
	cols := []session.Column{{Name: strings.ToLower(x.Name), Type: types.NVarCharType(types.MaxLength)}}
	return &stmtPlan{cols: cols, run: func(_ *env, _ *txn, w session.ResultWriter) (string, error) {
		v, _ := s.showValue(x.Name)
		return "SHOW", w.Row([]types.Value{v})
	}}, nil
}

func (b *binder) planPrint(x *parser.Print) (*stmtPlan, error) {
	v, err := b.bindExpr(x.Expr, nil, nil, types.NVarCharType(types.MaxLength))
	if err != nil {
		return nil, err
	}
	return &stmtPlan{run: func(e *env, _ *txn, w session.ResultWriter) (string, error) {
		val, err := v.eval(e)
		if err != nil {
			return "", err
		}
		msg := &sqlerr.Error{Number: 0, Severity: 0, State: 1, Code: sqlerr.SuccessfulCompletion, Message: types.ToText(val, v.typ())}
		return "PRINT", w.Notice(msg)
	}}, nil
}

func (b *binder) planWaitFor(x *parser.WaitFor) (*stmtPlan, error) {
	v, err := b.bindExpr(x.Value, nil, nil, types.VarCharType(types.MaxLength))
	if err != nil {
		return nil, err
	}
	return &stmtPlan{run: func(e *env, _ *txn, _ session.ResultWriter) (string, error) {
		val, err := v.eval(e)
		if err != nil {
			return "", err
		}
		text := types.ToText(val, v.typ())
		t, ok := types.ParseTime(text)
		if !ok {
			return "", b.errAt(x, sqlerr.New(148, text))
		}
		midnight := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
		d := t.Sub(midnight)
		if x.Time {
			now := localWall(time.Now())
			target := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC).Add(d)
			if target.Before(now) {
				target = target.AddDate(0, 0, 1)
			}
			d = target.Sub(now)
		}
		timer := time.NewTimer(d)
		defer timer.Stop()
		select {
		case <-timer.C:
			return "WAITFOR", nil
		case <-e.ctx.Done():
			return "", e.ctx.Err()
		}
	}}, nil
}
