-- Loading and unloading with psql's \copy (COPY FROM STDIN / TO STDOUT
-- through the copy sub-protocol), in text and csv, with quotes, line
-- breaks in values, NULLs and empty strings.
CREATE DATABASE psqlcopy;
USE psqlcopy;
CREATE TABLE people (id INT PRIMARY KEY, name NVARCHAR(40), note VARCHAR(40) DEFAULT 'none', seq INT IDENTITY(1,1));
-- csv from a file: quoted delimiters and quotes, a value over two lines,
-- an empty string ("") against NULL (nothing), a header to skip.
\copy people (id, name, note) from 'copy_people.csv' with (format csv, header)
SELECT id, name, note, seq FROM people ORDER BY id;
-- The same file with NULL 'NULL': the unquoted word is NULL, the quoted one a value.
TRUNCATE TABLE people;
\copy people (id, name, note) from 'copy_people.csv' csv header null as 'NULL'
SELECT id, name, note, CASE WHEN name IS NULL THEN 'null' ELSE 'value' END AS name_is FROM people ORDER BY id;
-- Text format from the script itself: tabs, \N for NULL, escapes; the
-- columns left out take their default and identity.
\copy people (id, name) from stdin
10	ten
11	\N
12	tab\there
\.
SELECT id, name, note, seq FROM people WHERE id >= 10 ORDER BY id;
-- Unloading: text (escapes), csv with a header (quoting where needed), a query.
\copy people (id, name, note) to stdout
\copy people (id, name, note) to stdout with (format csv, header)
\copy (SELECT id, UPPER(name) AS up FROM people WHERE id < 3) to stdout csv
-- Through a file of the client's, both ways: csv and text read back the same rows.
\copy people (id, name, note) to '/tmp/mirrordb-psql-copy.csv' with (format csv, header)
\copy people (id, name, note) to '/tmp/mirrordb-psql-copy.txt'
CREATE TABLE again (id INT PRIMARY KEY, name NVARCHAR(40), note VARCHAR(40));
\copy again from '/tmp/mirrordb-psql-copy.csv' with (format csv, header match)
SELECT COUNT(*) AS same_csv FROM people p JOIN again a ON a.id = p.id AND ISNULL(a.name, '?') = ISNULL(p.name, '?') AND ISNULL(a.note, '?') = ISNULL(p.note, '?');
TRUNCATE TABLE again;
\copy again from '/tmp/mirrordb-psql-copy.txt'
SELECT COUNT(*) AS same_text FROM people p JOIN again a ON a.id = p.id AND ISNULL(a.name, '?') = ISNULL(p.name, '?') AND ISNULL(a.note, '?') = ISNULL(p.note, '?');
-- Errors name the line and the column; a failed COPY loads nothing.
\copy people (id, name) from stdin
20	twenty
x	bad
22	after the bad line
23	and more
\.
\copy people (id, name) from stdin
21	ok
1	duplicate key
\.
\copy people (id, nope) from stdin
\copy people from stdin (format xml)
SELECT COUNT(*) AS after_errors FROM people WHERE id >= 20;
