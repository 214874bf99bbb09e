package wire

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"mirrordb/internal/testutil"
)

// TestCopySubProtocol runs COPY FROM STDIN and TO STDOUT through pgx's
// own COPY support: data crosses message boundaries, a client's CopyFail
// and a statement failing half-way both end the copy with an error and
// leave the connection usable, the leftover data being dropped.
func TestCopySubProtocol(t *testing.T) {
	ts := startServer(t, Config{})
	b := ts.backend
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := pgconn.Connect(ctx, ts.connString(""))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)

	data := strings.Repeat("1\tone\n2\ttwo\n", 5000) // 60 KB: several CopyData messages
	tag, err := c.CopyFrom(ctx, strings.NewReader(data), "copyin")
	if err != nil || tag.RowsAffected() != int64(len(data)) {
		t.Fatalf("COPY FROM STDIN: %v, %v", tag, err)
	}
	if !b.sawQuery("copied:" + data) {
		t.Fatal("the statement did not read the data sent")
	}

	var out bytes.Buffer
	tag, err = c.CopyTo(ctx, &out, "copyout 3")
	if err != nil || out.String() != "row 1\nrow 2\nrow 3\n" || tag.RowsAffected() != 3 {
		t.Fatalf("COPY TO STDOUT: %q, %v, %v", out.String(), tag, err)
	}

	_, err = c.CopyFrom(ctx, &failingReader{after: []byte("1\tone\n")}, "copyin")
	if code := testutil.SQLState(err); code != "57014" {
		t.Fatalf("COPY abandoned by the client (CopyFail): %v, want 57014", err)
	}
	_, err = c.CopyFrom(ctx, strings.NewReader(data), "copyin fail-after 100")
	if testutil.MsgNumber(err) != 2627 {
		t.Fatalf("COPY failing half-way: %v, want Msg 2627", err)
	}
	if res := c.ExecParams(ctx, "select 1", nil, nil, nil, nil).Read(); res.Err != nil || len(res.Rows) != 1 {
		t.Fatalf("the connection after failed copies: %v", res.Err)
	}
}

type failingReader struct{ after []byte }

func (r *failingReader) Read(p []byte) (int, error) {
	if len(r.after) > 0 {
		n := copy(p, r.after)
		r.after = r.after[n:]
		return n, nil
	}
	return 0, errors.New("the client gave up")
}
