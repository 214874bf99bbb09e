package engine

import (
	"context"
	"strings"

	"mirrordb/engine/bind"
	"mirrordb/engine/exec"
	"mirrordb/parser"
	"mirrordb/session"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// A batch with variables and control flow runs as docs/ARCHITECTURE.md
// ("Batches, variables and control flow") tells: its DECLAREs are read
// first, for the whole batch, into one exec.Vars; then the runner walks the
// statements, deciding IF and WHILE itself and binding and running every
// other statement when it reaches it, as a batch without control flow
// runs. A statement inside a block so sees what the ones before it did
// (a table an IF created), and a loop's statements are bound again on
// every pass.

// flowRun runs one batch, or one statement of the extended protocol.
type flowRun struct {
	s     *Session
	batch parser.BatchText
	vars  *exec.Vars
	w     session.ResultWriter
	// args and params are the extended protocol's $n; params is nil for
	// the simple protocol, where $n has no value.
	args   []types.Value
	params []types.Type
	clock  *stmtClock // SET STATISTICS TIME: the batch's parse, reported with its first statement
	timed  bool       // inside a WHILE that statement_timeout bounds
}

// flowSignal is how a statement ends: normally, or by BREAK, CONTINUE or
// RETURN, which the statements around it pass on to their WHILE or to
// the batch.
type flowSignal uint8

const (
	flowNext flowSignal = iota
	flowBreak
	flowContinue
	flowReturn
)

// declareVars reads the DECLAREs of a batch, wherever they are (inside an
// IF that is never taken too, as SQL Server compiles the whole batch), and
// checks what SQL Server checks before it runs anything: a variable
// declared twice (134), a type a variable cannot have, BREAK and CONTINUE
// outside a WHILE (135, 136), and a variable used where no DECLARE before
// it declares it (137). It returns nil when the batch declares nothing;
// flow reports a batch with variables or control flow.
func (s *Session) declareVars(b parser.BatchText, stmts []parser.Statement) (vars *exec.Vars, flow bool, err error) {
	var b0 *binder // made when needed: most batches declare nothing
	bd := func() *binder {
		if b0 == nil {
			b0 = newBinder(s, bind.Binder{Batch: b})
		}
		return b0
	}
	var walk func(st parser.Statement, loop bool) error
	walk = func(st parser.Statement, loop bool) error {
		switch x := st.(type) {
		case *parser.Declare:
			for _, d := range x.Vars {
				t, err := bd().varType(d)
				if err != nil {
					return err
				}
				if vars == nil {
					vars = &exec.Vars{}
				}
				if _, ok := vars.Declare(d.Name, t, d.Offset); !ok {
					return bd().ErrAt(d, sqlerr.New(134, "@"+d.Name))
				}
			}
		case *parser.Block:
			for _, in := range x.Stmts {
				if err := walk(in, loop); err != nil {
					return err
				}
			}
		case *parser.If:
			if err := bd().checkCondition(x.Cond, x.Then); err != nil {
				return err
			}
			if err := walk(x.Then, loop); err != nil {
				return err
			}
			if x.Else != nil {
				return walk(x.Else, loop)
			}
		case *parser.While:
			if err := bd().checkCondition(x.Cond, x.Body); err != nil {
				return err
			}
			return walk(x.Body, true)
		case *parser.Break:
			if !loop {
				return bd().ErrAt(x, sqlerr.New(135))
			}
		case *parser.Continue:
			if !loop {
				return bd().ErrAt(x, sqlerr.New(136))
			}
		}
		return nil
	}
	for _, st := range stmts {
		if err := walk(st, false); err != nil {
			return nil, false, err
		}
		flow = flow || parser.IsControlFlow(st)
	}
	// SQL Server compiles a batch before it runs any of it, so a variable
	// used and never declared stops the whole batch (137). A batch of one
	// statement finds it binding that statement; a longer one without an
	// @ in its text has none to find.
	flow = flow || vars != nil
	if flow || (len(stmts) > 1 && strings.Contains(b.Text, "@")) {
		for _, st := range stmts {
			var undeclared *sqlerr.Error
			parser.VisitVariables(st, func(name string, at parser.Pos) {
				if undeclared == nil && vars.Lookup(name, at.Offset) == nil {
					undeclared = sqlerr.As(bd().ErrAt(at, sqlerr.New(137, "@"+name)))
				}
			})
			if undeclared != nil {
				return nil, false, undeclared
			}
		}
	}
	return vars, flow, nil
}

// checkCondition refuses the condition of an IF or WHILE that is no
// predicate (IF @flag): Msg 4145, near the statement that follows, as SQL
// Server reports it.
func (b *binder) checkCondition(cond parser.Expr, next parser.Statement) error {
	if isPredicate(cond) {
		return nil
	}
	text := b.Batch.Text[next.Position().Offset:]
	if i := strings.IndexAny(text, " \t\r\n(;"); i > 0 {
		text = text[:i]
	}
	return b.ErrAt(next, sqlerr.New(4145, text))
}

// isPredicate reports whether x is a condition: a comparison, a logical
// operation of conditions, EXISTS, IN, BETWEEN, LIKE, IS [NOT] NULL.
func isPredicate(x parser.Expr) bool {
	switch e := x.(type) {
	case *parser.Paren:
		return isPredicate(e.X)
	case *parser.Unary:
		return e.Op == "NOT" && isPredicate(e.X)
	case *parser.Binary:
		switch e.Op {
		case "AND", "OR":
			return isPredicate(e.L) && isPredicate(e.R)
		case "+", "-", "*", "/", "%", "&", "|", "^", "||":
			return false
		}
		return true
	case *parser.Exists, *parser.InList, *parser.Between, *parser.Like, *parser.IsNull, *parser.ArrayCompare:
		return true
	}
	return false
}

// varType is the type a DECLARE gives a variable: a system or alias type,
// as a column's; no table variables, and no text, ntext or image (2739).
func (b *binder) varType(d *parser.VarDecl) (types.Type, error) {
	if d.Table != "" {
		return types.Type{}, b.ErrAt(d, sqlerr.New(40517, "DECLARE @"+d.Name+" TABLE"))
	}
	switch strings.ToUpper(d.Type.Name) {
	case "TEXT", "NTEXT", "IMAGE":
		return types.Type{}, b.ErrAt(d, sqlerr.New(2739))
	}
	t, err := b.ddl().ColumnType(b.cat.Current(), d.Type)
	if err != nil {
		return types.Type{}, b.ErrAt(d, err)
	}
	return t.Type, nil
}

// run runs one statement of the batch.
func (f *flowRun) run(ctx context.Context, st parser.Statement) (flowSignal, error) {
	if f.s.showplan != showplanOff {
		return flowNext, f.show(ctx, st)
	}
	switch x := st.(type) {
	case *parser.Block:
		for _, in := range x.Stmts {
			if sig, err := f.run(ctx, in); sig != flowNext || err != nil {
				return sig, err
			}
		}
	case *parser.If:
		ok, err := f.condition(ctx, x, x.Cond)
		switch {
		case err != nil:
			return flowNext, err
		case ok:
			return f.run(ctx, x.Then)
		case x.Else != nil:
			return f.run(ctx, x.Else)
		}
	case *parser.While:
		if t := f.s.stmtTimeout; t > 0 && !f.timed {
			// statement_timeout bounds the whole loop, not only each of
			// its statements.
			var stop context.CancelFunc
			ctx, stop = context.WithTimeoutCause(ctx, t, sqlerr.New(50101, formatTimeout(t)))
			f.timed = true
			defer func() { stop(); f.timed = false }()
		}
		for {
			// Every pass checks for a cancel, KILL or timeout, even a
			// pass whose statements do nothing that waits.
			if err := f.s.interrupted(ctx); err != nil {
				return flowNext, f.s.failed(err)
			}
			ok, err := f.condition(ctx, x, x.Cond)
			if err != nil || !ok {
				return flowNext, err
			}
			sig, err := f.run(ctx, x.Body)
			if err != nil || sig == flowReturn {
				return sig, err
			}
			if sig == flowBreak {
				return flowNext, nil
			}
		}
	case *parser.Break:
		return flowBreak, nil
	case *parser.Continue:
		return flowContinue, nil
	case *parser.Return:
		return flowReturn, nil
	default:
		return flowNext, f.statement(ctx, st)
	}
	return flowNext, nil
}

// show is run under SET SHOWPLAN: nothing runs, so every branch of an IF
// and a loop's body once show their statements' plans, as SQL Server
// shows the plan of the whole batch.
func (f *flowRun) show(ctx context.Context, st parser.Statement) error {
	_, parts, leaf := flowParts(st)
	if leaf {
		return f.statement(ctx, st)
	}
	for _, in := range parts {
		if err := f.show(ctx, in); err != nil {
			return err
		}
	}
	return nil
}

// flowParts splits st for the walks that visit every statement of a batch
// once (SHOWPLAN, Parse's inference): an IF's or WHILE's condition and the
// statements a block, IF or WHILE holds. leaf is set for any other
// statement but BREAK, CONTINUE and RETURN, which hold nothing.
func flowParts(st parser.Statement) (cond parser.Expr, parts []parser.Statement, leaf bool) {
	switch x := st.(type) {
	case *parser.Block:
		return nil, x.Stmts, false
	case *parser.If:
		parts = []parser.Statement{x.Then}
		if x.Else != nil {
			parts = append(parts, x.Else)
		}
		return x.Cond, parts, false
	case *parser.While:
		return x.Cond, []parser.Statement{x.Body}, false
	case *parser.Break, *parser.Continue, *parser.Return:
		return nil, nil, false
	}
	return nil, nil, true
}

// interrupted is the error of a batch whose context ended (a cancel, a
// shutdown, statement_timeout) or whose session was killed; nil while it
// may go on.
func (s *Session) interrupted(ctx context.Context) error {
	select {
	case <-s.killed:
		return s.KillReason()
	default:
	}
	if err := ctx.Err(); err != nil {
		return s.stopped(ctx, err)
	}
	return nil
}

// binder makes the binder of one statement of the batch.
func (f *flowRun) binder() *binder {
	if f.params == nil {
		return newBinder(f.s, bind.Binder{Batch: f.batch, Params: &exec.ParamTypes{}, Simple: true, Vars: f.vars})
	}
	return newBinder(f.s, bind.Binder{Batch: f.batch, Params: &exec.ParamTypes{T: append([]types.Type{}, f.params...)}, Vars: f.vars})
}

// statement binds st and runs it, binding it again if ALTER TABLE changed
// a table it writes meanwhile. Its errors carry its line.
func (f *flowRun) statement(ctx context.Context, st parser.Statement) error {
	s := f.s
	if f.clock == nil && s.statsTime && s.showplan == showplanOff {
		f.clock = startClock()
	}
	bd := f.binder()
	var p *stmtPlan
	err := s.protect(func() (berr error) {
		p, berr = bd.plan(st)
		return berr
	})
	if f.clock != nil { // the batch's parse counts with its first statement
		if cerr := compileTime(f.w, f.clock); err == nil {
			err = cerr
		}
		f.clock = nil
	}
	if err == nil {
		err = s.run(ctx, st, p, f.args, f.w, true)
	}
	for try := 0; try < maxRebinds && p.rebindable(err); try++ {
		if p, err = f.binder().plan(st); err == nil {
			err = s.run(ctx, st, p, f.args, f.w, true)
		}
	}
	if err != nil {
		return s.failed(atLine(err, st))
	}
	return nil
}

// condition evaluates the condition of an IF or WHILE, as a statement of
// its own (its subqueries read what the statements before it wrote); NULL
// is false.
func (f *flowRun) condition(ctx context.Context, st parser.Statement, cond parser.Expr) (bool, error) {
	s := f.s
	bd := f.binder()
	x, err := bd.BindExpr(cond, nil, nil, types.TypeBit)
	if err != nil {
		return false, s.failed(err)
	}
	var truth bool
	// A condition writes nothing, so it runs in a doomed transaction too
	// (IF @@TRANCOUNT > 0 ROLLBACK after an XACT_ABORT error).
	p := &stmtPlan{params: bd.Params, command: "COND WITH QUERY", allowDoomed: true, dbs: bd.referenced(nil), run: func(e *exec.Env, _ *txn, _ session.ResultWriter) (string, error) {
		v, err := x.Eval(e)
		truth = exec.Truth(v)
		return "", err
	}}
	if err := s.run(ctx, st, p, f.args, silent{f.w}, false); err != nil {
		return false, s.failed(atLine(err, st))
	}
	return truth, nil
}

// quietWriter is the writer of batches with variables or control flow:
// DECLARE, SET @v and the conditions complete with no tag and send the
// client nothing, as SQL Server says nothing for them. completed records
// whether anything completed, so that a query whose statements all were
// quiet still ends with one CommandComplete (Query).
type quietWriter struct {
	session.ResultWriter
	completed bool
}

func (q *quietWriter) Complete(tag string) error {
	if tag == "" {
		return nil
	}
	q.completed = true
	return q.ResultWriter.Complete(tag)
}

// silent passes on what a statement writes but its completion: the
// evaluation of a condition is no statement for the client.
type silent struct{ session.ResultWriter }

func (silent) Complete(string) error { return nil }

// assign stores a value in a variable, converted to its type as SQL Server
// assigns: as INSERT converts, except that a string or binary value too
// long for the variable is cut, not refused.
func assign(v *exec.Var, val types.Value, from types.Type) error {
	if val == nil {
		v.V = nil
		return nil
	}
	out, err := types.Convert(val, from, v.T, types.Implicit)
	if sqlerr.Is(err, 8152) {
		out, err = types.Convert(val, from, v.T, types.Explicit)
	}
	if err != nil {
		return err
	}
	v.V = out
	return nil
}

// planDeclare gives the variables of a DECLARE their initial values;
// one without an initial value keeps its value (NULL, or what a pass of
// a loop left), as in SQL Server.
func (b *binder) planDeclare(x *parser.Declare) (*stmtPlan, error) {
	type init struct {
		v *exec.Var
		x exec.Expr
	}
	var inits []init
	for _, d := range x.Vars {
		if d.Value == nil {
			continue
		}
		v := b.Vars.Lookup(d.Name, d.Offset+1)
		if v == nil { // declared by declareVars; a statement alone has none
			return nil, b.ErrAt(d, sqlerr.New(137, "@"+d.Name))
		}
		e, err := b.BindExpr(d.Value, nil, nil, v.T)
		if err != nil {
			return nil, err
		}
		inits = append(inits, init{v, e})
	}
	return &stmtPlan{allowDoomed: true, dbs: b.referenced(nil), run: func(e *exec.Env, _ *txn, _ session.ResultWriter) (string, error) {
		for _, in := range inits {
			val, err := in.x.Eval(e)
			if err == nil {
				err = assign(in.v, val, in.x.Type())
			}
			if err != nil {
				return "", err
			}
		}
		return "", nil // quiet, as in SQL Server (quietWriter)
	}}, nil
}

// assignedValue is the expression assigned to @name by = or op=.
func assignedValue(pos parser.Pos, name, op string, value parser.Expr) parser.Expr {
	if op == "" {
		return value
	}
	return &parser.Binary{Pos: pos, Op: op, L: &parser.Variable{Pos: pos, Name: name}, R: value}
}

// planSetVar is SET @v = value and SET @v op= value.
func (b *binder) planSetVar(x *parser.SetVar) (*stmtPlan, error) {
	v := b.Vars.Lookup(x.Name, x.Offset)
	if v == nil {
		return nil, b.ErrAt(x, sqlerr.New(137, "@"+x.Name))
	}
	e, err := b.BindExpr(assignedValue(x.Pos, x.Name, x.Op, x.Value), nil, nil, v.T)
	if err != nil {
		return nil, err
	}
	return &stmtPlan{allowDoomed: true, dbs: b.referenced(nil), run: func(ev *exec.Env, _ *txn, _ session.ResultWriter) (string, error) {
		val, err := e.Eval(ev)
		if err != nil {
			return "", err
		}
		sessionOf(ev).rowcount = 1          // a simple assignment sets @@ROWCOUNT to 1
		return "", assign(v, val, e.Type()) // quiet, as DECLARE
	}}, nil
}

// assigns reports whether a SELECT assigns variables (SELECT @v = ...).
func assigns(sel *parser.Select) bool {
	for _, it := range sel.Items {
		if it.Var != "" {
			return true
		}
	}
	return false
}

// planAssignSelect is SELECT @a = x [, @b = y ...] [FROM ...]: no result
// set; each row assigns in turn, so the last row's values stay (and
// SELECT @s = @s + x adds up the rows), and no row leaves the variables
// as they were. An item that assigns nothing is Msg 141.
func (b *binder) planAssignSelect(sel *parser.Select) (*stmtPlan, error) {
	q := *sel
	q.Items = make([]*parser.SelectItem, len(sel.Items))
	vars := make([]*exec.Var, len(sel.Items))
	for i, it := range sel.Items {
		if it.Var == "" {
			return nil, b.ErrAt(it, sqlerr.New(141))
		}
		if vars[i] = b.Vars.Lookup(it.Var, it.Offset); vars[i] == nil {
			return nil, b.ErrAt(it, sqlerr.New(137, "@"+it.Var))
		}
		q.Items[i] = &parser.SelectItem{Pos: it.Pos, Expr: assignedValue(it.Pos, it.Var, it.VarOp, it.Expr)}
	}
	sp, err := b.planSelect(&q)
	if err != nil {
		return nil, err
	}
	return &stmtPlan{dbs: b.referenced(bind.QueryTables(&q)), tree: sp, run: func(e *exec.Env, _ *txn, _ session.ResultWriter) (string, error) {
		var n int64
		err := sp.Run(e, func(row []types.Value) error {
			n++
			for i, v := range vars {
				if err := assign(v, row[i], sp.Cols[i].Type); err != nil {
					return err
				}
			}
			return nil
		})
		return sessionOf(e).rowsTag("SELECT", n), err
	}}, nil
}
