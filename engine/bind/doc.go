// Package bind turns the syntax of an expression into a typed exec.Expr.
// It is the first of the layers a statement passes through (bind → plan
// → opt → exec, docs/ARCHITECTURE.md "Inside the engine").
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
// What binding an expression needs of the engine (subqueries and
// PostgreSQL's set-returning functions, arrays, subscripts, field
// selection and TRIM; the scopes of the queries around a subquery,
// alias types, the session constants fold against) it asks through the
// Engine interface, which the engine's statement binder implements; that
// binder embeds Binder and still binds some statements (a SELECT's FROM
// clause, the statements that act on the session) in package engine, reading the databases and the session
// through Catalog and Settings (catalog.go), the interfaces they will
// bind against here. The first to have moved: an INSERT's column list and
// VALUES rows (insert.go), a table name's resolution (lookup.go), and a
// SELECT's own clauses (query.go, selectlist.go, srf.go), whose FROM
// clause the engine binds (Engine.BindSource) and whose result it plans,
// with the rules of the queries nested in it (nested.go); and INSERT,
// UPDATE and DELETE with their OUTPUT clause (dml.go: DMLBinder, which
// asks the engine through DML for the table's row writer and Enforcer,
// its scan, an INSERT's planned SELECT and the columns' parsed DEFAULTs),
// bound into exec's Insert, Update and Delete; and DDL (ddl.go, alter.go,
// constraint.go: DDLBinder), bound into catalog descriptors: CREATE
// TABLE's definition and constraints, CREATE INDEX's index, CREATE TYPE's
// alias type, ALTER TABLE's column changes and constraints, asking the
// engine through DDL only for its filtered indexes' interpreter. The
// engine numbers, writes and builds what DDL binds.
package bind
