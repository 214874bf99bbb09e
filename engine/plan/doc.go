// Package plan is the operator tree of a bound statement as a value. The
// binder builds each statement into operators (scans, seeks, filters,
// joins, aggregates, sorts, writes); each operator describes itself as a
// Node, and a Node tree prints itself the way SQL Server's SET
// SHOWPLAN_TEXT and SET SHOWPLAN_ALL show a plan. Plan tests compare that
// text, so a change of access path or operator order shows up as a diff.
//
// The package knows no SQL engine: a Node is names and argument text. See
// docs/ARCHITECTURE.md for where it sits between binding and execution.
package plan
