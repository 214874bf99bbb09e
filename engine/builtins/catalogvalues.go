package builtins

import (
	"time"

	"mirrordb/types"
)

// The values catalog views and result sets of the server's own (backup
// headers, mirroring state, plans) show for what it stores as Go values.

// WallDateTime is a stored UTC instant as a DATETIME value of the server's
// wall clock, as SQL Server's catalog columns show times (NULL for the
// zero time).
func WallDateTime(t time.Time) types.Value {
	if t.IsZero() {
		return nil
	}
	v, _ := types.NormalizeTime(LocalWall(t), types.TypeDateTime)
	return v
}

// TextOrNull is NULL for an empty text, the text otherwise.
func TextOrNull(s string) types.Value {
	if s == "" {
		return nil
	}
	return s
}

// UUIDOrNull is a GUID column's value, NULL when the text is not a GUID.
func UUIDOrNull(s string) types.Value {
	if u, ok := types.ParseUUID(s); ok {
		return u
	}
	return nil
}

// LSN is a log sequence number as SQL Server's numeric(25,0) columns show
// it.
func LSN(n uint64) types.Value { return types.DecFromInt(int64(n)) }
