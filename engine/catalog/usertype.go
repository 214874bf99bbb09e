package catalog

import "mirrordb/types"

// UserType is one alias type of a database (CREATE TYPE name FROM base,
// sp_addtype), stored under s/y/<name>: a column of an alias type stores
// its base type and remembers the alias in ColumnDef.TypeName and
// .UserTypeID.
type UserType struct {
	ID       int64      `json:"id"` // user_type_id, from 257
	Schema   string     `json:"schema"`
	Name     string     `json:"name"`
	Base     types.Type `json:"base"`
	Nullable bool       `json:"nullable"`
}
