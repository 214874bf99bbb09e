package engine

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"mirrordb/engine/bind"
	"mirrordb/engine/builtins"
	"mirrordb/engine/exec"
	"mirrordb/engine/pgcatalog"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// PostgreSQL's functions that catalog queries and drivers call (psql's \d
// commands, pgjdbc, SQLAlchemy, psycopg), callable with or without
// pg_catalog. A name T-SQL already gives a meaning keeps it; version() has
// none in T-SQL (that is @@VERSION) and reads as PostgreSQL's.

var (
	textMax = types.NVarCharType(types.MaxLength)
	oidType = types.TypeBigInt
)

func init() {
	fns := map[string]*exec.Builtin{
		"TEXTCAT": {Min: 2, Max: 2, Type: fixed(textMax), Eval: func(_ *exec.Env, a []types.Value, ts []types.Type) (types.Value, error) {
			return types.ToText(a[0], ts[0]) + types.ToText(a[1], ts[1]), nil
		}},
		"VERSION": {Type: fixed(types.NVarCharType(256)), Eval: func(*exec.Env, []types.Value, []types.Type) (types.Value, error) {
			return "PostgreSQL 16.0, " + versionString(), nil
		}},
		"NOW":            clockFn(types.DateTime2Type(6), false),
		"CURRENT_SCHEMA": {Type: fixed(types.TypeSysname), Eval: constant("dbo")},
		"CURRENT_SCHEMAS": {Min: 1, Max: 1, Type: fixed(textMax), Eval: func(_ *exec.Env, a []types.Value, _ []types.Type) (types.Value, error) {
			if v, ok := a[0].(bool); ok && v {
				// implicit schemas first, as pg_catalog is in PostgreSQL
				return pgcatalog.ArrayText([]types.Value{"sys", "dbo"}), nil
			}
			return pgcatalog.ArrayText([]types.Value{"dbo"}), nil
		}},
		"CURRENT_SETTING": {Min: 1, Max: 2, Type: fixed(textMax), Volatile: true, NullSafe: true, Eval: fnCurrentSetting},
		"PG_BACKEND_PID": {Type: fixed(types.TypeInt), Eval: func(e *exec.Env, _ []types.Value, _ []types.Type) (types.Value, error) {
			return int64(sessionOf(e).spid()), nil
		}},
		"PG_ENCODING_TO_CHAR": {Min: 1, Max: 1, Type: fixed(types.TypeSysname), Eval: func(_ *exec.Env, a []types.Value, _ []types.Type) (types.Value, error) {
			if oidArg(a[0]) == 6 {
				return "UTF8", nil
			}
			return "", nil
		}},
		"PG_TABLE_IS_VISIBLE":    catalogFn(types.TypeBit, tableVisible),
		"PG_TYPE_IS_VISIBLE":     catalogFn(types.TypeBit, alwaysVisible), // pg_catalog, always on the path
		"PG_FUNCTION_IS_VISIBLE": catalogFn(types.TypeBit, alwaysVisible), // sys procedures are found from any schema
		"PG_GET_USERBYID": catalogFn(types.TypeSysname, func(s *pgcatalog.Snapshot, oid int64) (types.Value, bool) {
			if n, ok := s.UserName(oid); ok {
				return n, true
			}
			return fmt.Sprintf("unknown (OID=%d)", oid), true
		}),
		"PG_GET_CONSTRAINTDEF": catalogFn(textMax, stringOK((*pgcatalog.Snapshot).ConstraintDef)),
		"PG_GET_INDEXDEF": {Min: 1, Max: 3, Type: fixed(textMax), Volatile: true, Eval: func(e *exec.Env, a []types.Value, _ []types.Type) (types.Value, error) {
			snap, err := pgSnapshot(e)
			if err != nil {
				return nil, err
			}
			col := int64(0)
			if len(a) > 1 {
				col = oidArg(a[1])
			}
			if s, ok := snap.IndexDef(oidArg(a[0]), int(col)); ok {
				return s, nil
			}
			return nil, nil
		}},
		"FORMAT_TYPE": {Min: 2, Max: 2, Type: fixed(textMax), NullSafe: true, Eval: func(_ *exec.Env, a []types.Value, _ []types.Type) (types.Value, error) {
			if a[0] == nil {
				return nil, nil
			}
			mod := int64(-1)
			if a[1] != nil {
				mod = oidArg(a[1])
			}
			if s, ok := pgcatalog.FormatType(oidArg(a[0]), mod); ok {
				return s, nil
			}
			return "???", nil // PostgreSQL's own answer for an OID that is no type
		}},
		// pg_get_expr(adbin, relid [, pretty]): adbin already holds the text.
		"PG_GET_EXPR": {Min: 2, Max: 3, Type: fixed(textMax), Eval: func(_ *exec.Env, a []types.Value, ts []types.Type) (types.Value, error) {
			return types.ToText(a[0], ts[0]), nil
		}},
		// Comments: mirrordb keeps none.
		"OBJ_DESCRIPTION":     {Min: 1, Max: 2, Type: fixed(textMax), NullSafe: true, Eval: constant(nil)},
		"COL_DESCRIPTION":     {Min: 2, Max: 2, Type: fixed(textMax), NullSafe: true, Eval: constant(nil)},
		"SHOBJ_DESCRIPTION":   {Min: 2, Max: 2, Type: fixed(textMax), NullSafe: true, Eval: constant(nil)},
		"HAS_TABLE_PRIVILEGE": {Min: 2, Max: 3, Type: fixed(types.TypeBit), Eval: fnHasTablePrivilege},
		"QUOTE_IDENT": {Min: 1, Max: 1, Type: fixed(textMax), Eval: func(_ *exec.Env, a []types.Value, ts []types.Type) (types.Value, error) {
			return quoteIdentPG(types.ToText(a[0], ts[0])), nil
		}},
		// Arrays are their text form here ({a,b}): mirrordb has no array type.
		"ARRAY_TO_STRING": {Min: 2, Max: 3, Type: fixed(textMax), Eval: fnArrayToString},
		// Procedures return no declared type: NULL, as PostgreSQL answers.
		"PG_GET_FUNCTION_RESULT": {Min: 1, Max: 1, Type: fixed(textMax), NullSafe: true, Eval: constant(nil)},
		// mirrordb has no sequences: IDENTITY is a property of its column.
		"PG_GET_SERIAL_SEQUENCE":          {Min: 2, Max: 2, Type: fixed(textMax), NullSafe: true, Eval: constant(nil)},
		"JSON_BUILD_OBJECT":               {Min: 0, Max: -1, Type: fixed(textMax), NullSafe: true, Eval: fnJSONBuildObject},
		"PG_GET_STATISTICSOBJDEF_COLUMNS": {Min: 1, Max: 1, Type: fixed(textMax), NullSafe: true, Eval: constant(nil)},
		"PG_GET_FUNCTION_ARGUMENTS":       catalogFn(textMax, stringOK((*pgcatalog.Snapshot).ProcedureArguments)),
	}
	for name, fn := range fns {
		bind.Functions[name] = fn
	}
}

// oidArg reads an OID argument: a number, or its text ('16384').
func oidArg(v types.Value) int64 {
	if s, ok := v.(string); ok {
		n, _ := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		return n
	}
	return builtins.ToInt(v)
}

// catalogFn is a function of one OID answered from the statement's
// catalog snapshot; ok false gives NULL.
func catalogFn(t types.Type, f func(*pgcatalog.Snapshot, int64) (types.Value, bool)) *exec.Builtin {
	return &exec.Builtin{Min: 1, Max: 2, Type: fixed(t), Volatile: true, Eval: func(e *exec.Env, a []types.Value, _ []types.Type) (types.Value, error) {
		snap, err := pgSnapshot(e)
		if err != nil {
			return nil, err
		}
		if v, ok := f(snap, oidArg(a[0])); ok { // a second argument (pretty) changes nothing
			return v, nil
		}
		return nil, nil
	}}
}

func stringOK(f func(*pgcatalog.Snapshot, int64) (string, bool)) func(*pgcatalog.Snapshot, int64) (types.Value, bool) {
	return func(s *pgcatalog.Snapshot, oid int64) (types.Value, bool) { return f(s, oid) }
}

func alwaysVisible(*pgcatalog.Snapshot, int64) (types.Value, bool) { return true, true }

// tableVisible is pg_table_is_visible: the search path is dbo.
func tableVisible(s *pgcatalog.Snapshot, oid int64) (types.Value, bool) {
	name, ok := s.RelationName(oid)
	return ok && !strings.Contains(name, "."), true
}

func fnCurrentSetting(e *exec.Env, a []types.Value, ts []types.Type) (types.Value, error) {
	if a[0] == nil {
		return nil, nil
	}
	name := types.ToText(a[0], ts[0])
	switch strings.ToLower(name) {
	case "search_path":
		return "dbo", nil
	case "server_version_num":
		return "160000", nil
	}
	if v, ok := sessionOf(e).showValue(name); ok {
		return v, nil
	}
	if len(a) > 1 && a[1] != nil && builtins.ToInt(a[1]) != 0 { // missing_ok
		return nil, nil
	}
	return nil, sqlerr.New(15600, "current_setting")
}

// fnHasTablePrivilege is has_table_privilege([user,] table, privilege):
// mirrordb has no table permissions yet; whoever may use a database may
// read and write its tables, so the answer is true.
func fnHasTablePrivilege(*exec.Env, []types.Value, []types.Type) (types.Value, error) {
	return true, nil
}

// quoteIdentPG is quote_ident.
func quoteIdentPG(s string) string { return pgcatalog.QuoteIdent(s) }

// fnArrayToString is array_to_string(array, sep [, null_text]): NULL
// elements are skipped unless null_text is given.
func fnArrayToString(_ *exec.Env, a []types.Value, ts []types.Type) (types.Value, error) {
	elems, ok := pgcatalog.ParseArray(types.ToText(a[0], ts[0]))
	if !ok {
		return nil, sqlerr.New(245, "nvarchar", types.ToText(a[0], ts[0]), "array")
	}
	parts := make([]string, 0, len(elems))
	for _, el := range elems {
		switch {
		case el != nil:
			parts = append(parts, el.(string))
		case len(a) > 2:
			parts = append(parts, types.ToText(a[2], ts[2]))
		}
	}
	return strings.Join(parts, types.ToText(a[1], ts[1])), nil
}

// fnJSONBuildObject is json_build_object(key, value, ...): a JSON object
// as text (mirrordb keeps JSON as text, as PostgreSQL's json does).
func fnJSONBuildObject(_ *exec.Env, a []types.Value, ts []types.Type) (types.Value, error) {
	if len(a)%2 != 0 {
		return nil, sqlerr.New(174, "json_build_object", len(a)+1)
	}
	obj := make([]string, 0, len(a)/2)
	for i := 0; i < len(a); i += 2 {
		k, _ := json.Marshal(types.ToText(a[i], ts[i]))
		var v []byte
		switch x := a[i+1].(type) {
		case nil:
			v = []byte("null")
		case bool, int64, float64:
			v, _ = json.Marshal(x)
		default:
			v, _ = json.Marshal(types.ToText(x, ts[i+1]))
		}
		obj = append(obj, string(k)+" : "+string(v))
	}
	return "{" + strings.Join(obj, ", ") + "}", nil
}
