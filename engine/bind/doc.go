// Package bind holds the binder's rules: how the syntax of an expression
// becomes a typed exec.Expr. It is the first of the layers a statement
// passes through (bind → plan → opt → exec, docs/ARCHITECTURE.md "Inside
// the engine"): SQL Server's implicit conversions and data type
// precedence, the result types of arithmetic and aggregates, the values
// and types of literals, the types of casts, and the parameter types and
// checks of simple parameterization.
//
// The statement binders (SELECT, INSERT, DDL, ...) and the expression
// binder itself are still the engine's, which holds the session they
// read; they call these rules, which need no session, catalog or store.
package bind
