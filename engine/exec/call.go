package exec

import (
	"strings"

	"mirrordb/engine/builtins"
	"mirrordb/types"
)

// Builtin is a scalar function. Type computes the result type from the
// (bound) argument types; Eval computes the value. Unless NullSafe is set,
// a NULL argument makes the result NULL without calling Eval. The engine
// holds the table of them (its session functions among them).
type Builtin struct {
	Min, Max int // argument count bounds (Max -1: variadic)
	Type     func(args []types.Type) types.Type
	Eval     func(e *Env, args []types.Value, ts []types.Type) (types.Value, error)
	NullSafe bool // Eval handles NULL arguments itself
	Volatile bool // never folded into a constant at bind time
}

// Call calls a Builtin (or reads a @@global, which is a builtin too).
type Call struct {
	Name string
	Fn   *Builtin
	Args []Expr
	ArgT []types.Type
	T    types.Type
	Agg  bool
}

func (f *Call) Type() types.Type { return f.T }

func (f *Call) Eval(e *Env) (types.Value, error) {
	vals := make([]types.Value, len(f.Args))
	for i, a := range f.Args {
		v, err := a.Eval(e)
		if err != nil {
			return nil, err
		}
		if v == nil && !f.Fn.NullSafe {
			return nil, nil
		}
		vals[i] = v
	}
	v, err := f.Fn.Eval(e, vals, f.ArgT)
	if err != nil {
		return nil, err
	}
	if v != nil && f.T.Kind.IsString() {
		if s, ok := v.(string); !ok {
			v = types.ToText(v, types.TypeUnknown)
		} else {
			v = s
		}
	}
	return v, nil
}

// Explain prints a call as plans do: @@globals by name, functions in
// lower case over their arguments.
func (v *Call) Explain(x *Explainer, n *Names) string {
	if strings.HasPrefix(v.Name, "@@") {
		return v.Name
	}
	args := make([]string, len(v.Args))
	for i, a := range v.Args {
		args[i] = x.Text(a, n)
	}
	return strings.ToLower(v.Name) + "(" + strings.Join(args, ",") + ")"
}

// FromValues is a function of values alone (engine/builtins) as a Builtin.
func FromValues(f *builtins.Func) *Builtin {
	return &Builtin{Min: f.Min, Max: f.Max, Type: f.Type, NullSafe: f.NullSafe, Volatile: f.Volatile, Eval: ValuesOnly(f.Eval)}
}

// ValuesOnly is an evaluation that needs no environment.
func ValuesOnly(f builtins.EvalFunc) func(*Env, []types.Value, []types.Type) (types.Value, error) {
	return func(_ *Env, a []types.Value, ts []types.Type) (types.Value, error) { return f(a, ts) }
}
