package parser

// Secondary indexes: CREATE INDEX and DROP INDEX (grammar_index.go).

// CreateIndex is CREATE [UNIQUE] [CLUSTERED | NONCLUSTERED] INDEX name ON
// table (col [ASC | DESC], ...) [INCLUDE (col, ...)] [WHERE filter]
// [WITH (option = value, ...)] [ON filegroup].
type CreateIndex struct {
	Pos
	Unique    bool
	Clustered bool // CLUSTERED was written (NONCLUSTERED is the default)
	Name      string
	Table     ObjectName
	Columns   []string
	Desc      []bool // parallel to Columns
	Include   []string
	Where     Expr // the filter of a filtered index, nil when absent
	Options   []*IndexOption
	// FileGroup is the ON clause's filegroup ([PRIMARY]), "" when absent;
	// accepted and ignored.
	FileGroup string
}

// IndexOption is one WITH option of CREATE INDEX: a name and its value
// (ON, OFF, a number), as written.
type IndexOption struct {
	Pos
	Name  string // upper case
	Value string // upper case
}

// DropIndex is DROP INDEX [IF EXISTS] name ON table [, ...] or the older
// DROP INDEX table.name [, ...].
type DropIndex struct {
	Pos
	IfExists bool
	Indexes  []IndexRef
}

// IndexRef names one index of a table.
type IndexRef struct {
	Table ObjectName
	Name  string
}

func (*CreateIndex) statementNode() {}
func (*DropIndex) statementNode()   {}
