package engine

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"mirrordb/engine/catalog"
	"mirrordb/engine/exec"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// damageKit writes index entries behind the engine's back.
type damageKit struct {
	t   *testing.T
	s   *Session
	def *catalog.TableDef
}

func newDamageKit(t *testing.T, s *Session, table string) *damageKit {
	set, _ := s.schemaFor(s.db)
	return &damageKit{t: t, s: s, def: set.Table("dbo", table)}
}

// entry is the entry of row in index ix (the table's first column its
// primary key).
func (d *damageKit) entry(ix string, row ...types.Value) (k, v []byte) {
	rowKey := (&exec.RowWriter{Table: d.def}).PKKey(row)
	return exec.IndexEntry(d.def, d.def.Index(ix), rowKey, row)
}

// raw runs fn in a transaction of its own and commits it.
func (d *damageKit) raw(fn func(tx *txn) error) {
	d.t.Helper()
	tx, err := d.s.db.beginWrite(context.Background(), -1)
	if err != nil {
		d.t.Fatal(err)
	}
	if err := fn(tx); err != nil {
		d.t.Fatal(err)
	}
	if _, err := tx.Commit(context.Background()); err != nil {
		d.t.Fatal(err)
	}
}

// findings runs q and returns its 8951 and 8952 notices, failing the test
// when q does not end with an error.
func (d *damageKit) findings(q string) []*sqlerr.Error {
	d.t.Helper()
	w := &collect{}
	err := d.s.Query(context.Background(), q, w)
	if err == nil {
		d.t.Fatalf("%s: no error over a damaged index", q)
	}
	var got []*sqlerr.Error
	for _, n := range w.notices {
		if n.Number == 8951 || n.Number == 8952 {
			got = append(got, n)
		}
	}
	return got
}

// TestDBCCFindsIndexDamage: each kind of damage to an index is found by
// CHECKTABLE and CHECKDB alike (Msg 8951 for a row without its entry,
// 8952 for an entry without its row), with the row or entry named; DBCC
// ends with an error then, and is clean again once the damage is
// repaired: an entry removed and one of no row added, an entry with the right key
// but a wrong INCLUDE value (its row has no matching entry, and the entry
// matches no row), an entry for a row a filtered index leaves out, a
// missing entry of a unique filtered index, an entry pointing at no row,
// and an entry of a DESC index whose key does not match its row.
func TestDBCCFindsIndexDamage(t *testing.T) {
	s := sessionInNewDatabase(t)
	mustQuery(t, s, "CREATE TABLE t (id INT PRIMARY KEY, a INT, b VARCHAR(10))")
	mustQuery(t, s, "INSERT t VALUES (1, 10, 'x'), (2, 20, 'y'), (3, 30, 'z')")
	mustQuery(t, s, "CREATE INDEX ia ON t (a) INCLUDE (b)")
	mustQuery(t, s, "CREATE UNIQUE INDEX ib ON t (b) WHERE a > 15")
	mustQuery(t, s, "CREATE INDEX id ON t (a DESC, b)")
	// A table after t: CHECKDB settles t's indexes when its scan moves on.
	mustQuery(t, s, "CREATE TABLE u (id INT PRIMARY KEY, a INT) INSERT u VALUES (1, 1), (2, 2) CREATE INDEX ua ON u (a)")
	d := newDamageKit(t, s, "t")
	row := func(id int64, a int64, b string) []types.Value { return []types.Value{id, a, b} }
	for _, c := range []struct {
		name     string
		damage   func(tx *txn) error
		repair   func(tx *txn) error
		findings string // number and index of each, in order
		detail   string // in the last finding
	}{
		{"an entry removed, another of no row added",
			func(tx *txn) error {
				k, _ := d.entry("ia", row(2, 20, "y")...)
				if err := tx.Delete(k); err != nil {
					return err
				}
				k, v := d.entry("ia", row(9, 90, "q")...)
				return tx.Put(k, v)
			},
			func(tx *txn) error {
				k, _ := d.entry("ia", row(9, 90, "q")...)
				if err := tx.Delete(k); err != nil {
					return err
				}
				k, v := d.entry("ia", row(2, 20, "y")...)
				return tx.Put(k, v)
			},
			"8951 ia, 8952 ia", "which does not exist"},
		{"wrong INCLUDE value",
			func(tx *txn) error { k, v := d.entry("ia", row(2, 20, "w")...); return tx.Put(k, v) },
			func(tx *txn) error { k, v := d.entry("ia", row(2, 20, "y")...); return tx.Put(k, v) },
			"8951 ia, 8952 ia", "does not match its row's values (20)"},
		{"an entry its filter leaves out",
			func(tx *txn) error { k, v := d.entry("ib", row(1, 10, "x")...); return tx.Put(k, v) },
			func(tx *txn) error { k, _ := d.entry("ib", row(1, 10, "x")...); return tx.Delete(k) },
			"8952 ib", "a row its filter leaves out (x)"},
		{"a missing entry of a unique index",
			func(tx *txn) error { k, _ := d.entry("ib", row(3, 30, "z")...); return tx.Delete(k) },
			func(tx *txn) error { k, v := d.entry("ib", row(3, 30, "z")...); return tx.Put(k, v) },
			"8951 ib", "ID 3). Possible missing or invalid keys for the index row matching: z."},
		{"an entry of no row",
			func(tx *txn) error { k, v := d.entry("ib", row(9, 90, "q")...); return tx.Put(k, v) },
			func(tx *txn) error { k, _ := d.entry("ib", row(9, 90, "q")...); return tx.Delete(k) },
			"8952 ib", "which does not exist"},
		{"a DESC entry moved to another key",
			func(tx *txn) error {
				k, _ := d.entry("id", row(1, 10, "x")...)
				if err := tx.Delete(k); err != nil {
					return err
				}
				k2, _ := d.entry("id", row(1, 11, "x")...)
				_, v := d.entry("id", row(1, 10, "x")...)
				return tx.Put(k2, v)
			},
			func(tx *txn) error {
				k2, _ := d.entry("id", row(1, 11, "x")...)
				if err := tx.Delete(k2); err != nil {
					return err
				}
				k, v := d.entry("id", row(1, 10, "x")...)
				return tx.Put(k, v)
			},
			"8951 id, 8952 id", "does not match its row's values (10, x)"},
	} {
		d.raw(c.damage)
		for _, q := range []string{"DBCC CHECKTABLE('t')", "DBCC CHECKDB"} {
			got := d.findings(q)
			var names []string
			for _, f := range got {
				names = append(names, fmt.Sprintf("%d %s", f.Number, indexNamed.FindStringSubmatch(f.Message)[1]))
			}
			if strings.Join(names, ", ") != c.findings {
				t.Fatalf("%s, %s: findings %v, want %s", c.name, q, got, c.findings)
			}
			if last := got[len(got)-1].Message; !strings.Contains(last, c.detail) {
				t.Fatalf("%s, %s: %q does not say %q", c.name, q, last, c.detail)
			}
		}
		d.raw(c.repair)
		mustQuery(t, s, "DBCC CHECKDB")
		mustQuery(t, s, "DBCC CHECKTABLE('t')")
	}
}

// sessionInNewDatabase returns a session in a new database d of a new
// instance.
func sessionInNewDatabase(t *testing.T) *Session {
	in := openTestInstance(t)
	mustQuery(t, openSession(t, in, "master"), "CREATE DATABASE d")
	return openSession(t, in, "d")
}

// indexNamed finds the index a finding names.
var indexNamed = regexp.MustCompile(`index '([^']*)'`)

// cancelOnFinding cancels its statement at the first finding.
type cancelOnFinding struct {
	collect
	cancel context.CancelFunc
}

func (w *cancelOnFinding) Notice(e *sqlerr.Error) error {
	if e.Number == 8951 {
		w.cancel()
	}
	return w.collect.Notice(e)
}

// TestDBCCIndexCheckStopsWhenCancelled: the look for the rows and entries of a
// damaged index stops when its statement is cancelled, as the scans do.
func TestDBCCIndexCheckStopsWhenCancelled(t *testing.T) {
	s := sessionInNewDatabase(t)
	const rows = 3000
	mustQuery(t, s, "CREATE TABLE t (id INT PRIMARY KEY, a INT)")
	for base := 0; base < rows; base += 1000 {
		var vals []string
		for i := base; i < base+1000; i++ {
			vals = append(vals, fmt.Sprintf("(%d, %d)", i, i*7))
		}
		mustQuery(t, s, "INSERT t VALUES "+strings.Join(vals, ", "))
	}
	mustQuery(t, s, "CREATE INDEX ia ON t (a)")
	d := newDamageKit(t, s, "t")
	d.raw(func(tx *txn) error {
		for i := range int64(rows) {
			if k, _ := d.entry("ia", i, i*7); tx.Delete(k) != nil {
				return errors.New("delete failed")
			}
		}
		return nil
	})
	for _, q := range []string{"DBCC CHECKTABLE('t')", "DBCC CHECKDB"} {
		ctx, cancel := context.WithCancel(context.Background())
		w := &cancelOnFinding{cancel: cancel}
		err := s.Query(ctx, q, w)
		cancel()
		if err == nil || sqlerr.Is(err, 8990) || sqlerr.Is(err, 8989) {
			t.Fatalf("%s: %v, want the statement cancelled", q, err)
		}
		if n := len(w.notices); n == 0 || n >= rows {
			t.Fatalf("%s: %d findings reported, want the check stopped after the first", q, n)
		}
	}
}

// TestDBCCIndexOnAddedComputedColumn: rows stored before ALTER TABLE ADD
// of a computed column are shorter than their table; DBCC computes the
// column for them, as the index build did, and finds the index on it
// clean (it once held them to NULLs, with an 8951 per row). A computed
// column that does not compute for some row (10 / 0) and that no index
// holds is no finding either.
func TestDBCCIndexOnAddedComputedColumn(t *testing.T) {
	s := sessionInNewDatabase(t)
	mustQuery(t, s, `CREATE TABLE t (id INT PRIMARY KEY, q INT) INSERT t VALUES (1, 1), (2, 4)
		ALTER TABLE t ADD twice AS q * 2
		CREATE INDEX ix ON t (twice) WHERE q > 0
		CREATE INDEX iq ON t (q) INCLUDE (twice)
		ALTER TABLE t ADD ratio AS 10 / (q - 4)`)
	for _, q := range []string{"DBCC CHECKTABLE('t')", "DBCC CHECKDB"} {
		w := &collect{}
		if err := s.Query(context.Background(), q, w); err != nil {
			t.Fatalf("%s: %v (notices %v)", q, err, w.notices)
		}
	}
	// The index is still held to the computed values, both ways: the entry
	// of the row whose ratio does not compute moved to another key is
	// found missing, with the computed key named, and extra.
	d := newDamageKit(t, s, "t")
	d.raw(func(tx *txn) error {
		k, _ := d.entry("ix", int64(2), int64(4), int64(8), nil)
		if err := tx.Delete(k); err != nil {
			return err
		}
		k, v := d.entry("ix", int64(2), int64(4), int64(9), nil)
		return tx.Put(k, v)
	})
	for _, q := range []string{"DBCC CHECKTABLE('t')", "DBCC CHECKDB"} {
		got := d.findings(q)
		if len(got) != 2 || got[0].Number != 8951 || !strings.Contains(got[0].Message, "matching: 8.") ||
			got[1].Number != 8952 || !strings.Contains(got[1].Message, "does not match its row's values (8)") {
			t.Fatalf("%s: findings %v, want an 8951 for the key 8 and an 8952", q, got)
		}
	}
}

// TestEntryDigest: the digest of a set of entries does not depend on the
// order they are added in, and tells apart a set with an entry changed,
// one with bytes moved between an entry's key and value, and one with the
// same count but another entry; its two lanes have seeds of their own.
func TestEntryDigest(t *testing.T) {
	x := newEntryHasher()
	digest := func(entries ...[2]string) entryDigest {
		var d entryDigest
		for _, e := range entries {
			x.add(&d, []byte(e[0]), []byte(e[1]))
		}
		return d
	}
	a, b, c := [2]string{"k1", "v1"}, [2]string{"k2", "v2"}, [2]string{"k3", "v3"}
	base := digest(a, b, c)
	if got := digest(c, a, b); got != base {
		t.Fatalf("order changed the digest: %v, %v", got, base)
	}
	for name, other := range map[string]entryDigest{
		"a value changed":   digest(a, b, [2]string{"k3", "v4"}),
		"a byte moved":      digest(a, b, [2]string{"k3v", "3"}),
		"another entry":     digest(a, b, [2]string{"k4", "v4"}),
		"an entry left out": digest(a, b),
		"an entry added":    digest(a, b, c, [2]string{"k4", "v4"}),
	} {
		if other.sum[0] == base.sum[0] || other.sum[1] == base.sum[1] || other == base {
			t.Fatalf("%s: digest %v, the same as %v in a lane", name, other, base)
		}
	}
	if base.sum[0] == base.sum[1] {
		t.Fatalf("the lanes agree (%v): one seed for both", base)
	}
}
