package engine

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"

	"mirrordb/session"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// TestPlans runs the datadriven plan scripts under testdata/plan in
// process: statement in, plan out.
//
// Directives:
//
//	exec      run the text; print result sets, tags, notices and the error
//	plan      run the text under SET SHOWPLAN_TEXT ON (it is not executed)
//	          and print the operators
//
// Figures of SET STATISTICS TIME print as <n>. Run with -rewrite to
// regenerate the expected output.
func TestPlans(t *testing.T) {
	datadriven.Walk(t, "../testdata/plan", func(t *testing.T, path string) {
		in := openTestInstance(t)
		s := openSession(t, in, "master")
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			switch d.Cmd {
			case "exec":
				return runScript(s, d.Input)
			case "plan":
				mustQuery(t, s, "SET SHOWPLAN_TEXT ON")
				defer mustQuery(t, s, "SET SHOWPLAN_TEXT OFF")
				w := &scriptWriter{planOnly: true}
				if err := s.Query(context.Background(), d.Input, w); err != nil {
					w.error(err)
				}
				return w.b.String()
			}
			t.Fatalf("unknown directive %q", d.Cmd)
			return ""
		})
	})
}

var timeFigures = regexp.MustCompile(`= \d+ ms`)

// runScript runs SQL in a session and prints what a client would see.
func runScript(s *Session, sql string) string {
	w := &scriptWriter{}
	if err := s.Query(context.Background(), sql, w); err != nil {
		w.error(err)
	}
	return timeFigures.ReplaceAllString(w.b.String(), "= <n> ms")
}

// scriptWriter prints results as text. With planOnly it prints only the
// rows of SHOWPLAN_TEXT's operator result sets (lines starting "  |--" or
// deeper), so a plan test shows the plan and nothing else.
type scriptWriter struct {
	b        strings.Builder
	cols     []session.Column
	planOnly bool
}

func (w *scriptWriter) Columns(cols []session.Column) error {
	w.cols = cols
	if !w.planOnly {
		names := make([]string, len(cols))
		for i, c := range cols {
			names[i] = c.Name
		}
		w.b.WriteString(strings.Join(names, " | ") + "\n")
	}
	return nil
}

func (w *scriptWriter) Row(vals []types.Value) error {
	cells := make([]string, len(vals))
	for i, v := range vals {
		if v == nil {
			cells[i] = "NULL"
			continue
		}
		t := types.NVarCharType(types.MaxLength)
		if i < len(w.cols) {
			t = w.cols[i].Type
		}
		cells[i] = types.ToText(v, t)
	}
	line := strings.Join(cells, " | ")
	if w.planOnly && !strings.HasPrefix(strings.TrimLeft(line, " |"), "--") {
		return nil
	}
	w.b.WriteString(line + "\n")
	return nil
}

func (w *scriptWriter) Complete(tag string) error {
	if !w.planOnly {
		w.b.WriteString(tag + "\n")
	}
	return nil
}

func (w *scriptWriter) Notice(e *sqlerr.Error) error {
	w.b.WriteString("notice: " + e.Text() + "\n")
	return nil
}

func (w *scriptWriter) error(err error) {
	e := sqlerr.As(err)
	w.b.WriteString("error: " + e.Text() + "\n")
}

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
