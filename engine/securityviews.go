package engine

import (
	"context"
	"time"

	"mirrordb/engine/endpoint"
	"mirrordb/engine/exec"
	"mirrordb/engine/security"
	"mirrordb/types"
)

// Catalog views of the security catalog, and the server role procedures.

var (
	varbinary = types.VarBinaryType(types.MaxLength)
	char1     = types.Type{Kind: types.Char, Length: 1}
	char2     = types.Type{Kind: types.Char, Length: 2}
	char4     = types.Type{Kind: types.Char, Length: 4}
)

// addSecurityViews adds the catalog views of the security catalog.
func (vs viewSet) addSecurityViews() {
	principal := []any{"name", sysname, "principal_id", intT, "sid", types.VarBinaryType(85), "type", char1,
		"type_desc", desc60, "is_disabled", bit, "create_date", dtT, "modify_date", dtT,
		"default_database_name", sysname, "default_language_name", sysname, "credential_id", intT,
		"owning_principal_id", intT, "is_fixed_role", bit}
	vs["sys.server_principals"] = &view{
		cols: cols(principal...),
		rows: func(e *exec.Env, _ []types.Value) ([][]types.Value, error) {
			c := sessionOf(e).inst.security()
			created := c.Login("sa").Created
			out := [][]types.Value{}
			for _, l := range c.Logins {
				out = append(out, loginRow(l))
			}
			for _, r := range []struct {
				name  string
				id    int64
				fixed bool
			}{{"public", security.PublicID, false}, {"sysadmin", security.SysadminID, true}} {
				out = append(out, []types.Value{r.name, r.id, []byte{byte(r.id)}, "R", "SERVER_ROLE", false,
					DateTimeValue(created), DateTimeValue(created), nil, nil, nil, int64(security.SAID), r.fixed})
			}
			return out, nil
		},
	}
	vs["sys.sql_logins"] = &view{
		cols: cols(append(principal, "is_policy_checked", bit, "is_expiration_checked", bit, "password_hash", varbinary)...),
		rows: func(e *exec.Env, _ []types.Value) ([][]types.Value, error) {
			var out [][]types.Value
			admin := sessionOf(e).isSysadmin()
			for _, l := range sessionOf(e).inst.security().Logins {
				if l.Type != security.LoginSQL {
					continue
				}
				var hash types.Value
				if admin && l.Verifier != "" {
					hash = []byte(l.Verifier)
				}
				out = append(out, append(loginRow(l), l.CheckPolicy, false, hash))
			}
			return out, nil
		},
	}
	vs["sys.server_role_members"] = &view{
		cols: cols("role_principal_id", intT, "member_principal_id", intT),
		rows: func(e *exec.Env, _ []types.Value) ([][]types.Value, error) {
			var out [][]types.Value
			for _, l := range sessionOf(e).inst.security().Logins {
				if l.Sysadmin {
					out = append(out, []types.Value{int64(security.SysadminID), int64(l.ID)})
				}
			}
			return out, nil
		},
	}
	vs["sys.server_permissions"] = &view{
		cols: cols("class", tinyint, "class_desc", desc60, "major_id", intT, "minor_id", intT,
			"grantee_principal_id", intT, "grantor_principal_id", intT, "type", char4,
			"permission_name", desc60, "state", char1, "state_desc", desc60),
		rows: func(e *exec.Env, _ []types.Value) ([][]types.Value, error) {
			var out [][]types.Value
			for _, g := range sessionOf(e).inst.security().Grants {
				out = append(out, []types.Value{int64(105), "ENDPOINT", int64(endpoint.ID), int64(0),
					int64(g.Grantee), int64(g.Grantor), security.PermissionCode(g.Permission), g.Permission, g.State,
					map[string]string{"G": "GRANT", "W": "GRANT_WITH_GRANT_OPTION", "D": "DENY"}[g.State]})
			}
			return out, nil
		},
	}
	vs["sys.database_principals"] = &view{
		cols: cols("name", sysname, "principal_id", intT, "type", char1, "type_desc", desc60,
			"default_schema_name", sysname, "create_date", dtT, "modify_date", dtT, "owning_principal_id", intT,
			"sid", types.VarBinaryType(85), "is_fixed_role", bit, "authentication_type", intT,
			"authentication_type_desc", desc60),
		rows: func(e *exec.Env, _ []types.Value) ([][]types.Value, error) {
			c := sessionOf(e).inst.security()
			created := DateTimeValue(c.Login("sa").Created)
			out := [][]types.Value{
				{"dbo", int64(security.DboUserID), "S", "SQL_USER", "dbo", created, created, nil, []byte{1}, false, int64(1), "INSTANCE"},
				{"guest", int64(2), "S", "SQL_USER", "guest", created, created, nil, []byte{0}, false, int64(0), "NONE"},
				{"public", int64(0), "R", "DATABASE_ROLE", nil, created, created, int64(security.DboUserID), nil, false, int64(0), "NONE"},
			}
			if sessionOf(e).db.id != masterID {
				return out, nil
			}
			for _, u := range c.Users {
				var sid types.Value
				auth, authDesc := int64(0), "NONE"
				if l := c.LoginByID(u.Login); l != nil {
					sid, auth, authDesc = l.SID, 1, "INSTANCE"
				}
				out = append(out, []types.Value{u.Name, int64(u.ID), "S", "SQL_USER", "dbo",
					DateTimeValue(u.Created), DateTimeValue(u.Created), nil, sid, false, auth, authDesc})
			}
			return out, nil
		},
	}
	// sys.sysusers is SQL Server 2000's compatibility view of the database
	// principals, still used by older scripts.
	principals := vs["sys.database_principals"].rows
	vs["sys.sysusers"] = &view{
		cols: cols("uid", types.TypeSmallInt, "status", types.TypeSmallInt, "name", sysname, "sid", types.VarBinaryType(85),
			"roles", types.VarBinaryType(2048), "createdate", dtT, "updatedate", dtT, "altuid", types.TypeSmallInt,
			"password", types.VarBinaryType(256), "gid", types.TypeSmallInt, "environ", types.VarCharType(255),
			"hasdbaccess", intT, "islogin", intT, "isntname", intT, "isntgroup", intT, "isntuser", intT,
			"issqluser", intT, "isaliased", intT, "issqlrole", intT, "isapprole", intT),
		rows: func(e *exec.Env, args []types.Value) ([][]types.Value, error) {
			rows, err := principals(e, args)
			out := make([][]types.Value, 0, len(rows))
			for _, r := range rows {
				// database_principals: name, principal_id, type, ..., create_date, modify_date, ..., sid, ..., authentication_type
				role := r[2] == "R"
				user := int64(1)
				if role {
					user = 0
				}
				access := int64(0)
				if !role && r[0] != "guest" {
					access = 1
				}
				login := int64(0)
				if !role && r[10] != int64(0) {
					login = 1
				}
				gid := r[1]
				if !role {
					gid = int64(0)
				}
				role01 := 1 - user
				out = append(out, []types.Value{r[1], int64(0), r[0], r[8], nil, r[5], r[6], int64(0),
					nil, gid, nil, access, login, int64(0), int64(0), int64(0), user, int64(0), role01, int64(0)})
			}
			return out, err
		},
	}
	vs["sys.certificates"] = &view{
		cols: cols("name", sysname, "certificate_id", intT, "principal_id", intT, "pvt_key_encryption_type", char2,
			"pvt_key_encryption_type_desc", desc60, "is_active_for_begin_dialog", bit, "issuer_name", types.NVarCharType(442),
			"cert_serial_number", types.NVarCharType(64), "sid", types.VarBinaryType(85), "string_sid", types.NVarCharType(128),
			"subject", types.NVarCharType(4000), "expiry_date", dtT, "start_date", dtT, "thumbprint", types.VarBinaryType(32),
			"attested_by", types.NVarCharType(260), "pvt_key_last_backup_date", dtT, "key_length", intT),
		rows: func(e *exec.Env, _ []types.Value) ([][]types.Value, error) {
			if sessionOf(e).db.id != masterID {
				return nil, nil
			}
			var out [][]types.Value
			for _, cert := range sessionOf(e).inst.security().Certificates {
				encType, encDesc := "NA", "NO_PRIVATE_KEY"
				if cert.PrivateKey != nil {
					encType, encDesc = "MK", "ENCRYPTED_BY_MASTER_KEY"
				}
				var backup types.Value
				if !cert.LastBackup.IsZero() {
					backup = DateTimeValue(cert.LastBackup)
				}
				out = append(out, []types.Value{cert.Name, int64(cert.ID), int64(cert.Owner), encType, encDesc, true,
					cert.Issuer, cert.Serial, nil, nil, cert.Subject, DateTimeValue(cert.Expiry), DateTimeValue(cert.Start),
					cert.Thumbprint(), nil, backup, int64(256)})
			}
			return out, nil
		},
	}
	vs["sys.symmetric_keys"] = &view{
		cols: cols("name", sysname, "principal_id", intT, "symmetric_key_id", intT, "key_length", intT,
			"key_algorithm", char2, "algorithm_desc", desc60, "create_date", dtT, "modify_date", dtT),
		rows: func(e *exec.Env, _ []types.Value) ([][]types.Value, error) {
			mk := sessionOf(e).inst.security().MasterKey
			if sessionOf(e).db.id != masterID || mk == nil {
				return nil, nil
			}
			created := DateTimeValue(mk.Created)
			return [][]types.Value{{"##MS_DatabaseMasterKey##", int64(security.DboUserID), int64(101), int64(256), "A3", "AES_256",
				created, created}}, nil
		},
	}
}

func loginRow(l *security.Login) []types.Value {
	var db types.Value = l.DefaultDatabase
	return []types.Value{l.Name, int64(l.ID), l.SID, l.Type, l.TypeDesc(), l.Disabled, DateTimeValue(l.Created),
		DateTimeValue(l.Modified), db, "us_english", nil, nil, false}
}

// registerRoleProcedures adds sp_addsrvrolemember and sp_dropsrvrolemember
// (the sysadmin role is the only server role that grants anything here).
func (in *Instance) registerRoleProcedures() {
	params := []Param{{Name: "loginame", Required: true}, {Name: "rolename", Required: true}}
	for _, p := range []struct {
		name   string
		member bool
	}{{"sp_addsrvrolemember", true}, {"sp_dropsrvrolemember", false}} {
		in.RegisterProcedure(p.name, Procedure{Params: params, SysadminOnly: true, Run: func(_ context.Context, call *ProcCall) ([][]types.Value, error) {
			login := types.ToText(call.Args["loginame"], types.TypeUnknown)
			role := types.ToText(call.Args["rolename"], types.TypeUnknown)
			return nil, in.changeSecurity(func(c *security.Catalog) error {
				return c.SetServerRole(login, role, p.member, time.Now().UTC())
			})
		}})
	}
}
