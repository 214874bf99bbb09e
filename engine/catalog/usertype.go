package catalog

import (
	"encoding/json"
	"errors"
	"fmt"
	"mirrordb/engine/keys"
	"mirrordb/types"
	"strings"

	"github.com/cockroachdb/pebble"
)

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

// UserTypeKey is where an alias type is stored.
func UserTypeKey(name string) []byte { return keys.SchemaKey("y", strings.ToLower(name)) }

// LoadUserType reads a database's alias type (nil when there is none).
func LoadUserType(r pebble.Reader, name string) (*UserType, error) {
	raw, closer, err := r.Get(UserTypeKey(name))
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer closer.Close()
	var ut UserType
	if err := json.Unmarshal(raw, &ut); err != nil {
		return nil, fmt.Errorf("type definition %q: %w", name, err)
	}
	return &ut, nil
}

// LoadUserTypes lists a database's alias types by name.
func LoadUserTypes(r pebble.Reader) ([]*UserType, error) {
	var out []*UserType
	err := scanJSON(r, keys.SchemaKey("y", ""), func() any {
		ut := new(UserType)
		out = append(out, ut)
		return ut
	})
	if err != nil {
		return nil, fmt.Errorf("type definition %w", err)
	}
	return out, nil
}

// EncodeUserType serialises an alias type for its s/y/<name> key.
func EncodeUserType(ut *UserType) []byte {
	b, err := json.Marshal(ut)
	if err != nil {
		panic(err) // UserType holds only marshalable fields
	}
	return b
}
