package bind

import (
	"strings"

	"mirrordb/engine/builtins"
	"mirrordb/engine/exec"
	"mirrordb/parser"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// Functions maps upper-case scalar function names to their
// implementation, and Globals the @@ variables' names (without @@) to
// theirs. The engine fills both in its init (the functions of values from
// engine/builtins, and those that read the session, the instance or the
// statement's clock through exec.Env.Sess); binding only reads them.
var (
	Functions = map[string]*exec.Builtin{}
	Globals   = map[string]*exec.Builtin{}
)

// BindGlobal binds @@name.
func (b *Binder) BindGlobal(x *parser.GlobalVar) (exec.Expr, error) {
	g, ok := Globals[x.Name]
	if !ok {
		return nil, b.ErrAt(x, sqlerr.New(137, "@@"+x.Name))
	}
	return &exec.Call{Name: "@@" + x.Name, Fn: g, T: g.Type(nil)}, nil
}

// BindFunc binds a function call: a window function (or an aggregate with
// OVER), an aggregate, a date function, or a scalar function of
// Functions. The set-returning functions of a select list are the
// engine's (Engine.BindOther).
func (b *Binder) BindFunc(x *parser.FuncCall, sc *Scope, agg *AggContext, hint types.Type) (exec.Expr, error) {
	name := strings.ToUpper(x.Name.Object())
	if x.Over != nil || len(x.Name.Parts) == 1 && WindowOnly[name] {
		return b.bindWindow(x, name, sc, agg) // window.go
	}
	if IsSelectListSRF(x, name) {
		return b.Engine.BindOther(x, sc, agg, hint)
	}
	if len(x.Name.Parts) == 1 && IsAggregateName(name) {
		return b.bindAggregate(x, name, agg)
	}
	switch name {
	case "DATEADD", "DATEDIFF", "DATEPART", "DATENAME", "DATEDIFF_BIG":
		return b.bindDateFunc(x, name, sc, agg)
	}
	if name == "NEWSEQUENTIALID" {
		if err := b.checkSequentialID(x); err != nil {
			return nil, err
		}
	}
	fn := Functions[name]
	if fn == nil || (len(x.Name.Parts) > 1 && !knownSchema(x.Name)) {
		return nil, b.ErrAt(x, sqlerr.New(195, strings.Join(x.Name.Parts, "."), "built-in function name"))
	}
	if len(x.Args) < fn.Min || (fn.Max >= 0 && len(x.Args) > fn.Max) || x.Star {
		if fn.Min == fn.Max || fn.Max < 0 {
			return nil, b.ErrAt(x, sqlerr.New(174, name, fn.Min))
		}
		return nil, b.ErrAt(x, sqlerr.New(189, name, fn.Min, fn.Max))
	}
	f := &exec.Call{Name: name, Fn: fn}
	for i, a := range x.Args {
		h := types.TypeUnknown
		if i > 0 && (name == "ISNULL" || name == "COALESCE" || name == "NULLIF") {
			h = f.ArgT[0]
		}
		v, err := b.BindExpr(a, sc, agg, h)
		if err != nil {
			return nil, err
		}
		f.Args = append(f.Args, v)
		f.ArgT = append(f.ArgT, v.Type())
	}
	f.T = fn.Type(f.ArgT)
	if name == "ISNULL" || name == "COALESCE" || name == "IIF" {
		start := 0
		if name == "IIF" {
			start = 1
		}
		for i := start; i < len(f.Args); i++ {
			c, err := b.CoerceChecked(x, f.Args[i], f.T)
			if err != nil {
				return nil, err
			}
			f.Args[i] = c
			f.ArgT[i] = f.T
		}
	}
	return b.Fold(f), nil
}

// knownSchema accepts the schema qualifiers clients use for built-ins.
func knownSchema(n parser.ObjectName) bool {
	switch strings.ToLower(n.Schema()) {
	case "pg_catalog", "sys", "dbo":
		return true
	}
	return false
}

// IsSelectListSRF says whether a call is one of PostgreSQL's
// set-returning functions a select list may hold (unnest,
// generate_subscripts, generate_series, information_schema._pg_expandarray).
func IsSelectListSRF(x *parser.FuncCall, name string) bool {
	n := x.Name.Parts
	if name == "_PG_EXPANDARRAY" {
		return len(n) == 1 || len(n) == 2 && strings.EqualFold(n[0], "information_schema")
	}
	return (name == "UNNEST" || name == "GENERATE_SUBSCRIPTS" || name == "GENERATE_SERIES") &&
		(len(n) == 1 || len(n) == 2 && strings.EqualFold(n[0], "pg_catalog"))
}

// bindDateFunc binds DATEADD, DATEDIFF[_BIG], DATEPART and DATENAME, whose
// first argument is a date part's name, not an expression.
func (b *Binder) bindDateFunc(x *parser.FuncCall, name string, sc *Scope, agg *AggContext) (exec.Expr, error) {
	want := map[string]int{"DATEADD": 3, "DATEDIFF": 3, "DATEDIFF_BIG": 3, "DATEPART": 2, "DATENAME": 2}[name]
	if len(x.Args) != want {
		return nil, b.ErrAt(x, sqlerr.New(174, name, want))
	}
	partName := ""
	switch p := x.Args[0].(type) {
	case *parser.ColumnRef:
		if len(p.Parts) == 1 {
			partName = p.Parts[0]
		}
	case *parser.Literal:
		partName = p.Value
	}
	part, ok := builtins.CanonicalDatePart(partName)
	if !ok {
		return nil, b.ErrAt(x.Args[0], sqlerr.New(155, partName, strings.ToLower(name)))
	}
	var args []exec.Expr
	for i, a := range x.Args[1:] {
		h := types.DateTime2Type(7)
		if name == "DATEADD" && i == 0 {
			h = types.TypeInt
		}
		v, err := b.BindExpr(a, sc, agg, h)
		if err != nil {
			return nil, err
		}
		args = append(args, v)
	}
	f := &exec.Call{Name: name, Args: args}
	for _, a := range args {
		f.ArgT = append(f.ArgT, a.Type())
	}
	switch name {
	case "DATEADD":
		f.T = f.ArgT[1]
		if !f.T.Kind.IsTemporal() {
			f.T = types.TypeDateTime
		}
		f.Fn = &exec.Builtin{Eval: exec.ValuesOnly(builtins.DateAddFunc(part, f.T))}
	case "DATEDIFF", "DATEDIFF_BIG":
		f.T = types.TypeInt
		if name == "DATEDIFF_BIG" {
			f.T = types.TypeBigInt
		}
		f.Fn = &exec.Builtin{Eval: exec.ValuesOnly(builtins.DateDiffFunc(part, name == "DATEDIFF_BIG"))}
	case "DATEPART":
		f.T = types.TypeInt
		f.Fn = &exec.Builtin{Eval: exec.ValuesOnly(builtins.DatePartFunc(part))}
	case "DATENAME":
		f.T = types.NVarCharType(30)
		f.Fn = &exec.Builtin{Eval: exec.ValuesOnly(builtins.DateNameFunc(part))}
	}
	return b.Fold(f), nil
}

// Default is a column DEFAULT while it is bound: functions allowed only
// there (NEWSEQUENTIALID) see that they are in one.
type Default struct {
	Expr parser.Expr
	Col  types.Type
}

// BindDefault binds a column's DEFAULT expression as a value of its type.
func (b *Binder) BindDefault(d parser.Expr, col types.Type) (exec.Expr, error) {
	outer := b.inDefault
	b.inDefault = &Default{Expr: d, Col: col}
	defer func() { b.inDefault = outer }()
	return b.BindTypedValue(d, nil, col)
}

// checkSequentialID rejects NEWSEQUENTIALID() anywhere but as the whole
// DEFAULT of a uniqueidentifier column (302).
func (b *Binder) checkSequentialID(x *parser.FuncCall) error {
	d := b.inDefault
	if d == nil || d.Col.Kind != types.UniqueIdentifier || unparen(d.Expr) != parser.Expr(x) {
		return b.ErrAt(x, sqlerr.New(302))
	}
	return nil
}

func unparen(x parser.Expr) parser.Expr {
	for {
		p, ok := x.(*parser.Paren)
		if !ok {
			return x
		}
		x = p.X
	}
}
