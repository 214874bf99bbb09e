package engine

import (
	"errors"
	"fmt"
	"log/slog"

	"github.com/cockroachdb/pebble"
	"github.com/cockroachdb/pebble/vfs"
)

// openStore opens (creating if needed) the Pebble store of one database.
// All stores of an instance share one block cache. Memtables grow to
// 64 MB and L0 takes more files before compacting than Pebble's defaults:
// a mirror catching up writes its log twice (effects and record), and the
// defaults spent most of that time rewriting L0 (catch-up went from 74 to
// about 110 MB/s; see BENCHMARKS.md).
func openStore(dir string, cache *pebble.Cache, logger *slog.Logger, fs vfs.FS) (*pebble.DB, error) {
	opts := &pebble.Options{
		FS:                    fs,
		Cache:                 cache,
		FormatMajorVersion:    pebble.FormatNewest,
		MemTableSize:          64 << 20,
		L0CompactionThreshold: 8,
		L0StopWritesThreshold: 64,
		LBaseMaxBytes:         512 << 20,
		Logger:                pebbleLogger{logger.With("store", dir)},
	}
	opts.EnsureDefaults()
	for i := range opts.Levels {
		opts.Levels[i].TargetFileSize = 16 << 20
	}
	db, err := pebble.Open(dir, opts)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", dir, err)
	}
	return db, nil
}

// pebbleLogger routes Pebble's own messages into slog: its chatter at debug
// level, its errors as errors. Fatalf is reserved by Pebble for conditions
// it cannot continue from (such as a failed WAL fsync); it must not return.
type pebbleLogger struct{ l *slog.Logger }

func (p pebbleLogger) Infof(format string, args ...any) {
	p.l.Debug(fmt.Sprintf(format, args...), "source", "pebble")
}

func (p pebbleLogger) Errorf(format string, args ...any) {
	p.l.Error(fmt.Sprintf(format, args...), "source", "pebble")
}

func (p pebbleLogger) Fatalf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	p.l.Error(msg, "source", "pebble", "fatal", true)
	panic(errors.New("pebble: " + msg))
}

// getValue reads a key through any Pebble reader (DB, snapshot or indexed
// batch), copying the value. ok is false when the key does not exist.
func getValue(r pebble.Reader, key []byte) (val []byte, ok bool, err error) {
	v, closer, err := r.Get(key)
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	val = append([]byte{}, v...)
	return val, true, closer.Close()
}
