package engine

import (
	"fmt"

	"mirrordb/engine/bind"
	"mirrordb/engine/builtins"
	"mirrordb/engine/exec"
	"mirrordb/engine/keys"
	"mirrordb/types"
)

// Sizes and privileges psql's \l+ and \dt+ show. A size is Pebble's
// estimate of the bytes a key range takes on disk: rows still only in the
// memtable and write-ahead log count 0 until they are flushed.

func init() {
	sizeFn := func(eval func(e *exec.Env, a []types.Value) (types.Value, error)) *exec.Builtin {
		return &exec.Builtin{Min: 1, Max: 1, Type: fixed(types.TypeBigInt), Volatile: true,
			Eval: func(e *exec.Env, a []types.Value, _ []types.Type) (types.Value, error) { return eval(e, a) }}
	}
	fns := map[string]*exec.Builtin{
		"PG_SIZE_PRETTY": {Min: 1, Max: 1, Type: fixed(textMax), Eval: func(_ *exec.Env, a []types.Value, _ []types.Type) (types.Value, error) {
			return sizePretty(builtins.ToInt(a[0])), nil
		}},
		// A table's rows are kept in its clustered index's order, so the
		// table and that index are one key range, counted as the table's;
		// pg_indexes_size counts the other indexes.
		"PG_TABLE_SIZE":          sizeFn(sizeOf(func(rows, _ int64) int64 { return rows })),
		"PG_RELATION_SIZE":       sizeFn(sizeOf(func(rows, _ int64) int64 { return rows })),
		"PG_INDEXES_SIZE":        sizeFn(sizeOf(func(_, indexes int64) int64 { return indexes })),
		"PG_TOTAL_RELATION_SIZE": sizeFn(sizeOf(func(rows, indexes int64) int64 { return rows + indexes })),
		"PG_DATABASE_SIZE": sizeFn(func(e *exec.Env, a []types.Value) (types.Value, error) {
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
		"HAS_DATABASE_PRIVILEGE": {Min: 2, Max: 3, Type: fixed(types.TypeBit), Volatile: true, Eval: func(e *exec.Env, a []types.Value, _ []types.Type) (types.Value, error) {
			d := databaseArg(e, a[len(a)-2])
			return d != nil && d.State() == StateOnline, nil
		}},
	}
	for name, fn := range fns {
		bind.Functions[name] = fn
	}
}

// databaseArg finds a database by name or OID (database_id).
func databaseArg(e *exec.Env, v types.Value) *Database {
	if s, ok := v.(string); ok {
		if d := sessionOf(e).inst.Database(s); d != nil {
			return d
		}
	}
	return sessionOf(e).inst.DatabaseByID(int32(oidArg(v)))
}

// relationSizes returns the estimated on-disk bytes of a relation of the
// session's database: for a table its rows (with the index that orders
// them) and its other indexes; for an index its own key range. ok is
// false for an OID that is neither.
func relationSizes(e *exec.Env, oid int64) (rows, indexes int64, ok bool, err error) {
	snap, err := pgSnapshot(e)
	if err != nil {
		return 0, 0, false, err
	}
	t, ix := snap.IndexByOID(oid)
	if t == nil {
		t = snap.Table(oid)
	}
	if t == nil {
		return 0, 0, false, nil
	}
	set, err := sessionOf(e).schemaFor(sessionOf(e).db)
	if err != nil {
		return 0, 0, false, err
	}
	def := set.ByID(uint32(t.OID))
	if def == nil || !sessionOf(e).db.storage.Pin() {
		return 0, 0, false, nil
	}
	defer sessionOf(e).db.storage.Unpin()
	kv := sessionOf(e).db.storage.KV()
	size := func(prefix []byte) (int64, error) {
		n, err := kv.EstimateDiskUsage(prefix, keys.PrefixEnd(prefix))
		return int64(n), err
	}
	table := keys.TablePrefix(def.StoreID())
	for _, c := range catalogIndexes(def) {
		switch {
		case ix != nil && int64(c.id) == ix.ID:
			n, err := size(c.prefix)
			return n, 0, err == nil, err
		case ix == nil && string(c.prefix) != string(table): // not the rows themselves
			n, err := size(c.prefix)
			if err != nil {
				return 0, 0, false, err
			}
			indexes += n
		}
	}
	if ix != nil {
		return 0, 0, false, nil
	}
	rows, err = size(table)
	return rows, indexes, err == nil, err
}

// sizeOf is a size function of one relation OID: pick chooses from the
// relation's row and index bytes.
func sizeOf(pick func(rows, indexes int64) int64) func(*exec.Env, []types.Value) (types.Value, error) {
	return func(e *exec.Env, a []types.Value) (types.Value, error) {
		rows, indexes, ok, err := relationSizes(e, oidArg(a[0]))
		if err != nil || !ok {
			return nil, err
		}
		return pick(rows, indexes), nil
	}
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
