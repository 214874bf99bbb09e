package engine

import (
	"sort"
	"strings"

	"mirrordb/engine/catalog"
	"mirrordb/engine/exec"
	"mirrordb/engine/pgcatalog"
	"mirrordb/engine/security"
	"mirrordb/parser"
	"mirrordb/types"
)

// The PostgreSQL catalogs (pg_catalog.*, information_schema.*) are
// computed by package pgcatalog from a snapshot of what the session may
// see; this file builds that snapshot and registers the views.

// addPGViews adds pgcatalog's views to the instance's catalog views.
func (vs viewSet) addPGViews() {
	for name, v := range pgcatalog.Views() {
		v := v
		vs[name] = &view{cols: v.Cols, rows: func(e *exec.Env, _ []types.Value) ([][]types.Value, error) {
			snap, err := pgSnapshot(e)
			if err != nil {
				return nil, err
			}
			return v.Rows(snap), nil
		}}
	}
}

// pgSnapshotKey keys a statement's snapshot in Env.Cache: one statement
// sees one snapshot, however many catalog views and functions it reads.
type pgSnapshotKey struct{}

// schemaIDs are the schemas of every database (sys.schemas).
var schemaIDs = []pgcatalog.Schema{{OID: 1, Name: "dbo"}, {OID: 2, Name: "guest"},
	{OID: 3, Name: "information_schema"}, {OID: 4, Name: "sys"}}

func pgSnapshot(e *exec.Env) (*pgcatalog.Snapshot, error) {
	if e.Cache == nil {
		e.Cache = map[any]any{}
	}
	if s, ok := e.Cache[pgSnapshotKey{}]; ok {
		return s.(*pgcatalog.Snapshot), nil
	}
	sess := sessionOf(e)
	snap := &pgcatalog.Snapshot{Schemas: schemaIDs}
	for _, d := range sess.inst.Databases() {
		db := pgcatalog.Database{OID: int64(d.id), Name: d.Name(), Owner: security.SAID}
		snap.Databases = append(snap.Databases, db)
		if d == sess.db {
			snap.Database = db
		}
	}
	for _, l := range sess.inst.security().Logins {
		// Only SQL logins authenticate over the wire: Windows and
		// certificate logins identify mirroring peers.
		login := pgcatalog.Login{OID: int64(l.ID), Name: l.Name, Super: l.Sysadmin, CanLogin: l.Type == security.LoginSQL, Disabled: l.Disabled}
		if l.Sysadmin {
			login.MemberOf = []int64{security.SysadminID}
		}
		snap.Logins = append(snap.Logins, login)
	}
	snap.Roles = []pgcatalog.Login{{OID: security.PublicID, Name: "public"}, {OID: security.SysadminID, Name: "sysadmin", Super: true}}
	set, err := sess.schemaFor(sess.db)
	if err != nil {
		return nil, err
	}
	for _, t := range set.Tables() {
		snap.Tables = append(snap.Tables, pgTable(t))
		pgConstraints(set, t, &snap.Tables[len(snap.Tables)-1])
	}
	sess.inst.procs.mu.RLock()
	for name, p := range sess.inst.procs.procs {
		proc := pgcatalog.Procedure{Name: name}
		for _, a := range p.Params {
			proc.Params = append(proc.Params, pgcatalog.ProcParam{Name: a.Name, HasDefault: !a.Required})
		}
		snap.Procedures = append(snap.Procedures, proc)
	}
	sess.inst.procs.mu.RUnlock()
	sort.Slice(snap.Procedures, func(i, j int) bool { return snap.Procedures[i].Name < snap.Procedures[j].Name })
	for _, n := range sess.settingNames() {
		v, _ := sess.showValue(n)
		snap.Settings = append(snap.Settings, pgcatalog.Setting{Name: n, Value: v})
	}
	e.Cache[pgSnapshotKey{}] = snap
	return snap, nil
}

// pgTable describes a table for pgcatalog, with its indexes as sys.indexes
// lists them (the heap, which is no index, left out).
func pgTable(t *catalog.TableDef) pgcatalog.Table {
	out := pgcatalog.Table{OID: int64(t.ID), Schema: t.Schema, Name: t.Name}
	if out.Schema == "" {
		out.Schema = "dbo"
	}
	for _, c := range t.Columns {
		out.Columns = append(out.Columns, pgcatalog.Column{Name: c.Name, Type: c.Type, Nullable: c.Nullable,
			Default: c.Default, Identity: c.Identity != nil})
	}
	for _, ix := range catalogIndexes(t) {
		if ix.id == 0 {
			continue
		}
		out.Indexes = append(out.Indexes, pgcatalog.Index{ID: int64(ix.id), Name: ix.name, Columns: ix.cols,
			Desc: ix.desc, Primary: ix.primaryKey, Unique: ix.unique, Clustered: ix.clustered, Filter: ix.filter,
			Building: ix.disabled, Constraint: ix.constraint})
	}
	return out
}

// viewFor finds the catalog view a FROM entry names: a sys view, a view
// named with its schema, or, for an unqualified name that no table of the
// database has, a pg_catalog view (PostgreSQL clients write FROM pg_type).
func (b *binder) viewFor(n parser.ObjectName) *view {
	if v := b.s.inst.views.lookup(n); v != nil || len(n.Parts) > 1 {
		return v
	}
	v := b.s.inst.views["pg_catalog."+strings.ToLower(n.Object())]
	if v == nil {
		return nil
	}
	if _, _, err := b.lookupTable(n); err == nil {
		return nil // the table wins, as dbo comes first on the path
	}
	return v
}
