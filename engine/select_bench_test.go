package engine

import (
	"context"
	"fmt"
	"testing"
)

// BenchmarkPointSelect measures a primary-key lookup through the simple
// query path (parse, bind, execute), with a different literal each time as
// pgbench -M simple sends it.
func BenchmarkPointSelect(b *testing.B) {
	in := openTestInstance(b)
	s := openSession(b, in, "master")
	mustQuery(b, s, "CREATE DATABASE sel USE sel CREATE TABLE kv (k BIGINT PRIMARY KEY, v VARCHAR(20), n INT)")
	for i := 0; i < 10; i++ {
		q := "INSERT kv VALUES "
		for j := 0; j < 1000; j++ {
			if j > 0 {
				q += ","
			}
			q += fmt.Sprintf("(%d, 'row', 0)", i*1000+j+1)
		}
		mustQuery(b, s, q)
	}
	w := &collect{}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		w.reset()
		if err := s.Query(context.Background(), fmt.Sprintf("SELECT v, n FROM kv WHERE k = %d", i%10000+1), w); err != nil {
			b.Fatal(err)
		}
		if len(w.rows) != 1 {
			b.Fatalf("got %d rows", len(w.rows))
		}
	}
}
