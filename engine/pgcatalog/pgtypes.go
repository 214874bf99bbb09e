package pgcatalog

import (
	"fmt"
	"strings"

	"mirrordb/pgcodec"
	"mirrordb/types"
)

// pgType is one row of pg_type: a type mirrordb's values are sent as.
type pgType struct {
	oid      uint32
	name     string // typname
	sqlName  string // format_type's spelling
	len      int64
	byVal    bool
	category string
	input    string // typinput / typoutput stem
	collated bool
}

// pgTypes are the types RowDescription can name (pgcodec.TypeOf) and the
// ones catalog columns are sent as; mirrordb has no arrays, so typarray
// is 0 everywhere.
var pgTypes = []pgType{
	{pgcodec.OIDBool, "bool", "boolean", 1, true, "B", "bool", false},
	{pgcodec.OIDBytea, "bytea", "bytea", -1, false, "U", "bytea", false},
	{pgcodec.OIDName, "name", "name", 64, false, "S", "name", true},
	{pgcodec.OIDInt8, "int8", "bigint", 8, true, "N", "int8", false},
	{pgcodec.OIDInt2, "int2", "smallint", 2, true, "N", "int2", false},
	{pgcodec.OIDInt4, "int4", "integer", 4, true, "N", "int4", false},
	{pgcodec.OIDText, "text", "text", -1, false, "S", "text", true},
	{pgcodec.OIDFloat4, "float4", "real", 4, true, "N", "float4", false},
	{pgcodec.OIDFloat8, "float8", "double precision", 8, true, "N", "float8", false},
	{pgcodec.OIDBPChar, "bpchar", "character", -1, false, "S", "bpchar", true},
	{pgcodec.OIDVarChar, "varchar", "character varying", -1, false, "S", "varchar", true},
	{pgcodec.OIDDate, "date", "date", 4, true, "D", "date", false},
	{pgcodec.OIDTimestamp, "timestamp", "timestamp without time zone", 8, true, "D", "timestamp", false},
	{pgcodec.OIDNumeric, "numeric", "numeric", -1, false, "N", "numeric", false},
	{pgcodec.OIDUUID, "uuid", "uuid", 16, false, "U", "uuid", false},
}

func typeByOID(oid int64) *pgType {
	for i := range pgTypes {
		if int64(pgTypes[i].oid) == oid {
			return &pgTypes[i]
		}
	}
	return nil
}

// typeAliases are the other names PostgreSQL accepts for a type.
var typeAliases = map[string]string{"int": "int4", "char": "bpchar", "character": "bpchar", "boolean": "bool",
	"decimal": "numeric", "float": "float8"}

// TypeOID returns the OID of a PostgreSQL type name as regtype reads it
// (int4, integer, character varying, pg_catalog.text ...), false if no
// type mirrordb sends has that name.
func TypeOID(name string) (int64, bool) {
	n := strings.ToLower(strings.TrimSpace(name))
	n = strings.TrimPrefix(n, "pg_catalog.")
	n = strings.Trim(n, `"`)
	for _, t := range pgTypes {
		if n == t.name || n == t.sqlName {
			return int64(t.oid), true
		}
	}
	if a, ok := typeAliases[n]; ok {
		return TypeOID(a)
	}
	return 0, false
}

// FormatType is format_type(oid, typmod): the SQL spelling of a type with
// its modifier, NULL (ok false) for an OID that is no type.
func FormatType(oid int64, typmod int64) (string, bool) {
	t := typeByOID(oid)
	if t == nil {
		return "", false
	}
	if typmod < 0 {
		return t.sqlName, true
	}
	switch t.oid {
	case pgcodec.OIDBPChar, pgcodec.OIDVarChar:
		return fmt.Sprintf("%s(%d)", t.sqlName, typmod-4), true
	case pgcodec.OIDNumeric:
		m := typmod - 4
		return fmt.Sprintf("numeric(%d,%d)", m>>16, m&0xffff), true
	case pgcodec.OIDTimestamp:
		return fmt.Sprintf("timestamp(%d) without time zone", typmod), true
	}
	return t.sqlName, true
}

// attType is how a column of type t appears in pg_attribute.
func attType(t types.Type) (oid int64, typmod int64, length int64) {
	pt := pgcodec.TypeOf(t)
	return int64(pt.OID), int64(pt.Typmod), int64(pt.Size)
}
