// Package pgcatalog is mirrordb's read-only PostgreSQL compatibility
// catalog: the pg_catalog views (pg_class, pg_attribute, pg_type ...) and
// the ISO information_schema views (which T-SQL scripts know as
// INFORMATION_SCHEMA: one set serves both) that psql's \d commands,
// pgjdbc's DatabaseMetaData, SQLAlchemy's dialect and psycopg's TypeInfo
// query, and the catalog functions those queries call (format_type,
// pg_get_constraintdef ...).
//
// The package knows no session and no storage: the engine describes what
// a statement may see as a Snapshot (databases, the current database's
// tables with their columns and indexes, logins, settings) and the views
// compute their rows from it. Every row tells the truth about a mirrordb
// object; what mirrordb does not have (arrays, inheritance, comments,
// tablespaces beyond the default) is an empty view or a NULL, never an
// invented object.
//
// Choices (README, "PostgreSQL catalogs"):
//   - schemas are shown as they are: dbo, not public. current_schema()
//     and search_path are dbo, and pg_table_is_visible is true for dbo's
//     tables. The namespace OIDs are sys.schemas' schema_id values, and
//     pg_catalog is 11 as in PostgreSQL.
//   - pg_class.oid is the table's object_id (what RowDescription sends);
//     pg_attribute.attnum is the 1-based column number.
//   - a column's type is the PostgreSQL type its values are sent as
//     (nvarchar(20) is character varying(20), tinyint is smallint);
//     information_schema.columns.data_type keeps the T-SQL name, as SQL
//     Server's INFORMATION_SCHEMA does.
//   - an index's OID is IndexOID(table, index_id), index_id as in
//     sys.indexes (the heap, index_id 0, is no index here).
package pgcatalog
