package parser

// The parser's public entry points. (Contract for the engine; the
// implementation lives in the other files of this package.)
//
//	batches := parser.Split(query)          // GO-separated batches
//	for _, b := range batches {
//	    stmts, err := parser.ParseBatch(b)  // cached by batch text
//	    ...
//	}
//	stmt, err := parser.ParseStatement(text) // extended protocol: exactly one
//	pz, ok := parser.Parameterize(text)      // simple parameterization (autoparam.go)
//
// Errors are *sqlerr.Error: Msg 102/156 (SQLSTATE 42601) for syntax errors,
// 105 for an unclosed quotation mark, 113 for a missing end of comment.
// Their Line is the line within the batch (as SQL Server reports it) and
// their Position the 1-based character offset within the whole query
// string (as PostgreSQL clients expect it).

// BatchText is one batch of a query string, as cut by Split.
type BatchText struct {
	// Text is the batch's source text (without its GO line).
	Text string
	// Offset is the byte offset of Text within the query string.
	Offset int
	// RuneOffset is the character offset of Text within the query string.
	RuneOffset int
	// Line is the 1-based line number of the batch's first line within the
	// query string.
	Line int
	// Count is how many times to run the batch ("GO 5" → 5); 1 by default.
	Count int
}

// PositionOf converts a position inside the batch into the 1-based
// character offset within the whole query string, for error reports.
func (b BatchText) PositionOf(p Pos) int {
	n := 0
	for i := range b.Text {
		if i >= p.Offset {
			break
		}
		n++
	}
	return b.RuneOffset + n + 1
}
