-- PostgreSQL catalogs (engine/pgcatalog): psql's own \d commands and the
-- catalog queries clients send, against a database with one table.
CREATE DATABASE Catalogs;
\c Catalogs
CREATE TABLE orders (id int PRIMARY KEY, customer nvarchar(40) NOT NULL DEFAULT 'walk-in', total decimal(10,2), placed datetime2(3));
\l
\dn
\dt
\di
\dv
\du
\df sp_dbmmonitor*alert
SELECT version() ~ '^PostgreSQL 16\.0, mirrordb' AS pg_version, current_schema() AS current_schema, current_setting('standard_conforming_strings') AS scs;
SELECT 'orders'::regclass = c.oid AS same_oid, c.oid::regclass::text AS name, 'int4'::regtype AS int4_oid, 23::regtype::text AS int4_name FROM pg_catalog.pg_class c WHERE c.relname = 'orders';
SELECT a.attnum, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull, a.atthasdef
FROM pg_catalog.pg_attribute a WHERE a.attrelid = 'orders'::regclass AND a.attnum > 0 ORDER BY a.attnum;
SELECT conname ~ '^PK__orders' AS pk_named, contype, pg_catalog.pg_get_constraintdef(oid) AS def FROM pg_catalog.pg_constraint WHERE conrelid = 'orders'::regclass;
SELECT d.adnum, pg_catalog.pg_get_expr(d.adbin, d.adrelid) AS expr FROM pg_catalog.pg_attrdef d;
SELECT typname, oid FROM pg_type WHERE typname IN ('int4', 'varchar', 'numeric') ORDER BY oid;
SELECT table_schema, table_name, table_type FROM INFORMATION_SCHEMA.TABLES;
SELECT column_name, ordinal_position, data_type, is_nullable, character_maximum_length, numeric_precision, numeric_scale, column_default FROM information_schema.columns WHERE table_name = 'orders' ORDER BY ordinal_position;
SELECT kcu.column_name, tc.constraint_type FROM information_schema.table_constraints tc JOIN information_schema.key_column_usage kcu ON kcu.constraint_name = tc.constraint_name;
SELECT 'a' || 'b' || 1 AS cat, 'Orders' ~* '^ord' AS icase, 'x' !~ 'y' AS nomatch;
SELECT 'nosuch'::regclass;
SELECT 'x' ~ '(';
-- \d of a table with a primary key, secondary indexes and defaults: psql's
-- own queries (derived tables, UNION, generate_series, subscripts,
-- string_agg) run unchanged.
CREATE INDEX ix_customer ON orders (customer, placed);
CREATE UNIQUE INDEX ux_placed ON orders (placed DESC);
\d orders
SELECT c.relname, (SELECT string_agg(a.attname, ', ')
  FROM pg_catalog.generate_series(0, pg_catalog.array_upper(i.indkey::pg_catalog.int2[], 1)) s, pg_catalog.pg_attribute a
  WHERE a.attrelid = i.indrelid AND a.attnum = i.indkey[s]) AS columns
FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = 'orders'::regclass ORDER BY 1;
SELECT conname ~ '^PK__orders' AS pk, conname, contype, pg_catalog.pg_get_constraintdef(oid, true) AS def FROM pg_catalog.pg_constraint WHERE conrelid = 'orders'::regclass ORDER BY contype;
SELECT a.attname, k.ord FROM pg_catalog.pg_attribute a JOIN (SELECT unnest(ix.indkey) attnum, generate_subscripts(ix.indkey, 1) ord FROM pg_catalog.pg_index ix WHERE ix.indrelid = 'orders'::regclass AND NOT ix.indisprimary AND NOT ix.indisunique) k ON a.attnum = k.attnum WHERE a.attrelid = 'orders'::regclass ORDER BY k.ord;
