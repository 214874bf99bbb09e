-- ALTER COLUMN's type as psql users see it: an alias type's column in
-- \d (PostgreSQL's catalogs show its base type), and SQL Server's texts
-- for the changes it refuses (4927, 4928, 2716).
CREATE DATABASE psqlalter;
USE psqlalter;
CREATE TYPE Phone FROM varchar(20) NOT NULL;
CREATE TABLE people (id INT PRIMARY KEY, phone VARCHAR(10), memo text, rv rowversion, twice AS id * 2);
ALTER TABLE people ALTER COLUMN phone Phone;
ALTER TABLE people ALTER COLUMN memo VARCHAR(50);
\d people
SELECT name, type_name, is_nullable FROM sys.columns WHERE object_id = OBJECT_ID('people') ORDER BY column_id;
ALTER TABLE people ALTER COLUMN phone Phone(30);
ALTER TABLE people ALTER COLUMN memo timestamp;
ALTER TABLE people ALTER COLUMN rv binary(8);
ALTER TABLE people ALTER COLUMN twice BIGINT;
