package engine

import (
	"context"

	"mirrordb/engine/bind"
	"mirrordb/engine/exec"
	"mirrordb/parser"
	"mirrordb/session"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// flowPrepared is an IF, WHILE, block or DECLARE sent with Parse (the
// extended protocol sends one statement per Parse): it runs like a batch
// of that one statement, its variables living for one Execute. It returns
// no rows: a result set inside it is refused, since Describe could not
// have announced it. Its parameters ($n) are the types binding each of
// its statements once at Parse infers; each Execute binds them again when
// it reaches them, as a batch does.
type flowPrepared struct {
	s      *Session
	stmt   parser.Statement
	batch  parser.BatchText
	params []types.Type
}

// newFlowPrepared prepares st, inferring its parameters' types. What SQL
// Server finds compiling a batch (134, 135, 136, 137, 4145) fails the
// Parse, as a statement that cannot bind does.
func (s *Session) newFlowPrepared(sql string, st parser.Statement, declared []types.Type) (*flowPrepared, error) {
	p := &flowPrepared{s: s, stmt: st, batch: parser.BatchText{Text: sql, Line: 1, Count: 1}, params: declared}
	vars, _, err := s.declareVars(p.batch, []parser.Statement{st})
	if err != nil {
		return nil, err
	}
	params := &exec.ParamTypes{T: append([]types.Type{}, declared...)}
	try := func(fn func(b *binder) error) {
		b := newBinder(s, bind.Binder{Batch: p.batch, Params: params, Vars: vars})
		_ = s.protect(func() error { return fn(b) }) // what does not bind now may bind when reached
	}
	var walk func(st parser.Statement)
	walk = func(st parser.Statement) {
		cond, parts, leaf := flowParts(st)
		if leaf {
			try(func(b *binder) error { _, err := b.planStatement(st); return err })
		}
		if cond != nil {
			try(func(b *binder) error { _, err := b.BindExpr(cond, nil, nil, types.TypeBit); return err })
		}
		for _, in := range parts {
			walk(in)
		}
	}
	walk(st)
	p.params = make([]types.Type, len(params.T))
	for i := range p.params {
		p.params[i] = params.Get(i)
	}
	return p, nil
}

// runsAsBatch reports whether a statement sent alone must run through the
// batch runner rather than as one bound statement.
func runsAsBatch(st parser.Statement) bool {
	if _, ok := st.(*parser.Declare); ok {
		return true
	}
	return parser.IsControlFlow(st)
}

func (p *flowPrepared) Params() []types.Type      { return p.params }
func (p *flowPrepared) Columns() []session.Column { return nil }

func (p *flowPrepared) Execute(ctx context.Context, args []types.Value, w session.ResultWriter) error {
	s := p.s
	conv, err := convertArgs(nil, args, &exec.ParamTypes{T: p.params})
	if err != nil {
		return s.failed(err)
	}
	vars, _, err := s.declareVars(p.batch, []parser.Statement{p.stmt})
	if err != nil {
		return s.failed(err)
	}
	f := flowRun{s: s, batch: p.batch, vars: vars, w: noResults{w}, args: conv, params: p.params}
	if _, err := f.run(ctx, p.stmt); err != nil {
		return err
	}
	return w.Complete(statementVerb(p.stmt))
}

// noResults passes on notices and refuses result sets; completions are
// the statements' inside, not the client's.
type noResults struct{ session.ResultWriter }

func (noResults) Columns([]session.Column) error {
	return sqlerr.New(40517, "a result set inside IF or WHILE sent with Parse (extended protocol)")
}
func (noResults) Complete(string) error { return nil }
