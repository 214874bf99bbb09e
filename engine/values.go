package engine

import "mirrordb/engine/builtins"

// The short names the catalog views use for builtins' conversions of
// stored values.
var (
	nullIfEmpty = builtins.TextOrNull
	lsnValue    = builtins.LSN
	uuidOrNil   = builtins.UUIDOrNull
	// localTime shows a stored UTC instant as the server's wall clock.
	localTime = builtins.WallDateTime
)
