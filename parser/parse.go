package parser

import (
	"fmt"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"

	"mirrordb/sqlerr"
)

// ParseBatch parses one batch into its statements. Results are cached by
// the batch text: the returned statements may be shared with other
// callers and must not be modified. Errors are *sqlerr.Error.
func ParseBatch(b BatchText) ([]Statement, error) {
	return parseBatch(b, true)
}

// ParseStatement parses a query string that must hold at most one
// statement, optionally followed by ";" (the extended query protocol's
// Parse message). It returns (nil, nil) for an empty query. A second
// statement is Msg 102 near its first token (SQLSTATE 42601), as
// PostgreSQL refuses multiple commands in a prepared statement.
func ParseStatement(sql string) (Statement, error) {
	return parseStatement(sql, true)
}

// ParseStatementOwned is ParseStatement without the cache: the statement
// returned is the caller's own to modify (a rename rewriting the column
// names a stored expression holds).
func ParseStatementOwned(sql string) (Statement, error) {
	return parseStatement(sql, false)
}

func parseStatement(sql string, cached bool) (Statement, error) {
	stmts, err := parseBatch(BatchText{Text: sql, Line: 1, Count: 1}, cached)
	if err != nil {
		return nil, err
	}
	switch len(stmts) {
	case 0:
		return nil, nil
	case 1:
		return stmts[0], nil
	}
	p := stmts[1].Position()
	ec := errorContext{batch: BatchText{Text: sql}}
	t := ec.tokenAt(lexer.Position{Offset: p.Offset, Line: p.Line, Column: p.Col})
	e := ec.place(sqlerr.New(102, unquote(t.Value)), t.Pos)
	e.Detail = "cannot insert multiple commands into a prepared statement"
	return nil, e
}

// parseBatch parses b, through the cache when useCache is set.
func parseBatch(b BatchText, useCache bool) ([]Statement, error) {
	if useCache {
		if stmts, ok := batchCache.get(b.Text); ok {
			return stmts, nil
		}
	}
	stmts, err := parseText(b)
	if err != nil {
		return nil, err
	}
	if useCache {
		batchCache.put(b.Text, stmts)
	}
	return stmts, nil
}

// parseText lexes and parses b.Text with a pooled parser instance.
func parseText(b BatchText) (stmts []Statement, err error) {
	if off, line, col, bad := malformedGo(b.Text); bad {
		ec := errorContext{batch: b}
		return nil, ec.place(sqlerr.New(102, "GO"), lexer.Position{Offset: off, Line: line, Column: col})
	}
	inst := getInstance()
	lx := newLexer(b.Text)
	ec := errorContext{batch: b}
	defer func() {
		if r := recover(); r != nil {
			// A bug, not bad input: report it without crashing the server.
			stmts, err = nil, &sqlerr.Error{Severity: 16, State: 1, Code: sqlerr.Internal,
				Message: fmt.Sprintf("internal parser error: %v", r)}
			inst = nil // its state may be inconsistent; let it go
		}
		putInstance(inst)
	}()
	peek, err := lexer.Upgrade(lx)
	if err != nil {
		return nil, ec.toSQLError(err)
	}
	ec.last = lx.last
	inst.st.src = b.Text
	g, err := inst.script.ParseFromLexer(peek)
	if err != nil {
		return nil, ec.toSQLError(inst.plainError(b.Text, err))
	}
	stmts = make([]Statement, 0, len(g.Stmts))
	for _, s := range g.Stmts {
		st, err := s.build(b.Text)
		if err != nil {
			return nil, ec.toSQLError(err)
		}
		stmts = append(stmts, st)
	}
	return stmts[:len(stmts):len(stmts)], nil
}

// instance is a built participle parser with the per-parse state its
// hand-written productions share (nesting depth). participle parsers are
// safe for concurrent use but the custom productions are closures over one
// state, so instances are pooled and each parse owns one.
type instance struct {
	script *participle.Parser[script]
	st     *pstate
	// plain is the grammar with nested statements parsed in place, built
	// on the first syntax error inside control flow (see plainError).
	plain *participle.Parser[script]
}

// pstate is the state of one parse, reached by the custom productions.
type pstate struct {
	sel        *participle.Parser[selectStmt]
	stmt       *participle.Parser[stmtNode] // one statement, for parseNested
	src        string                       // the batch text, for what adjacency decides (subscripts)
	depth      int                          // expression nesting
	subqueries int                          // subquery nesting
	flow       int                          // IF, WHILE and BEGIN...END nesting
	nested     bool                         // a statement was parsed inside IF, WHILE or a block
	refused    *parseErr                    // the first statement nested too deeply (Msg 191)
}

// maxIdleInstances bounds the instances kept between parses.
const maxIdleInstances = 64

var idle = make(chan *instance, maxIdleInstances)

func getInstance() *instance {
	select {
	case inst := <-idle:
		return inst
	default:
		return newInstance()
	}
}

func putInstance(inst *instance) {
	if inst == nil {
		return
	}
	inst.st.depth, inst.st.subqueries, inst.st.flow, inst.st.src = 0, 0, 0, ""
	inst.st.nested, inst.st.refused = false, nil // an idle parser keeps no batch text alive
	select {
	case idle <- inst:
	default:
	}
}

func newInstance() *instance {
	st := &pstate{}
	p := build(st, participle.ParseTypeWith(st.parseNested))
	sel, err := participle.ParserForProduction[selectStmt](p)
	if err != nil {
		panic("parser: bad grammar: " + err.Error())
	}
	st.sel = sel
	// ParserForProduction refuses an interface production (it looks the
	// type up by a zero value, which is nil), but does no more than this
	// conversion; ParseFromLexer finds the union through *stmtNode.
	st.stmt = (*participle.Parser[stmtNode])(p)
	return &instance{script: p, st: st}
}

// build builds the statement grammar over st, nested statements parsed as
// nested says.
func build(st *pstate, nested participle.Option) *participle.Parser[script] {
	p, err := participle.Build[script](
		participle.Lexer(Lexer),
		participle.CaseInsensitive("Ident"),
		participle.UseLookahead(participle.MaxLookahead),
		participle.Union(allMembers()...),
		participle.ParseTypeWith(st.parseExpr),
		participle.ParseTypeWith(st.parseValue),
		participle.ParseTypeWith(st.parseSelectList),
		participle.ParseTypeWith(st.parseValues),
		participle.ParseTypeWith(st.parseLimitCount),
		participle.ParseTypeWith(parseWithStart),
		nested,
	)
	if err != nil {
		panic("parser: bad grammar: " + err.Error())
	}
	return p
}

// plainError returns the syntax error to report for text, whose parse
// failed with err. A statement inside IF, WHILE or a block is parsed on
// its own (parseNested), so participle cannot rank an error inside it
// against one after it: IF ... ELSE SELECT FROM inside a block would be
// reported near ELSE, not near FROM. When control flow was parsed and
// none of it was too deep, the plain grammar parses text again, in one
// piece, for the error participle ranks deepest; its recursion is bounded,
// since the first parse went no deeper than maxFlowDepth. When some
// statement was nested too deeply, that is the error (the plain grammar
// would recurse without bound), even where participle ranked another one
// deeper (an ELSE IF chain too long is refused inside its optional ELSE,
// and the ELSE is then reported).
func (inst *instance) plainError(text string, err error) error {
	st := inst.st
	if st.refused != nil {
		return st.refused // whatever participle ranked deeper
	}
	if !st.nested {
		return err
	}
	if inst.plain == nil {
		members := allMembers()
		nested := make([]nestedStmt, len(members))
		for i, m := range members {
			nested[i] = m
		}
		inst.plain = build(st, participle.Union(nested...))
	}
	peek, lexErr := lexer.Upgrade(newLexer(text))
	if lexErr != nil {
		return err
	}
	st.depth, st.subqueries = 0, 0
	if _, plainErr := inst.plain.ParseFromLexer(peek); plainErr != nil {
		return plainErr
	}
	return err
}

// Grammar returns the statement grammar in EBNF, for documentation and
// review (testdata/grammar.ebnf is a golden copy).
func Grammar() string {
	inst := getInstance()
	defer putInstance(inst)
	return inst.script.String()
}
