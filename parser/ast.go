package parser

// This file is the contract between the parser and the engine: the syntax
// tree of mirrordb's T-SQL dialect. Nodes are immutable once parsed (parsed
// batches are cached and shared between sessions), carry their position in
// the batch text, and print themselves in canonical form (String), which is
// what the round-trip tests compare.
//
// Conventions:
//   - Identifiers keep the case they were written in, with [brackets] and
//     "quotes" removed; the engine compares them case-insensitively.
//   - Keywords stored in fields (Recovery model, SET option names, ...) are
//     upper-cased.
//   - A nil Expr field means the clause was absent.

// Pos is a position in the batch text: byte offset and 1-based line and
// column (column counted in characters).
type Pos struct {
	Offset int
	Line   int
	Col    int
}

// Position returns the node's position; every node embeds Pos.
func (p Pos) Position() Pos { return p }

// Node is any syntax tree node.
type Node interface {
	Position() Pos
	String() string
}

// Statement is one T-SQL statement.
type Statement interface {
	Node
	statementNode()
}

// Expr is a scalar expression.
type Expr interface {
	Node
	exprNode()
}

// ObjectName is a one- to four-part name: [server.][database.][schema.]object.
// Parts holds the parts as written; an omitted middle part ("db..t") is "".
type ObjectName struct {
	Pos
	Parts []string
}

// Object returns the last part (the object's own name).
func (n ObjectName) Object() string { return n.part(1) }

// Schema returns the schema part, or "" when absent.
func (n ObjectName) Schema() string { return n.part(2) }

// Database returns the database part, or "" when absent.
func (n ObjectName) Database() string { return n.part(3) }

func (n ObjectName) part(fromEnd int) string {
	if len(n.Parts) < fromEnd {
		return ""
	}
	return n.Parts[len(n.Parts)-fromEnd]
}

// TypeName is a data type as written: VARCHAR(20), DECIMAL(10,2),
// NVARCHAR(MAX), INT. Name is upper-cased.
type TypeName struct {
	Pos
	// Schema qualifies a user-defined type (dbo.Phone); "" otherwise.
	Schema string
	Name   string
	Args   []int
	Max    bool
	// Array is PostgreSQL's array suffix (int2[]) in x::type.
	Array bool
}

// ---------------------------------------------------------------------------
// Databases, USE, options

// CreateDatabase is CREATE DATABASE name.
type CreateDatabase struct {
	Pos
	Name string
}

// DropDatabase is DROP DATABASE [IF EXISTS] name [, name ...].
type DropDatabase struct {
	Pos
	IfExists bool
	Names    []string
}

// Use is USE database.
type Use struct {
	Pos
	Database string
}

// AlterDatabase is ALTER DATABASE { name | CURRENT } SET <option>.
type AlterDatabase struct {
	Pos
	Name    string // "" when Current
	Current bool
	Option  DatabaseOption
}

// DatabaseOption is the SET clause of ALTER DATABASE. Later issues add the
// mirroring options (SET PARTNER ..., SET WITNESS ...).
type DatabaseOption interface {
	Node
	databaseOptionNode()
}

// SetRecovery is SET RECOVERY { FULL | SIMPLE | BULK_LOGGED }.
type SetRecovery struct {
	Pos
	Model string // FULL, SIMPLE or BULK_LOGGED
}

// ---------------------------------------------------------------------------
// Tables

// CreateTable is CREATE TABLE name ( column_def | table_constraint, ... ).
type CreateTable struct {
	Pos
	Name    ObjectName
	Columns []*ColumnDef
	// PrimaryKey is the table-level PRIMARY KEY constraint, if any. A
	// column-level PRIMARY KEY is reported on its ColumnDef instead.
	PrimaryKey *PrimaryKey
	// Storage holds the storage clauses (ON filegroup, TEXTIMAGE_ON,
	// WITH (DATA_COMPRESSION = ...)) in canonical form; they are accepted
	// and have no effect.
	Storage string
	// Constraints are the other table-level constraints (FOREIGN KEY,
	// CHECK, UNIQUE: ast_constraints.go), in the order written.
	Constraints []TableConstraint
}

// ColumnDef is one column definition. Constraints may appear in any order
// after the type: NULL | NOT NULL, IDENTITY[(seed, increment)],
// [CONSTRAINT name] PRIMARY KEY [CLUSTERED | NONCLUSTERED],
// [CONSTRAINT name] DEFAULT expr, COLLATE name.
type ColumnDef struct {
	Pos
	Name string
	Type TypeName
	// Nullable is nil when neither NULL nor NOT NULL was written.
	Nullable *bool
	Identity *Identity
	// Default is the DEFAULT expression, nil when absent.
	Default Expr
	// DefaultName is the CONSTRAINT name given to the DEFAULT, if any.
	DefaultName string
	// PrimaryKey is set for a column-level PRIMARY KEY.
	PrimaryKey bool
	// PrimaryKeyName is the CONSTRAINT name given to the column-level
	// PRIMARY KEY, if any.
	PrimaryKeyName string
	// PrimaryKeyNonclustered is set when the column-level PRIMARY KEY says
	// NONCLUSTERED.
	PrimaryKeyNonclustered bool
	// Collation is the COLLATE name, "" when absent.
	Collation string
	// The column-level constraints of ast_constraints.go: REFERENCES,
	// CHECK (any number), UNIQUE.
	References *ForeignKey
	Checks     []*CheckConstraint
	Unique     *UniqueConstraint
	// Computed is a computed column's AS expression (Type is then empty),
	// Persisted its PERSISTED.
	Computed  Expr
	Persisted bool
}

// Identity is IDENTITY or IDENTITY(seed, increment); both default to 1.
// Seed and Increment hold the literal text (they may be large or negative).
type Identity struct {
	Pos
	Seed      string
	Increment string
}

// PrimaryKey is [CONSTRAINT name] PRIMARY KEY [CLUSTERED|NONCLUSTERED] (col [ASC|DESC], ...).
type PrimaryKey struct {
	Pos
	Name    string
	Columns []string
	// Desc marks descending key columns (parallel to Columns).
	Desc []bool
	// Nonclustered is set when NONCLUSTERED was written.
	Nonclustered bool
	// Storage holds its WITH (index options) and ON filegroup clauses in
	// canonical form, accepted and ignored (as CreateTable.Storage).
	Storage string
}

// DropTable is DROP TABLE [IF EXISTS] name [, name ...].
type DropTable struct {
	Pos
	IfExists bool
	Names    []ObjectName
}

// TruncateTable is TRUNCATE TABLE name.
type TruncateTable struct {
	Pos
	Name ObjectName
}

// ---------------------------------------------------------------------------
// Queries and DML

// Select is a SELECT statement (also used as the source of INSERT ...
// SELECT and in subqueries).
//
//	SELECT [ALL | DISTINCT] [TOP (n) [PERCENT]] items
//	  [FROM table_source [, ...]] [WHERE cond] [GROUP BY exprs] [HAVING cond]
//	  [ORDER BY items [OFFSET n ROWS [FETCH {FIRST|NEXT} m ROWS ONLY]]]
type Select struct {
	Pos
	Distinct bool
	Top      *Top
	Items    []*SelectItem
	From     []TableExpr
	Where    Expr
	GroupBy  []Expr
	Having   Expr
	OrderBy  []*OrderItem
	Offset   Expr // OFFSET n ROWS
	Fetch    Expr // FETCH NEXT n ROWS ONLY
	// Limit says Fetch was written as PostgreSQL's LIMIT n (ast_pg.go).
	Limit bool
	// Hints are the query's OPTION (...) join hints, upper case:
	// "LOOP JOIN", "HASH JOIN", "FORCE ORDER".
	Hints []string
	// With lists the query's common table expressions (ast_query.go).
	With []*CTE
	// SetOp, when set, makes this a compound query: the set operation's
	// rows, ordered and limited by OrderBy, Offset and Fetch; the SELECT
	// clauses above it are then empty.
	SetOp *SetOp
	// MaxRecursion is OPTION (MAXRECURSION n); -1 when absent.
	MaxRecursion int
}

// Top is TOP n, TOP (expr), with optional PERCENT.
type Top struct {
	Pos
	Count   Expr
	Percent bool
}

// SelectItem is one entry of a select list: expr [[AS] alias], alias = expr,
// *, or qualifier.*.
type SelectItem struct {
	Pos
	Expr  Expr   // nil for * and qualifier.*
	Alias string // "" when none; 'string' aliases are unquoted into here
	Star  bool
	// StarOf is the qualifier of qualifier.* (e.g. ["t"] or ["dbo","t"]).
	StarOf []string
	// Var is the variable of an assignment item, SELECT @v = Expr (without
	// the @); VarOp is the operator of SELECT @v op= Expr.
	Var, VarOp string
}

// OrderItem is expr [ASC | DESC].
type OrderItem struct {
	Pos
	Expr Expr
	Desc bool
}

// TableExpr is an entry of a FROM clause.
type TableExpr interface {
	Node
	tableExprNode()
}

// TableRef is a table or view: name [[AS] alias].
type TableRef struct {
	Pos
	Name  ObjectName
	Alias string
}

// TableFunc is a table-valued function call: name(args) [[AS] alias],
// e.g. sys.dm_db_log_stats(DB_ID()).
type TableFunc struct {
	Pos
	Name  ObjectName
	Args  []Expr
	Alias string
	// Columns names the function's columns: PostgreSQL's AS s(r).
	Columns []string
}

// JoinKind says how a Join combines its sides.
type JoinKind uint8

const (
	InnerJoin JoinKind = iota
	LeftJoin
	RightJoin
	FullJoin
	CrossJoin
	CrossApply // CROSS APPLY: the right side is bound per left row
	OuterApply // OUTER APPLY: as CROSS APPLY, keeping unmatched left rows
)

// Join is left [INNER | LEFT [OUTER] | RIGHT [OUTER] | FULL [OUTER] | CROSS] JOIN right [ON cond].
type Join struct {
	Pos
	Kind  JoinKind
	Left  TableExpr
	Right TableExpr
	On    Expr // nil for CROSS JOIN
}

// Insert is INSERT [INTO] table [(columns)] { VALUES (...), ... | select | DEFAULT VALUES }.
type Insert struct {
	Pos
	Table   ObjectName
	Columns []string
	// Rows holds the VALUES rows; a DEFAULT keyword inside VALUES is a
	// *Default expression.
	Rows          [][]Expr
	Select        *Select
	DefaultValues bool
	Output        *Output // OUTPUT or RETURNING, nil when absent
}

// Update is UPDATE [TOP (n)] table SET col = expr, ... [FROM ...] [WHERE cond].
type Update struct {
	Pos
	Top    *Top
	Table  ObjectName
	Set    []*Assignment
	From   []TableExpr
	Where  Expr
	Output *Output // OUTPUT or RETURNING, nil when absent
}

// Assignment is column = expr in UPDATE ... SET (the value may be *Default).
type Assignment struct {
	Pos
	Column string
	Value  Expr
}

// Delete is DELETE [TOP (n)] [FROM] table [WHERE cond].
type Delete struct {
	Pos
	Top    *Top
	Table  ObjectName
	Where  Expr
	Output *Output // OUTPUT or RETURNING, nil when absent
}

// ---------------------------------------------------------------------------
// Transactions and session settings

// BeginTran starts a transaction: T-SQL's BEGIN { TRAN | TRANSACTION }
// [name], or PostgreSQL's BEGIN [ WORK | TRANSACTION ] [modes] and START
// TRANSACTION [modes]. Modes is nil when none were given.
type BeginTran struct {
	Pos
	Name  string
	Modes *TxModes
}

// TxModes is a PostgreSQL transaction_mode list; an empty field was not
// given. A mode given twice counts once, the last one, as in PostgreSQL.
type TxModes struct {
	Isolation  string // READ UNCOMMITTED, READ COMMITTED, REPEATABLE READ, SNAPSHOT, SERIALIZABLE
	Access     string // READ ONLY, READ WRITE
	Deferrable string // DEFERRABLE, NOT DEFERRABLE
}

// CommitTran is COMMIT [ TRAN | TRANSACTION | WORK ] [name], or
// PostgreSQL's COMMIT / END [ WORK | TRANSACTION ] [ AND [ NO ] CHAIN ].
// Chain starts a new transaction with the same modes right after.
type CommitTran struct {
	Pos
	Name  string
	Chain bool
}

// RollbackTran is ROLLBACK [ TRAN | TRANSACTION | WORK ] [name] (name may be
// a savepoint), or PostgreSQL's ROLLBACK / ABORT [ WORK | TRANSACTION ]
// [ AND [ NO ] CHAIN ] and ROLLBACK [ WORK | TRANSACTION ] TO [ SAVEPOINT ]
// name (Savepoint set: name is always a savepoint).
type RollbackTran struct {
	Pos
	Name      string
	Savepoint bool
	Chain     bool
}

// SaveTran is SAVE { TRAN | TRANSACTION } name, or PostgreSQL's SAVEPOINT
// name (the same statement).
type SaveTran struct {
	Pos
	Name string
}

// ReleaseSavepoint is PostgreSQL's RELEASE [ SAVEPOINT ] name: the savepoint
// and those made after it are forgotten; their writes stay.
type ReleaseSavepoint struct {
	Pos
	Name string
}

// SetTransaction is PostgreSQL's SET TRANSACTION modes (for the open
// transaction) or SET SESSION CHARACTERISTICS AS TRANSACTION modes
// (Session: for the transactions to come). SET TRANSACTION ISOLATION LEVEL
// x alone is T-SQL's statement, a Set.
type SetTransaction struct {
	Pos
	Session bool
	Modes   TxModes
}

// Set is a session setting:
//
//	SET NOCOUNT ON                        → Name "NOCOUNT", Value "ON"
//	SET XACT_ABORT OFF                    → Name "XACT_ABORT", Value "OFF"
//	SET TRANSACTION ISOLATION LEVEL READ COMMITTED
//	                                      → Name "TRANSACTION ISOLATION LEVEL", Value "READ COMMITTED"
//	SET DATEFORMAT mdy                    → Name "DATEFORMAT", Value "mdy"
//	SET client_encoding TO 'UTF8'         → Name "client_encoding", Value "UTF8" (PostgreSQL form)
//	SET application_name = 'x'            → Name "application_name", Value "x"
//
// T-SQL option names and ON/OFF are upper-cased; PostgreSQL parameter names
// and values are kept as written.
type Set struct {
	Pos
	Name  string
	Value string
	// PG is the PostgreSQL form (TO or =), whose meaning may differ: SET
	// LOCK_TIMEOUT 0 never waits, SET lock_timeout = 0 waits for ever.
	PG bool
	// Table is the table of SET IDENTITY_INSERT table ON | OFF.
	Table *ObjectName
}

// Show is SHOW name | SHOW ALL (PostgreSQL form, used by client probes such
// as SHOW transaction_read_only).
type Show struct {
	Pos
	Name string
}

// Exec is EXEC[UTE] procedure [arg [, ...]], each arg [@name =] expr.
type Exec struct {
	Pos
	Proc ObjectName
	Args []*ExecArg
}

// ExecArg is one procedure argument.
type ExecArg struct {
	Pos
	Name  string // parameter name without @, "" when positional
	Value Expr
}

// Print is PRINT expr (sends an informational message).
type Print struct {
	Pos
	Expr Expr
}

// WaitFor is WAITFOR DELAY 'hh:mm:ss[.mmm]' (or WAITFOR TIME, Time true).
type WaitFor struct {
	Pos
	Time  bool
	Value Expr
}

// Reset is RESET name or RESET ALL (PostgreSQL form): settings return to
// their defaults.
type Reset struct {
	Pos
	Name string
}

// Discard is PostgreSQL's DISCARD ALL | PLANS | TEMP | TEMPORARY |
// SEQUENCES: what connection poolers send before handing a server
// connection to another client.
type Discard struct {
	Pos
	What string // upper case: ALL, PLANS, TEMP (TEMPORARY too), SEQUENCES
}

// Kill is KILL session_id [WITH STATUSONLY].
type Kill struct {
	Pos
	SessionID  int64
	StatusOnly bool
}

// Checkpoint is CHECKPOINT.
type Checkpoint struct {
	Pos
}

// Dbcc is DBCC command [( args )] [WITH option, ...] (CHECKDB, CHECKTABLE).
// Command and With are upper-case.
type Dbcc struct {
	Pos
	Command string
	Args    []Expr
	With    []string
}

// ---------------------------------------------------------------------------
// Expressions

// LiteralKind says what a literal looked like.
type LiteralKind uint8

const (
	LitNull    LiteralKind = iota // NULL
	LitInt                        // 42 (digits only)
	LitDecimal                    // 4.20, .5
	LitFloat                      // 1e10, 2.5E-3
	LitString                     // 'text'
	LitNString                    // N'text'
	LitBinary                     // 0x0A1B (Value holds the hex digits, may be empty)
	LitMoney                      // $12.50 (Value holds the constant as written, symbol included)
)

// Literal is a constant. Value holds the number as written, the string
// contents with each doubled quote unescaped, or the hex digits of a
// binary literal.
type Literal struct {
	Pos
	Kind  LiteralKind
	Value string
}

// Default is the DEFAULT keyword used as a value in INSERT VALUES or
// UPDATE SET.
type Default struct {
	Pos
}

// ColumnRef is a column reference: col, t.col, schema.t.col.
type ColumnRef struct {
	Pos
	Parts []string
}

// Name returns the column name (last part).
func (c *ColumnRef) Name() string { return c.Parts[len(c.Parts)-1] }

// Param is a positional parameter $n (1-based).
type Param struct {
	Pos
	N int
}

// Variable is a local variable @name (Name without the @).
type Variable struct {
	Pos
	Name string
}

// GlobalVar is @@NAME (Name upper-cased, without @@), e.g. SERVERNAME.
type GlobalVar struct {
	Pos
	Name string
}

// Unary is a prefix operator: "-", "+", "~" or "NOT".
type Unary struct {
	Pos
	Op string
	X  Expr
}

// Binary is an infix operator. Op is one of
// "*" "/" "%" "+" "-" "&" "|" "^" "=" "<>" "!=" "<" ">" "<=" ">=" "!<" "!>"
// "AND" "OR".
type Binary struct {
	Pos
	Op string
	L  Expr
	R  Expr
}

// FuncCall is a function call: name(args), COUNT(*), COUNT(DISTINCT x),
// and the niladic forms written without parentheses (CURRENT_TIMESTAMP,
// CURRENT_USER, SESSION_USER, SYSTEM_USER, USER), which have NoParens set.
type FuncCall struct {
	Pos
	Name     ObjectName
	Args     []Expr
	Star     bool
	Distinct bool
	NoParens bool
	Over     *Window // OVER (...) of a window function, nil otherwise
}

// Cast is CAST(x AS type) or TRY_CAST(x AS type), or PostgreSQL's x::type
// (PG set; To then holds a PostgreSQL type name, see ast_pg.go).
type Cast struct {
	Pos
	X   Expr
	To  TypeName
	Try bool
	PG  bool
}

// Convert is CONVERT(type, x [, style]) or TRY_CONVERT(...).
type Convert struct {
	Pos
	To    TypeName
	X     Expr
	Style Expr
	Try   bool
}

// Case is CASE [operand] WHEN ... THEN ... [ELSE ...] END.
type Case struct {
	Pos
	Operand Expr // nil for a searched CASE
	Whens   []*When
	Else    Expr
}

// When is one WHEN cond THEN result arm.
type When struct {
	Pos
	Cond   Expr
	Result Expr
}

// InList is x [NOT] IN (list) or x [NOT] IN (subquery).
type InList struct {
	Pos
	X        Expr
	List     []Expr
	Subquery *Select
	Not      bool
}

// Between is x [NOT] BETWEEN lo AND hi.
type Between struct {
	Pos
	X, Lo, Hi Expr
	Not       bool
}

// Like is x [NOT] LIKE pattern [ESCAPE esc].
type Like struct {
	Pos
	X, Pattern, Escape Expr
	Not                bool
}

// IsNull is x IS [NOT] NULL.
type IsNull struct {
	Pos
	X   Expr
	Not bool
}

// Subquery is a parenthesised SELECT used as a scalar value.
type Subquery struct {
	Pos
	Select *Select
}

// Exists is EXISTS (subquery).
type Exists struct {
	Pos
	Select *Select
}

// Paren is a parenthesised expression; kept so that printing reproduces
// the grouping the user wrote.
type Paren struct {
	Pos
	X Expr
}

// ---------------------------------------------------------------------------
// Marker methods.

func (*CreateDatabase) statementNode()   {}
func (*DropDatabase) statementNode()     {}
func (*Use) statementNode()              {}
func (*AlterDatabase) statementNode()    {}
func (*CreateTable) statementNode()      {}
func (*DropTable) statementNode()        {}
func (*TruncateTable) statementNode()    {}
func (*Select) statementNode()           {}
func (*Insert) statementNode()           {}
func (*Update) statementNode()           {}
func (*Delete) statementNode()           {}
func (*BeginTran) statementNode()        {}
func (*CommitTran) statementNode()       {}
func (*RollbackTran) statementNode()     {}
func (*SaveTran) statementNode()         {}
func (*ReleaseSavepoint) statementNode() {}
func (*SetTransaction) statementNode()   {}
func (*Set) statementNode()              {}
func (*Show) statementNode()             {}
func (*Exec) statementNode()             {}
func (*Print) statementNode()            {}
func (*WaitFor) statementNode()          {}
func (*Checkpoint) statementNode()       {}
func (*Dbcc) statementNode()             {}
func (*Reset) statementNode()            {}
func (*Discard) statementNode()          {}
func (*Kill) statementNode()             {}

func (*SetRecovery) databaseOptionNode() {}

func (*TableRef) tableExprNode()  {}
func (*TableFunc) tableExprNode() {}
func (*Join) tableExprNode()      {}

func (*Literal) exprNode()   {}
func (*Default) exprNode()   {}
func (*ColumnRef) exprNode() {}
func (*Param) exprNode()     {}
func (*Variable) exprNode()  {}
func (*GlobalVar) exprNode() {}
func (*Unary) exprNode()     {}
func (*Binary) exprNode()    {}
func (*FuncCall) exprNode()  {}
func (*Cast) exprNode()      {}
func (*Convert) exprNode()   {}
func (*Case) exprNode()      {}
func (*InList) exprNode()    {}
func (*Between) exprNode()   {}
func (*Like) exprNode()      {}
func (*IsNull) exprNode()    {}
func (*Subquery) exprNode()  {}
func (*Exists) exprNode()    {}
func (*Paren) exprNode()     {}
