package exec

import (
	"mirrordb/engine/govern"
	"mirrordb/engine/keys"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// AggSpec is one aggregate call of a grouped query.
type AggSpec struct {
	Name     string // COUNT, COUNT_BIG, SUM, AVG, MIN, MAX
	Arg      Expr   // nil for COUNT(*)
	Distinct bool
	T        types.Type
	Text     string // printed call, to share identical aggregates
	Sep      string // STRING_AGG's separator
}

// accumulatorSize approximates an accumulator's memory, for a group's
// share of the statement's budget.
const accumulatorSize = 64

// Accumulator computes one aggregate over a group.
type Accumulator struct {
	spec  *AggSpec
	count int64
	sum   types.Value // running SUM/AVG total, or MIN/MAX value
	seen  map[string]bool
	// isum is an integer SUM/AVG's running total, kept unboxed (hasInt:
	// it has one), which spares every row a conversion and an allocation.
	isum   int64
	hasInt bool
	// text is STRING_AGG's result so far (hasText: a value was added),
	// appended to in place rather than copied whole per row.
	text    []byte
	hasText bool
	// held is what the distinct values and the text count against the
	// statement's memory, given back with the group (releaseAccumulators).
	held int64
}

// Grow counts n more bytes held by the accumulator.
func (a *Accumulator) grow(e *Env, n int64) error {
	if err := e.Gov.Grow(n); err != nil {
		return err
	}
	a.held += n
	return nil
}

// ReleaseAccumulators gives back what a finished group's aggregates hold.
func ReleaseAccumulators(e *Env, accs []*Accumulator) {
	for _, a := range accs {
		e.Gov.Shrink(a.held)
		a.held = 0
	}
}

func NewAccumulators(specs []*AggSpec) []*Accumulator {
	accs := make([]*Accumulator, len(specs))
	for i, s := range specs {
		accs[i] = &Accumulator{spec: s}
		if s.Distinct {
			accs[i].seen = map[string]bool{}
		}
	}
	return accs
}

// Add takes the aggregate's argument for the current row of e.
func (a *Accumulator) Add(e *Env) error {
	if a.spec.Arg == nil { // COUNT(*)
		a.count++
		return nil
	}
	v, err := a.spec.Arg.Eval(e)
	if err != nil || v == nil {
		return err
	}
	if a.seen != nil {
		k := string(keys.AppendValue(nil, v, a.spec.Arg.Type()))
		if a.seen[k] {
			return nil
		}
		a.seen[k] = true
		if err := a.grow(e, int64(len(k))+govern.EntrySize); err != nil {
			return err
		}
	}
	a.count++
	switch a.spec.Name {
	case "COUNT", "COUNT_BIG":
		return nil
	case "STRING_AGG":
		s := types.ToText(v, a.spec.Arg.Type())
		grown := int64(len(s))
		if a.hasText {
			a.text = append(a.text, a.spec.Sep...)
			grown += int64(len(a.spec.Sep))
		}
		a.text, a.hasText = append(a.text, s...), true
		return a.grow(e, grown)
	case "MIN", "MAX":
		if a.sum == nil {
			a.sum = v
			return nil
		}
		c := types.Compare(v, a.sum)
		if (a.spec.Name == "MIN" && c < 0) || (a.spec.Name == "MAX" && c > 0) {
			a.sum = v
		}
		return nil
	}
	// SUM and AVG accumulate in the result type.
	if n, ok := v.(int64); ok && a.spec.T.Kind.IsInteger() && a.spec.Arg.Type().Kind.IsInteger() {
		s := a.isum + n
		if (s > a.isum) != (n > 0) || !types.CheckIntRange(s, a.spec.T.Kind) {
			return Overflow(a.spec.T.Kind)
		}
		a.isum, a.hasInt = s, true
		return nil
	}
	cv, cerr := types.Convert(v, a.spec.Arg.Type(), a.spec.T, types.Implicit)
	if cerr != nil {
		return cerr
	}
	if a.sum == nil {
		a.sum = cv
		return nil
	}
	s, err := sumValues(a.sum, cv, a.spec.T)
	if err != nil {
		return err
	}
	a.sum = s
	return nil
}

func sumValues(x, y types.Value, t types.Type) (types.Value, error) {
	switch xv := x.(type) {
	case int64:
		return IntArith("+", xv, y.(int64), t.Kind)
	case types.Dec:
		return DecArith("+", xv, y.(types.Dec), t)
	case float64:
		return FloatArith("+", xv, y.(float64), t.Kind)
	}
	return nil, sqlerr.New(8117, t.Kind.String(), "sum")
}

// Result is the aggregate's value over the rows added.
func (a *Accumulator) Result() (types.Value, error) {
	if a.hasInt {
		a.sum = a.isum
	}
	switch a.spec.Name {
	case "COUNT":
		if !types.CheckIntRange(a.count, types.Int) {
			return nil, sqlerr.New(8115, "expression", "int")
		}
		return a.count, nil
	case "COUNT_BIG":
		return a.count, nil
	case "STRING_AGG":
		if !a.hasText {
			return nil, nil
		}
		return string(a.text), nil
	case "AVG":
		if a.count == 0 || a.sum == nil {
			return nil, nil
		}
		switch s := a.sum.(type) {
		case int64:
			return s / a.count, nil
		case types.Dec:
			_, scale := a.spec.T.PrecisionScale() // money's is 4
			q, _ := s.Quo(types.DecFromInt(a.count), int32(scale))
			return q, nil
		case float64:
			return s / float64(a.count), nil
		}
	}
	return a.sum, nil
}
