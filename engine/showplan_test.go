package engine

import (
	"context"
	"testing"

	"mirrordb/sqlerr"
	"mirrordb/types"
)

// TestShowplanPrepared: over the extended protocol a statement prepared
// under SHOWPLAN_TEXT returns its operators (one result set), and runs
// again once SHOWPLAN is off.
func TestShowplanPrepared(t *testing.T) {
	ctx := context.Background()
	in := openTestInstance(t)
	s := openSession(t, in, "master")
	mustQuery(t, s, "CREATE DATABASE p USE p CREATE TABLE t (k INT PRIMARY KEY, v INT) INSERT t VALUES (1, 10)")
	mustQuery(t, s, "SET SHOWPLAN_TEXT ON")
	p, err := s.Prepare(ctx, "SELECT v FROM t WHERE k = $1", nil)
	if err != nil {
		t.Fatal(err)
	}
	if cols := p.Columns(); len(cols) != 1 || cols[0].Name != "StmtText" {
		t.Fatalf("columns under SHOWPLAN_TEXT: %v", cols)
	}
	w := &collect{}
	if err := p.Execute(ctx, []types.Value{"1"}, w); err != nil {
		t.Fatal(err)
	}
	want := "[[  |--Filter(WHERE:([p].[dbo].[t].[k]=$1))] [       |--Clustered Index Seek(OBJECT:([p].[dbo].[t].[PK__t__3B4A0001]), SEEK:([p].[dbo].[t].[k]=$1) ORDERED FORWARD)]]"
	if got := w.text(); got != want {
		t.Fatalf("plan:\n%s\nwant\n%s", got, want)
	}
	mustQuery(t, s, "SET SHOWPLAN_TEXT OFF")
	w = &collect{}
	err = p.Execute(ctx, []types.Value{"1"}, w)
	if e := sqlerr.As(err); err == nil || e.Code != sqlerr.FeatureNotSupported {
		t.Fatalf("executing a plan prepared under SHOWPLAN after it is off: %v, want cached plan must not change result type", err)
	}
	p, err = s.Prepare(ctx, "SELECT v FROM t WHERE k = $1", nil)
	if err != nil {
		t.Fatal(err)
	}
	w = &collect{}
	if err := p.Execute(ctx, []types.Value{"1"}, w); err != nil || w.text() != "[[10]]" {
		t.Fatalf("after SHOWPLAN OFF: %v %s", err, w.text())
	}
}
