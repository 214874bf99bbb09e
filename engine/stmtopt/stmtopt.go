// Package stmtopt is what the feature packages' statements (engine/backup,
// engine/security) need of the engine's binder while they check a
// statement: the values of its WITH options, which are constant
// expressions only the binder can evaluate, and errors placed in the batch
// text. It is an interface, so those packages need no engine.
package stmtopt

import (
	"mirrordb/parser"
	"mirrordb/types"
)

// Binder evaluates options and places errors; the engine implements it.
type Binder interface {
	// OptionValue evaluates a WITH option's value, a constant expression
	// (nil when the option has none).
	OptionValue(opt *parser.BackupOption) (types.Value, error)
	// At places an error at p in the batch text.
	At(p parser.Pos, err error) error
}
