package engine

import (
	"strings"
	"testing"
)

// TestIdentityInsertFollowsSession: the IDENTITY_INSERT rules follow the
// session's setting when each INSERT runs, whatever plan it was given
// (545 needs the run-time check: binding alone does not see it).
func TestIdentityInsertFollowsSession(t *testing.T) {
	in := openTestInstance(t)
	s := openSession(t, in, "master")
	mustQuery(t, s, "CREATE DATABASE ii USE ii CREATE TABLE t (id INT IDENTITY PRIMARY KEY, v INT)")
	var tr transcript
	steps := []struct{ sql, want string }{
		{"SET IDENTITY_INSERT t ON", "tag SET"},
		{"INSERT t (id, v) VALUES (7, 1)", "tag INSERT"},
		{"SET IDENTITY_INSERT t OFF", "tag SET"},
		{"INSERT t (id, v) VALUES (8, 1)", "error 544"},
		{"INSERT t (v) VALUES (1)", "tag INSERT"},
		{"SET IDENTITY_INSERT t ON", "tag SET"},
		{"INSERT t (v) VALUES (2)", "error 545"},
		{"INSERT t VALUES (2)", "error 8101"},
		{"INSERT t (id, v) VALUES (3, 1)", "tag INSERT"},
		{"SET IDENTITY_INSERT t OFF", "tag SET"},
		{"INSERT t (v) VALUES (3)", "tag INSERT"},
		{"SELECT id FROM t ORDER BY id", "col id int 1.1\nrow [3]\nrow [7]\nrow [8]\nrow [9]\ntag SELECT 4"},
	}
	for _, st := range steps {
		if got := tr.run(s, st.sql); !strings.HasPrefix(got, st.want) {
			t.Fatalf("%s: got %q, want %q...", st.sql, got, st.want)
		}
	}
}
