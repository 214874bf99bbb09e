// Package types is mirrordb's SQL type system: SQL Server's data types
// (Kind, Type), the Go representation of their values (Value), exact
// decimals (Dec), UUIDs, date/time ranges and precisions, the conversion
// rules of CAST/CONVERT and of implicit coercion (with SQL Server's error
// numbers), data type precedence and comparison. Both engine and wire use
// it; it depends only on sqlerr.
package types
