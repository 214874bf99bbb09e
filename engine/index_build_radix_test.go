package engine

import (
	"bytes"
	"encoding/binary"
	"math/rand"
	"testing"
)

// TestEntrySorter: the radix sort orders entries as comparing their keys
// does, for keys that differ in a few bytes of the head, in many (the
// comparison sort), only after the head (ties), and in length.
func TestEntrySorter(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	prefix := []byte("t/\x00\x00\x00\x02i\x00\x00\x00\x03/")
	shapes := map[string]func() []byte{
		"ints": func() []byte { return binary.BigEndian.AppendUint64([]byte{5}, uint64(r.Intn(1_000_000))) },
		"random": func() []byte {
			b := make([]byte, 1+r.Intn(30))
			r.Read(b)
			return b
		},
		"long ties": func() []byte {
			return append(bytes.Repeat([]byte{'v'}, 16+r.Intn(3)), byte(r.Intn(256)), byte(r.Intn(4)))
		},
		"short": func() []byte { return []byte{byte(r.Intn(3))}[:r.Intn(2)] },
	}
	var s entrySorter
	for name, gen := range shapes {
		for _, n := range []int{10, 300, 5000} {
			var buf []byte
			var entries []stepEntry
			for range n {
				k := len(buf)
				buf = append(append(buf, prefix...), gen()...)
				v := len(buf)
				buf = append(buf, 'x')
				entries = append(entries, newStepEntry(buf, k, v, len(buf), len(prefix)))
			}
			s.sort(buf, entries)
			for i := 1; i < len(entries); i++ {
				a, b := buf[entries[i-1].k:entries[i-1].v], buf[entries[i].k:entries[i].v]
				if bytes.Compare(a, b) > 0 {
					t.Fatalf("%s, %d entries: %x before %x", name, n, a, b)
				}
			}
		}
	}
}
