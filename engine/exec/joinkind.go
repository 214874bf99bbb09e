package exec

// JoinKind says which rows a join keeps: the binder maps the parser's
// join kinds onto it, so the join operators need no parser.
type JoinKind uint8

const (
	InnerJoin JoinKind = iota
	LeftJoin
	RightJoin
	FullJoin
	CrossJoin // an inner join without a condition of its own
)

// Logical is the logical operator SQL Server names for a join kind.
func (k JoinKind) Logical() string {
	switch k {
	case LeftJoin:
		return "Left Outer Join"
	case RightJoin:
		return "Right Outer Join"
	case FullJoin:
		return "Full Outer Join"
	}
	return "Inner Join"
}

// Preserves reports whether the join keeps its left (or right) input's
// unmatched rows, padded with NULLs.
func (k JoinKind) Preserves(left bool) bool {
	if left {
		return k == LeftJoin || k == FullJoin
	}
	return k == RightJoin || k == FullJoin
}
