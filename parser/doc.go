// Package parser turns the text clients send into T-SQL syntax trees.
//
// A query string first goes through Split, which cuts it into batches at
// GO lines the way sqlcmd does (GO is a client-side separator, but psql
// sends whole scripts, GO lines included). Split knows just enough lexing
// to ignore GO inside strings, quoted names and nested block comments, and
// records where each batch starts, in bytes, characters and lines, so that
// errors can point into the original query.
//
// Each batch is lexed by a hand-written lexer (lexer.go) that implements
// participle's lexer.Definition. It makes one pass, allocates nothing for
// ordinary tokens, reads reserved keywords (keywords.go, SQL Server's list)
// case-insensitively and hands them out in canonical upper case, keeps
// names as written, and drops whitespace and comments; T-SQL block
// comments nest. Quoted tokens keep their quotes, so a bracketed [SELECT]
// can never be mistaken for the keyword.
//
// The statement grammar (grammar.go) is a participle grammar written as
// struct tags, one struct per statement, converted to the ast.go nodes in
// convert.go. participle is reflection-driven and pays for every grammar
// node it tries, so the fine-grained, hot parts are hand-written and plugged
// in as custom productions (clauses.go): multi-part names, data types,
// column lists, the select list and VALUES rows. Expressions are parsed by
// a Pratt (precedence-climbing) parser (expr.go) that works on participle's
// token stream directly and builds AST nodes; for a parenthesised SELECT it
// calls back into the participle grammar on the subquery's tokens. The
// custom productions share per-parse state (nesting depth, which is
// capped so that hostile input gets Msg 191 instead of a stack overflow),
// so built participle parsers are pooled and each parse takes one.
// A small INSERT or SELECT parses in 10-20 µs.
//
// PostgreSQL's transaction control (BEGIN with modes, START TRANSACTION,
// END, ABORT, AND CHAIN, SAVEPOINT, RELEASE, ROLLBACK TO, SET TRANSACTION,
// SET SESSION CHARACTERISTICS) shares the T-SQL statements' nodes where the
// two mean the same; where the same words read both ways the T-SQL
// reading wins (BEGIN TRAN DEFERRABLE names a transaction; SET TRANSACTION
// ISOLATION LEVEL x alone is T-SQL's session setting). A bare BEGIN must
// end its statement, so BEGIN followed by a statement stays free for
// T-SQL's BEGIN ... END block.
//
// The administrative statements (ast_admin.go: BACKUP and RESTORE,
// endpoints, ALTER DATABASE's mirroring and state options, logins, users,
// certificates, GRANT/REVOKE/DENY ... ON class::name) have their own files
// (grammar_admin.go, convert_admin.go, format_admin.go, clauses_admin.go)
// and come last in the statement union, so the common statements never
// try them. Their option values are single tokens (hand-written
// productions); the bare IPv4 address of LISTENER_IP = (127.0.0.1), which
// the lexer cuts into numbers, is put back together there. The parser
// refuses only what the tree cannot hold (a second ROLE, a second
// PASSWORD, CASCADE on a GRANT), as syntax errors; checking values is the
// engine's job.
//
// Parsed batches are cached by their text (cache.go): drivers and tools
// send the same texts over and over. Cached trees are shared between
// sessions and are never modified after parsing; callers must treat them
// as read-only.
//
// Every error leaving the package is a *sqlerr.Error. participle's own
// errors never escape: the grammar uses unlimited lookahead, so participle
// reports the deepest point any alternative reached, and errors.go turns
// that token into SQL Server's message, Msg 156 "Incorrect syntax near the
// keyword 'FROM'." for a reserved word and Msg 102 otherwise, naming the
// last token when the input ends early. Lexical errors are Msg 105
// (unclosed quotation mark) and 113 (missing end of comment). Line is the
// line within the batch, as SQL Server reports it; Position is the
// 1-based character offset within the whole query string, as PostgreSQL
// clients expect it.
//
// Every node prints itself in a canonical form (format.go): upper-case
// keywords, names bracketed only when they must be, strings re-escaped,
// parentheses where the user wrote them. Printing a parsed statement and
// parsing the result gives the same tree, which the datadriven tests and
// the fuzz targets check on every input.
package parser
