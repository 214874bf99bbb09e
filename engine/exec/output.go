package exec

import (
	"mirrordb/engine/govern"
	"mirrordb/session"
	"mirrordb/types"
)

// Output is a bound OUTPUT clause of INSERT, UPDATE or DELETE, or
// PostgreSQL's RETURNING, which is OUTPUT spelt differently: its items
// are computed over the deleted and inserted images of each changed row.
type Output struct {
	Cols    []session.Column
	Project []Expr
	// Deleted and Inserted are the offsets of each image in the combined
	// row the items read; -1 when the statement has no such image.
	Deleted, Inserted int
	Width             int
}

// Add computes the output row of one changed row (old or new is nil when
// the statement has no such image) and keeps it in e.Output, sent once
// the statement has changed every row. A nil Output adds nothing.
func (p *Output) Add(e *Env, old, new []types.Value) error {
	if p == nil {
		return nil
	}
	row := make([]types.Value, p.Width)
	if p.Deleted >= 0 {
		copy(row[p.Deleted:], old)
	}
	if p.Inserted >= 0 {
		copy(row[p.Inserted:], new)
	}
	saved := e.Row
	defer func() { e.Row = saved }()
	e.Row = row
	out := make([]types.Value, len(p.Project))
	for i, x := range p.Project {
		v, err := x.Eval(e)
		if err != nil {
			return err
		}
		out[i] = v
	}
	if err := e.Gov.Grow(govern.RowSize(out)); err != nil {
		return err
	}
	e.Output = append(e.Output, out)
	return nil
}
