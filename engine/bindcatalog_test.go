package engine

import "testing"

// TestSessionCatalog: what the binder reads through bind.Catalog and
// bind.Settings is the session's view: its own transaction's uncommitted
// table, a database by name or id, its alias types, SET IDENTITY_INSERT
// for one table alone, and SHOWPLAN's statement numbers counting up.
func TestSessionCatalog(t *testing.T) {
	in := openTestInstance(t)
	s := openSession(t, in, "master")
	c := sessionCatalog{s}
	mustQuery(t, s, "CREATE TYPE phone FROM varchar(12)")
	mustQuery(t, s, "BEGIN TRANSACTION")
	mustQuery(t, s, "CREATE TABLE mine (id INT IDENTITY PRIMARY KEY, v INT)")
	mustQuery(t, s, "CREATE TABLE other (id INT IDENTITY PRIMARY KEY)")
	set, err := c.Schema(c.Current())
	if err != nil || set.Table("dbo", "mine") == nil {
		t.Fatalf("the session's schema lacks its uncommitted table (%v)", err)
	}
	if committed := c.Current().schema.Load(); committed.Table("dbo", "mine") != nil {
		t.Fatalf("the committed schema already has the uncommitted table")
	}
	mine, other := set.Table("dbo", "mine"), set.Table("dbo", "other")
	mustQuery(t, s, "SET IDENTITY_INSERT mine ON")
	if !c.IdentityInsert(mine.ID) || c.IdentityInsert(other.ID) {
		t.Errorf("IDENTITY_INSERT ON for mine: mine %v, other %v", c.IdentityInsert(mine.ID), c.IdentityInsert(other.ID))
	}
	mustQuery(t, s, "ROLLBACK")
	if ut, err := c.UserType(c.Current(), "phone"); err != nil || ut == nil {
		t.Errorf("alias type phone: %v (%v)", ut, err)
	}
	if ut, err := c.UserType(c.Current(), "nope"); err != nil || ut != nil {
		t.Errorf("alias type nope: %v (%v), want none", ut, err)
	}
	if d, ok := c.Database("MASTER"); !ok || d != c.Current() {
		t.Errorf("Database(MASTER) = %v, %v; want the current database", d, ok)
	}
	if d, ok := c.DatabaseByID(masterID); !ok || d != c.Current() {
		t.Errorf("DatabaseByID(master's id) = %v, %v", d, ok)
	}
	if _, ok := c.Database("nosuchdb"); ok {
		t.Errorf("Database(nosuchdb) found one")
	}
	if c.Login() != "sa" || !c.IsSysadmin() {
		t.Errorf("login %q, sysadmin %v; want sa, a sysadmin, under trust", c.Login(), c.IsSysadmin())
	}
	if c.Showplan() != showplanOff {
		t.Errorf("SHOWPLAN on in a new session")
	}
	if a, b := c.NextShowplanStatement(), c.NextShowplanStatement(); b != a+1 {
		t.Errorf("showplan statements numbered %d then %d", a, b)
	}
}
