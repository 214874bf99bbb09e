package mirroring_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"mirrordb/internal/testutil"
	"mirrordb/server/servertest"
)

// TestClientsFindThePrincipal: a multi-host connection string with
// target_session_attrs=read-write, unchanged, reaches the principal before
// and after an automatic failover, also with the former principal back as
// mirror and listed first (it refuses the database: 954). Sessions learn
// the failover partner (ParameterStatus mirroring_partner), and a role
// change ends the demoted side's sessions with 57P01 so pools reconnect.
func TestClientsFindThePrincipal(t *testing.T) {
	nodes := newNodesWith(t, func(n *node) { n.sql = servertest.FreePort(t, n.host) }, "ALPHA", "BRAVO", "WITNESS")
	a, b, w := nodes[0], nodes[1], nodes[2]
	witnessedNodes(t, a, b, w, "Find")
	dsn := fmt.Sprintf("host=%s,%s port=%d,%d dbname=Find user=app sslmode=disable connect_timeout=5 target_session_attrs=read-write",
		a.host, b.host, a.sql, b.sql)
	reach := func(want, partner string) *pgx.Conn {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		// The role shows in sys.database_mirroring a moment before the new
		// principal opens its database (954 / 955 until then).
		c, err := pgx.Connect(ctx, dsn)
		for n := testutil.MsgNumber(err); (n == 954 || n == 955) && ctx.Err() == nil; n = testutil.MsgNumber(err) {
			time.Sleep(20 * time.Millisecond)
			c, err = pgx.Connect(ctx, dsn)
		}
		if err != nil {
			t.Fatalf("multi-host connect: %v", err)
		}
		t.Cleanup(func() { c.Close(context.Background()) })
		var name string
		if err := c.QueryRow(ctx, "SELECT @@SERVERNAME").Scan(&name); err != nil || name != want {
			t.Fatalf("reached %q (%v), want the principal %s", name, err, want)
		}
		if got := c.PgConn().ParameterStatus("mirroring_partner"); got != partner {
			t.Fatalf("mirroring_partner %q, want %q", got, partner)
		}
		return c
	}

	old := reach("ALPHA", "BRAVO")
	a.stop()
	b.waitState("Find", "PRINCIPAL", "DISCONNECTED")
	reach("BRAVO", "ALPHA")
	if _, err := old.Exec(context.Background(), "SELECT 1"); err == nil {
		t.Fatal("a session on the stopped principal still works")
	}

	a.start()
	a.waitState("Find", "MIRROR", "SYNCHRONIZED")
	onB := reach("BRAVO", "ALPHA") // ALPHA, listed first, refuses: 954

	// A manual failover: the demoted side's sessions end with 57P01.
	b.exec(`ALTER DATABASE Find SET PARTNER FAILOVER`)
	_, err := onB.Exec(context.Background(), "INSERT INTO dbo.t (id, worker) VALUES (1, 1)")
	if code := testutil.SQLState(err); code != "57P01" {
		t.Fatalf("a session on the demoted principal: %v (SQLSTATE %q), want 57P01", err, code)
	}
	a.waitState("Find", "PRINCIPAL", "SYNCHRONIZED")
	reach("ALPHA", "BRAVO")
}
