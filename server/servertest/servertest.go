// Package servertest starts real mirrordb instances for tests: on a free
// loopback port, in a temporary data directory, shut down and checked for
// a clean close when the test ends.
package servertest

import (
	"context"
	"io"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"mirrordb/server"
)

// Logger is quiet unless MIRRORDB_TEST_LOG is set.
func Logger() *slog.Logger {
	if os.Getenv("MIRRORDB_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// Start starts an instance on 127.0.0.1 in dir (a fresh temporary
// directory when dir is ""). It is shut down at the end of the test.
func Start(t testing.TB, dir string) *server.Server {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	srv, err := server.Start(server.Config{DataDir: dir, Listen: "127.0.0.1:0", Name: "mirrordb-test", Logger: Logger()})
	if err != nil {
		t.Fatalf("start server: %v", err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("server shutdown: %v", err)
		}
	})
	return srv
}

// URL returns a connection string for database db.
func URL(srv *server.Server, db string) string {
	return "postgres://tester@" + srv.Addr() + "/" + db + "?sslmode=disable"
}

// Connect opens a pgx connection to database db, closed at the end of the
// test.
func Connect(t testing.TB, srv *server.Server, db string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, URL(srv, db))
	if err != nil {
		t.Fatalf("connect to %s: %v", db, err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}
