package engine

import (
	"strings"

	"mirrordb/engine/bind"
	"mirrordb/engine/builtins"
	"mirrordb/engine/exec"
	"mirrordb/types"
)

var (
	fixed       = builtins.Fixed
	nvarchar128 = builtins.NVarChar128
)

// bind.Functions maps upper-case function names to their implementation:
// engine/builtins' functions of values, and here those that read the
// session, the instance or the statement's clock. Names may also be called
// schema-qualified (pg_catalog.version(), sys.x()). The map is made before
// any init runs, so each file's init may add to it whatever its name.

func init() {
	for name, f := range map[string]*exec.Builtin{
		"GETDATE":           clockFn(types.TypeDateTime, false),
		"CURRENT_TIMESTAMP": clockFn(types.TypeDateTime, false),
		"GETUTCDATE":        clockFn(types.TypeDateTime, true),
		"SYSDATETIME":       clockFn(types.DateTime2Type(7), false),
		"SYSUTCDATETIME":    clockFn(types.DateTime2Type(7), true),
		"DB_NAME":           {Max: 1, Type: fixed(nvarchar128), NullSafe: true, Volatile: true, Eval: fnDBName},
		"DB_ID":             {Max: 1, Type: fixed(types.TypeInt), NullSafe: true, Volatile: true, Eval: fnDBID},
		"CURRENT_DATABASE": {Type: fixed(nvarchar128), Volatile: true,
			Eval: func(e *exec.Env, _ []types.Value, _ []types.Type) (types.Value, error) {
				return sessionOf(e).db.Name(), nil
			}},
		"PG_IS_IN_RECOVERY": {Type: fixed(types.TypeBit), Volatile: true,
			Eval: func(e *exec.Env, _ []types.Value, _ []types.Type) (types.Value, error) {
				return sessionOf(e).readOnly(), nil
			}},
		"CURRENT_USER":     {Type: fixed(nvarchar128), Eval: userName},
		"SESSION_USER":     {Type: fixed(nvarchar128), Eval: userName},
		"SYSTEM_USER":      {Type: fixed(nvarchar128), Eval: loginNameFn},
		"USER":             {Type: fixed(nvarchar128), Eval: userName},
		"USER_NAME":        {Max: 1, Type: fixed(nvarchar128), Eval: userName},
		"SUSER_NAME":       {Max: 1, Type: fixed(nvarchar128), Eval: loginNameFn},
		"SUSER_SNAME":      {Max: 1, Type: fixed(nvarchar128), Eval: loginNameFn},
		"IS_SRVROLEMEMBER": {Min: 1, Max: 2, Type: fixed(types.TypeInt), Volatile: true, Eval: fnIsSrvRoleMember},
		"HOST_NAME": {Type: fixed(nvarchar128),
			Eval: func(e *exec.Env, _ []types.Value, _ []types.Type) (types.Value, error) {
				return sessionOf(e).clientHost(), nil
			}},
		"APP_NAME": {Type: fixed(nvarchar128), Volatile: true,
			Eval: func(e *exec.Env, _ []types.Value, _ []types.Type) (types.Value, error) {
				return sessionOf(e).params["application_name"], nil
			}},
		"SERVERPROPERTY": {Min: 1, Max: 1, Type: fixed(nvarchar128), Eval: fnServerProperty},
		"SCOPE_IDENTITY": {Type: fixed(types.DecimalType(38, 0)), NullSafe: true, Volatile: true,
			Eval: func(e *exec.Env, _ []types.Value, _ []types.Type) (types.Value, error) {
				return sessionOf(e).lastIdentityValue(), nil
			}},
	} {
		bind.Functions[name] = f
	}
	for name, f := range builtins.All() {
		bind.Functions[name] = exec.FromValues(f)
	}
}

// clockFn is a date/time function: constant within one statement execution
// (SQL Server evaluates GETDATE() once per statement), never at bind time.
func clockFn(t types.Type, utc bool) *exec.Builtin {
	return &exec.Builtin{Type: fixed(t), Eval: nowAs(t, utc), Volatile: true}
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
