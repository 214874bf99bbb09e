package engine

import (
	"context"
	"strings"
	"sync"
	"time"

	"mirrordb/engine/exec"
	"mirrordb/parser"
	"mirrordb/session"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// Procedure is a system stored procedure that EXEC runs. The layers above
// register theirs (the mirroring monitor's sp_dbmmonitor*), so the engine
// only binds arguments and writes results.
type Procedure struct {
	Params  []Param
	Columns []session.Column // the result set, nil when there is none
	// SysadminOnly refuses other logins with 15247.
	SysadminOnly bool
	// Run does the work; rows must match Columns.
	Run func(ctx context.Context, call *ProcCall) (rows [][]types.Value, err error)
}

// Param is one parameter of a Procedure.
type Param struct {
	Name     string // without @
	Required bool
	Default  types.Value
}

// ProcCall is one execution of a Procedure.
type ProcCall struct {
	Session *Session
	Args    map[string]types.Value // every parameter, by lower-case name
	w       session.ResultWriter
}

// Notice sends an informational message to the caller.
func (c *ProcCall) Notice(e *sqlerr.Error) error { return c.w.Notice(e) }

type procRegistry struct {
	mu    sync.RWMutex
	procs map[string]Procedure
}

// RegisterProcedure makes name (without schema, any case) callable with
// EXEC name or EXEC [db.][dbo|sys].name.
func (in *Instance) RegisterProcedure(name string, p Procedure) {
	in.procs.mu.Lock()
	defer in.procs.mu.Unlock()
	if in.procs.procs == nil {
		in.procs.procs = map[string]Procedure{}
	}
	in.procs.procs[strings.ToLower(name)] = p
}

func (in *Instance) procedure(name string) (Procedure, bool) {
	in.procs.mu.RLock()
	defer in.procs.mu.RUnlock()
	p, ok := in.procs.procs[strings.ToLower(name)]
	return p, ok
}

// planExec binds EXEC proc args: positional arguments first, then named
// ones, as SQL Server requires.
func (b *binder) planExec(x *parser.Exec) (*stmtPlan, error) {
	name := x.Proc.Object()
	switch strings.ToLower(name) { // schema changes, planned as CREATE / DROP TYPE (usertypes.go)
	case "sp_addtype":
		return b.planAddType(x)
	case "sp_droptype":
		return b.planDropTypeProc(x)
	}
	p, ok := b.s.inst.procedure(name)
	if !ok {
		return nil, b.ErrAt(x, sqlerr.New(2812, name))
	}
	if p.SysadminOnly && !b.set.IsSysadmin() {
		return nil, b.ErrAt(x, sqlerr.New(15247))
	}
	args := make([]exec.Expr, len(p.Params))
	named := false
	for i, a := range x.Args {
		idx := i
		if a.Name != "" {
			named = true
			idx = -1
			for j, prm := range p.Params {
				if strings.EqualFold(prm.Name, a.Name) {
					idx = j
				}
			}
			if idx < 0 {
				return nil, b.ErrAt(a, sqlerr.New(8145, "@"+a.Name, name))
			}
		} else if named {
			return nil, b.ErrAt(a, sqlerr.New(119, i+1))
		}
		if idx >= len(p.Params) {
			return nil, b.ErrAt(a, sqlerr.New(8144, name))
		}
		e, err := b.BindExpr(a.Value, nil, nil, types.Type{})
		if err != nil {
			return nil, err
		}
		args[idx] = e
	}
	for i, prm := range p.Params {
		if args[i] == nil && prm.Required {
			return nil, b.ErrAt(x, sqlerr.New(201, name, "@"+prm.Name))
		}
	}
	return &stmtPlan{cols: p.Columns, run: func(e *exec.Env, _ *txn, w session.ResultWriter) (string, error) {
		call := &ProcCall{Session: sessionOf(e), Args: map[string]types.Value{}, w: w}
		for i, prm := range p.Params {
			v := prm.Default
			if args[i] != nil {
				var err error
				if v, err = args[i].Eval(e); err != nil {
					return "", err
				}
			}
			call.Args[strings.ToLower(prm.Name)] = v
		}
		rows, err := p.Run(e.Ctx, call)
		if err != nil {
			return "", err
		}
		for _, r := range rows {
			if err := w.Row(r); err != nil {
				return "", err
			}
		}
		if p.Columns != nil {
			return sessionOf(e).rowsTag("SELECT", int64(len(rows))), nil
		}
		return "EXECUTE", nil
	}}, nil
}

// DateTimeValue is t as a DATETIME value in the server's local time, as
// the catalog views show times (NULL for the zero time).
func DateTimeValue(t time.Time) types.Value { return localTime(t) }
