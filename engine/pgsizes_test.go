package engine

import "testing"

// PostgreSQL's own outputs of pg_size_pretty for the same numbers.
func TestSizePretty(t *testing.T) {
	for n, want := range map[int64]string{0: "0 bytes", 10239: "10239 bytes", 10240: "10 kB", 10485760: "10 MB",
		1234567890: "1177 MB", 1 << 40: "1024 GB", 30 << 40: "30 TB", -20000: "-20 kB"} {
		if got := sizePretty(n); got != want {
			t.Errorf("sizePretty(%d) = %q, want %q", n, got, want)
		}
	}
}
