package server_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"time"

	"mirrordb/pgcodec"
	"mirrordb/session"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// inProcessPID numbers in-process sessions as wire numbers connections.
var inProcessPID atomic.Uint32

// session opens (or returns) the named in-process session, as the wire
// would open it for pgx: user tester, database master.
func (h *scriptHarness) session(name string) session.Session {
	if s, ok := h.sessions[name]; ok {
		return s
	}
	st := session.Startup{User: "tester", Database: "master", ProcessID: 1<<20 + inProcessPID.Add(1),
		Params: map[string]string{"user": "tester", "database": "master"}}
	s, err := h.srv.Instance().OpenWith(context.Background(), st, h.srv.Memory())
	if err != nil {
		h.t.Fatal(err)
	}
	h.sessions[name] = s
	return s
}

// execInProcess runs sql in a session and prints it as exec prints what
// pgx received: per statement its columns, rows in PostgreSQL's text
// format, the notices that came with it and its tag; then the error.
func execInProcess(s session.Session, sql string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	w := &textWriter{}
	err := s.Query(ctx, sql, w)
	w.out.WriteString(w.notices.String())
	switch {
	case errors.Is(err, session.ErrEmptyQuery):
		w.out.WriteString("\n") // EmptyQueryResponse: a result with an empty tag
	case err != nil:
		e := sqlerr.As(err)
		w.out.WriteString(errorLine(e.Text(), e.Code, int32(e.Position)) + "\n")
	}
	return w.out.String()
}

// textWriter is a session.ResultWriter that prints like the pgx harness.
type textWriter struct {
	out, notices strings.Builder
	cols         []session.Column
}

func (w *textWriter) Columns(cols []session.Column) error {
	w.cols = cols
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.Name
	}
	w.out.WriteString(strings.Join(names, " | ") + "\n")
	return nil
}

func (w *textWriter) Row(vals []types.Value) error {
	cells := make([]string, len(vals))
	for i, v := range vals {
		if v == nil {
			cells[i] = "NULL"
			continue
		}
		b, err := pgcodec.AppendText(nil, w.cols[i].Type, v)
		if err != nil {
			return err
		}
		cells[i] = string(b)
	}
	w.out.WriteString(strings.Join(cells, " | ") + "\n")
	return nil
}

func (w *textWriter) Complete(tag string) error {
	w.out.WriteString(w.notices.String())
	w.notices.Reset()
	w.out.WriteString(tag + "\n")
	w.cols = nil
	return nil
}

func (w *textWriter) Notice(e *sqlerr.Error) error {
	w.notices.WriteString("notice: " + e.Text() + "\n")
	return nil
}
