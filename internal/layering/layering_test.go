// Package layering checks the dependency rules of docs/ARCHITECTURE.md
// with `go list`, so that a forbidden import fails the test suite rather
// than slipping through review. A rule that names a package which does not
// exist fails too: it would otherwise check nothing.
package layering

import (
	"os/exec"
	"slices"
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
	{"mirrordb/mirroring", nil, []string{"mirrordb/parser"},
		"mirroring takes typed commands from the engine (engine.MirrorCommand), never the statement"},
	{"mirrordb/mirroring/core", []string{"mirrordb/engine", "mirrordb/parser", "mirrordb/mirroring/transport", "mirrordb/wire",
		"github.com/", "net"}, []string{"os", "time/tzdata"}, "the session core is pure: no I/O, no engine, no network (docs/ARCHITECTURE.md)"},
	{"mirrordb/mirroring/monitor", []string{"mirrordb/wire", "mirrordb/mirroring", "mirrordb/server"}, nil,
		"monitoring reads the instance through the engine's hooks, nothing else"},
	{"mirrordb/auth", []string{"mirrordb/engine", "mirrordb/server", "github.com/cockroachdb/"}, nil,
		"authentication reads logins through an interface, not the engine"},
	{"mirrordb/internal/verifier", []string{"mirrordb/"}, nil, "password verifiers are a leaf both engine and auth use"},
	{"mirrordb/engine/storage", []string{"mirrordb/parser", "mirrordb/session", "mirrordb/wire", "mirrordb/mirroring",
		"mirrordb/server", "github.com/jackc/"}, []string{"net", "mirrordb/types"},
		"storage knows no SQL: Pebble, files, faults, transactions and the log (docs/ARCHITECTURE.md)"},
	{"mirrordb/internal/faultfs", []string{"mirrordb/"}, nil, "the fault-injecting file system is a leaf tests of every layer use"},
	{"mirrordb/pgcodec", []string{"mirrordb/engine", "mirrordb/wire", "mirrordb/parser", "mirrordb/session", "github.com/"}, nil,
		"PostgreSQL's value formats depend only on types and sqlerr"},
	{"mirrordb/sqlcmd", []string{"mirrordb/engine", "mirrordb/server", "mirrordb/wire", "mirrordb/mirroring",
		"github.com/cockroachdb/pebble"}, nil, "sqlcmd is a client: it knows the server only through the wire protocol"},
	{"mirrordb/mirroring/transport", []string{"mirrordb/engine", "mirrordb/mirroring/core", "mirrordb/wire",
		"mirrordb/parser"}, nil, "the transport moves opaque messages"},
}

// only lists, for the packages at the bottom of the engine, every package
// of the module they may depend on at all (deeply): storage builds on the
// key space (keys, which encodes values with types) and the log record
// (txlog), never on the engine above it.
var only = map[string][]string{
	"mirrordb/engine/storage": {"mirrordb/engine/keys", "mirrordb/engine/txlog", "mirrordb/types", "mirrordb/sqlerr",
		"mirrordb/internal/stat"},
	"mirrordb/engine/keys":  {"mirrordb/types", "mirrordb/sqlerr"},
	"mirrordb/engine/txlog": {},
	// Descriptors and the schema set: stored expressions stay text, so
	// the catalog needs no parser, and it knows no engine or session.
	"mirrordb/engine/catalog": {"mirrordb/engine/keys", "mirrordb/types", "mirrordb/sqlerr"},
	// A plan is a value: operator names and argument text, printed; it
	// knows neither the binder that builds it nor the executor.
	"mirrordb/engine/plan": {},
	// Scalar functions are functions of values: no engine, parser,
	// session or storage (the governor only to cancel a long LIKE).
	"mirrordb/engine/builtins": {"mirrordb/types", "mirrordb/sqlerr", "mirrordb/engine/govern"},
	// Expressions, the environment they run in, the SELECT's operators,
	// the joins (the hash table, hashing values alike that = calls equal)
	// and the row sources: values, their errors, the scalar functions,
	// the governor, the key encoding (distinct values, group keys, a
	// seek's key ranges, the keys of a table's rows and index entries),
	// the catalog's descriptors (the table and index a scan reads, whose
	// columns and key it decodes), the plan nodes operators describe
	// themselves with, and session's column descriptions (a bound
	// SELECT's result columns, the wire/engine contract's leaf); never the
	// engine, the parser, the session's state or storage: the scans read the store through exec.Table and the row
	// writer writes through exec.Writes, which the engine implements, and
	// the engine's own nodes reach the session through the opaque Env.Sess.
	"mirrordb/engine/exec": {"mirrordb/types", "mirrordb/sqlerr", "mirrordb/engine/builtins", "mirrordb/engine/govern",
		"mirrordb/engine/keys", "mirrordb/engine/catalog", "mirrordb/engine/plan", "mirrordb/session"},
	// The binder's rules, scopes and expression binder: the parser's syntax
	// in, exec's typed expressions out (and what exec itself uses), a
	// scope's columns as session's column descriptions (name and type, the
	// wire/engine contract's leaf), the catalog's descriptors (exec's
	// scans carry them; the statement binders read them through
	// bind.Catalog); engine/builtins' date functions; no engine, storage or
	// wire. What binding needs of the engine comes through bind.Engine,
	// bind.DML, bind.DDL, bind.Catalog and bind.Settings, and the function
	// registries it fills.
	"mirrordb/engine/bind": {"mirrordb/parser", "mirrordb/engine/exec", "mirrordb/engine/catalog", "mirrordb/session", "mirrordb/types",
		"mirrordb/sqlerr", "mirrordb/engine/builtins", "mirrordb/engine/govern", "mirrordb/engine/keys",
		"mirrordb/engine/plan"},
	// The planner's rules judge exec's expressions and the catalog's
	// descriptors; they know no engine, parser, session state or storage
	// (session's column descriptions only through exec's bound SELECT).
	"mirrordb/engine/opt": {"mirrordb/engine/exec", "mirrordb/engine/catalog", "mirrordb/engine/keys", "mirrordb/types",
		"mirrordb/sqlerr", "mirrordb/engine/builtins", "mirrordb/engine/govern", "mirrordb/engine/plan", "mirrordb/session"},
	// The security catalog, its keys and rules, and its statements: the
	// parser's statement in, a change of the catalog out. Option values
	// are evaluated, the catalog stored in master and published by the
	// engine, through the interfaces the package defines; it knows no
	// engine, session, storage or mirroring.
	"mirrordb/engine/security": {"mirrordb/engine/stmtopt", "mirrordb/parser", "mirrordb/types", "mirrordb/sqlerr",
		"mirrordb/internal/verifier"},
	// What the feature packages' statements need of the binder, as an
	// interface: the parser's option node in, a value out.
	"mirrordb/engine/stmtopt": {"mirrordb/parser", "mirrordb/types", "mirrordb/sqlerr"},
	// The endpoint's statements and definition: the parser's clauses in, a
	// definition out; storing it and binding its port are the engine's
	// and mirroring's.
	"mirrordb/engine/endpoint": {"mirrordb/parser", "mirrordb/sqlerr", "mirrordb/types"},
	// Backup media, the files in them, the BACKUP and RESTORE statements
	// (the parser's statement in; messages and result sets out, with
	// session's column type and builtins' conversions) and their jobs
	// over the log records (txlog). The store and the instance (the
	// checkpoint under the writer lock, the log, installing a restored
	// store) are reached through backup.Database and backup.Restorer,
	// which the engine implements: no engine, storage, wire or mirroring.
	"mirrordb/engine/backup": {"mirrordb/engine/stmtopt", "mirrordb/internal/frame", "mirrordb/parser", "mirrordb/session", "mirrordb/types",
		"mirrordb/sqlerr", "mirrordb/engine/builtins", "mirrordb/engine/govern", "mirrordb/engine/txlog"},
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

// checkNames fails the test for a rule that names a package nothing
// matches: a rule about a package that was moved or misspelt would
// otherwise pass without checking anything. Every checked package must be
// one of the module's; every forbidden name must match one of the module's
// packages, their dependencies or the standard library.
func checkNames(t *testing.T) {
	t.Helper()
	own := goList(t, "mirrordb/...")
	known := append(goList(t, "-deps", "mirrordb/..."), goList(t, "std")...)
	matchesAny := func(list []string, name string) bool {
		for _, p := range list {
			if matches(p, name) {
				return true
			}
		}
		return false
	}
	for _, r := range rules {
		if !slices.Contains(own, r.pkg) {
			t.Errorf("a rule checks %s, which is not a package of the module (moved or misspelt?)", r.pkg)
		}
		for _, f := range append(append([]string{}, r.deep...), r.direct...) {
			if !matchesAny(known, f) {
				t.Errorf("a rule for %s forbids %s, which matches no package (moved or misspelt?)", r.pkg, f)
			}
		}
	}
	for pkg, allowed := range only {
		for _, p := range append([]string{pkg}, allowed...) {
			if !slices.Contains(own, p) {
				t.Errorf("the allowed dependencies of %s name %s, which is not a package of the module", pkg, p)
			}
		}
	}
	if t.Failed() {
		t.FailNow()
	}
}

func TestLayering(t *testing.T) {
	checkNames(t)
	for pkg, allowed := range only {
		for _, dep := range goList(t, "-deps", pkg) {
			if dep != pkg && strings.HasPrefix(dep, "mirrordb/") && !slices.Contains(allowed, dep) {
				t.Errorf("%s depends on %s; it may depend only on %v", pkg, dep, allowed)
			}
		}
	}
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
