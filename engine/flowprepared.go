package engine

import (
	"context"

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
// have announced it.
type flowPrepared struct {
	s        *Session
	stmt     parser.Statement
	batch    parser.BatchText
	declared []types.Type
}

// runsAsBatch reports whether a statement sent alone must run through the
// batch runner rather than as one bound statement.
func runsAsBatch(st parser.Statement) bool {
	if _, ok := st.(*parser.Declare); ok {
		return true
	}
	return parser.IsControlFlow(st)
}

func (p *flowPrepared) Params() []types.Type      { return p.declared }
func (p *flowPrepared) Columns() []session.Column { return nil }

func (p *flowPrepared) Execute(ctx context.Context, args []types.Value, w session.ResultWriter) error {
	s := p.s
	params := exec.ParamTypes{T: p.declared}
	conv := make([]types.Value, len(args))
	for i, a := range args {
		v, err := types.Convert(a, types.TypeUnknown, params.Get(i), types.Implicit)
		if err != nil {
			return s.failed(err)
		}
		conv[i] = v
	}
	vars, _, err := s.declareVars(p.batch, []parser.Statement{p.stmt})
	if err != nil {
		return s.failed(err)
	}
	f := flowRun{s: s, batch: p.batch, vars: vars, w: noResults{w}, args: conv, params: append([]types.Type{}, p.declared...)}
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
