package parser

import (
	"github.com/alecthomas/participle/v2/lexer"
)

// The statement grammar, written as participle struct tags. Each statement
// struct converts itself to its ast.go node (convert.go). Expressions,
// select lists, VALUES rows, names and types are hand-written parsers
// plugged in as custom productions (expr.go, clauses.go), so that
// participle only walks the statement skeleton.
//
// Conventions: keywords are matched as literals ("SELECT" matches the
// Keyword token, whose value is upper-case; "RECOVERY" matches an Ident in
// any case); names are captured raw ([a b]) and unquoted on conversion.

// script is a batch: statements separated by semicolons or by nothing.
type script struct {
	Stmts []stmtNode `parser:"( (?! EOF) @@ | ';' )*"`
}

// stmtNode is any statement production (a participle union).
type stmtNode interface {
	// build converts the production; src is the batch text.
	build(src string) (Statement, error)
}

// statementMembers lists the statement productions in the order the union
// tries them (the most frequent first).
func statementMembers() []stmtNode {
	return []stmtNode{
		&selectStmt{}, &insertStmt{}, &updateStmt{}, &deleteStmt{},
		&setStmt{}, &beginStmt{}, &commitStmt{}, &rollbackStmt{}, &saveStmt{},
		&releaseStmt{}, &startStmt{}, &createDatabaseStmt{}, &createTableStmt{},
		&dropDatabaseStmt{}, &dropTableStmt{}, &truncateStmt{}, &useStmt{},
		&alterDatabaseStmt{}, &execStmt{}, &printStmt{}, &waitforStmt{},
		&checkpointStmt{}, &showStmt{}, &dbccStmt{}, &resetStmt{}, &killStmt{},
		&discardStmt{},
	}
}

// allMembers is the statement union: the common statements, then the
// index statements, the administrative ones (grammar_admin.go) and the bulk loads
// (grammar_copy.go), and last the variables and control flow (grammar_flow.go).
func allMembers() []stmtNode {
	return append(append(append(append(append(append(append(statementMembers(), indexMembers()...), alterMembers()...), adminMembers()...), copyMembers()...),
		typeMembers()...), constraintMembers()...), flowMembers()...)
}

// ---------------------------------------------------------------------------
// Queries and DML

type selectStmt struct {
	Pos    lexer.Position
	WithKw withStart    `parser:"( @@"`
	With   []*cteDef    `parser:"  @@ ( ',' @@ )* )?"`
	Core   selectCore   `parser:"@@"`
	SetOps []*setOpTail `parser:"@@*"`
	// ORDER BY and what follows apply to the whole query, set operations
	// included.
	OrderBy []*orderItem `parser:"( 'ORDER' 'BY' @@ ( ',' @@ )* )?"`
	// OFFSET without ORDER BY or ROWS, FETCH without OFFSET, and LIMIT are
	// PostgreSQL's (pgforms.go); T-SQL refuses them, so they mean nothing
	// else there.
	Offset  Expr        `parser:"( 'OFFSET' @@ ( 'ROW' | 'ROWS' )? )?"`
	Fetch   Expr        `parser:"( 'FETCH' ( 'FIRST' | 'NEXT' ) @@ ( 'ROW' | 'ROWS' ) 'ONLY' )?"`
	Limit   limitCount  `parser:"( 'LIMIT' @@"`
	Offset2 Expr        `parser:"  ( 'OFFSET' @@ ( 'ROW' | 'ROWS' )? )? )?"`
	Hints   []*joinHint `parser:"( 'OPTION' '(' @@ ( ',' @@ )* ')' )?"`
}

// selectCore is one SELECT ... FROM ... WHERE ... GROUP BY ... HAVING: an
// operand of the set operations.
type selectCore struct {
	Pos      lexer.Position
	Distinct bool           `parser:"'SELECT' ( @'DISTINCT' | 'ALL' )?"`
	Top      *topClause     `parser:"@@?"`
	Items    selectList     `parser:"@@"`
	From     []*tableSource `parser:"( 'FROM' @@ ( ',' @@ )* )?"`
	Where    Expr           `parser:"( 'WHERE' @@ )?"`
	GroupBy  []Expr         `parser:"( 'GROUP' 'BY' @@ ( ',' @@ )* )?"`
	Having   Expr           `parser:"( 'HAVING' @@ )?"`
}

// setOpTail is one UNION [ALL] | EXCEPT | INTERSECT and its right operand,
// a SELECT or a parenthesised query.
type setOpTail struct {
	Pos   lexer.Position
	Op    string      `parser:"@( 'UNION' | 'EXCEPT' | 'INTERSECT' )"`
	All   bool        `parser:"@'ALL'?"`
	Paren *selectStmt `parser:"( '(' @@ ')'"`
	Core  *selectCore `parser:"| @@ )"`
}

// cteDef is one common table expression of WITH: name [(columns)] AS (query).
type cteDef struct {
	Pos     lexer.Position
	Name    string      `parser:"@( Ident | QuotedIdent )"`
	Columns []string    `parser:"( '(' @( Ident | QuotedIdent ) ( ',' @( Ident | QuotedIdent ) )* ')' )?"`
	Query   *selectStmt `parser:"'AS' '(' @@ ')'"`
}

// joinHint is one query hint of OPTION (...): LOOP JOIN, HASH JOIN,
// FORCE ORDER or MAXRECURSION n.
type joinHint struct {
	Kind         string       `parser:"(  @( 'LOOP' | 'HASH' ) 'JOIN'"`
	Force        bool         `parser:" | @'FORCE' 'ORDER'"`
	MaxRecursion *lexer.Token `parser:" | 'MAXRECURSION' @Number )"`
}

// topClause is TOP n or TOP (expr), with optional PERCENT.
type topClause struct {
	Pos     lexer.Position
	Expr    Expr        `parser:"'TOP' ( '(' @@ ')'"`
	Count   lexer.Token `parser:"      | @Number )"`
	Percent bool        `parser:"@'PERCENT'?"`
}

type orderItem struct {
	Pos  lexer.Position
	Expr Expr `parser:"@@"`
	Desc bool `parser:"( @'DESC' | 'ASC' )?"`
}

// tableSource is one comma-separated entry of a FROM clause with its joins.
type tableSource struct {
	First *tablePrimary `parser:"@@"`
	Joins []*join       `parser:"@@*"`
}

type join struct {
	Pos   lexer.Position
	Apply string        `parser:"(  @( 'CROSS' | 'OUTER' ) 'APPLY'"`
	Lat   *tablePrimary `parser:"   @@"`
	Cross *tablePrimary `parser:" | 'CROSS' 'JOIN' @@"`
	Kind  string        `parser:" | ( @'INNER' | @( 'LEFT' | 'RIGHT' | 'FULL' ) 'OUTER'? )? 'JOIN'"`
	Right *tablePrimary `parser:"   @@"`
	On    Expr          `parser:"   ( 'ON' @@"`
	Using []string      `parser:"   | 'USING' '(' @( Ident | QuotedIdent ) ( ',' @( Ident | QuotedIdent ) )* ')' ) )"`
}

// tablePrimary is a table, view or table-valued function with its alias,
// or a derived table: (query) [AS] alias [(columns)], whose alias SQL
// Server requires.
type tablePrimary struct {
	Pos        lexer.Position
	Sub        *selectStmt `parser:"(  '(' @@ ')'"`
	SubAlias   string      `parser:"   'AS'? @( Ident | QuotedIdent )"`
	SubColumns []string    `parser:"   ( '(' @( Ident | QuotedIdent ) ( ',' @( Ident | QuotedIdent ) )* ')' )?"`
	Name       objectName  `parser:" | @@"`
	Call       bool        `parser:"( @'('"`
	Args       []Expr      `parser:"  ( @@ ( ',' @@ )* )? ')' )?"`
	Alias      string      `parser:"( 'AS'? (?! ( 'LIMIT' | 'OFFSET' ) ( Number | Param | Variable | '(' | 'ALL' ) | 'RETURNING' ( '*' | Ident | QuotedIdent ) ) @( Ident | QuotedIdent )"`
	Columns    []string    `parser:"  ( '(' @( Ident | QuotedIdent ) ( ',' @( Ident | QuotedIdent ) )* ')' )? )? )"`
}

type insertStmt struct {
	Pos           lexer.Position
	Table         objectName       `parser:"'INSERT' 'INTO'? @@"`
	Columns       *columnList      `parser:"@@?"`
	Output        *outputClause    `parser:"@@?"`
	DefaultValues bool             `parser:"(  @'DEFAULT' 'VALUES'"`
	Rows          valuesList       `parser:" | 'VALUES' @@"`
	Select        *selectStmt      `parser:" | @@ )"`
	Returning     *returningClause `parser:"@@?"`
}

type updateStmt struct {
	Pos       lexer.Position
	Top       *topClause       `parser:"'UPDATE' @@?"`
	Table     objectName       `parser:"@@"`
	Set       []*assignment    `parser:"'SET' @@ ( ',' @@ )*"`
	Output    *outputClause    `parser:"@@?"`
	From      []*tableSource   `parser:"( 'FROM' @@ ( ',' @@ )* )?"`
	Where     Expr             `parser:"( 'WHERE' @@ )?"`
	Returning *returningClause `parser:"@@?"`
}

type assignment struct {
	Pos    lexer.Position
	Column string    `parser:"@( Ident | QuotedIdent ) '='"`
	Value  valueExpr `parser:"@@"`
}

type deleteStmt struct {
	Pos       lexer.Position
	Top       *topClause       `parser:"'DELETE' @@?"`
	Table     objectName       `parser:"'FROM'? @@"`
	Output    *outputClause    `parser:"@@?"`
	Where     Expr             `parser:"( 'WHERE' @@ )?"`
	Returning *returningClause `parser:"@@?"`
}

// ---------------------------------------------------------------------------
// Databases and tables

type createDatabaseStmt struct {
	Pos  lexer.Position
	Name string `parser:"'CREATE' 'DATABASE' @( Ident | QuotedIdent )"`
}

type dropDatabaseStmt struct {
	Pos      lexer.Position
	IfExists bool     `parser:"'DROP' 'DATABASE' ( @'IF' 'EXISTS' )?"`
	Names    []string `parser:"@( Ident | QuotedIdent ) ( ',' @( Ident | QuotedIdent ) )*"`
}

type useStmt struct {
	Pos      lexer.Position
	Database string `parser:"'USE' @( Ident | QuotedIdent )"`
}

type alterDatabaseStmt struct {
	Pos     lexer.Position
	Current bool      `parser:"'ALTER' 'DATABASE' ( @'CURRENT'"`
	Name    string    `parser:"                   | @( Ident | QuotedIdent ) )"`
	Option  *dbOption `parser:"'SET' @@"`
}

// dbOption is the SET clause of ALTER DATABASE: one option. The mirroring
// options take no termination clause.
type dbOption struct {
	Pos      lexer.Position
	Partner  *partnerOption `parser:"(  @@"`
	Witness  *witnessOption `parser:" | @@"`
	Recovery string         `parser:" | (  'RECOVERY' @( 'FULL' | 'SIMPLE' | 'BULK_LOGGED' )"`
	State    string         `parser:"    | @( 'ONLINE' | 'OFFLINE' | 'EMERGENCY' | 'READ_ONLY' | 'READ_WRITE' | 'SINGLE_USER' | 'RESTRICTED_USER' | 'MULTI_USER' ) )"`
	// Termination is ignored for RECOVERY.
	Termination *termination `parser:"   @@? )"`
}

// termination is WITH NO_WAIT | WITH ROLLBACK { IMMEDIATE | AFTER n [SECONDS] }.
type termination struct {
	Pos       lexer.Position
	NoWait    bool         `parser:"'WITH' (  @'NO_WAIT'"`
	Immediate bool         `parser:"        | 'ROLLBACK' (  @'IMMEDIATE'"`
	After     *lexer.Token `parser:"                     | 'AFTER' @Number 'SECONDS'? ) )"`
}

// partnerOption is SET PARTNER ...
type partnerOption struct {
	Pos     lexer.Position
	Address string       `parser:"'PARTNER' (  '=' @( String | NString )"`
	Action  string       `parser:"           | @( 'FAILOVER' | 'FORCE_SERVICE_ALLOW_DATA_LOSS' | 'OFF' | 'RESUME' | 'SUSPEND' )"`
	Safety  string       `parser:"           | 'SAFETY' @( 'FULL' | 'OFF' )"`
	Timeout *lexer.Token `parser:"           | 'TIMEOUT' @Number )"`
}

// witnessOption is SET WITNESS { = 'address' | OFF }.
type witnessOption struct {
	Pos     lexer.Position
	Address string `parser:"'WITNESS' (  '=' @( String | NString )"`
	Off     bool   `parser:"           | @'OFF' )"`
}

type createTableStmt struct {
	Pos      lexer.Position
	Name     objectName      `parser:"'CREATE' 'TABLE' @@"`
	Elements []*tableElem    `parser:"'(' @@ ( ',' @@ )* ','? ')'"`
	Storage  []*tableStorage `parser:"@@*"` // grammar_types.go
}

type tableElem struct {
	PK         *tablePK             `parser:"  @@"`
	Constraint *tableConstraintElem `parser:"| @@"`
	Column     *columnDef           `parser:"| @@"`
}

type tablePK struct {
	Pos          lexer.Position
	Name         string          `parser:"( 'CONSTRAINT' @( Ident | QuotedIdent ) )? 'PRIMARY' 'KEY'"`
	Nonclustered bool            `parser:"( 'CLUSTERED' | @'NONCLUSTERED' )?"`
	Columns      []*keyCol       `parser:"'(' @@ ( ',' @@ )* ')'"`
	Storage      []*tableStorage `parser:"@@*"` // WITH (PAD_INDEX = OFF, ...) ON [PRIMARY], ignored
}

type keyCol struct {
	Name string `parser:"@( Ident | QuotedIdent )"`
	Desc bool   `parser:"( @'DESC' | 'ASC' )?"`
}

type columnDef struct {
	Pos         lexer.Position
	Name        string           `parser:"@( Ident | QuotedIdent )"`
	Computed    Expr             `parser:"(  'AS' @@"`
	Persisted   bool             `parser:"   @'PERSISTED'?"`
	Type        typeName         `parser:" | @@ )"`
	Constraints []*colConstraint `parser:"@@*"`
}

// colConstraint is one column constraint; they may come in any order.
type colConstraint struct {
	Pos      lexer.Position
	Null     bool         `parser:"(  @'NULL'"`
	NotNull  bool         `parser:" | @'NOT' 'NULL'"`
	Identity *identity    `parser:" | @@"`
	Collate  string       `parser:" | 'COLLATE' @( Ident | QuotedIdent )"`
	Name     string       `parser:" | ( 'CONSTRAINT' @( Ident | QuotedIdent ) )?"`
	PK       bool         `parser:"   ( @'PRIMARY' 'KEY'"`
	PKNoncl  bool         `parser:"     ( 'CLUSTERED' | @'NONCLUSTERED' )?"`
	Unique   *uniqueHead  `parser:"   | @@"`
	Check    Expr         `parser:"   | 'CHECK' ( 'NOT' 'FOR' 'REPLICATION' )? '(' @@ ')'"`
	Ref      *fkReference `parser:"   | ( 'FOREIGN' 'KEY' )? @@"`
	Default  Expr         `parser:"   | 'DEFAULT' @@ ) )"`
}

type identity struct {
	Pos       lexer.Position
	Seed      string `parser:"'IDENTITY' ( '(' @( '-'? Number )"`
	Increment string `parser:"','  @( '-'? Number ) ')' )?"`
}

type dropTableStmt struct {
	Pos      lexer.Position
	IfExists bool         `parser:"'DROP' 'TABLE' ( @'IF' 'EXISTS' )?"`
	Names    []objectName `parser:"@@ ( ',' @@ )*"`
}

type truncateStmt struct {
	Pos  lexer.Position
	Name objectName `parser:"'TRUNCATE' 'TABLE' @@"`
}

// ---------------------------------------------------------------------------
// Transactions and session statements

// beginStmt is T-SQL's BEGIN TRAN [name] or PostgreSQL's BEGIN [WORK |
// TRANSACTION] [modes]. Where the two read the same words T-SQL wins: BEGIN
// TRANSACTION DEFERRABLE names a transaction DEFERRABLE. A bare BEGIN must
// end its statement (';' or the end of the batch), so that BEGIN followed
// by a statement stays free for T-SQL's BEGIN ... END block.
type beginStmt struct {
	Pos   lexer.Position
	Tran  bool        `parser:"'BEGIN' (  @( 'TRAN' | 'TRANSACTION' ) (?! 'ISOLATION' 'LEVEL' | 'READ' | 'NOT' )"`
	Name  string      `parser:"           @( Ident | QuotedIdent )?"`
	Modes *txModeList `parser:"         | ( 'TRAN' | 'TRANSACTION' | 'WORK' )? @@"`
	Work  bool        `parser:"         | @'WORK' | ';' | EOF )"`
}

type startStmt struct {
	Pos   lexer.Position
	Kw    string      `parser:"@'START' 'TRANSACTION'"`
	Modes *txModeList `parser:"@@?"`
}

// txModeList is PostgreSQL's transaction_mode list, separated by commas or
// by nothing (pgx sends "begin isolation level serializable read only").
type txModeList struct {
	Modes []*txMode `parser:"@@ ( ','? @@ )*"`
}

type txMode struct {
	Isolation  []string `parser:"(  'ISOLATION' 'LEVEL' @( 'READ' ( 'COMMITTED' | 'UNCOMMITTED' ) | 'REPEATABLE' 'READ' | 'SNAPSHOT' | 'SERIALIZABLE' )"`
	Access     []string `parser:" | @( 'READ' ( 'ONLY' | 'WRITE' ) )"`
	Deferrable []string `parser:" | @( 'NOT'? 'DEFERRABLE' ) )"`
}

// commitStmt is T-SQL's COMMIT [TRAN [name] | WORK] or PostgreSQL's
// COMMIT / END [WORK | TRANSACTION] [AND [NO] CHAIN].
type commitStmt struct {
	Pos   lexer.Position
	Name  string `parser:"(  'COMMIT' ( 'TRAN' | 'TRANSACTION' ) @( Ident | QuotedIdent )"`
	Chain bool   `parser:" | ( 'COMMIT' | 'END' ) ( 'TRAN' | 'TRANSACTION' | 'WORK' )? ( 'AND' ( 'NO' 'CHAIN' | @'CHAIN' ) )? )"`
}

// rollbackStmt is T-SQL's ROLLBACK [TRAN [name] | WORK] or PostgreSQL's
// ROLLBACK / ABORT [WORK | TRANSACTION] [AND [NO] CHAIN] and ROLLBACK [WORK
// | TRANSACTION] TO [SAVEPOINT] name.
type rollbackStmt struct {
	Pos   lexer.Position
	Name  string `parser:"(  'ROLLBACK' ( 'TRAN' | 'TRANSACTION' ) @( Ident | QuotedIdent )"`
	To    string `parser:" | ( 'ROLLBACK' | 'ABORT' ) ( 'TRAN' | 'TRANSACTION' | 'WORK' )? ( 'TO' 'SAVEPOINT'? @( Ident | QuotedIdent )"`
	Chain bool   `parser:"                                                              | 'AND' ( 'NO' 'CHAIN' | @'CHAIN' ) )? )"`
}

// saveStmt is SAVE TRAN name or PostgreSQL's SAVEPOINT name.
type saveStmt struct {
	Pos  lexer.Position
	Name string `parser:"( 'SAVE' ( 'TRAN' | 'TRANSACTION' ) | 'SAVEPOINT' ) @( Ident | QuotedIdent )"`
}

type releaseStmt struct {
	Pos  lexer.Position
	Name string `parser:"'RELEASE' 'SAVEPOINT'? @( Ident | QuotedIdent )"`
}

// setStmt covers the T-SQL (SET NOCOUNT ON) and PostgreSQL (SET a TO b,
// SET a = b) forms, and SET [SESSION CHARACTERISTICS AS] TRANSACTION
// modes; see Set and SetTransaction in ast.go.
type setStmt struct {
	Pos            lexer.Position
	Session        bool            `parser:"'SET' ( @( 'SESSION' 'CHARACTERISTICS' 'AS' )? 'TRANSACTION'"`
	Modes          *txModeList     `parser:"        @@"`
	Stat           []string        `parser:"      | 'STATISTICS' @Ident ( ',' @Ident )*"`
	StatVal        *setValue       `parser:"        @@"`
	IdentityInsert *identityInsert `parser:"      | 'IDENTITY_INSERT' @@"` // grammar_types.go
	Name           lexer.Token     `parser:"      | @( Ident | QuotedIdent | 'ROWCOUNT' | 'TEXTSIZE' )"`
	PG             bool            `parser:"        ( @( 'TO' | '=' )"`
	Values         []*pgValue      `parser:"          @@ ( ',' @@ )*"`
	Value          *setValue       `parser:"        | @@ ) )"`
}

// setValue is the value of the T-SQL form: a word, string, number, ON or OFF.
type setValue struct {
	Neg bool        `parser:"@'-'?"`
	Tok lexer.Token `parser:"@( Ident | QuotedIdent | String | NString | Number | 'ON' | 'OFF' )"`
}

// pgValue is one value of the PostgreSQL form, where any word goes
// (SET search_path TO public, SET x TO DEFAULT).
type pgValue struct {
	Neg bool        `parser:"@'-'?"`
	Tok lexer.Token `parser:"@( Ident | QuotedIdent | String | NString | Number | Keyword )"`
}

type showStmt struct {
	Pos       lexer.Position
	Isolation bool   `parser:"'SHOW' ( @( 'TRANSACTION' 'ISOLATION' 'LEVEL' )"`
	Name      string `parser:"       | @( 'ALL' | Ident | QuotedIdent ) )"`
}

type execStmt struct {
	Pos  lexer.Position
	Proc objectName `parser:"( 'EXEC' | 'EXECUTE' ) @@"`
	Args []*execArg `parser:"( @@ ( ',' @@ )* )?"`
}

type execArg struct {
	Pos   lexer.Position
	Name  string `parser:"( @Variable '=' )?"`
	Value Expr   `parser:"@@"`
}

type printStmt struct {
	Pos  lexer.Position
	Expr Expr `parser:"'PRINT' @@"`
}

type waitforStmt struct {
	Pos   lexer.Position
	Time  bool `parser:"'WAITFOR' ( 'DELAY' | @'TIME' )"`
	Value Expr `parser:"@@"`
}

// resetStmt is PostgreSQL's RESET name | RESET ALL.
type resetStmt struct {
	Pos  lexer.Position
	Name string `parser:"'RESET' @( 'ALL' | Ident | QuotedIdent )"`
}

// discardStmt is PostgreSQL's DISCARD ALL | PLANS | TEMP | SEQUENCES.
type discardStmt struct {
	Pos  lexer.Position
	What string `parser:"'DISCARD' @( 'ALL' | 'PLANS' | 'TEMPORARY' | 'TEMP' | 'SEQUENCES' )"`
}

type killStmt struct {
	Pos        lexer.Position
	Neg        bool        `parser:"'KILL' @'-'?"`
	ID         lexer.Token `parser:"@Number"`
	StatusOnly bool        `parser:"( 'WITH' @'STATUSONLY' )?"`
}

type checkpointStmt struct {
	Pos lexer.Position
	Kw  string `parser:"@'CHECKPOINT'"`
}

type dbccStmt struct {
	Pos     lexer.Position
	Command string   `parser:"'DBCC' @Ident"`
	Args    []Expr   `parser:"( '(' ( @@ ( ',' @@ )* )? ')' )?"`
	With    []string `parser:"( 'WITH' @Ident ( ',' @Ident )* )?"`
}
