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
// conversions, parameter inference and constant folding.
//
// What binding an expression needs of the engine (function calls,
// subqueries, @@globals, the scopes of the queries around a subquery,
// alias types, the session constants fold against) it asks through the
// Engine interface, which the engine's statement binder implements; that
// binder embeds Binder and still binds the statements (SELECT, INSERT,
// DDL, ...) in package engine.
package bind
