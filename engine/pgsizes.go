package engine

import (
	"fmt"

	"mirrordb/engine/keys"
	"mirrordb/types"
)

// Sizes and privileges psql's \l+ and \dt+ show. A size is Pebble's
// estimate of the bytes a key range takes on disk: rows still only in the
// memtable and write-ahead log count 0 until they are flushed.

func init() {
	sizeFn := func(eval func(e *env, a []types.Value) (types.Value, error)) *builtin {
		return &builtin{min: 1, max: 1, typ: fixed(types.TypeBigInt), volatile: true,
			eval: func(e *env, a []types.Value, _ []types.Type) (types.Value, error) { return eval(e, a) }}
	}
	fns := map[string]*builtin{
		"PG_SIZE_PRETTY": {min: 1, max: 1, typ: fixed(textMax), eval: func(_ *env, a []types.Value, _ []types.Type) (types.Value, error) {
			return sizePretty(toInt(a[0])), nil
		}},
		// A table's rows are kept in its primary key's order, so the table
		// and its primary key are one key range: pg_indexes_size counts the
		// secondary indexes only (none yet).
		"PG_TABLE_SIZE":          sizeFn(tableSize),
		"PG_RELATION_SIZE":       sizeFn(tableSize),
		"PG_TOTAL_RELATION_SIZE": sizeFn(tableSize),
		"PG_INDEXES_SIZE": sizeFn(func(*env, []types.Value) (types.Value, error) {
			return int64(0), nil
		}),
		"PG_DATABASE_SIZE": sizeFn(func(e *env, a []types.Value) (types.Value, error) {
			d := databaseArg(e, a[0])
			if d == nil || !d.storage.Pin() {
				return nil, nil
			}
			defer d.storage.Unpin()
			n, err := d.storage.KV().EstimateDiskUsage([]byte{}, []byte{0xff})
			if err != nil {
				return nil, err
			}
			return int64(n), nil
		}),
		// has_database_privilege([user,] database, privilege): a login may
		// use any database that is online; a mirror or restoring database
		// refuses everyone.
		"HAS_DATABASE_PRIVILEGE": {min: 2, max: 3, typ: fixed(types.TypeBit), volatile: true, eval: func(e *env, a []types.Value, _ []types.Type) (types.Value, error) {
			d := databaseArg(e, a[len(a)-2])
			return d != nil && d.State() == StateOnline, nil
		}},
	}
	for name, fn := range fns {
		builtins[name] = fn
	}
}

// databaseArg finds a database by name or OID (database_id).
func databaseArg(e *env, v types.Value) *Database {
	if s, ok := v.(string); ok {
		if d := e.sess.inst.Database(s); d != nil {
			return d
		}
	}
	return e.sess.inst.DatabaseByID(int32(oidArg(v)))
}

// tableSize is the estimated on-disk size of a table of the session's
// database, NULL for an OID that is none.
func tableSize(e *env, a []types.Value) (types.Value, error) {
	snap, err := pgSnapshot(e)
	if err != nil {
		return nil, err
	}
	t := snap.Table(oidArg(a[0]))
	if t == nil || !e.sess.db.storage.Pin() {
		return nil, nil
	}
	defer e.sess.db.storage.Unpin()
	id := uint32(t.OID)
	n, err := e.sess.db.storage.KV().EstimateDiskUsage(keys.TablePrefix(id), keys.TablePrefix(id+1))
	if err != nil {
		return nil, err
	}
	return int64(n), nil
}

// sizePretty is pg_size_pretty: bytes below 10 kB, then kB, MB, GB and TB,
// each rounded half away from zero, as PostgreSQL prints them.
func sizePretty(n int64) string {
	const limit = 10 * 1024
	abs := func(x int64) int64 {
		if x < 0 {
			return -x
		}
		return x
	}
	if abs(n) < limit {
		return fmt.Sprintf("%d bytes", n)
	}
	half := n >> 9 // one extra bit for rounding
	for _, unit := range []string{"kB", "MB", "GB"} {
		if abs(half) < 2*limit-1 {
			return fmt.Sprintf("%d %s", halfRounded(half), unit)
		}
		half >>= 10
	}
	return fmt.Sprintf("%d TB", halfRounded(half))
}

func halfRounded(x int64) int64 {
	if x < 0 {
		return (x - 1) / 2
	}
	return (x + 1) / 2
}
