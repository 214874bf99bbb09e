package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestClientDrivers runs what a user of each PostgreSQL client does first
// (clients/: node-postgres, pgjdbc, psycopg 3; pgx and lib/pq are the
// server package's tests) against the principal of a mirrored pair:
// connect, a transaction with a savepoint, parameters of the common types,
// a batch, errors with their SQLSTATE, notices; and, where the client
// supports it, a multi-host connection that lists the mirror first and
// must reach the principal. ./test.sh installs the clients.
func TestClientDrivers(t *testing.T) {
	c := newCluster(t, "shop", 0)
	p, m := c.steady()
	ph, pp, _ := net.SplitHostPort(p.process().addr)
	mh, mp, _ := net.SplitHostPort(m.process().addr)
	root, err := filepath.Abs("../../clients")
	if err != nil {
		t.Fatal(err)
	}
	clients := []struct {
		name string
		dir  string // under clients/
		cmd  []string
		env  []string
		want []string
	}{
		{"node-postgres", "node", []string{"node", "basic.js"},
			[]string{"MIRRORDB_URL=postgres://app@" + net.JoinHostPort(ph, pp) + "/shop"},
			[]string{"connect", "savepoint", "parameters", "batch", "copy", "errors", "notices", "pool"}},
		{"pgjdbc", "jdbc", []string{"java", "-cp", "/usr/share/java/postgresql.jar", "Basic.java"},
			[]string{"MIRRORDB_JDBC_URL=jdbc:postgresql://" + net.JoinHostPort(ph, pp) + "/shop",
				fmt.Sprintf("MIRRORDB_JDBC_MULTIHOST_URL=jdbc:postgresql://%s,%s/shop?targetServerType=primary",
					net.JoinHostPort(mh, mp), net.JoinHostPort(ph, pp))},
			[]string{"connect", "savepoint", "parameters", "batch", "copy", "errors", "multihost " + p.name}},
		{"psycopg3", "python", []string{"/usr/bin/python3", "psycopg3_basic.py"},
			[]string{fmt.Sprintf("MIRRORDB_DSN=host=%s port=%s user=app dbname=shop", ph, pp),
				fmt.Sprintf("MIRRORDB_MULTIHOST_DSN=host=%s,%s port=%s,%s user=app dbname=shop target_session_attrs=read-write", mh, ph, mp, pp)},
			[]string{"connect", "savepoint", "parameters", "batch", "copy", "errors", "notices", "typeinfo", "multihost " + p.name}},
		{"sqlalchemy", "python", []string{"/usr/bin/python3", "sqlalchemy_catalog.py"},
			[]string{"MIRRORDB_SQLALCHEMY_URL=postgresql+psycopg2://app@" + net.JoinHostPort(ph, pp) + "/shop?sslmode=disable"},
			[]string{"connect", "tables", "columns", "primarykey", "constraints"}},
		{"pgjdbc-metadata", "jdbc", []string{"java", "-cp", "/usr/share/java/postgresql.jar", "Metadata.java"},
			[]string{"MIRRORDB_JDBC_URL=jdbc:postgresql://" + net.JoinHostPort(ph, pp) + "/shop"},
			[]string{"tables", "columns", "primarykeys", "indexinfo", "importedkeys", "typeinfo"}},
	}
	for _, cl := range clients {
		t.Run(cl.name, func(t *testing.T) {
			dir := filepath.Join(root, cl.dir)
			if _, err := exec.LookPath(cl.cmd[0]); err != nil {
				t.Fatalf("%s not found: run the tests with ./test.sh, which installs the clients", cl.cmd[0])
			}
			if cl.name == "node-postgres" {
				if _, err := os.Stat(filepath.Join(dir, "node_modules", "pg")); err != nil {
					t.Fatal("node-postgres is not installed in clients/node: run the tests with ./test.sh (npm ci)")
				}
			}
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, cl.cmd[0], cl.cmd[1:]...)
			cmd.Dir, cmd.Env = dir, append(os.Environ(), cl.env...)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("%s: %v\n%s", strings.Join(cl.cmd, " "), err, out)
			}
			for _, step := range cl.want {
				if !strings.Contains(string(out), "ok "+step+"\n") {
					t.Errorf("%s did not print %q:\n%s", cl.name, "ok "+step, out)
				}
			}
		})
	}
}
