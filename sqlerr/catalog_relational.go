package sqlerr

// The messages of set operations, derived tables, common table
// expressions and window functions (engine/bind/setop.go, derived.go,
// window.go; engine/exec/setop.go), kept apart from catalog.go's table.
var relationalMessages = map[int]msgDef{
	104:   {15, InvalidColumnReference, "ORDER BY items must appear in the select list if the statement contains a UNION, INTERSECT or EXCEPT operator."},
	205:   {16, SyntaxError, "All queries combined using a UNION, INTERSECT or EXCEPT operator must have an equal number of expressions in their target lists."},
	252:   {16, SyntaxError, "Recursive common table expression '%s' does not contain a top-level UNION ALL operator."},
	530:   {16, ProgramLimitExceeded, "The statement terminated. The maximum recursion %d has been exhausted before statement completion."},
	1033:  {15, SyntaxError, "The ORDER BY clause is invalid in views, inline functions, derived tables, subqueries, and common table expressions, unless TOP, OFFSET or FOR XML is also specified."},
	4108:  {15, GroupingError, "Windowed functions can only appear in the SELECT or ORDER BY clauses."},
	4109:  {16, GroupingError, "Windowed functions cannot be used in the context of another windowed function or aggregate."},
	4112:  {15, SyntaxError, "The function '%s' must have an OVER clause with ORDER BY."},
	4130:  {16, InvalidParameterValue, "The function 'ntile' takes only positive int or bigint expressions as its input."},
	8730:  {16, InvalidParameterValue, "Offset parameter for Lag and Lead functions cannot be a negative value."},
	8155:  {16, InvalidName, "No column name was specified for column %d of '%s'."},
	8156:  {16, DuplicateColumn, "The column '%s' was specified multiple times for '%s'."},
	8158:  {16, SyntaxError, "'%s' has more columns than were specified in the column list."},
	8159:  {16, SyntaxError, "'%s' has fewer columns than were specified in the column list."},
	10753: {15, SyntaxError, "The function '%s' must have an OVER clause."},
	10759: {15, FeatureNotSupported, "Use of DISTINCT is not allowed with the OVER clause."},
	4113:  {15, WrongObjectType, "The function '%s' is not a valid windowing function, and cannot be used with the OVER clause."},
	// PostgreSQL's set-returning functions have no SQL Server message
	// (engine/pgsrf.go); mirrordb's own, PostgreSQL's text.
	50140: {16, FeatureNotSupported, "set-returning functions are not allowed in %s"},
	50141: {16, FeatureNotSupported, "%s function calls cannot contain set-returning function calls"},
}

func init() { addMessages(relationalMessages) }
