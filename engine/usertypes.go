package engine

import (
	"slices"
	"strings"
	"sync"

	"mirrordb/engine/bind"
	"mirrordb/engine/catalog"
	"mirrordb/engine/exec"
	"mirrordb/engine/keys"
	"mirrordb/parser"
	"mirrordb/session"
	"mirrordb/sqlerr"
	"mirrordb/types"

	"github.com/cockroachdb/pebble"
)

// User-defined alias types (CREATE TYPE name FROM base [NOT NULL],
// sp_addtype, DROP TYPE) and the declared type names a column keeps:
// text, ntext and image are stored as their MAX types and timestamp as
// binary(8), an alias as its base type, but sys.columns and sys.types show
// what was declared (bind.DeclaredName). A type is a logged schema key
// (s/y/<name>), so it is mirrored and backed up with the database. The
// statement and a column's type bind in engine/bind (DDLBinder.CreateType,
// ColumnType); the engine numbers and writes the type.

func (b *binder) planCreateType(x *parser.CreateType) (*stmtPlan, error) {
	db, bound, err := b.ddl().CreateType(x)
	if err != nil {
		return nil, err
	}
	name := bound.Name
	return b.writePlan(db, nil, func(e *exec.Env, t *txn) (string, error) {
		if ut, err := catalog.LoadUserType(t.Reader(), name); err != nil || ut != nil {
			if err == nil {
				err = b.ErrAt(x.Name, sqlerr.New(219, name))
			}
			return "", err
		}
		id, err := t.nextCounter(keys.SchemaKey("db", "next_user_type_id"), firstUserTypeID, 1)
		if err != nil {
			return "", err
		}
		ut := *bound // the bound type is reused if the statement runs again
		ut.ID = id
		return "CREATE TYPE", t.Put(catalog.UserTypeKey(name), catalog.EncodeUserType(&ut))
	}), nil
}

func (b *binder) planDropType(x *parser.DropType) (*stmtPlan, error) {
	db, err := b.databaseOf(x.Name)
	if err != nil {
		return nil, err
	}
	name := x.Name.Object()
	return b.writePlan(db, nil, func(e *exec.Env, t *txn) (string, error) {
		ut, err := catalog.LoadUserType(t.Reader(), name)
		if err != nil {
			return "", err
		}
		if ut == nil {
			if x.IfExists {
				return "DROP TYPE", nil
			}
			return "", b.ErrAt(x.Name, sqlerr.New(218, strings.Join(x.Name.Parts, ".")))
		}
		set, err := t.schemaView()
		if err != nil {
			return "", err
		}
		for _, tab := range set.Tables() {
			for _, c := range tab.Columns {
				if c.UserTypeID == ut.ID {
					return "", b.ErrAt(x.Name, sqlerr.New(3732, strings.Join(x.Name.Parts, "."), tab.Name))
				}
			}
		}
		return "DROP TYPE", t.Delete(catalog.UserTypeKey(name))
	}), nil
}

// planAddType is EXEC sp_addtype name, 'base type' [, 'NULL' | 'NOT NULL']
// (bind.Binder.AddTypeStatement), the older spelling of CREATE TYPE.
func (b *binder) planAddType(x *parser.Exec) (*stmtPlan, error) {
	ct, err := b.AddTypeStatement(x)
	if err != nil {
		return nil, err
	}
	return asProcedure(b.planCreateType(ct))
}

// planDropTypeProc is EXEC sp_droptype 'name' (bind.Binder.DropTypeStatement).
func (b *binder) planDropTypeProc(x *parser.Exec) (*stmtPlan, error) {
	dt, err := b.DropTypeStatement(x)
	if err != nil {
		return nil, err
	}
	return asProcedure(b.planDropType(dt))
}

// asProcedure makes a statement's plan complete as EXEC does.
func asProcedure(plan *stmtPlan, err error) (*stmtPlan, error) {
	if err != nil {
		return nil, err
	}
	run := plan.run
	plan.run = func(e *exec.Env, t *txn, w session.ResultWriter) (string, error) {
		if _, err := run(e, t, w); err != nil {
			return "", err
		}
		return "EXECUTE", nil
	}
	return plan, nil
}

// declaredSystemTypes are the sys.types rows of the declared names: their
// system_type_id and max_length.
var declaredSystemTypes = map[string][2]int64{"text": {35, 16}, "ntext": {99, 16}, "image": {34, 16}, "timestamp": {189, 8}}

// declaredType returns the column's type as sys.columns shows it:
// system_type_id, user_type_id, type name and max_length.
func declaredType(c *catalog.ColumnDef) (sysID, userID int64, name string, maxLen int64) {
	sysID, name, maxLen = systemTypeID(c.Type.Kind), c.Type.Name(), int64(c.Type.MaxBytes())
	if d, ok := declaredSystemTypes[c.TypeName]; ok {
		sysID, name, maxLen = d[0], c.TypeName, d[1]
	}
	userID = sysID
	if c.UserTypeID != 0 {
		userID, name = c.UserTypeID, c.TypeName
	}
	return sysID, userID, name, maxLen
}

// systemTypeNames are the system types sys.types lists.
var systemTypeNames = []string{"image", "text", "uniqueidentifier", "date", "time", "datetime2",
	"datetimeoffset", "tinyint", "smallint", "int", "smalldatetime", "real", "money", "datetime",
	"float", "ntext", "bit", "decimal", "numeric", "smallmoney", "bigint", "varbinary", "varchar",
	"binary", "char", "timestamp", "nvarchar", "nchar", "sysname"}

// addTypeViews adds sys.types: the system types and the database's alias
// types (is_user_defined).
func (vs viewSet) addTypeViews() {
	vs["sys.types"] = &view{
		cols: cols("name", sysname, "system_type_id", tinyint, "user_type_id", intT, "schema_id", intT,
			"principal_id", intT, "max_length", types.TypeSmallInt, "precision", tinyint, "scale", tinyint,
			"collation_name", sysname, "is_nullable", bit, "is_user_defined", bit, "is_assembly_type", bit,
			"default_object_id", intT, "rule_object_id", intT, "is_table_type", bit),
		rows: func(e *exec.Env, _ []types.Value) ([][]types.Value, error) {
			rows, err := typeRows(e)
			if err != nil {
				return nil, err
			}
			out := make([][]types.Value, len(rows))
			for i, r := range rows {
				p, s := r.t.PrecisionScale()
				var coll types.Value
				if r.t.Kind.IsString() {
					coll = "Latin1_General_BIN2"
				}
				out[i] = []types.Value{r.name, r.sysID, r.userID, r.schema, nil, r.maxLen, int64(p), int64(s),
					coll, r.nullable, r.user, false, int64(0), int64(0), false}
			}
			return out, nil
		},
	}
}

// typeRow is a type as sys.types lists it.
type typeRow struct {
	name                          string
	sysID, userID, schema, maxLen int64
	t                             types.Type
	nullable, user                bool
}

// systemTypeRows are the system types as sys.types lists them, built once:
// TYPE_NAME and TYPE_ID run per row (TYPE_NAME(user_type_id) over
// sys.columns), so they answer from these before reading any storage.
var systemTypeRows = sync.OnceValue(func() []typeRow {
	out := make([]typeRow, 0, len(systemTypeNames))
	for _, name := range systemTypeNames {
		c := catalog.ColumnDef{TypeName: name}
		if c.Type, _ = types.FromName(name, nil, false); bind.DeclaredName(name) == "timestamp" {
			c.Type, _ = types.FromName("rowversion", nil, false)
		}
		switch name {
		case "varchar", "varbinary", "char", "binary":
			c.Type.Length = types.MaxCharLength
		case "nvarchar", "nchar":
			c.Type.Length = types.MaxNCharLength
		}
		sysID, userID, _, maxLen := declaredType(&c)
		switch name {
		case "sysname":
			userID = 256
		case "numeric":
			sysID, userID = 108, 108
		}
		out = append(out, typeRow{name, sysID, userID, 4, maxLen, c.Type, true, false})
	}
	return out
})

// firstUserTypeID is the lowest user_type_id an alias type is numbered
// with (planCreateType): a smaller id is a system type's or none.
const firstUserTypeID = 257

// userTypeRow is an alias type as sys.types lists it.
func userTypeRow(ut *catalog.UserType) typeRow {
	return typeRow{ut.Name, systemTypeID(ut.Base.Kind), ut.ID, 1, int64(ut.Base.MaxBytes()), ut.Base, ut.Nullable, true}
}

// userTypesReader reads the session's database, where its alias types are.
func userTypesReader(e *exec.Env) pebble.Reader {
	s := sessionOf(e)
	return s.readerFor(s.db)
}

// typeRows are the types of the session's database: the system types,
// then its alias types (sys.types).
func typeRows(e *exec.Env) ([]typeRow, error) {
	uts, err := catalog.LoadUserTypes(userTypesReader(e))
	if err != nil {
		return nil, err
	}
	out := slices.Clone(systemTypeRows())
	for _, ut := range uts {
		out = append(out, userTypeRow(ut))
	}
	return out, nil
}

func init() {
	bind.Functions["TYPE_NAME"] = &exec.Builtin{Min: 1, Max: 1, Type: fixed(nvarchar128), Volatile: true, Eval: fnTypeName}
	bind.Functions["TYPE_ID"] = &exec.Builtin{Min: 1, Max: 1, Type: fixed(types.TypeInt), Volatile: true, Eval: fnTypeID}
}

// fnTypeName is TYPE_NAME(user_type_id): the type's name as sys.types
// lists it in the session's database (NULL for no such type).
func fnTypeName(e *exec.Env, a []types.Value, _ []types.Type) (types.Value, error) {
	id, ok := a[0].(int64)
	if !ok {
		return nil, nil
	}
	for _, r := range systemTypeRows() {
		if r.userID == id {
			return r.name, nil
		}
	}
	if id < firstUserTypeID {
		return nil, nil
	}
	uts, err := catalog.LoadUserTypes(userTypesReader(e))
	if err != nil {
		return nil, err
	}
	for _, ut := range uts {
		if ut.ID == id {
			return ut.Name, nil
		}
	}
	return nil, nil
}

// fnTypeID is TYPE_ID('[schema.]name'): the type's user_type_id (NULL
// for no such type). A system type is sys's, an alias type dbo's.
func fnTypeID(e *exec.Env, a []types.Value, ts []types.Type) (types.Value, error) {
	if a[0] == nil {
		return nil, nil
	}
	parts := splitName(types.ToText(a[0], ts[0]))
	if len(parts) > 2 {
		return nil, nil
	}
	name := parts[len(parts)-1]
	if len(parts) == 1 || strings.EqualFold(parts[0], "sys") {
		for _, r := range systemTypeRows() {
			if strings.EqualFold(r.name, name) {
				return r.userID, nil
			}
		}
	}
	if len(parts) == 2 && !strings.EqualFold(parts[0], "dbo") {
		return nil, nil
	}
	ut, err := catalog.LoadUserType(userTypesReader(e), name)
	if err != nil || ut == nil {
		return nil, err
	}
	return ut.ID, nil
}
