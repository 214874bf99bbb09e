package engine

import (
	"math"
	"strconv"
	"strings"

	"mirrordb/engine/govern"
	"mirrordb/engine/keys"
	"mirrordb/parser"
	"mirrordb/session"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// selectPlan is a bound SELECT.
type selectPlan struct {
	cols  []session.Column
	src   rowSource
	sc    *scope // the FROM clause's columns, for printed plans
	where expr

	// grouped, distinct and topPercent sit together: the struct is
	// allocated for every SELECT and padding would cost a size class.
	grouped    bool
	distinct   bool
	topPercent bool
	presorted  bool // the scan reads in ORDER BY order (order.go)
	// groupsArrive: rows with equal GROUP BY values come together (a
	// stream aggregate, order.go)
	groupsArrive bool

	groupBy []expr
	aggs    []*aggSpec
	having  expr

	project []expr
	orderBy []orderKey

	top    expr
	offset expr
	fetch  expr

	windows []*windowSpec // window functions of the select list and ORDER BY (window.go)
	srf     bool          // the select list holds set-returning functions (pgsrf.go)
}

// orderKey is one ORDER BY item: an output column (col ≥ 0) or an
// expression evaluated alongside the projection.
type orderKey struct {
	col  int
	x    expr
	desc bool
}

func (b *binder) planSelect(sel *parser.Select) (*selectPlan, error) {
	if len(sel.With) > 0 {
		defer b.pushCTEs(sel)()
	}
	savedWin := b.win
	b.win = nil
	defer func() { b.win = savedWin }()
	src, sc, items, err := b.bindQuerySource(sel)
	if err != nil {
		return nil, err
	}
	p := &selectPlan{src: src, sc: sc, distinct: sel.Distinct}
	if sel.Where != nil {
		if containsAggregate(sel.Where) {
			return nil, b.errAt(sel.Where, sqlerr.New(147))
		}
		if p.where, err = b.bindExpr(sel.Where, sc, nil, types.TypeBit); err != nil {
			return nil, err
		}
	}
	p.where = pushIntoDerived(p.src, p.where) // derived.go
	if p.src, p.where, err = b.planJoins(p.src, sc.width(), p.where, sel.Hints); err != nil {
		return nil, b.errAt(sel, err)
	}
	p.grouped = len(sel.GroupBy) > 0 || sel.Having != nil
	for _, it := range items {
		if it.Expr != nil && containsAggregate(it.Expr) {
			p.grouped = true
		}
	}
	for _, o := range sel.OrderBy {
		if containsAggregate(o.Expr) {
			p.grouped = true
		}
	}
	var agg *aggContext
	if p.grouped {
		agg = &aggContext{scope: sc}
		for _, g := range sel.GroupBy {
			if containsAggregate(g) {
				return nil, b.errAt(g, sqlerr.New(144))
			}
			x, err := b.bindExpr(g, sc, nil, types.TypeUnknown)
			if err != nil {
				return nil, err
			}
			agg.groupBy = append(agg.groupBy, x)
			agg.groupText = append(agg.groupText, g.String())
		}
	}
	wc := &windowContext{}
	b.win = wc
	aliases := map[string]int{}
	for _, it := range items {
		if it.Alias != "" {
			aliases[strings.ToLower(it.Alias)] = len(p.project)
		}
		xs, cols, err := b.bindItem(it, sc, agg)
		if err != nil {
			return nil, err
		}
		p.project = append(p.project, xs...)
		p.cols = append(p.cols, cols...)
	}
	b.win, p.srf = nil, hasSRF(p.project)
	if sel.Having != nil {
		if p.having, err = b.bindExpr(sel.Having, sc, agg, types.TypeBit); err != nil {
			return nil, err
		}
	}
	b.win = wc
	for _, o := range sel.OrderBy {
		k, err := b.bindOrderKey(o, sel, p, sc, agg, aliases)
		if err != nil {
			return nil, err
		}
		p.orderBy = append(p.orderBy, k)
	}
	b.win, p.windows = nil, wc.specs
	if agg != nil {
		p.groupBy, p.aggs = agg.groupBy, agg.aggs
	}
	if sel.Top != nil && (sel.Offset != nil || sel.Fetch != nil) {
		return nil, b.errAt(sel.Top, sqlerr.New(10741))
	}
	if sel.Top != nil {
		p.topPercent = sel.Top.Percent
		t := types.TypeBigInt
		if p.topPercent {
			t = types.TypeFloat
		}
		if p.top, err = b.bindExpr(sel.Top.Count, nil, nil, t); err != nil {
			return nil, err
		}
		p.top = coerce(p.top, t)
	}
	if sel.Offset != nil {
		if p.offset, err = b.bindExpr(sel.Offset, nil, nil, types.TypeBigInt); err != nil {
			return nil, err
		}
		p.offset = coerce(p.offset, types.TypeBigInt)
	}
	if sel.Fetch != nil {
		if p.fetch, err = b.bindExpr(sel.Fetch, nil, nil, types.TypeBigInt); err != nil {
			return nil, err
		}
		p.fetch = coerce(p.fetch, types.TypeBigInt)
	}
	p.useKeyOrder()
	if p.grouped {
		p.useIndexForGroups()
	}
	p.useCovering()
	p.groupsArrive = p.grouped && p.groupsTogether()
	return p, nil
}

// bindItem binds one select item: a star expands to its columns.
func (b *binder) bindItem(it *parser.SelectItem, sc *scope, agg *aggContext) ([]expr, []session.Column, error) {
	if it.Star {
		stars, err := b.expandStar(it, sc, agg)
		if err != nil {
			return nil, nil, err
		}
		xs := make([]expr, len(stars))
		cols := make([]session.Column, len(stars))
		for i, c := range stars {
			xs[i], cols[i] = c.x, resultColumn(c.name, c.x)
		}
		return xs, cols, nil
	}
	x, err := b.bindExpr(it.Expr, sc, agg, types.TypeUnknown)
	if err != nil {
		return nil, nil, err
	}
	name := it.Alias
	if name == "" {
		name = defaultColumnName(it.Expr)
	}
	return []expr{x}, []session.Column{resultColumn(name, x)}, nil
}

// defaultColumnName is the name SQL Server gives an unaliased select item:
// the column name for a column reference, none otherwise.
func defaultColumnName(x parser.Expr) string {
	switch e := x.(type) {
	case *parser.ColumnRef:
		return e.Name()
	case *parser.Paren:
		return defaultColumnName(e.X)
	}
	return ""
}

type starCol struct {
	name string
	x    expr
}

func (b *binder) expandStar(it *parser.SelectItem, sc *scope, agg *aggContext) ([]starCol, error) {
	var out []starCol
	found := false
	for _, src := range sc.sources {
		if len(it.StarOf) > 0 && !strings.EqualFold(it.StarOf[len(it.StarOf)-1], src.name) {
			continue
		}
		found = true
		for i, c := range src.cols {
			if agg != nil {
				ref := &parser.ColumnRef{Pos: it.Pos, Parts: []string{src.name, c.Name}}
				x, err := b.bindExpr(ref, sc, agg, types.TypeUnknown)
				if err != nil {
					return nil, err
				}
				out = append(out, starCol{c.Name, x})
				continue
			}
			out = append(out, starCol{c.Name, &colExpr{idx: src.offset + i, t: c.Type, origin: src.origin(i)}})
		}
	}
	if !found {
		if len(it.StarOf) > 0 {
			return nil, b.errAt(it, sqlerr.New(4104, strings.Join(it.StarOf, ".")))
		}
		return nil, b.errAt(it, sqlerr.New(263))
	}
	return out, nil
}

func (b *binder) bindOrderKey(o *parser.OrderItem, sel *parser.Select, p *selectPlan, sc *scope, agg *aggContext, aliases map[string]int) (orderKey, error) {
	if ref, ok := o.Expr.(*parser.ColumnRef); ok && len(ref.Parts) == 1 {
		if i, ok := aliases[strings.ToLower(ref.Parts[0])]; ok {
			return orderKey{col: i, desc: o.Desc}, nil
		}
	}
	if lit, ok := o.Expr.(*parser.Literal); ok && lit.Kind == parser.LitInt {
		n, _ := strconv.Atoi(lit.Value)
		if n < 1 || n > len(p.project) {
			return orderKey{}, b.errAt(o, sqlerr.New(108, n))
		}
		return orderKey{col: n - 1, desc: o.Desc}, nil
	}
	if p.distinct {
		text := o.Expr.String()
		for i, it := range sel.Items {
			if it.Expr != nil && it.Expr.String() == text {
				return orderKey{col: i, desc: o.Desc}, nil
			}
		}
		return orderKey{}, b.errAt(o, sqlerr.New(145))
	}
	x, err := b.bindExpr(o.Expr, sc, agg, types.TypeUnknown)
	if err != nil {
		if agg != nil && sqlerr.Is(err, 8120) {
			return orderKey{}, b.errAt(o, sqlerr.New(8127, o.Expr.String()))
		}
		return orderKey{}, err
	}
	return orderKey{col: -1, x: x, desc: o.Desc}, nil
}

// run executes the plan, calling emit for each output row (valid only
// during the call).
func (p *selectPlan) run(e *env, emit func([]types.Value) error) error {
	if p.srf {
		emit = expandSRF(emit)
	}
	limit, err := p.limit(e, p.top, -1)
	if err != nil {
		return err
	}
	if !p.grouped && (len(p.orderBy) == 0 || p.presorted) && !p.distinct && !p.topPercent && p.offset == nil && p.fetch == nil && len(p.windows) == 0 {
		return p.stream(e, limit, emit)
	}
	rows, err := p.materialize(e)
	if err != nil {
		return err
	}
	if p.distinct {
		if rows, err = distinctRows(e, rows, len(p.project)); err != nil {
			return err
		}
	}
	if len(p.orderBy) > 0 && !p.presorted {
		if err := p.sortRows(e, rows); err != nil {
			return err
		}
	}
	off, err := p.limit(e, p.offset, 0)
	if err != nil {
		return err
	}
	if off > 0 {
		rows = rows[min(int(off), len(rows)):]
	}
	if p.fetch != nil {
		n, err := p.limit(e, p.fetch, -1)
		if err != nil {
			return err
		}
		if n >= 0 && int(n) < len(rows) {
			rows = rows[:n]
		}
	}
	if p.topPercent {
		pct, err := p.top.eval(e)
		if err != nil {
			return err
		}
		if f, _ := pct.(float64); pct != nil {
			if f < 0 || f > 100 {
				return sqlerr.New(1014)
			}
			limit = int64(math.Ceil(float64(len(rows)) * f / 100))
		}
	}
	if limit >= 0 && int(limit) < len(rows) {
		rows = rows[:limit]
	}
	for _, r := range rows {
		if err := e.gov.Check(); err != nil {
			return err
		}
		if err := emit(r[:len(p.project)]); err != nil {
			return err
		}
	}
	return nil
}

// limit evaluates a TOP/OFFSET/FETCH count (def when absent).
func (p *selectPlan) limit(e *env, x expr, def int64) (int64, error) {
	if x == nil || p.topPercent && x == p.top {
		return def, nil
	}
	v, err := x.eval(e)
	if err != nil {
		return 0, err
	}
	n, ok := v.(int64)
	if !ok || n < 0 {
		return 0, sqlerr.New(1014)
	}
	return n, nil
}

func (p *selectPlan) stream(e *env, limit int64, emit func([]types.Value) error) error {
	if limit == 0 {
		return nil
	}
	out := make([]types.Value, len(p.project))
	var n int64
	err := p.src.scan(e, func(row []types.Value) error {
		e.row = row
		if p.where != nil {
			v, err := p.where.eval(e)
			if err != nil {
				return err
			}
			if !truth(v) {
				return nil
			}
		}
		for i, x := range p.project {
			v, err := x.eval(e)
			if err != nil {
				return err
			}
			out[i] = v
		}
		if err := emit(out); err != nil {
			return err
		}
		if n++; limit >= 0 && n >= limit {
			return errStopScan
		}
		return nil
	})
	if err == errStopScan {
		return nil
	}
	return err
}

// materialize computes every output row, followed by its ORDER BY
// expression values. The rows, and the groups of a grouped query, count
// against the statement's memory (engine/govern); the statement's end
// gives it back.
func (p *selectPlan) materialize(e *env) ([][]types.Value, error) {
	var project func() error
	var rows [][]types.Value
	var kept []rowContext // with window functions: each row's context (window.go)
	produce := func() error {
		if p.having != nil {
			v, err := p.having.eval(e)
			if err != nil {
				return err
			}
			if !truth(v) {
				return nil
			}
		}
		if p.windows != nil {
			c, err := keepContext(e)
			kept = append(kept, c)
			return err
		}
		return project()
	}
	project = func() error {
		out := make([]types.Value, len(p.project), len(p.project)+len(p.orderBy))
		for i, x := range p.project {
			v, err := x.eval(e)
			if err != nil {
				return err
			}
			out[i] = v
		}
		for _, k := range p.orderBy {
			if k.col >= 0 {
				out = append(out, out[k.col])
				continue
			}
			v, err := k.x.eval(e)
			if err != nil {
				return err
			}
			out = append(out, v)
		}
		rows = append(rows, out)
		return e.gov.Grow(govern.RowSize(out) + 8) // and its slot in rows
	}
	filter := func(row []types.Value) (bool, error) {
		e.row = row
		if p.where == nil {
			return true, nil
		}
		v, err := p.where.eval(e)
		return truth(v), err
	}
	if !p.grouped {
		err := p.src.scan(e, func(row []types.Value) error {
			if ok, err := filter(row); !ok || err != nil {
				return err
			}
			return produce()
		})
		if err != nil || p.windows == nil {
			return rows, err
		}
		return rows, p.projectWindowed(e, kept, project)
	}
	type group struct {
		keys []types.Value
		accs []*accumulator
	}
	groups := map[string]*group{}
	intGroups := map[int64]*group{} // one integer GROUP BY column: no encoding
	var small [256]*group           // and its values 0..255 without hashing
	oneInt := len(p.groupBy) == 1 && p.groupBy[0].typ().Kind.IsInteger()
	var order []*group
	var enc, last []byte // a row's group key encoded; the last group's (stream aggregate)
	kv := make([]types.Value, len(p.groupBy))
	err := p.src.scan(e, func(row []types.Value) error {
		if ok, err := filter(row); !ok || err != nil {
			return err
		}
		enc = enc[:0]
		for i, g := range p.groupBy {
			v, err := g.eval(e)
			if err != nil {
				return err
			}
			kv[i] = v
			if !oneInt || p.groupsArrive {
				enc = keys.AppendValue(enc, v, g.typ())
			}
		}
		var n int64
		isInt := false
		if oneInt && !p.groupsArrive {
			if n, isInt = kv[0].(int64); !isInt {
				enc = keys.AppendValue(enc, kv[0], p.groupBy[0].typ()) // NULL
			}
		}
		var gr *group
		switch {
		case isInt:
			if uint64(n) < uint64(len(small)) {
				gr = small[n]
			} else {
				gr = intGroups[n]
			}
		case p.groupsArrive:
			if n := len(order); n > 0 && string(last) == string(enc) {
				gr = order[n-1]
			}
		default:
			gr = groups[string(enc)]
		}
		if gr == nil {
			gr = &group{keys: append([]types.Value(nil), kv...), accs: newAccumulators(p.aggs)}
			switch {
			case isInt:
				if uint64(n) < uint64(len(small)) {
					small[n] = gr
				} else {
					intGroups[n] = gr
				}
			case p.groupsArrive:
				last = append(last[:0], enc...)
			default:
				groups[string(enc)] = gr
			}
			order = append(order, gr)
			if err := e.gov.Grow(int64(len(enc)) + govern.EntrySize + govern.RowSize(gr.keys) + accumulatorSize*int64(len(gr.accs))); err != nil {
				return err
			}
		}
		for _, a := range gr.accs {
			if err := a.add(e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(order) == 0 && len(p.groupBy) == 0 { // aggregate over no rows: one group
		order = append(order, &group{accs: newAccumulators(p.aggs)})
	}
	e.row = nil
	for _, gr := range order {
		if err := e.gov.Check(); err != nil {
			return nil, err
		}
		e.keys = gr.keys
		e.aggs = make([]types.Value, len(gr.accs))
		for i, a := range gr.accs {
			v, err := a.result()
			if err != nil {
				return nil, err
			}
			e.aggs[i] = v
		}
		if err := produce(); err != nil {
			return nil, err
		}
	}
	if p.windows != nil {
		return rows, p.projectWindowed(e, kept, project)
	}
	return rows, nil
}

// distinctRows keeps the first of each set of equal rows; the set of keys
// it has seen counts against the statement's memory.
func distinctRows(e *env, rows [][]types.Value, width int) ([][]types.Value, error) {
	seen := map[string]bool{}
	out := rows[:0]
	for _, r := range rows {
		if err := e.gov.Check(); err != nil {
			return nil, err
		}
		var enc []byte
		for _, v := range r[:width] {
			enc = keys.AppendValue(enc, v, types.TypeUnknown)
		}
		if !seen[string(enc)] {
			seen[string(enc)] = true
			out = append(out, r)
			if err := e.gov.Grow(int64(len(enc)) + govern.EntrySize); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// sortRows orders rows by the ORDER BY values appended after the output
// columns; NULLs sort first, as in SQL Server. The sort stops when the
// statement must.
func (p *selectPlan) sortRows(e *env, rows [][]types.Value) error {
	base := len(p.project)
	return govern.SortStable(e.gov, rows, func(a, b []types.Value) int {
		for i, k := range p.orderBy {
			c := compareNullsFirst(a[base+i], b[base+i])
			if k.desc {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		return 0
	})
}
