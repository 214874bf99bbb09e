package engine

import (
	"strings"

	"mirrordb/engine/bind"
	"mirrordb/engine/catalog"
	"mirrordb/engine/exec"
	"mirrordb/engine/keys"
	"mirrordb/parser"
	"mirrordb/session"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// Adding or dropping a table's primary key. Rows are stored by their
// primary key (a heap by a row id), so either moves every row to a new
// key: it runs as a rewrite (alter_rewrite.go), whose copy step stores
// each row under its new key, so memory stays bounded by a step and a
// duplicate new key (1505) leaves the table as it was. The statement's
// other constraints are added or dropped in the swap's transaction.

// keyChangePlan binds ALTER TABLE ... ADD / DROP CONSTRAINT when it adds a
// primary key or drops the table's primary key; nil when it does neither.
func (b *binder) keyChangePlan(x *parser.AlterTableConstraint, db *Database, bound *catalog.TableDef) *stmtPlan {
	var ch *alterChange
	switch x.Action {
	case "ADD":
		ch = b.addKeyChange(x, db)
	case "DROP":
		if len(bound.PK) > 0 && containsName(x.Names, bound.PKName) {
			ch = b.dropKeyChange(x)
		}
	}
	if ch == nil {
		return nil
	}
	return b.alterPlan(x, db, bound.Name, ch)
}

// alterPlan runs ch on the table (alter_rewrite.go); an error without a
// position of its own points at the statement.
func (b *binder) alterPlan(x bind.Positioned, db *Database, table string, ch *alterChange) *stmtPlan {
	s := b.s
	return &stmtPlan{dbs: []*Database{db}, run: func(e *exec.Env, _ *txn, _ session.ResultWriter) (string, error) {
		if err := s.alterTable(e, db, table, ch); err != nil {
			if se := sqlerr.As(err); se.Position == 0 {
				err = b.ErrAt(x, se)
			}
			return "", err
		}
		return "ALTER TABLE", nil
	}}
}

func containsName(names []string, name string) bool {
	for _, n := range names {
		if strings.EqualFold(n, name) {
			return true
		}
	}
	return false
}

// addKeyChange is ADD with a PRIMARY KEY among its constraints (nil
// without one).
func (b *binder) addKeyChange(x *parser.AlterTableConstraint, db *Database) *alterChange {
	var pks []*parser.PrimaryKey
	var rest []bind.PendingConstraint
	for _, c := range x.Add {
		if pk, ok := c.(*parser.PrimaryKey); ok {
			pks = append(pks, pk)
		} else {
			rest = append(rest, bind.PendingConstraint{C: c})
		}
	}
	if len(pks) == 0 {
		return nil
	}
	return &alterChange{
		plan: func(_ *exec.Env, def *catalog.TableDef) (*alteration, error) {
			nd := def.Clone()
			for _, pk := range pks {
				if err := bind.SetPrimaryKey(nd, pk); err != nil {
					return nil, b.ErrAt(pk, err)
				}
			}
			return rekeyed(nd, func(t *txn) error {
				// The key's name is new to the database (2714).
				set, err := t.schemaView()
				if err != nil {
					return err
				}
				for _, pk := range pks {
					if pk.Name != "" && set.ObjectNames()[strings.ToLower(pk.Name)] {
						return b.ErrAt(pk, sqlerr.New(2714, pk.Name))
					}
				}
				return nil
			}), nil
		},
		then: func(e *exec.Env, t *txn, id uint32) error {
			return b.changeConstraints(e, t, db, id, func(a *constraintAdder) error {
				a.nocheck = x.With == "NOCHECK"
				return a.addAll(rest)
			})
		},
	}
}

// dropKeyChange is DROP CONSTRAINT naming the primary key (3725 while a
// foreign key references it); the other names are dropped in the swap.
func (b *binder) dropKeyChange(x *parser.AlterTableConstraint) *alterChange {
	dropped := "" // the key's name, as the running statement finds it
	return &alterChange{
		plan: func(_ *exec.Env, def *catalog.TableDef) (*alteration, error) {
			dropped = ""
			if len(def.PK) == 0 || !containsName(x.Names, def.PKName) {
				return &alteration{def: def, identity: -1}, nil // gone meanwhile: the names are dropped as usual
			}
			dropped = def.PKName
			nd := def.Clone()
			nd.PK, nd.PKName, nd.PKNonclustered = nil, "", false
			return rekeyed(nd, func(t *txn) error {
				set, err := t.schemaView()
				if err != nil {
					return err
				}
				if table, fk := set.ReferencingKey(def, def.PK); fk != "" {
					return sqlerr.New(3725, def.PKName, table, fk)
				}
				return nil
			}), nil
		},
		then: func(e *exec.Env, t *txn, id uint32) error {
			return b.changeConstraints(e, t, t.db, id, func(a *constraintAdder) error {
				for _, n := range x.Names {
					if strings.EqualFold(n, dropped) {
						continue
					}
					if err := dropConstraint(e, t, a.set, a.def, n, x.IfExists); err != nil {
						return err
					}
				}
				return nil
			})
		},
	}
}

// rekeyed is the alteration that stores def's rows under its (new)
// primary key, after verify accepts the change.
func rekeyed(def *catalog.TableDef, verify func(t *txn) error) *alteration {
	return &alteration{def: def, identity: -1, rewrite: true, rekey: true, verify: verify,
		row: func(_ *exec.Env, _ int64, old []types.Value) ([]types.Value, error) { return old, nil }}
}

// changeConstraints runs fn on a copy of the definition stored under id
// (one a rewrite has just written) and writes it.
func (b *binder) changeConstraints(e *exec.Env, t *txn, db *Database, id uint32, fn func(a *constraintAdder) error) error {
	set, err := t.schemaView()
	if err != nil {
		return err
	}
	cur := set.ByID(id)
	if cur == nil {
		return sqlerr.New(208, "") // not reached: the definition was just written
	}
	a := &constraintAdder{b: b, e: e, t: t, db: db, set: set, def: cur.Clone(), existing: true}
	if err := fn(a); err != nil {
		return err
	}
	return t.Put(keys.TableDefKey(id), catalog.EncodeTable(a.def))
}
