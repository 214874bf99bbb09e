package testutil

import (
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// MsgNumber is the SQL Server error number ("Msg n") carried by a server
// error, 0 when err is not one.
func MsgNumber(err error) int {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return 0
	}
	for _, s := range []string{pe.Message, pe.Detail} {
		if i := strings.Index(s, "Msg "); i >= 0 {
			var n int
			if _, err := fmt.Sscanf(s[i:], "Msg %d", &n); err == nil {
				return n
			}
		}
	}
	return 0
}

// SQLState is the SQLSTATE of a server error, "" when err is not one.
func SQLState(err error) string {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return ""
	}
	return pe.Code
}

// Detail is the DETAIL of a server error, "" when err is not one.
func Detail(err error) string {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return ""
	}
	return pe.Detail
}
