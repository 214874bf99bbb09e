package engine

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/cockroachdb/pebble"

	"mirrordb/engine/catalog"
	"mirrordb/engine/exec"
	"mirrordb/engine/govern"
	"mirrordb/engine/keys"
	"mirrordb/engine/storage"
	"mirrordb/engine/txlog"
	"mirrordb/parser"
	"mirrordb/session"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// DBCC CHECKDB and DBCC CHECKTABLE read every key of a database (or of one
// table) through a snapshot, which makes Pebble verify the checksum of
// every block it reads, and check what the engine relies on: every row
// belongs to a table, decodes to its columns and sits under the key its
// primary key encodes to; the log is dense and every record verifies.
// Findings are sent as messages as they are found; the statement ends
// with Msg 8989 (8990 for a table), an error when anything was found.
// Later checks (indexes against their tables, constraints) plug into
// checkRow.

func (b *binder) planDbcc(x *parser.Dbcc) (*stmtPlan, error) {
	for _, w := range x.With {
		switch w {
		case "NO_INFOMSGS", "ALL_ERRORMSGS", "TABLOCK", "PHYSICAL_ONLY", "DATA_PURITY", "EXTENDED_LOGICAL_CHECKS":
		default:
			return nil, b.ErrAt(x, sqlerr.New(2526))
		}
	}
	quiet := false
	for _, w := range x.With {
		quiet = quiet || w == "NO_INFOMSGS"
	}
	switch x.Command {
	case "CHECKDB":
		if len(x.Args) > 1 {
			return nil, b.ErrAt(x, sqlerr.New(2526))
		}
		d := b.cat.Current()
		if len(x.Args) == 1 {
			var err error
			if d, err = b.dbccDatabase(x.Args[0]); err != nil {
				return nil, err
			}
		}
		return &stmtPlan{noTx: "DBCC CHECKDB", dbs: []*Database{d}, run: func(e *exec.Env, _ *txn, w session.ResultWriter) (string, error) {
			return "DBCC", d.check(e, nil, quiet, w)
		}}, nil
	case "CHECKTABLE":
		if len(x.Args) != 1 {
			return nil, b.ErrAt(x, sqlerr.New(2526))
		}
		lit, ok := x.Args[0].(*parser.Literal)
		if !ok || (lit.Kind != parser.LitString && lit.Kind != parser.LitNString) {
			return nil, b.ErrAt(x, sqlerr.New(2526))
		}
		d, def, err := b.lookupTable(parser.ObjectName{Pos: lit.Pos, Parts: strings.Split(lit.Value, ".")})
		if err != nil {
			return nil, err
		}
		return &stmtPlan{noTx: "DBCC CHECKTABLE", dbs: []*Database{d}, run: func(e *exec.Env, _ *txn, w session.ResultWriter) (string, error) {
			return "DBCC", d.check(e, def, quiet, w)
		}}, nil
	case "CHECKIDENT":
		return b.planCheckIdent(x, quiet)
	case "FREEPROCCACHE":
		if len(x.Args) > 0 {
			return nil, b.ErrAt(x, sqlerr.New(2526))
		}
		return b.planFreeProcCache(quiet), nil
	}
	return nil, b.ErrAt(x, sqlerr.New(2526))
}

// dbccDatabase resolves CHECKDB's argument: a name, an id, or 0 for the
// current database.
func (b *binder) dbccDatabase(arg parser.Expr) (*Database, error) {
	lit, ok := arg.(*parser.Literal)
	if !ok {
		return nil, b.ErrAt(arg, sqlerr.New(2526))
	}
	var d *Database
	found := false
	switch lit.Kind {
	case parser.LitString, parser.LitNString:
		d, found = b.cat.Database(lit.Value)
	case parser.LitInt:
		id, _ := strconv.Atoi(lit.Value)
		if id == 0 {
			return b.cat.Current(), nil
		}
		d, found = b.cat.DatabaseByID(int32(id))
	default:
		return nil, b.ErrAt(arg, sqlerr.New(2526))
	}
	if !found {
		return nil, b.ErrAt(arg, sqlerr.New(2520, lit.Value))
	}
	return d, nil
}

// checker accumulates one DBCC run's findings.
type checker struct {
	e      *exec.Env // the statement's, to compute what a row stored before ADD lacks
	d      *Database
	w      session.ResultWriter
	quiet  bool
	errors int
	// per table: rows seen, bytes seen
	rows, size map[uint32]int64
	// r is the snapshot checked; tallies digests the entries of each
	// (table, index) by store ids (engine/index_dbcc.go), with hasher,
	// and enc and buf to encode the entries rows call for.
	r       pebble.Reader
	tallies map[[2]uint32]*indexTally
	hasher  entryHasher
	enc     exec.EntryEncoder
	buf     []byte
	row     []types.Value // the last row decoded (decodeRow reuses it)
	// unindexed caches unindexedComputed per table: complete runs per row.
	unindexed map[*catalog.TableDef]map[int]bool
}

// report sends a finding as a message and counts it.
func (c *checker) report(e *sqlerr.Error) error {
	c.errors++
	c.d.inst.log.Error("DBCC found an error", "db", c.d.Name(), "msg", e.Message)
	notice := *e
	notice.Severity = 10 // reported, not raised: the check goes on
	return c.w.Notice(&notice)
}

func (c *checker) info(e *sqlerr.Error) error {
	if c.quiet {
		return nil
	}
	return c.w.Notice(e)
}

// check runs DBCC CHECKDB (only == nil) or CHECKTABLE on d.
func (d *Database) check(e *exec.Env, only *catalog.TableDef, quiet bool, w session.ResultWriter) error {
	gov := e.Gov
	st := d.storage.Store()
	if st == nil {
		return d.storage.Available()
	}
	c := &checker{e: e, d: d, w: w, quiet: quiet, rows: map[uint32]int64{}, size: map[uint32]int64{}, hasher: newEntryHasher()}
	snap := st.DB().NewSnapshot()
	defer snap.Close()
	snap, release := d.storage.CommittedSnapshot(snap) // a load's parts are not checked
	defer release()
	c.r, c.tallies = snap, map[[2]uint32]*indexTally{}
	tables, err := c.schema(gov, snap)
	if err != nil {
		return err
	}
	lower, upper := keys.Table, keys.PrefixEnd(keys.Table)
	if only != nil {
		lower = keys.TablePrefix(only.StoreID())
		upper = keys.PrefixEnd(lower)
	}
	// A table's rows come before its indexes' entries (keys/index.go);
	// once the scan has passed both, their digests are compared.
	var last *catalog.TableDef
	err = c.scan(gov, snap, lower, upper, func(k, v []byte) error {
		if t := tables[tableOfKey(k)]; t != last && only == nil {
			if last != nil {
				if err := c.settle(gov, last); err != nil {
					return err
				}
			}
			last = t
		}
		return c.checkRow(tables, k, v)
	})
	if err != nil {
		return err
	}
	if only != nil {
		if err := c.checkIndexes(gov, snap, tables, only); err != nil {
			return err
		}
		last = only
	}
	if last != nil {
		if err := c.settle(gov, last); err != nil {
			return err
		}
	}
	if only == nil {
		if err := c.checkLog(gov, snap); err != nil {
			return err
		}
	}
	for _, t := range sortedTables(tables) {
		if only != nil && t.ID != only.ID {
			continue
		}
		pages := (c.size[t.StoreID()] + 8191) / 8192
		if err := c.info(sqlerr.New(2593, c.rows[t.StoreID()], pages, t.Name)); err != nil {
			return err
		}
	}
	var summary *sqlerr.Error
	if only != nil {
		summary = sqlerr.New(8990, 0, c.errors, only.Name, only.ID)
	} else {
		summary = sqlerr.New(8989, 0, c.errors, d.Name())
	}
	if c.errors > 0 {
		summary.Severity, summary.Code = 16, sqlerr.DataCorrupted
		return summary
	}
	if err := c.info(summary); err != nil {
		return err
	}
	return c.info(sqlerr.New(2528))
}

// scan walks [lower, upper) of the snapshot, stopping when the statement
// must; a read failure (a checksum mismatch in a block, an I/O error) is a
// finding that ends the scan of that range.
func (c *checker) scan(gov *govern.Statement, r pebble.Reader, lower, upper []byte, fn func(k, v []byte) error) error {
	it, err := r.NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: upper})
	if err != nil {
		return c.report(c.readError(err))
	}
	defer it.Close()
	for it.First(); it.Valid(); it.Next() {
		if err := gov.Check(); err != nil {
			return err
		}
		if err := fn(it.Key(), it.Value()); err != nil {
			return err
		}
	}
	if err := it.Error(); err != nil {
		return c.report(c.readError(err))
	}
	return nil
}

// readError describes a failed read as Msg 824 (a checksum) or 823.
func (c *checker) readError(err error) *sqlerr.Error { return c.d.storage.ReadFailure(err) }

// schema decodes every table definition, by the number its rows are
// stored under (TableDef.StoreID).
func (c *checker) schema(gov *govern.Statement, r pebble.Reader) (map[uint32]*catalog.TableDef, error) {
	tables := map[uint32]*catalog.TableDef{}
	prefix := keys.TableDefKey(0)[:len(keys.TableDefKey(0))-4]
	err := c.scan(gov, r, prefix, keys.PrefixEnd(prefix), func(k, v []byte) error {
		t, err := catalog.DecodeTable(v)
		if err != nil || len(k) != len(prefix)+4 || binary.BigEndian.Uint32(k[len(prefix):]) != t.ID {
			return c.report(sqlerr.New(8928, int64(binary.BigEndian.Uint32(k[len(prefix):])), "a table definition", "it does not decode"))
		}
		tables[t.StoreID()] = t // as the keys of its rows number it
		return nil
	})
	return tables, err
}

// checkRow checks one row key and value against its table.
func (c *checker) checkRow(tables map[uint32]*catalog.TableDef, k, v []byte) error {
	id := tableOfKey(k)
	t := tables[id]
	if t == nil && id != 0 {
		if _, discarded, err := storage.ReadValue(c.r, keys.DiscardKey(id)); err == nil && discarded {
			return nil // left by an ALTER TABLE, deleted by the next (alter_rewrite.go)
		}
	}
	if _, _, ok := keys.IndexOfKey(k); ok {
		return c.seeEntry(tables, k, v)
	}
	if len(k) < len(keys.Table)+5 {
		return c.report(sqlerr.New(8928, int64(0), fmt.Sprintf("key %x", k), "it is not a row key"))
	}
	c.rows[id]++
	c.size[id] += int64(len(k) + len(v))
	if t == nil {
		return c.report(sqlerr.New(8928, int64(id), fmt.Sprintf("row %x", k), "no table has that object ID"))
	}
	row, finding := c.decodeRow(t, k, v)
	if finding != nil {
		return c.report(finding)
	}
	c.expectEntries(t, k, row)
	return nil
}

// decodeRow decodes a row of t (key k, value v) and checks it against its
// table: its values and its key. A row that fails is Msg 8928. The row is
// valid until the next call.
func (c *checker) decodeRow(t *catalog.TableDef, k, v []byte) ([]types.Value, *sqlerr.Error) {
	id := t.StoreID()
	row, err := keys.DecodeRow(v, c.row)
	c.row = row
	if err == nil && len(row) < len(t.Columns) {
		row = c.complete(t, v, row)
	}
	switch {
	case err != nil:
		return nil, sqlerr.New(8928, int64(id), "a row of '"+t.Name+"'", "it does not decode: "+err.Error())
	case len(row) != len(t.Columns):
		return nil, sqlerr.New(8928, int64(id), "a row of '"+t.Name+"'",
			fmt.Sprintf("it has %d values for %d columns", len(row), len(t.Columns)))
	case len(t.PK) > 0:
		want := keys.TablePrefix(id)
		for _, i := range t.PK {
			want = keys.AppendValue(want, row[i], t.Columns[i].Type)
		}
		if !bytes.Equal(want, k) {
			return nil, sqlerr.New(8928, int64(id), "a row of '"+t.Name+"'", "its key does not match its primary key values")
		}
	}
	return row, nil
}

// complete widens a row of t stored before ALTER TABLE added columns
// (raw, its stored form) as reads and the index build do (completeRow):
// the added columns NULL, the computed ones computed. Only the computed
// columns an index may read are computed: the others are no part of the
// check. One that does not compute for this row (10 / 0) is left NULL, as
// it fails the read that needs it, not the check; an index could not
// have been built over the row (its entry is reported missing).
func (c *checker) complete(t *catalog.TableDef, raw []byte, row []types.Value) []types.Value {
	stored := len(row)
	skip, ok := c.unindexed[t]
	if !ok {
		if c.unindexed == nil {
			c.unindexed = map[*catalog.TableDef]map[int]bool{}
		}
		skip = unindexedComputed(t)
		c.unindexed[t] = skip
	}
	if full, err := completeRowBut(c.e, c.d, t, raw, row, skip); err == nil {
		return full
	}
	// Each column alone, then (completeRowBut fills the row it is given).
	vals := make([]types.Value, len(t.Columns))
	for i := stored; i < len(t.Columns); i++ {
		if t.Columns[i].Computed == "" || skip[i] {
			continue
		}
		others := map[int]bool{}
		for j := stored; j < len(t.Columns); j++ {
			others[j] = j != i
		}
		if full, err := completeRowBut(c.e, c.d, t, raw, row[:stored], others); err == nil {
			vals[i] = full[i]
		}
	}
	row = padRow(row[:stored], len(t.Columns))
	copy(row[stored:], vals[stored:])
	return row
}

// unindexedComputed is the set of t's computed columns that no index
// holds as a key or included column, none when an index has a filter
// (which may read any column).
func unindexedComputed(t *catalog.TableDef) map[int]bool {
	skip := map[int]bool{}
	for i, col := range t.Columns {
		if col.Computed != "" {
			skip[i] = true
		}
	}
	for _, ix := range t.Indexes {
		if ix.Filter != "" {
			return nil
		}
		for _, i := range ix.Columns {
			delete(skip, i)
		}
		for _, i := range ix.Include {
			delete(skip, i)
		}
	}
	return skip
}

// tableOfKey is the store id of the table a key of t/ belongs to (0 for a
// key too short to name one).
func tableOfKey(k []byte) uint32 {
	if len(k) < len(keys.Table)+4 {
		return 0
	}
	return binary.BigEndian.Uint32(k[len(keys.Table):])
}

// checkLog checks that the log is dense, that every record verifies and
// carries the LSN of its key, and that the recorded end of log is not
// behind it.
func (c *checker) checkLog(gov *govern.Statement, r pebble.Reader) error {
	var last txlog.LSN
	err := c.scan(gov, r, keys.Log, keys.PrefixEnd(keys.Log), func(k, v []byte) error {
		lsn, ok := keys.LSNOfLogKey(k)
		if !ok {
			return c.report(c.logError("a log key %x is malformed", k))
		}
		if last != 0 && lsn != last+1 {
			if err := c.report(c.logError("log records %d to %d are missing", last+1, lsn-1)); err != nil {
				return err
			}
		}
		last = lsn
		rec, err := txlog.Decode(v)
		if err != nil || rec.LSN != lsn {
			return c.report(c.logError("log record %d does not verify", lsn))
		}
		return nil
	})
	if err != nil {
		return err
	}
	if v, ok, err := storage.ReadValue(r, keys.MetaKey(storage.MetaEndLSN)); err == nil && ok && len(v) == 8 && binary.BigEndian.Uint64(v) < last {
		return c.report(c.logError("the end of log %d is behind record %d", binary.BigEndian.Uint64(v), last))
	}
	return nil
}

// logError is Msg 9004 with what is wrong with the log as its detail.
func (c *checker) logError(format string, args ...any) *sqlerr.Error {
	e := sqlerr.New(9004, c.d.Name())
	e.Detail = fmt.Sprintf(format, args...)
	return e
}

func sortedTables(m map[uint32]*catalog.TableDef) []*catalog.TableDef {
	return catalog.NewSchema(slices.Collect(maps.Values(m))...).Tables()
}
