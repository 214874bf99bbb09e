package parser

import "testing"

const (
	benchInsert = "INSERT INTO dbo.accounts (id, name, balance) VALUES (42, N'alice', 100.50)"
	benchSelect = "SELECT id, name, balance FROM dbo.accounts WHERE id = 42"
	benchUpdate = "UPDATE dbo.accounts SET balance = balance - 10.25, name = N'bob' WHERE id = 42"
	// The 110-byte statement measured in GO-STACK.md §2.2 (0.3 ms and 1,222
	// allocations with participle's regexp lexer and grammar expressions).
	benchComplex = "select top 10 a, b + 1 as [x y], upper(c) from dbo.[orders] where a = @id and not b <> 'x''y' order by a desc"
)

func benchParse(b *testing.B, sql string, cached bool) {
	batch := BatchText{Text: sql, Line: 1, Count: 1}
	if _, err := parseBatch(batch, cached); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := parseBatch(batch, cached); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "stmts/s")
}

func BenchmarkParseInsert(b *testing.B)       { benchParse(b, benchInsert, false) }
func BenchmarkParseInsertCached(b *testing.B) { benchParse(b, benchInsert, true) }
func BenchmarkParseSelect(b *testing.B)       { benchParse(b, benchSelect, false) }
func BenchmarkParseSelectCached(b *testing.B) { benchParse(b, benchSelect, true) }
func BenchmarkParseUpdate(b *testing.B)       { benchParse(b, benchUpdate, false) }
func BenchmarkParseUpdateCached(b *testing.B) { benchParse(b, benchUpdate, true) }
func BenchmarkParseComplex(b *testing.B)      { benchParse(b, benchComplex, false) }

func BenchmarkLex(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		l := newLexer(benchComplex)
		for {
			t, err := l.Next()
			if err != nil {
				b.Fatal(err)
			}
			if t.EOF() {
				break
			}
		}
	}
}

// BenchmarkBuildParser measures building one pooled parser instance
// (paid once per concurrently parsing goroutine).
func BenchmarkBuildParser(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		newInstance()
	}
}
