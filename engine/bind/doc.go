// Package bind turns the syntax of a statement into typed values: an
// expression into an exec.Expr, a query or a write into exec's operators,
// DDL into catalog descriptors. It is the first of the layers a statement
// passes through (bind → opt → exec, with plans printed by engine/plan;
// docs/ARCHITECTURE.md "Inside the engine").
//
// It holds the binding rules that need nothing but types and syntax
// (SQL Server's implicit conversions and data type precedence, the result
// types of arithmetic and aggregates, the values and types of literals,
// the types of casts, the parameter types and checks of simple
// parameterization); the scopes names resolve in (Scope, Source); and
// the expression binder (Binder): names, static types, implicit
// conversions, parameter inference and constant folding; function calls
// (scalar functions and @@globals from the Functions and Globals
// registries the engine fills at init, date functions, aggregates, window
// functions with the WindowContext of the query being bound, and the
// DEFAULT-only NEWSEQUENTIALID).
//
// What binding needs of the engine it asks through the Engine interface,
// which the engine's statement binder implements: PostgreSQL's
// expressions (set-returning functions, ARRAY(subquery), subscripts, field
// selection, TRIM, its casts), alias types, the session constants fold
// against, a FROM entry the engine holds (BindTable: a table, a system
// view, a table-valued function) and a nested query's planning
// (PlanQuery). That binder embeds Binder; the statements the engine
// plans itself act on the session or the instance (SET, USE, BACKUP, the
// security statements, ...). Statements read the databases and the
// session through Catalog and Settings (catalog.go). Bound here: an INSERT's column list and VALUES
// rows (insert.go), a table name's resolution (lookup.go), a SELECT's own
// clauses (query.go, selectlist.go, srf.go) with the rules of the queries
// nested in it (nested.go), what it reads (from.go: the FROM clause and
// its joins; derived.go: derived tables, APPLY and common table
// expressions, recursive ones too; setop.go: set operations), its
// subqueries, scalar, EXISTS and IN, with the names they take from the
// queries around them (correlate.go); and INSERT, UPDATE and DELETE with
// their OUTPUT clause (dml.go: DMLBinder, which asks the engine through
// DML for the table's row writer and Enforcer and for stored DEFAULT text
// parsed; an INSERT's SELECT is planned as a nested query,
// Engine.PlanQuery), bound into exec's Insert, Update and Delete; and a
// table's row rules, its computed columns, CHECKs and DEFAULTs, from their
// stored text (rowrules.go); and DDL (ddl.go, alter.go, constraint.go,
// usertype.go: DDLBinder), bound into catalog descriptors: CREATE TABLE's
// definition and constraints, CREATE INDEX's index, CREATE TYPE's alias
// type, ALTER TABLE's column changes and constraints, asking the engine
// through DDL only for its filtered indexes' interpreter. The engine
// numbers, writes and builds what DDL binds.
package bind
