package engine

import (
	"mirrordb/engine/bind"
	"mirrordb/engine/catalog"
)

// sessionCatalog is bind.Catalog and bind.Settings over a session: the
// databases as it sees them, its login and its SET options.
type sessionCatalog struct{ s *Session }

var (
	_ bind.Catalog[*Database] = sessionCatalog{}
	_ bind.Settings           = sessionCatalog{}
)

func (c sessionCatalog) Current() *Database { return c.s.db }

func (c sessionCatalog) Database(name string) (*Database, bool) {
	d := c.s.inst.Database(name)
	return d, d != nil
}

func (c sessionCatalog) DatabaseByID(id int32) (*Database, bool) {
	d := c.s.inst.DatabaseByID(id)
	return d, d != nil
}

func (c sessionCatalog) Available(d *Database) error { return d.checkOpen() }

func (c sessionCatalog) Schema(d *Database) (*catalog.Schema, error) { return c.s.schemaFor(d) }

func (c sessionCatalog) UserType(d *Database, name string) (*catalog.UserType, error) {
	return catalog.LoadUserType(c.s.readerFor(d), name)
}

func (c sessionCatalog) Login() string    { return c.s.loginName() }
func (c sessionCatalog) IsSysadmin() bool { return c.s.isSysadmin() }

func (c sessionCatalog) IdentityInsert(table uint32) bool {
	ii := c.s.identityInsert
	return ii != nil && ii.tableID == table
}

func (c sessionCatalog) OldJoins() bool              { return c.s.oldJoins }
func (c sessionCatalog) Showplan() bind.ShowplanMode { return c.s.showplan }
func (c sessionCatalog) NextShowplanStatement() int64 {
	c.s.showplanStmt++
	return int64(c.s.showplanStmt)
}
