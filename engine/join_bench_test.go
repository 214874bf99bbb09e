package engine

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"testing"
)

var benchOldJoins = flag.Bool("oldjoins", false, "BenchmarkJoin20k: plan joins as nested loops over full scans (the engine before join planning), for benchstat")

// BenchmarkJoin20k joins two 20,000-row tables on their primary keys and
// on a non-key column (both hash matches), and on the keys by a seek per
// row (index nested loops), counting the 20,000 matches. With -oldjoins it measures the nested loops over full
// scans that ran before (see BENCHMARKS.md).
func BenchmarkJoin20k(b *testing.B) {
	in := openTestInstance(b)
	s := openSession(b, in, "master")
	s.oldJoins = *benchOldJoins
	mustQuery(b, s, "CREATE DATABASE jb USE jb")
	for _, t := range []string{"a", "b"} {
		mustQuery(b, s, "CREATE TABLE "+t+" (id INT PRIMARY KEY, v INT NOT NULL, note VARCHAR(20))")
		for i := 0; i < 20; i++ {
			var q strings.Builder
			q.WriteString("INSERT " + t + " VALUES ")
			for j := 0; j < 1000; j++ {
				if j > 0 {
					q.WriteByte(',')
				}
				k := i*1000 + j
				fmt.Fprintf(&q, "(%d, %d, 'row %d')", k, (k*7919)%20000, k)
			}
			mustQuery(b, s, q.String())
		}
	}
	for _, c := range []struct{ name, sql string }{
		{"scan", "SELECT COUNT(*) FROM a"}, // the two inputs' reading, for scale
		{"key", "SELECT COUNT(*) FROM a JOIN b ON a.id = b.id"},
		{"key-sum", "SELECT COUNT(*), SUM(CAST(a.v + b.v AS BIGINT)) FROM a JOIN b ON b.id = a.id"}, // engine.sh's query
		{"nonkey", "SELECT COUNT(*) FROM a JOIN b ON a.v = b.v"},
		{"key-seek", "SELECT COUNT(*) FROM a JOIN b ON a.id = b.id OPTION (LOOP JOIN)"}, // index nested loops
	} {
		b.Run(c.name, func(b *testing.B) {
			w := &collect{}
			for i := 0; i < b.N; i++ {
				w.reset()
				if err := s.Query(context.Background(), c.sql, w); err != nil {
					b.Fatal(err)
				}
				if got := fmt.Sprint(w.rows[0][0]); got != "20000" {
					b.Fatalf("got %s", got)
				}
			}
		})
	}
}
