package engine

import (
	"strings"

	"mirrordb/engine/builtins"
	"mirrordb/engine/exec"
	"mirrordb/types"
)

// builtin is a scalar function. typ computes the result type from the
// (bound) argument types; eval computes the value. Unless nullSafe is set,
// a NULL argument makes the result NULL without calling eval.
type builtin struct {
	min, max int // argument count bounds (max -1: variadic)
	typ      func(args []types.Type) types.Type
	eval     func(e *exec.Env, args []types.Value, ts []types.Type) (types.Value, error)
	nullSafe bool // eval handles NULL arguments itself
	volatile bool // never folded into a constant at bind time
}

// fromValues is a function of values alone as the engine calls it.
func fromValues(f *builtins.Func) *builtin {
	return &builtin{min: f.Min, max: f.Max, typ: f.Type, nullSafe: f.NullSafe, volatile: f.Volatile, eval: valuesOnly(f.Eval)}
}

// valuesOnly is an evaluation that needs no environment.
func valuesOnly(f builtins.EvalFunc) func(*exec.Env, []types.Value, []types.Type) (types.Value, error) {
	return func(_ *exec.Env, a []types.Value, ts []types.Type) (types.Value, error) { return f(a, ts) }
}

var (
	fixed       = builtins.Fixed
	nvarchar128 = builtins.NVarChar128
)

// scalarFuncs maps upper-case function names to their implementation:
// engine/builtins' functions of values, and here those that read the
// session, the instance or the statement's clock. Names may also be called
// schema-qualified (pg_catalog.version(), sys.x()). The map is made before
// any init runs, so each file's init may add to it whatever its name.
var scalarFuncs = map[string]*builtin{}

func init() {
	for name, f := range map[string]*builtin{
		"GETDATE":           clockFn(types.TypeDateTime, false),
		"CURRENT_TIMESTAMP": clockFn(types.TypeDateTime, false),
		"GETUTCDATE":        clockFn(types.TypeDateTime, true),
		"SYSDATETIME":       clockFn(types.DateTime2Type(7), false),
		"SYSUTCDATETIME":    clockFn(types.DateTime2Type(7), true),
		"DB_NAME":           {max: 1, typ: fixed(nvarchar128), nullSafe: true, volatile: true, eval: fnDBName},
		"DB_ID":             {max: 1, typ: fixed(types.TypeInt), nullSafe: true, volatile: true, eval: fnDBID},
		"CURRENT_DATABASE": {typ: fixed(nvarchar128), volatile: true,
			eval: func(e *exec.Env, _ []types.Value, _ []types.Type) (types.Value, error) {
				return sessionOf(e).db.Name(), nil
			}},
		"PG_IS_IN_RECOVERY": {typ: fixed(types.TypeBit), volatile: true,
			eval: func(e *exec.Env, _ []types.Value, _ []types.Type) (types.Value, error) {
				return sessionOf(e).readOnly(), nil
			}},
		"CURRENT_USER":     {typ: fixed(nvarchar128), eval: userName},
		"SESSION_USER":     {typ: fixed(nvarchar128), eval: userName},
		"SYSTEM_USER":      {typ: fixed(nvarchar128), eval: loginNameFn},
		"USER":             {typ: fixed(nvarchar128), eval: userName},
		"USER_NAME":        {max: 1, typ: fixed(nvarchar128), eval: userName},
		"SUSER_NAME":       {max: 1, typ: fixed(nvarchar128), eval: loginNameFn},
		"SUSER_SNAME":      {max: 1, typ: fixed(nvarchar128), eval: loginNameFn},
		"IS_SRVROLEMEMBER": {min: 1, max: 2, typ: fixed(types.TypeInt), volatile: true, eval: fnIsSrvRoleMember},
		"HOST_NAME": {typ: fixed(nvarchar128),
			eval: func(e *exec.Env, _ []types.Value, _ []types.Type) (types.Value, error) {
				return sessionOf(e).clientHost(), nil
			}},
		"APP_NAME": {typ: fixed(nvarchar128), volatile: true,
			eval: func(e *exec.Env, _ []types.Value, _ []types.Type) (types.Value, error) {
				return sessionOf(e).params["application_name"], nil
			}},
		"SERVERPROPERTY": {min: 1, max: 1, typ: fixed(nvarchar128), eval: fnServerProperty},
		"SCOPE_IDENTITY": {typ: fixed(types.DecimalType(38, 0)), nullSafe: true, volatile: true,
			eval: func(e *exec.Env, _ []types.Value, _ []types.Type) (types.Value, error) {
				return sessionOf(e).lastIdentityValue(), nil
			}},
	} {
		scalarFuncs[name] = f
	}
	for name, f := range builtins.All() {
		scalarFuncs[name] = fromValues(f)
	}
}

// clockFn is a date/time function: constant within one statement execution
// (SQL Server evaluates GETDATE() once per statement), never at bind time.
func clockFn(t types.Type, utc bool) *builtin {
	return &builtin{typ: fixed(t), eval: nowAs(t, utc), volatile: true}
}

func nowAs(t types.Type, utc bool) func(*exec.Env, []types.Value, []types.Type) (types.Value, error) {
	return func(e *exec.Env, _ []types.Value, _ []types.Type) (types.Value, error) {
		now := e.Now
		if !utc {
			now = builtins.LocalWall(now)
		}
		v, _ := types.NormalizeTime(now, t)
		return v, nil
	}
}

// userName is the session's database user: dbo for a sysadmin, else the
// user mapped to its login in master, else guest.
func userName(e *exec.Env, _ []types.Value, _ []types.Type) (types.Value, error) {
	if sessionOf(e).isSysadmin() {
		return "dbo", nil
	}
	c := sessionOf(e).inst.security()
	if l := c.Login(sessionOf(e).loginName()); l != nil && sessionOf(e).db.id == masterID {
		for _, u := range c.Users {
			if u.Login == l.ID {
				return u.Name, nil
			}
		}
	}
	return "guest", nil
}

// fnIsSrvRoleMember is IS_SRVROLEMEMBER(role [, login]): 1 or 0 for the
// server roles (public, sysadmin), NULL for an unknown role or login.
func fnIsSrvRoleMember(e *exec.Env, a []types.Value, _ []types.Type) (types.Value, error) {
	role := strings.ToLower(types.ToText(a[0], types.TypeUnknown))
	name := sessionOf(e).loginName()
	if len(a) == 2 {
		name = types.ToText(a[1], types.TypeUnknown)
	}
	l := sessionOf(e).inst.security().Login(name)
	if l == nil || (role != "public" && role != "sysadmin") {
		return nil, nil
	}
	if role == "public" || (l.Sysadmin && !l.Disabled) || (len(a) == 1 && sessionOf(e).isSysadmin()) {
		return int64(1), nil
	}
	return int64(0), nil
}

// loginNameFn is the session's login (SUSER_SNAME(), SYSTEM_USER).
func loginNameFn(e *exec.Env, _ []types.Value, _ []types.Type) (types.Value, error) {
	return sessionOf(e).loginName(), nil
}

func fnDBName(e *exec.Env, a []types.Value, _ []types.Type) (types.Value, error) {
	if len(a) == 0 || a[0] == nil {
		if len(a) == 1 {
			return nil, nil
		}
		return sessionOf(e).db.Name(), nil
	}
	id, err := types.Convert(a[0], types.TypeUnknown, types.TypeInt, types.Implicit)
	if err != nil {
		return nil, err
	}
	if d := sessionOf(e).inst.DatabaseByID(int32(id.(int64))); d != nil {
		return d.Name(), nil
	}
	return nil, nil
}

func fnDBID(e *exec.Env, a []types.Value, _ []types.Type) (types.Value, error) {
	if len(a) == 0 {
		return int64(sessionOf(e).db.id), nil
	}
	if a[0] == nil {
		return nil, nil
	}
	if d := sessionOf(e).inst.Database(types.ToText(a[0], types.TypeUnknown)); d != nil {
		return int64(d.id), nil
	}
	return nil, nil
}

func fnServerProperty(e *exec.Env, a []types.Value, ts []types.Type) (types.Value, error) {
	switch strings.ToLower(types.ToText(a[0], ts[0])) {
	case "servername", "machinename":
		return sessionOf(e).inst.ServerName(), nil
	case "productversion":
		return Version, nil
	case "productlevel":
		return "RTM", nil
	case "edition":
		return "mirrordb", nil
	case "engineedition":
		return "3", nil
	case "instancename":
		return nil, nil
	case "collation":
		return "Latin1_General_BIN2", nil
	}
	return nil, nil
}
