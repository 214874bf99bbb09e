package backup

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeSet(t *testing.T, path string, mode Mode, h SetHeader, files map[string]string, records []string) SetHeader {
	t.Helper()
	w, err := Create(path, mode, "media", h)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range sortedKeys(files) {
		if err := w.AddFile(name, int64(len(files[name])), strings.NewReader(files[name]), nil); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range records {
		if err := w.AddRecord([]byte(r)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.Finish(); err != nil {
		t.Fatal(err)
	}
	return w.Header()
}

func sortedKeys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

func readSet(t *testing.T, path string, pos int) (map[string]string, []string, error) {
	t.Helper()
	r, err := OpenSet(path, pos)
	if err != nil {
		return nil, nil, err
	}
	defer r.Close()
	files := map[string]string{}
	var recs []string
	err = r.Read(func(name string, size int64, content io.Reader) error {
		b, err := io.ReadAll(content)
		files[name] = string(b)
		return err
	}, func(rec []byte) error {
		recs = append(recs, string(rec))
		return nil
	})
	return files, recs, err
}

func TestSetsRoundTripAndPositions(t *testing.T) {
	path := filepath.Join(t.TempDir(), "db.bak")
	big := strings.Repeat("0123456789abcdef", ChunkSize/8) // two chunks
	full := writeSet(t, path, Append, SetHeader{Type: TypeDatabase, DatabaseName: "shop", LastLSN: 11},
		map[string]string{"000001.sst": big, "MANIFEST": "m", "empty": ""}, nil)
	logset := writeSet(t, path, Append, SetHeader{Type: TypeLog, DatabaseName: "shop", FirstLSN: 11, LastLSN: 14},
		nil, []string{"r11", "r12", strings.Repeat("x", ChunkSize)})
	if full.Position != 1 || logset.Position != 2 {
		t.Fatalf("positions %d %d", full.Position, logset.Position)
	}
	m, err := Open(path)
	if err != nil || len(m.Sets) != 2 || m.Incomplete != nil {
		t.Fatalf("open: %v sets=%d incomplete=%v", err, len(m.Sets), m.Incomplete)
	}
	if m.Sets[1].Header.FirstLSN != 11 || m.Sets[1].Trailer.Records != 3 {
		t.Fatalf("log set: %+v", m.Sets[1])
	}
	files, _, err := readSet(t, path, 1)
	if err != nil || files["000001.sst"] != big || files["MANIFEST"] != "m" || len(files) != 3 {
		t.Fatalf("full set content: %v (%d files)", err, len(files))
	}
	_, recs, err := readSet(t, path, 2)
	if err != nil || len(recs) != 3 || recs[0] != "r11" {
		t.Fatalf("log set content: %v %d", err, len(recs))
	}
	if _, err := OpenSet(path, 3); !errors.Is(err, ErrNoSuchSet) {
		t.Fatalf("set 3: %v", err)
	}
	// INIT keeps the media header, drops the sets.
	h := writeSet(t, path, Init, SetHeader{Type: TypeDatabase}, map[string]string{"a": "b"}, nil)
	if m, _ := Open(path); h.Position != 1 || len(m.Sets) != 1 {
		t.Fatalf("after INIT: position %d, %d sets", h.Position, len(m.Sets))
	}
	// FORMAT writes a new media header.
	before, _ := Open(path)
	writeSet(t, path, Format, SetHeader{Type: TypeDatabase}, nil, nil)
	after, _ := Open(path)
	if before.Header.MediaGUID == after.Header.MediaGUID {
		t.Fatal("FORMAT kept the media GUID")
	}
}

func TestAbortLeavesMediaUnchanged(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.bak")
	writeSet(t, path, Append, SetHeader{Type: TypeDatabase}, map[string]string{"f": "data"}, nil)
	before, _ := os.ReadFile(path)
	w, err := Create(path, Append, "", SetHeader{Type: TypeLog})
	if err != nil {
		t.Fatal(err)
	}
	_ = w.AddRecord([]byte("half"))
	w.Abort()
	after, _ := os.ReadFile(path)
	if !bytes.Equal(before, after) {
		t.Fatal("aborted set changed the media")
	}
	fresh := filepath.Join(t.TempDir(), "new.bak")
	w, _ = Create(fresh, Append, "", SetHeader{})
	w.Abort()
	if _, err := os.Stat(fresh); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("aborted first backup left a file")
	}
}

// TestCorruptionIsAlwaysDetected flips every byte of a small media file in
// turn, and truncates it at every length: reading set 1 never succeeds
// silently with wrong content.
func TestCorruptionIsAlwaysDetected(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "c.bak")
	writeSet(t, path, Append, SetHeader{Type: TypeDatabase}, map[string]string{"f": "important data"}, []string{"rec"})
	good, _ := os.ReadFile(path)
	check := func(what string, data []byte) {
		p := filepath.Join(dir, "bad.bak")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		files, recs, err := readSet(t, p, 1)
		if err == nil && (files["f"] != "important data" || len(recs) != 1 || recs[0] != "rec") {
			t.Fatalf("%s: wrong content read without error", what)
		}
		if err == nil && !bytes.Equal(data, good) {
			// A change that still reads back correctly must be outside
			// the covered bytes: there are none.
			t.Fatalf("%s: damage went unnoticed", what)
		}
		if err != nil && !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrChecksum) && !errors.Is(err, ErrNoSuchSet) {
			t.Fatalf("%s: unexpected error class %v", what, err)
		}
	}
	for i := range good {
		bad := append([]byte{}, good...)
		bad[i] ^= 0x10
		check("flip byte", bad)
	}
	for n := 0; n < len(good); n++ {
		check("truncate", good[:n])
	}
}
