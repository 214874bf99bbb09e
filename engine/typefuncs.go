package engine

import (
	"time"

	"mirrordb/engine/bind"
	"mirrordb/engine/exec"
	"mirrordb/types"
)

// SYSDATETIMEOFFSET reads the statement's clock, so it is the engine's;
// the other value functions of the newer data types are in
// engine/builtins. The table is built in builtins.go (whose init runs
// first: files initialise in name order).
func init() {
	bind.Functions["SYSDATETIMEOFFSET"] = &exec.Builtin{Type: fixed(types.DateTimeOffsetType(7)), Volatile: true,
		Eval: func(e *exec.Env, _ []types.Value, _ []types.Type) (types.Value, error) {
			_, off := e.Now.Local().Zone()
			v, _ := types.NormalizeTime(e.Now.In(time.FixedZone("", off)), types.DateTimeOffsetType(7))
			return v, nil
		}}
}
