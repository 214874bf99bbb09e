-- Transactions as psql users run them: statements end with semicolons, so
-- psql sends them one at a time and adds its own transaction statements.
CREATE DATABASE psqltx;
USE psqltx;
CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20));
BEGIN ISOLATION LEVEL SERIALIZABLE;
SHOW transaction_isolation;
INSERT INTO t VALUES (1, 'one');
END;
-- ON_ERROR_ROLLBACK: psql sends SAVEPOINT pg_psql_temporary_savepoint
-- before each statement inside a transaction, and RELEASE after it (or
-- ROLLBACK TO when the transaction failed). A failed statement undoes
-- itself anyway (T-SQL), so the transaction goes on.
\set ON_ERROR_ROLLBACK on
BEGIN;
INSERT INTO t VALUES (2, 'two');
INSERT INTO t VALUES (1, 'duplicate');
INSERT INTO t VALUES (3, 'three');
COMMIT;
SELECT id, v FROM t ORDER BY id;
-- Under XACT_ABORT ON the error dooms the transaction: psql's ROLLBACK TO
-- is refused (Msg 3931) and only ROLLBACK ends it.
SET XACT_ABORT ON;
BEGIN;
INSERT INTO t VALUES (4, 'four');
INSERT INTO t VALUES (1, 'duplicate');
ROLLBACK;
SET XACT_ABORT OFF;
\unset ON_ERROR_ROLLBACK
-- AUTOCOMMIT off: psql sends a bare BEGIN before the first statement.
\set AUTOCOMMIT off
INSERT INTO t VALUES (5, 'five');
SELECT @@TRANCOUNT AS open_transactions;
ROLLBACK;
\set AUTOCOMMIT on
-- A read-only transaction refuses writes.
START TRANSACTION READ ONLY;
UPDATE t SET v = 'changed';
ROLLBACK;
SELECT id, v FROM t ORDER BY id;
