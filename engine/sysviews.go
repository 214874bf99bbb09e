package engine

import (
	"strings"

	"mirrordb/engine/builtins"
	"mirrordb/engine/catalog"
	"mirrordb/engine/exec"
	"mirrordb/parser"
	"mirrordb/session"
	"mirrordb/types"
)

// A catalog view: columns plus a function computing its rows at query time.
// Table-valued functions (sys.dm_db_log_stats) receive their arguments.
type view struct {
	cols     []session.Column
	function bool
	rows     func(e *exec.Env, args []types.Value) ([][]types.Value, error)
}

// viewSet maps "schema.name" (lower case) to the catalog views of an
// instance; it is made when the instance opens and never changes.
type viewSet map[string]*view

func newViewSet() viewSet {
	vs := viewSet{}
	vs.addSystemViews()
	vs.addSecurityViews()
	vs.addMirroringViews()
	vs.addRequestViews()
	vs.addIndexViews()
	vs.addConstraintViews()
	vs.addComputedColumnsView()
	vs.addPlanCacheViews()
	vs.addPGViews()
	vs.addTypeViews()
	return vs
}

func (vs viewSet) lookup(n parser.ObjectName) *view {
	schema := strings.ToLower(n.Schema())
	if schema == "" {
		schema = "sys" // SQL Server resolves sys views without the schema too
	}
	return vs[schema+"."+strings.ToLower(n.Object())]
}

func cols(spec ...any) []session.Column {
	out := make([]session.Column, 0, len(spec)/2)
	for i := 0; i < len(spec); i += 2 {
		out = append(out, session.Column{Name: spec[i].(string), Type: spec[i+1].(types.Type)})
	}
	return out
}

var (
	tinyint = types.TypeTinyInt
	intT    = types.TypeInt
	bigint  = types.TypeBigInt
	bit     = types.TypeBit
	sysname = types.TypeSysname
	desc60  = types.NVarCharType(60)
	lsnT    = types.DecimalType(25, 0)
	floatT  = types.TypeFloat
	dtT     = types.TypeDateTime
)

var logReuseCodes = map[string]int64{
	"NOTHING": 0, "CHECKPOINT": 1, "LOG_BACKUP": 2, "ACTIVE_BACKUP_OR_RESTORE": 3,
	"ACTIVE_TRANSACTION": 4, "DATABASE_MIRRORING": 5, "REPLICATION": 6,
	"DATABASE_SNAPSHOT_CREATION": 7, "LOG_SCAN": 8,
}

var recoveryCodes = map[RecoveryModel]int64{RecoveryFull: 1, RecoveryBulkLogged: 2, RecoverySimple: 3}

// addSystemViews adds the views of databases and tables (sys.databases,
// sys.tables, sys.columns...) and sys.dm_db_log_stats.
func (vs viewSet) addSystemViews() {
	vs["sys.databases"] = &view{
		cols: cols("name", sysname, "database_id", intT, "source_database_id", intT, "create_date", dtT,
			"compatibility_level", tinyint, "collation_name", sysname, "user_access", tinyint,
			"user_access_desc", desc60, "is_read_only", bit, "is_auto_close_on", bit, "state", tinyint,
			"state_desc", desc60, "is_in_standby", bit, "recovery_model", tinyint,
			"recovery_model_desc", desc60, "log_reuse_wait", tinyint, "log_reuse_wait_desc", desc60,
			"is_broker_enabled", bit),
		rows: func(e *exec.Env, _ []types.Value) ([][]types.Value, error) {
			var out [][]types.Value
			for _, d := range sessionOf(e).inst.Databases() {
				if !d.storage.Pin() {
					continue
				}
				model := RecoverySimple
				if d.id != masterID {
					model = d.RecoveryModel()
				}
				reuse := d.LogReuseWait()
				created := d.Created()
				out = append(out, []types.Value{d.Name(), int64(d.id), nil, timeOrNil(created), int64(160),
					"Latin1_General_BIN2", int64(0), "MULTI_USER", false, false, int64(d.State()),
					d.State().String(), false, recoveryCodes[model], string(model), logReuseCodes[reuse], reuse, false})
				d.storage.Unpin()
			}
			return out, nil
		},
	}
	vs["sys.schemas"] = &view{
		cols: cols("name", sysname, "schema_id", intT, "principal_id", intT),
		rows: func(*exec.Env, []types.Value) ([][]types.Value, error) {
			return [][]types.Value{{"dbo", int64(1), int64(1)}, {"guest", int64(2), int64(2)},
				{"INFORMATION_SCHEMA", int64(3), int64(3)}, {"sys", int64(4), int64(4)}}, nil
		},
	}
	vs["sys.tables"] = &view{
		cols: cols("name", sysname, "object_id", intT, "principal_id", intT, "schema_id", intT,
			"parent_object_id", intT, "type", types.Type{Kind: types.Char, Length: 2}, "type_desc", desc60,
			"create_date", dtT, "modify_date", dtT, "is_ms_shipped", bit),
		rows: func(e *exec.Env, _ []types.Value) ([][]types.Value, error) {
			set, err := sessionOf(e).schemaFor(sessionOf(e).db)
			if err != nil {
				return nil, err
			}
			var out [][]types.Value
			for _, t := range set.Tables() {
				out = append(out, []types.Value{t.Name, int64(t.ID), nil, int64(1), int64(0), "U ",
					"USER_TABLE", timeOrNil(t.Created), timeOrNil(t.Created), false})
			}
			return out, nil
		},
	}
	vs["sys.columns"] = &view{
		cols: cols("object_id", intT, "name", sysname, "column_id", intT, "system_type_id", tinyint,
			"user_type_id", intT, "type_name", sysname, "max_length", types.TypeSmallInt, "precision", tinyint,
			"scale", tinyint, "collation_name", sysname, "is_nullable", bit, "is_identity", bit,
			"is_computed", bit, "default_definition", types.NVarCharType(types.MaxLength)),
		rows: func(e *exec.Env, _ []types.Value) ([][]types.Value, error) {
			return columnRows(e, func(t *catalog.TableDef, i int, c *catalog.ColumnDef) []types.Value {
				p, sc := c.Type.PrecisionScale()
				var coll, def types.Value
				if c.Type.Kind.IsString() {
					coll = "Latin1_General_BIN2"
				}
				if c.Default != "" {
					def = "(" + c.Default + ")"
				}
				sysID, userID, name, maxLen := declaredType(c)
				return []types.Value{int64(t.ID), c.Name, int64(i + 1), sysID, userID, name,
					maxLen, int64(p), int64(sc), coll, c.Nullable, c.Identity != nil, c.Computed != "", def}
			})
		},
	}
	vs["sys.dm_db_log_stats"] = &view{
		function: true,
		cols: cols("database_id", intT, "recovery_model", desc60, "log_min_lsn", lsnT, "log_end_lsn", lsnT,
			"total_log_size_mb", floatT, "active_log_size_mb", floatT, "log_truncation_holdup_reason", desc60,
			"log_backup_time", dtT, "log_backup_lsn", lsnT, "log_since_last_log_backup_mb", floatT,
			"log_record_count", bigint),
		rows: func(e *exec.Env, args []types.Value) ([][]types.Value, error) {
			d := sessionOf(e).db
			if len(args) > 0 && args[0] != nil {
				if d = sessionOf(e).inst.DatabaseByID(int32(builtins.ToInt(args[0]))); d == nil {
					return nil, nil
				}
			}
			if !d.storage.Pin() {
				return nil, nil
			}
			defer d.storage.Unpin()
			first, end := d.FirstLSN(), d.EndLSN()
			var count int64
			var minLSN types.Value
			if first > 0 {
				count = int64(end - first + 1)
				minLSN = types.DecFromInt(int64(first))
			}
			mb := float64(d.storage.LogBytes()) / (1 << 20)
			model := d.RecoveryModel()
			if d.id == masterID {
				model = RecoverySimple
			}
			return [][]types.Value{{int64(d.id), string(model), minLSN, types.DecFromInt(int64(end)), mb, mb,
				d.LogReuseWait(), nil, nil, mb, count}}, nil
		},
	}
}

// columnRows makes a catalog view's rows of the columns of the current
// database's tables: fn's row for each (none when it returns nil).
func columnRows(e *exec.Env, fn func(t *catalog.TableDef, i int, c *catalog.ColumnDef) []types.Value) ([][]types.Value, error) {
	set, err := sessionOf(e).schemaFor(sessionOf(e).db)
	if err != nil {
		return nil, err
	}
	var out [][]types.Value
	for _, t := range set.Tables() {
		for i := range t.Columns {
			if row := fn(t, i, &t.Columns[i]); row != nil {
				out = append(out, row)
			}
		}
	}
	return out, nil
}

func timeOrNil(t interface{ IsZero() bool }) types.Value {
	if t.IsZero() {
		return nil
	}
	return t
}

// systemTypeID is sys.types.system_type_id for a kind.
func systemTypeID(k types.Kind) int64 {
	return map[types.Kind]int64{
		types.TinyInt: 48, types.SmallInt: 52, types.Int: 56, types.BigInt: 127, types.Bit: 104,
		types.Decimal: 106, types.Real: 59, types.Float: 62, types.Char: 175, types.VarChar: 167,
		types.NChar: 239, types.NVarChar: 231, types.Date: 40, types.DateTime: 61, types.DateTime2: 42,
		types.UniqueIdentifier: 36, types.Binary: 173, types.VarBinary: 165, types.Money: 60,
		types.SmallMoney: 122, types.SmallDateTime: 58, types.Time: 41, types.DateTimeOffset: 43,
	}[k]
}
