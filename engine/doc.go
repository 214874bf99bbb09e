// Package engine is mirrordb's database engine as SQL sees it: the
// instance catalog, T-SQL binding and execution, transactions, and the
// hooks mirroring uses, over one store per database (engine/storage: the
// store, transactions and the LSN-ordered transaction log that backup and
// mirroring consume). It knows nothing of sockets or the wire protocol; it
// implements session.Backend. Scalar functions of values are
// engine/builtins'; the security catalog, the endpoint's definition and
// the backup media are engine/security's, engine/endpoint's and
// engine/backup's, whose statements the engine binds and runs.
// docs/ARCHITECTURE.md is the map.
//
// # Storage
//
// An Instance owns a data directory: master/ (the instance catalog under
// c/ keys, plus master's own tables), one directory per user database, and
// mirrordb.lock, which keeps a second process off the directory. A
// database is entirely key/value (engine/keys): table definitions and
// database properties under s/, rows under t/<table>/<primary key> with an
// order-preserving key encoding, log records under l/<LSN>, and local
// bookkeeping under m/. Because schema and rows are both keys, the log,
// backups and mirroring carry DDL and data the same way.
//
// # Transactions and the log
//
// A database's storage is engine/storage: its Pebble store, the writer
// lock, write transactions (an indexed batch of operations with their
// before-images, savepoints), the commit pipeline (LSN, group commit, the
// CommitGate that SAFETY FULL mirroring installs), the log API (EndLSN,
// DurableLSN, WaitDurable, ReadLog, Redo, UndoTo, TruncateLog with named
// holds) and the store's health and recovery. A Database holds it and
// keeps what SQL sees: the catalog state, the schema, the mirroring role,
// the sessions using it. txn.go adds the schema a transaction sees; log.go
// offers the log API to mirroring.
//
// T-SQL semantics sit on top (session.go, control.go): statements
// autocommit unless BEGIN TRAN is open; BEGIN nests; a failing statement
// inside a transaction undoes only itself (a savepoint per statement);
// SAVE TRAN names savepoints; SET XACT_ABORT ON makes an error doom the
// transaction (ReadyForQuery 'E') until ROLLBACK. Reads see committed data,
// or the session's own transaction for the database it writes.
// PostgreSQL's transaction control maps onto these transactions
// (txmodes.go): BEGIN's modes (isolation level recorded, READ ONLY
// enforced), the session's default_transaction_*, SET TRANSACTION, AND
// CHAIN, savepoints as a stack with RELEASE; T-SQL's meaning wins where the
// two disagree.
//
// # Execution
//
// Statements come parsed from package parser and pass through three
// packages: engine/bind binds them (names, static types with SQL Server's
// data type precedence and implicit conversions, so a prepared
// statement's result columns and parameter types are known before it
// runs; SELECT with its FROM side and subqueries, INSERT, UPDATE and
// DELETE, DDL into catalog descriptors), engine/opt plans them
// (opt.PushIntoDerived, opt.PlanSelect: access paths, joins, semi-joins,
// estimates) and engine/exec runs them (expressions, operators, table and
// index scans, the row writer, the writes' constraints and cascades).
// This package is the glue (plan.go dispatches a statement): the
// statement binder those packages ask through bind.Engine (binder.go;
// source.go binds the FROM entries only the engine can read: tables with
// their store, catalog views, the instance's viewSet in sysviews.go and
// the files beside it, table-valued functions; query.go plans a SELECT),
// what binding reads of the session (bindcatalog.go), the running of DDL
// (ddl.go, constraint_ddl.go, index_ddl.go, alter*.go), and the adapters
// through which exec and opt ask the engine (table.go, writes.go,
// enforcer.go, planning.go). The bound operators describe themselves as a
// plan (explain.go, into engine/plan's nodes) when SET SHOWPLAN_TEXT / SHOWPLAN_ALL or a plan test asks
// (showplan.go); SET STATISTICS IO / TIME count what they read and time
// them (stats.go). A prepared statement re-binds when the instance's
// schema generation moved (DDL in any of its databases) or SHOWPLAN was
// switched. What messages and sys.dm_exec_requests call a
// statement is a table (statements.go). Every error carries its SQL Server
// number.
//
// # Stopping statements, bounding their memory
//
// Every statement runs under a govern.Statement (engine/govern, made in
// Session.run): every loop over rows calls its Check (one atomic load)
// and stops with the reason its context was given, every buffer that grows
// with the input (sorted or distinct rows, groups, a join's inner side, a
// subquery's rows, the rows UPDATE and DELETE change) counts its
// approximate bytes with Grow, and the statement fails with Msg 701 past
// its budget or the server's pool, which gets everything back when the
// statement ends. What stops a statement: a CancelRequest (Msg 3980),
// statement_timeout (Msg 50101; not during its commit, as in
// PostgreSQL), KILL (kill.go: Msg 596 to the victim, whose connection
// closes and transaction rolls back) and shutdown. Waits honour the same
// context and LOCK_TIMEOUT (Msg 1222). requests.go keeps what
// sys.dm_exec_sessions and sys.dm_exec_requests show: each session's
// activity, its running statement, what it waits for and who blocks it.
package engine
