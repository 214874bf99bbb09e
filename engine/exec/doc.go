// Package exec evaluates bound statements: the scalar expression nodes
// the binder produces (constants, column, parameter, group-key and
// aggregate references, operators, comparisons, CASE, conversions, LIKE)
// and the environment they are evaluated against (Env: the current row,
// the group, the statement's context, parameters and memory governor).
//
// exec knows nothing of the engine above it: not the session, the
// catalog's resolution of names, the parser or the binder. The engine's
// own nodes, which need the session or a subquery's plan (session
// functions, subqueries, system views), live in package engine and
// implement Expr there; they reach the session through Env.Sess, an
// opaque value only the engine interprets. See docs/ARCHITECTURE.md,
// "Inside the engine".
package exec
