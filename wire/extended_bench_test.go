package wire

import (
	"bufio"
	"encoding/binary"
	"io"
	"strconv"
	"testing"

	"github.com/jackc/pgproto3/v2"

	"mirrordb/internal/testutil"
)

// BenchmarkExtendedBindExecute is the message sequence of pgbench -M
// prepared (and pgx's cached statements) over a real socket: the
// statement is parsed once, then every transaction is Bind (a new text
// argument), Describe portal, Execute and Sync, written at once, and the
// client reads up to ReadyForQuery. The test backend's statement does
// almost nothing, so the time and allocations are wire's (the client
// side allocates nothing per round trip). cpu-µs/op is the process's
// CPU time per round trip, client included. -benchmem figures are in
// BENCHMARKS.md.
func BenchmarkExtendedBindExecute(b *testing.B) {
	ts := startServer(b, Config{})
	r := dialRaw(b, ts)
	r.startup(nil)
	r.send(&pgproto3.Parse{Name: "s", Query: "echo bigint $1"}, &pgproto3.Sync{})
	r.until("ReadyForQuery")

	in := bufio.NewReader(r.nc)
	var (
		out   []byte
		arg   []byte
		param = [][]byte{nil}
		head  [5]byte
	)
	describe := &pgproto3.Describe{ObjectType: 'P'}
	execute := &pgproto3.Execute{}
	sync := &pgproto3.Sync{}
	bind := &pgproto3.Bind{PreparedStatement: "s", Parameters: param}
	b.ReportAllocs()
	b.ResetTimer()
	cpu := testutil.ProcessCPU(b)
	for i := 0; i < b.N; i++ {
		arg = strconv.AppendInt(arg[:0], int64(i%10000+1), 10)
		param[0] = arg
		out = out[:0]
		for _, m := range []pgproto3.FrontendMessage{bind, describe, execute, sync} {
			var err error
			if out, err = m.Encode(out); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := r.nc.Write(out); err != nil {
			b.Fatal(err)
		}
		rows := 0
		for {
			if _, err := io.ReadFull(in, head[:]); err != nil {
				b.Fatal(err)
			}
			if _, err := in.Discard(int(binary.BigEndian.Uint32(head[1:])) - 4); err != nil {
				b.Fatal(err)
			}
			switch head[0] {
			case 'D':
				rows++
			case 'E':
				b.Fatal("error response")
			}
			if head[0] == 'Z' {
				break
			}
		}
		if rows != 1 {
			b.Fatalf("%d rows", rows)
		}
	}
	b.StopTimer()
	// The process's CPU time (server and client) per round trip: the
	// figure the machine's load moves least.
	b.ReportMetric(float64((testutil.ProcessCPU(b)-cpu).Nanoseconds())/1e3/float64(b.N), "cpu-µs/op")
}
