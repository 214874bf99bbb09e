package engine

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// benchBig fills big (k, g, v) as testdata/bench/engine.sh does: keys
// 1..rows, g in 0..99, v spread over the keys.
func benchBig(b *testing.B, rows int) *Session {
	in := openTestInstance(b)
	s := openSession(b, in, "master")
	mustQuery(b, s, "CREATE DATABASE agg USE agg CREATE TABLE big (k BIGINT PRIMARY KEY, g INT NOT NULL, v INT NOT NULL)")
	var q strings.Builder
	for i := 1; i <= rows; i += 1000 {
		q.Reset()
		q.WriteString("INSERT big VALUES ")
		for j := i; j < i+1000 && j <= rows; j++ {
			if j > i {
				q.WriteByte(',')
			}
			fmt.Fprintf(&q, "(%d,%d,%d)", j, j%100, (j*7919)%rows)
		}
		mustQuery(b, s, q.String())
	}
	mustQuery(b, s, "CHECKPOINT") // the rows in tables on disk, as a server's are after a while
	return s
}

func benchQuery(b *testing.B, s *Session, sql string, rows int) {
	w := &collect{}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		w.reset()
		if err := s.Query(context.Background(), sql, w); err != nil {
			b.Fatal(err)
		}
		if len(w.rows) != rows {
			b.Fatalf("got %d rows", len(w.rows))
		}
	}
}

// BenchmarkGroupBy is engine.sh's GROUP BY: 100 groups over 200,000 rows.
func BenchmarkGroupBy(b *testing.B) {
	s := benchBig(b, 200000)
	benchQuery(b, s, "SELECT g, COUNT(*), SUM(CAST(v AS BIGINT)) FROM big GROUP BY g ORDER BY g", 100)
}

// BenchmarkRangeSeek is engine.sh's range seek: 1% of 200,000 rows.
func BenchmarkRangeSeek(b *testing.B) {
	s := benchBig(b, 200000)
	benchQuery(b, s, "SELECT COUNT(*), SUM(CAST(v AS BIGINT)) FROM big WHERE k BETWEEN 100000 AND 101999", 1)
}
