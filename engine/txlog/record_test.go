package txlog

import (
	"reflect"
	"testing"
	"time"
)

func sample() *Record {
	return &Record{LSN: 77, CommitTime: time.Date(2026, 11, 22, 10, 0, 0, 123, time.UTC), Ops: []Op{
		{Kind: OpPut, Key: []byte("t/1"), After: []byte("new")},
		{Kind: OpPut, Key: []byte("t/2"), HadBefore: true, Before: []byte("old"), After: []byte{}},
		{Kind: OpDelete, Key: []byte("t/3"), HadBefore: true, Before: []byte("gone")},
	}}
}

func TestRoundTrip(t *testing.T) {
	r := sample()
	got, err := Decode(r.Encode(nil))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, r) {
		t.Fatalf("round trip:\n got %#v\nwant %#v", got, r)
	}
	if lsn, ok := PeekLSN(r.Encode(nil)); !ok || lsn != 77 {
		t.Fatalf("PeekLSN = %d, %v", lsn, ok)
	}
}

func TestCorruptionDetected(t *testing.T) {
	enc := sample().Encode(nil)
	for i := range enc {
		b := append([]byte{}, enc...)
		b[i] ^= 0x40
		if _, err := Decode(b); err == nil {
			t.Errorf("flipping byte %d went unnoticed", i)
		}
	}
	for n := 0; n < len(enc); n++ {
		if _, err := Decode(enc[:n]); err == nil {
			t.Errorf("truncation to %d bytes went unnoticed", n)
		}
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(sample().Encode(nil))
	f.Add([]byte{1, 2, 3, 4, 5})
	f.Add((&Record{LSN: 9, Kind: KindPart, Txn: 8, Ops: sample().Ops}).Encode(nil))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := Decode(b)
		if err != nil {
			return
		}
		again, err := Decode(r.Encode(nil))
		if err != nil || !reflect.DeepEqual(again, r) {
			t.Fatalf("decode∘encode is not the identity: %v", err)
		}
	})
}

// TestEncodedLen: the length predicted is the length encoded, across the
// varints' size steps and commit times before 1970.
func TestEncodedLen(t *testing.T) {
	for _, n := range []int{0, 1, 127, 128, 16383, 16384, 70000} {
		for _, when := range []time.Time{time.Unix(0, 0), time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 7, 0, 0, 0, 5, time.UTC)} {
			r := sample()
			r.LSN = uint64(n) << 20
			r.CommitTime = when
			r.Ops = append(r.Ops, Op{Kind: OpPut, Key: make([]byte, n), HadBefore: true, Before: make([]byte, n/3), After: make([]byte, n)})
			if got, want := r.EncodedLen(), len(r.Encode(nil)); got != want {
				t.Fatalf("%d bytes at %v: EncodedLen %d, encoded %d", n, when, got, want)
			}
		}
	}
}

// TestKinds: parts, aborts and the commit of a transaction written in
// parts round-trip as version 2; a commit written at once stays version 1,
// byte for byte the encoding logs and backups already hold.
func TestKinds(t *testing.T) {
	v1 := sample().Encode(nil)
	if v1[0] != 1 {
		t.Fatalf("a plain commit encodes as version %d", v1[0])
	}
	for _, r := range []*Record{
		{LSN: 80, Kind: KindPart, Txn: 80, Ops: sample().Ops},
		{LSN: 81, Kind: KindPart, Txn: 80, Ops: sample().Ops[:1]},
		{LSN: 82, Kind: KindCommit, Txn: 80, CommitTime: sample().CommitTime, Ops: sample().Ops[1:]},
		{LSN: 83, Kind: KindAbort, Txn: 80},
	} {
		enc := r.Encode(nil)
		if enc[0] != 2 || len(enc) != r.EncodedLen() {
			t.Fatalf("record %d: version %d, %d bytes for %d predicted", r.LSN, enc[0], len(enc), r.EncodedLen())
		}
		got, err := Decode(enc)
		if err != nil {
			t.Fatal(err)
		}
		if r.Ops == nil {
			r.Ops = []Op{}
		}
		if !reflect.DeepEqual(got, r) {
			t.Fatalf("round trip:\n got %#v\nwant %#v", got, r)
		}
		if lsn, ok := PeekLSN(enc); !ok || lsn != r.LSN {
			t.Fatalf("PeekLSN = %d, %v", lsn, ok)
		}
	}
	// A version 1 record reads as a commit of its own.
	got, err := Decode(v1)
	if err != nil || got.Kind != KindCommit || got.Txn != 0 {
		t.Fatalf("version 1: %+v, %v", got, err)
	}
	// A part must name a first part at or before itself.
	bad := (&Record{LSN: 5, Kind: KindPart, Txn: 6}).Encode(nil)
	if _, err := Decode(bad); err == nil {
		t.Fatal("a part naming a later first part decoded")
	}
}
