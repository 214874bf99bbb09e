package main

import (
	"strings"
	"testing"
)

// TestParseSqlcmd covers the sqlcmd subset demo.sql is written in.
func TestParseSqlcmd(t *testing.T) {
	b, err := parseSqlcmd("-- header\n\n-- note\n:CONNECT A\nSELECT '$(X)'\ngo\n:connect B\n\nSELECT 1\nSELECT 2\nGO\n", map[string]string{"X": "x"})
	if err != nil || len(b) != 2 || b[0].server != "A" || b[0].sql != "SELECT 'x'" || b[0].notes[0] != "-- note" ||
		!b[1].connect || b[1].server != "B" || b[1].sql != "SELECT 1\nSELECT 2" || b[1].line != 9 {
		t.Fatalf("%+v %v", b, err)
	}
	for script, want := range map[string]string{
		"\n:CONNECT A\nSELECT $(Y)\nGO\n": "$(Y) is not defined",
		"\n:CONNECT A\nSELECT 1\n":        "no GO",
		"\nSELECT 1\nGO\n":                "before any :CONNECT",
	} {
		if _, err := parseSqlcmd(script, nil); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", script, err, want)
		}
	}
}
