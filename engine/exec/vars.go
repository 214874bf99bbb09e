package exec

import (
	"strings"

	"mirrordb/types"
)

// Vars are a batch's local variables (DECLARE @v): typed slots that the
// statements of the batch, bound one by one as the batch reaches them,
// read through VarRef and assign to. A batch has one Vars; it dies with
// the batch (GO). Only the session's goroutine touches it.
type Vars struct{ list []*Var }

// Var is one variable: its declared type, where its DECLARE is in the
// batch text (a variable exists for the text after it, as SQL Server
// compiles a batch before running it) and its value, NULL until assigned.
type Var struct {
	Name string // without the @
	T    types.Type
	At   int // byte offset of the declaration in the batch
	V    types.Value
}

// Declare adds a variable; false when the name is taken (Msg 134).
func (vs *Vars) Declare(name string, t types.Type, at int) (*Var, bool) {
	for _, v := range vs.list {
		if strings.EqualFold(v.Name, name) {
			return v, false
		}
	}
	v := &Var{Name: name, T: t, At: at}
	vs.list = append(vs.list, v)
	return v, true
}

// Lookup finds the variable name as seen from byte offset at of the batch:
// nil when there is none or its DECLARE comes later (Msg 137).
func (vs *Vars) Lookup(name string, at int) *Var {
	if vs == nil {
		return nil
	}
	for _, v := range vs.list {
		if v.At < at && strings.EqualFold(v.Name, name) {
			return v
		}
	}
	return nil
}

// VarRef reads a variable. Its value is the one the variable holds when
// the expression is evaluated, so a statement sees the assignments made
// before it, and an assignment SELECT those of the rows before.
type VarRef struct{ Var *Var }

func (r *VarRef) Type() types.Type               { return r.Var.T }
func (r *VarRef) Eval(*Env) (types.Value, error) { return r.Var.V, nil }
