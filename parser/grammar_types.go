package parser

import "strings"

// The storage clauses CREATE TABLE accepts after its column list, which
// place data on filegroups and pages and mean nothing to mirrordb:
// ON filegroup | ON scheme(column), TEXTIMAGE_ON filegroup,
// FILESTREAM_ON filegroup, WITH (DATA_COMPRESSION = PAGE, ...).
type tableStorage struct {
	On        string         `parser:"  'ON' @( Ident | QuotedIdent | 'PRIMARY' | 'DEFAULT' )"`
	OnColumn  string         `parser:"    ( '(' @( Ident | QuotedIdent ) ')' )?"`
	TextImage []string       `parser:"| @( 'TEXTIMAGE_ON' | 'FILESTREAM_ON' ) @( Ident | QuotedIdent | 'PRIMARY' | 'DEFAULT' )"`
	With      []*indexOption `parser:"| 'WITH' '(' @@ ( ',' @@ )* ')'"`
}

// storageText renders storage clauses in canonical form (upper-case
// option names and values, identifiers as written).
func storageText(clauses []*tableStorage) string {
	var parts []string
	for _, c := range clauses {
		switch {
		case c.On != "":
			s := "ON " + c.On
			if c.OnColumn != "" {
				s += " (" + c.OnColumn + ")"
			}
			parts = append(parts, s)
		case len(c.TextImage) == 2:
			parts = append(parts, strings.ToUpper(c.TextImage[0])+" "+c.TextImage[1])
		default:
			opts := make([]string, len(c.With))
			for i, o := range c.With {
				opts[i] = strings.ToUpper(o.Name) + " = " + strings.ToUpper(o.Value)
			}
			parts = append(parts, "WITH ("+strings.Join(opts, ", ")+")")
		}
	}
	return strings.Join(parts, " ")
}

// identityInsert is SET IDENTITY_INSERT table ON | OFF.
type identityInsert struct {
	Table objectName `parser:"@@"`
	Value *setValue  `parser:"@@"`
}
