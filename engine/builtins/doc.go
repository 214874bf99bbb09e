// Package builtins holds T-SQL's scalar functions that depend only on
// their argument values: strings, numbers, dates and date parts, money
// literals, CONVERT's styles, LIKE patterns and the functions of the newer
// data types. Keeping them apart from the engine lets them be read and
// tested as plain functions of values, and keeps the engine's files about
// binding and running statements.
//
// Functions that read the session, the instance, the catalog or the
// statement's clock (USER_NAME, DB_NAME, GETDATE, OBJECT_ID, @@ variables)
// stay in the engine, which adds this package's table to its own. The
// package knows types and errors only (and the statement governor, so a
// long LIKE can be cancelled); see docs/ARCHITECTURE.md.
package builtins
