package engine

import (
	"context"
	"testing"

	"mirrordb/sqlerr"
)

// TestRunContextKeptUntilCancelled: statements under one parent share one
// run context; once something cancels it (a CancelRequest ends the parent,
// KILL cancels it with a reason), the next statement runs under a fresh
// one, and a statement_timeout still stops only its own statement.
func TestRunContextKeptUntilCancelled(t *testing.T) {
	in := openTestInstance(t)
	s := openSession(t, in, "master")
	parent, cancelParent := context.WithCancel(context.Background())
	defer cancelParent()
	run := func(ctx context.Context, sql string) error { return s.Query(ctx, sql, &collect{}) }

	if err := run(parent, "SELECT 1"); err != nil {
		t.Fatal(err)
	}
	first := s.runCtx
	if err := run(parent, "SELECT 2"); err != nil {
		t.Fatal(err)
	}
	if s.runCtx != first {
		t.Fatal("a second statement under the same parent made a new run context")
	}

	// A statement that times out cancels its own context, not the kept one.
	mustQuery(t, s, "SET statement_timeout = 50")
	if err := run(parent, "WAITFOR DELAY '00:00:05'"); !sqlerr.Is(err, 50101) {
		t.Fatalf("WAITFOR under statement_timeout: %v, want Msg 50101", err)
	}
	mustQuery(t, s, "SET statement_timeout = 0")
	if err := run(parent, "SELECT 3"); err != nil {
		t.Fatalf("after a timeout: %v", err)
	}

	// The parent ends (wire's CancelRequest): the kept context ends with
	// it, and a statement under a new parent runs.
	kept := s.runCtx
	if kept.parent != parent {
		t.Fatal("the statements after SET ran under another parent")
	}
	cancelParent()
	<-kept.ctx.Done()
	if err := run(context.Background(), "SELECT 4"); err != nil {
		t.Fatalf("after the parent was cancelled: %v", err)
	}
	if s.runCtx == kept || s.runCtx.ctx.Err() != nil {
		t.Fatal("the statement after a cancel did not get a fresh run context")
	}
}
