package wire

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"testing/iotest"
)

// TestLimitedChunkReader reads messages of sizes around the chunk and
// large-message thresholds through readers that return a few bytes at a
// time: every slice has the right bytes and none is overwritten by later
// reads.
func TestLimitedChunkReader(t *testing.T) {
	sizes := []int{5, 1, chunkSize - 3, chunkSize, chunkSize + 1, 4, largeStart*3 + 7, 0, 100, 3 * chunkSize}
	var stream []byte
	for i, n := range sizes {
		stream = append(stream, bytes.Repeat([]byte{byte('a' + i)}, n)...)
	}
	for name, r := range map[string]io.Reader{
		"whole":    bytes.NewReader(stream),
		"one byte": iotest.OneByteReader(bytes.NewReader(stream)),
		"half":     iotest.HalfReader(bytes.NewReader(stream)),
	} {
		t.Run(name, func(t *testing.T) {
			cr := newLimitedChunkReader(r, 1<<20)
			var got [][]byte
			for _, n := range sizes {
				b, err := cr.Next(n)
				if err != nil {
					t.Fatalf("Next(%d): %v", n, err)
				}
				got = append(got, b)
			}
			for i, b := range got {
				if want := bytes.Repeat([]byte{byte('a' + i)}, sizes[i]); !bytes.Equal(b, want) {
					t.Fatalf("message %d (%d bytes) changed or wrong", i, sizes[i])
				}
			}
			if _, err := cr.Next(1); err != io.EOF {
				t.Fatalf("after the end: %v", err)
			}
		})
	}
	cr := newLimitedChunkReader(bytes.NewReader(make([]byte, 100)), 1<<20)
	if _, err := cr.Next(1 << 20); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("truncated large message: %v", err)
	}
	if _, err := cr.Next(1<<20 + 1); err != errMessageTooLarge {
		t.Fatalf("above max: %v", err)
	}
}
