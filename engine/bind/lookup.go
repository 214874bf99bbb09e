package bind

import (
	"strings"

	"mirrordb/engine/catalog"
	"mirrordb/parser"
	"mirrordb/sqlerr"
)

// LookupTable resolves [db.][schema.]table to its database and
// definition as the session sees them (so a transaction sees the tables
// it created). Tables live in dbo: another schema names none (208).
func LookupTable[D comparable](b *Binder, cat Catalog[D], n parser.ObjectName) (D, *catalog.TableDef, error) {
	var none D
	db, err := DatabaseOf(b, cat, n)
	if err != nil {
		return none, nil, err
	}
	schema := n.Schema()
	if schema != "" && !strings.EqualFold(schema, "dbo") {
		return none, nil, b.ErrAt(n, sqlerr.New(208, strings.Join(n.Parts, ".")))
	}
	set, err := cat.Schema(db)
	if err != nil {
		return none, nil, err
	}
	def := set.Table("dbo", n.Object())
	if def == nil {
		return none, nil, b.ErrAt(n, sqlerr.New(208, strings.Join(n.Parts, ".")))
	}
	return db, def, nil
}

// DatabaseOf is the database a (possibly three-part) name refers to: the
// current one, or the one it names, which must exist (911) and be
// readable now.
func DatabaseOf[D comparable](b *Binder, cat Catalog[D], n parser.ObjectName) (D, error) {
	var none D
	name := n.Database()
	if name == "" {
		return cat.Current(), nil
	}
	d, ok := cat.Database(name)
	if !ok {
		return none, b.ErrAt(n, sqlerr.New(911, name))
	}
	if err := cat.Available(d); err != nil {
		return none, b.ErrAt(n, sqlerr.As(err))
	}
	return d, nil
}
