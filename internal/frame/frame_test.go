package frame

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

func TestRoundTripAndDamage(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf, 0)
	for i, p := range [][]byte{[]byte("hello"), nil, bytes.Repeat([]byte{7}, 1000)} {
		if err := w.Write(byte('a'+i), p); err != nil {
			t.Fatal(err)
		}
	}
	good := buf.Bytes()
	r := NewReader(bytes.NewReader(good), 1<<20, 0)
	for i, want := range []string{"hello", "", string(bytes.Repeat([]byte{7}, 1000))} {
		k, p, err := r.Next()
		if err != nil || k != byte('a'+i) || string(p) != want {
			t.Fatalf("frame %d: %q %q %v", i, k, p, err)
		}
	}
	if _, _, err := r.Next(); err != io.EOF {
		t.Fatalf("end: %v", err)
	}
	if r.Offset() != int64(len(good)) || w.Offset() != int64(len(good)) {
		t.Fatalf("offsets %d %d of %d", r.Offset(), w.Offset(), len(good))
	}
	for i := range good {
		bad := append([]byte{}, good...)
		bad[i] ^= 0x01
		if readAll(bad, 1<<20) == nil {
			t.Fatalf("flip at %d went unnoticed", i)
		}
	}
	for n := 1; n < len(good); n++ {
		err := readAll(good[:n], 1<<20)
		if err == nil && n != 14 && n != 23 { // cuts between frames are clean ends
			t.Fatalf("truncation at %d went unnoticed", n)
		}
	}
	if err := readAll(good, 10); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("limit: %v", err)
	}
}

func readAll(b []byte, max int) error {
	r := NewReader(bytes.NewReader(b), max, 0)
	for {
		_, _, err := r.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// FuzzReader feeds arbitrary bytes: no panic, no allocation beyond the
// limit, and a frame that reads back re-encodes to the same bytes.
func FuzzReader(f *testing.F) {
	var buf bytes.Buffer
	w := NewWriter(&buf, 0)
	_ = w.Write('M', []byte(`{"x":1}`))
	f.Add(buf.Bytes())
	f.Add([]byte{'D', 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewReader(bytes.NewReader(data), 4096, 0)
		for {
			k, p, err := r.Next()
			if err != nil {
				return
			}
			var out bytes.Buffer
			_ = NewWriter(&out, 0).Write(k, p)
			if out.Len() != len(p)+Overhead {
				t.Fatalf("re-encoded frame has %d bytes", out.Len())
			}
		}
	})
}
