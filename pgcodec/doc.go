// Package pgcodec is PostgreSQL's side of mirrordb's values: the OID, size
// and typmod a SQL type shows clients (TypeOf, TypeFromOID), and the text
// and binary formats values travel in (AppendText, AppendBinary,
// DecodeText, DecodeBinary). wire uses it for parameters and result rows;
// COPY and the pg_catalog layer use the same formats, so that a value reads
// back the way it was written whatever path it took.
//
// Values are the engine's Go representations (types.Value); encoding
// accepts a neighbouring representation through the explicit conversions
// (values.go), decoding returns the representation of the OID's SQL type.
package pgcodec
