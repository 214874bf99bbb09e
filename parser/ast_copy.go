package parser

// The bulk-load statements: PostgreSQL's COPY, which every PostgreSQL
// client and driver uses to move data in and out, and T-SQL's BULK INSERT,
// which loads a file on the server.

// Copy is COPY table [(columns)] {FROM | TO} {STDIN | STDOUT | 'file' |
// PROGRAM 'command'} [[WITH] (option [, ...])], or COPY (query) TO ....
// Old-style options (CSV HEADER, DELIMITER AS ',', NULL AS ”, BINARY,
// FORCE NOT NULL a) are stored as their new-style names and print so.
type Copy struct {
	Pos
	Table   *ObjectName // nil when Query is set
	Columns []string
	Query   *Select
	From    bool   // FROM (load); false for TO (unload)
	File    string // server file or program; "" for STDIN / STDOUT
	Program bool   // File is a PROGRAM command
	Options []*CopyOption
}

// CopyOption is one COPY option. Name is upper-case (FORMAT, HEADER,
// DELIMITER, NULL, QUOTE, ESCAPE, FORCE_QUOTE, FORCE_NOT_NULL, FORCE_NULL,
// ENCODING, FREEZE ...). An option has at most one of: a value (a string
// when Quoted, else a word or number as written), a column list, a star.
type CopyOption struct {
	Pos
	Name    string
	Value   string
	Quoted  bool
	HasArg  bool // a value was given (it may be the empty string)
	Columns []string
	Star    bool
}

// BulkInsert is BULK INSERT table FROM 'file' [WITH (option [= value],
// ...)].
type BulkInsert struct {
	Pos
	Table   ObjectName
	File    string
	Options []*BulkOption
}

// BulkOption is one BULK INSERT option: Name upper-case, Value as written
// (unquoted; a string when Quoted), HasArg when "= value" was given.
type BulkOption struct {
	Pos
	Name   string
	Value  string
	Quoted bool
	HasArg bool
}

func (*Copy) statementNode()       {}
func (*BulkInsert) statementNode() {}
