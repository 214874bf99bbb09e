package engine

import (
	"fmt"
	"runtime"

	"mirrordb/engine/bind"
	"mirrordb/engine/exec"
	"mirrordb/types"
)

// bind.Globals, the @@ variables binding reads, holds those here and
// @@DBTS (rowversion.go).

func init() {
	for name, g := range map[string]*exec.Builtin{
		"SERVERNAME": {Type: fixed(nvarchar128), Eval: func(e *exec.Env, _ []types.Value, _ []types.Type) (types.Value, error) {
			return sessionOf(e).inst.ServerName(), nil
		}},
		"SERVICENAME": {Type: fixed(nvarchar128), Eval: constant("MSSQLSERVER")},
		"VERSION": {Type: fixed(types.NVarCharType(512)), Eval: func(*exec.Env, []types.Value, []types.Type) (types.Value, error) {
			return versionString(), nil
		}},
		"ROWCOUNT": {Type: fixed(types.TypeInt), Volatile: true, Eval: func(e *exec.Env, _ []types.Value, _ []types.Type) (types.Value, error) {
			return sessionOf(e).rowcount, nil
		}},
		"TRANCOUNT": {Type: fixed(types.TypeInt), Volatile: true, Eval: func(e *exec.Env, _ []types.Value, _ []types.Type) (types.Value, error) {
			return int64(sessionOf(e).trancount()), nil
		}},
		"SPID": {Type: fixed(types.TypeSmallInt), Eval: func(e *exec.Env, _ []types.Value, _ []types.Type) (types.Value, error) {
			return int64(sessionOf(e).spid()), nil
		}},
		"IDENTITY": {Type: fixed(types.DecimalType(38, 0)), NullSafe: true, Volatile: true, Eval: func(e *exec.Env, _ []types.Value, _ []types.Type) (types.Value, error) {
			return sessionOf(e).lastIdentityValue(), nil
		}},
		"ERROR": {Type: fixed(types.TypeInt), Volatile: true, Eval: func(e *exec.Env, _ []types.Value, _ []types.Type) (types.Value, error) {
			return int64(sessionOf(e).lastError), nil
		}},
		"LANGUAGE":      {Type: fixed(nvarchar128), Eval: constant("us_english")},
		"MAX_PRECISION": {Type: fixed(types.TypeTinyInt), Eval: constant(int64(38))},
		"DATEFIRST":     {Type: fixed(types.TypeTinyInt), Eval: constant(int64(7))},
		"LOCK_TIMEOUT": {Type: fixed(types.TypeInt), Volatile: true, Eval: func(e *exec.Env, _ []types.Value, _ []types.Type) (types.Value, error) {
			return int64(sessionOf(e).lockTimeoutMS), nil
		}},
	} {
		bind.Globals[name] = g
	}
}

func constant(v types.Value) func(*exec.Env, []types.Value, []types.Type) (types.Value, error) {
	return func(*exec.Env, []types.Value, []types.Type) (types.Value, error) { return v, nil }
}

func versionString() string {
	return fmt.Sprintf("mirrordb %s - T-SQL database mirroring over the PostgreSQL protocol (%s %s/%s)",
		Version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
