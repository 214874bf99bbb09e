package backup

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mirrordb/sqlerr"
)

// A directory's files go into a set and come back out byte for byte, in
// name order, under another directory.
func TestFilesRoundTrip(t *testing.T) {
	src, out := t.TempDir(), t.TempDir()
	want := map[string]string{"a": "alpha", "sub/b": strings.Repeat("b", 3*ChunkSize+7)}
	for name, content := range want {
		p := filepath.Join(src, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	files, total, err := ListFiles(src)
	if err != nil || len(files) != 2 || files[0].Rel != "a" || total != int64(len(want["a"])+len(want["sub/b"])) {
		t.Fatalf("ListFiles = %+v, %d, %v", files, total, err)
	}
	media := filepath.Join(t.TempDir(), "m.bak")
	w, err := Create(media, Init, "", SetHeader{})
	if err != nil {
		t.Fatal(err)
	}
	done := 0
	for _, f := range files {
		if err := w.AddFileFrom(context.Background(), src, f, func(n int) { done += n }); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.Finish(); err != nil {
		t.Fatal(err)
	}
	if int64(done) != total {
		t.Errorf("progress counted %d of %d bytes", done, total)
	}
	r, err := OpenSet(media, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var written []string
	err = r.Read(func(name string, _ int64, content io.Reader) error {
		p, err := RestoreFile(context.Background(), out, name, content, func(int) {})
		written = append(written, p)
		return err
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := SyncFiles(written); err != nil {
		t.Fatal(err)
	}
	for name, content := range want {
		got, err := os.ReadFile(filepath.Join(out, filepath.FromSlash(name)))
		if err != nil || string(got) != content {
			t.Errorf("%s came back as %d bytes, %v", name, len(got), err)
		}
	}
}

// A file name that leads outside the directory is malformed media (3241),
// and a cancelled restore stops.
func TestRestoreFileRefuses(t *testing.T) {
	dir := t.TempDir()
	_, err := RestoreFile(context.Background(), dir, "../escape", strings.NewReader("x"), func(int) {})
	if !errors.Is(err, ErrMalformed) || !sqlerr.Is(DeviceError("m.bak", err), 3241) {
		t.Errorf("a name outside the directory: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := RestoreFile(ctx, dir, "f", strings.NewReader("x"), func(int) {}); !errors.Is(err, context.Canceled) {
		t.Errorf("a cancelled restore: %v", err)
	}
	if _, err := OpenSet(filepath.Join(dir, "missing.bak"), 1); !sqlerr.Is(DeviceError("missing.bak", err), 3201) {
		t.Errorf("missing media: %v", DeviceError("missing.bak", err))
	}
}
