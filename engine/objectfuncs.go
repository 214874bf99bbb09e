package engine

import (
	"strings"

	"mirrordb/engine/bind"
	"mirrordb/engine/exec"
	"mirrordb/types"
)

// OBJECT_ID and OBJECT_NAME over the objects a database holds: its tables
// and their constraints (the rows of sys.objects that are not system
// objects), as the session sees them.

func init() {
	bind.Functions["OBJECT_ID"] = &exec.Builtin{Min: 1, Max: 2, Type: fixed(types.TypeInt), Volatile: true, Eval: fnObjectID}
	bind.Functions["OBJECT_NAME"] = &exec.Builtin{Min: 1, Max: 2, Type: fixed(nvarchar128), Volatile: true, Eval: fnObjectName}
}

// fnObjectID is OBJECT_ID('[database.][schema.]name' [, 'type']): the
// object's id, NULL when there is no such object (or not of that type).
func fnObjectID(e *exec.Env, a []types.Value, ts []types.Type) (types.Value, error) {
	if a[0] == nil {
		return nil, nil
	}
	parts := splitName(types.ToText(a[0], ts[0]))
	want := ""
	if len(a) > 1 && a[1] != nil {
		want = strings.ToUpper(strings.TrimSpace(types.ToText(a[1], ts[1])))
	}
	db := sessionOf(e).db
	switch len(parts) {
	case 3:
		if db = sessionOf(e).inst.Database(parts[0]); db == nil {
			return nil, nil
		}
		parts = parts[1:]
	case 1:
		parts = []string{"dbo", parts[0]}
	}
	if len(parts) != 2 || db == nil || (parts[0] != "" && !strings.EqualFold(parts[0], "dbo")) {
		return nil, nil
	}
	set, err := sessionOf(e).schemaFor(db) // as the session's transaction sees it, as sys.objects does
	if err != nil {
		return nil, err
	}
	if t := set.Table("dbo", parts[1]); t != nil && (want == "" || want == "U") {
		return int64(t.ID), nil
	}
	for _, t := range set.Tables() {
		for _, c := range constraintObjects(t) {
			if strings.EqualFold(c.name, parts[1]) && (want == "" || want == strings.TrimSpace(c.typ)) {
				return int64(c.id), nil
			}
		}
	}
	return nil, nil
}

// fnObjectName is OBJECT_NAME(id [, database_id]).
func fnObjectName(e *exec.Env, a []types.Value, ts []types.Type) (types.Value, error) {
	if a[0] == nil {
		return nil, nil
	}
	id, ok := a[0].(int64)
	if !ok {
		return nil, nil
	}
	db := sessionOf(e).db
	if len(a) > 1 {
		if a[1] == nil {
			return nil, nil
		}
		n, ok := a[1].(int64)
		if !ok {
			return nil, nil
		}
		db = nil
		for _, d := range sessionOf(e).inst.Databases() {
			if int64(d.id) == n {
				db = d
			}
		}
	}
	if db == nil {
		return nil, nil
	}
	set, err := sessionOf(e).schemaFor(db) // as the session's transaction sees it, as sys.objects does
	if err != nil {
		return nil, err
	}
	if t := set.ByID(uint32(id)); t != nil {
		return t.Name, nil
	}
	for _, t := range set.Tables() {
		for _, c := range constraintObjects(t) {
			if int64(c.id) == id {
				return c.name, nil
			}
		}
	}
	return nil, nil
}
