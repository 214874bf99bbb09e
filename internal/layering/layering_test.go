// Package layering checks the dependency rules of ../shared/DESIGN.md and
// STYLE.md with `go list`, so that a forbidden import fails the test suite
// rather than slipping through review.
package layering

import (
	"os/exec"
	"strings"
	"testing"
)

// rules lists, per package, what it must not depend on: deep rules apply
// to every package it pulls in (transitively), direct rules to its own
// imports (the standard library's net is fine deep inside Pebble, but the
// engine itself must not open sockets).
var rules = []struct {
	pkg          string
	deep, direct []string
	why          string
}{
	{"mirrordb/sqlerr", []string{"mirrordb/"}, nil, "the error type is a leaf"},
	{"mirrordb/types", []string{"mirrordb/engine", "mirrordb/wire", "mirrordb/parser", "github.com/"}, nil,
		"the type system depends only on sqlerr"},
	{"mirrordb/session", []string{"mirrordb/engine", "mirrordb/wire", "mirrordb/parser", "github.com/"}, nil,
		"the wire/engine contract depends on neither"},
	{"mirrordb/parser", []string{"mirrordb/engine", "mirrordb/wire", "mirrordb/server", "mirrordb/session",
		"github.com/cockroachdb/", "github.com/jackc/", "net"}, []string{"os", "io/fs"}, "parser is text to AST, no I/O"},
	{"mirrordb/wire", []string{"mirrordb/engine", "mirrordb/parser", "mirrordb/server", "github.com/cockroachdb/pebble"}, nil,
		"wire speaks the protocol and executes nothing"},
	{"mirrordb/engine", []string{"mirrordb/wire", "mirrordb/server", "github.com/jackc/"}, []string{"net", "net/http"},
		"engine knows nothing of sockets or the wire protocol"},
	{"mirrordb/engine", []string{"mirrordb/mirroring"}, nil,
		"the engine offers hooks; the mirroring layer imports the engine, never the reverse"},
	{"mirrordb/mirroring/core", []string{"mirrordb/engine", "mirrordb/mirroring/transport", "mirrordb/wire",
		"github.com/", "net"}, []string{"os", "time/tzdata"}, "the session core is pure: no I/O, no engine, no network (DESIGN.md)"},
	{"mirrordb/mirroring/monitor", []string{"mirrordb/wire", "mirrordb/mirroring", "mirrordb/server"}, nil,
		"monitoring reads the instance through the engine's hooks, nothing else"},
	{"mirrordb/auth", []string{"mirrordb/engine", "mirrordb/server", "github.com/cockroachdb/"}, nil,
		"authentication reads logins through an interface, not the engine"},
	{"mirrordb/internal/verifier", []string{"mirrordb/"}, nil, "password verifiers are a leaf both engine and auth use"},
	{"mirrordb/engine/storage", []string{"mirrordb/engine/", "mirrordb/parser", "mirrordb/session", "mirrordb/wire",
		"mirrordb/mirroring", "mirrordb/types"}, []string{"net"}, "storage knows no SQL: Pebble, files and faults only (DESIGN.md)"},
	{"mirrordb/internal/faultfs", []string{"mirrordb/"}, nil, "the fault-injecting file system is a leaf tests of every layer use"},
	{"mirrordb/pgcodec", []string{"mirrordb/engine", "mirrordb/wire", "mirrordb/parser", "mirrordb/session", "github.com/"}, nil,
		"PostgreSQL's value formats depend only on types and sqlerr"},
	{"mirrordb/sqlcmd", []string{"mirrordb/engine", "mirrordb/server", "mirrordb/wire", "mirrordb/mirroring",
		"github.com/cockroachdb/pebble"}, nil, "sqlcmd is a client: it knows the server only through the wire protocol"},
	{"mirrordb/mirroring/transport", []string{"mirrordb/engine", "mirrordb/mirroring/core", "mirrordb/wire",
		"mirrordb/parser"}, nil, "the transport moves opaque messages"},
}

func goList(t *testing.T, args ...string) []string {
	t.Helper()
	out, err := exec.Command("go", append([]string{"list"}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("go list %v: %v\n%s", args, err, out)
	}
	return strings.Fields(string(out))
}

func matches(dep, rule string) bool {
	if strings.HasSuffix(rule, "/") {
		return strings.HasPrefix(dep, rule)
	}
	return dep == rule || strings.HasPrefix(dep, rule+"/")
}

func TestLayering(t *testing.T) {
	for _, r := range rules {
		deps := goList(t, "-deps", r.pkg)
		if len(deps) < 2 {
			t.Fatalf("go list returned no dependencies for %s", r.pkg)
		}
		for _, dep := range deps {
			for _, f := range r.deep {
				if dep != r.pkg && matches(dep, f) {
					t.Errorf("%s depends on %s: %s", r.pkg, dep, r.why)
				}
			}
		}
		for _, imp := range goList(t, "-f", `{{join .Imports " "}}`, r.pkg) {
			for _, f := range r.direct {
				if imp == f {
					t.Errorf("%s imports %s: %s", r.pkg, imp, r.why)
				}
			}
		}
	}
}
