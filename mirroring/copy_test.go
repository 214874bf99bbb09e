package mirroring_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestCopyIsMirrored: a COPY commits through the log like any insert, so
// under SAFETY FULL its rows are hardened on the mirror before the COPY
// returns, and the mirror serves them after a failover.
func TestCopyIsMirrored(t *testing.T) {
	a, b := pairedNodes(t, "Loads")
	a.waitState("Loads", "PRINCIPAL", "SYNCHRONIZED")
	conn := a.conn("Loads")
	rows := make([][]any, 5000)
	for i := range rows {
		rows[i] = []any{int32(i), int32(i % 7)}
	}
	n, err := conn.CopyFrom(context.Background(), pgx.Identifier{"t"}, []string{"id", "worker"}, pgx.CopyFromRows(rows))
	if err != nil || n != int64(len(rows)) {
		t.Fatalf("CopyFrom: %d rows, %v", n, err)
	}
	a.exec(`ALTER DATABASE Loads SET PARTNER FAILOVER`)
	b.waitState("Loads", "PRINCIPAL", "SYNCHRONIZED")
	if got := b.row(`SELECT COUNT(*), SUM(worker) FROM Loads.dbo.t`); fmt.Sprint(got) != fmt.Sprint([]string{"5000", "14995"}) {
		t.Fatalf("after failover the new principal has %v, want [5000 14995]", got)
	}
}
