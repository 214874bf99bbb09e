package engine

import (
	"context"
	"strconv"
	"testing"
)

// BenchmarkSimpleInsert is pgbench -M simple's insert (testdata/bench/
// insert.sql) in the engine: a single-row INSERT with a new literal key
// each time through the simple query path (parse, the plan cache's simple
// parameterization, bind, write), each in its own autocommit transaction.
// cpu-µs/op is the process's CPU per INSERT, the figure issue 14 bounds.
func BenchmarkSimpleInsert(b *testing.B) {
	s := preparedKV(b)
	ctx := context.Background()
	w := &rowCounter{}
	runTimed(b, func(i int) error {
		return s.Query(ctx, "INSERT INTO kv (k, v, n) VALUES ("+strconv.Itoa(100000+i)+", 'pgbench', 1)", w)
	})
}
