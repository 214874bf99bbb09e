package engine

import (
	"testing"

	"mirrordb/parser"
)

// TestStatementKeywords: what messages and sys.dm_exec_requests call a
// statement comes from the table, whatever else the statement says.
func TestStatementKeywords(t *testing.T) {
	for _, c := range []struct{ sql, name, verb, command string }{
		{"SELECT a FROM t", "SELECT", "SELECT", "SELECT"},
		{"INSERT INTO t VALUES (1)", "INSERT", "INSERT", "INSERT"},
		{"SET XACT_ABORT ON", "SET", "SET", "SET OPTION ON"},
		{"BEGIN TRAN", "BEGIN", "BEGIN TRANSACTION", "BEGIN TRANSACTION"},
		{"SAVE TRAN s", "SAVE", "SAVE TRANSACTION", "SAVE"},
		{"SAVEPOINT s", "SAVE", "SAVE TRANSACTION", "SAVE"},
		{"RELEASE SAVEPOINT s", "RELEASE", "RELEASE SAVEPOINT", "RELEASE"},
		{"BEGIN READ ONLY", "BEGIN", "BEGIN TRANSACTION", "BEGIN TRANSACTION"},
		{"END", "COMMIT", "COMMIT TRANSACTION", "COMMIT TRANSACTION"},
		{"ROLLBACK TO SAVEPOINT s", "ROLLBACK", "ROLLBACK TRANSACTION", "ROLLBACK TRANSACTION"},
		{"SET TRANSACTION READ ONLY", "SET", "SET TRANSACTION", "SET"},
		{"CREATE TABLE t (id INT PRIMARY KEY)", "CREATE", "CREATE TABLE", "CREATE TABLE"},
		{"TRUNCATE TABLE t", "TRUNCATE", "TRUNCATE TABLE", "TRUNCATE TABLE"},
		{"CREATE DATABASE d", "CREATE DATABASE", "CREATE DATABASE", "CREATE DATABASE"},
		{"ALTER DATABASE d SET PARTNER OFF", "ALTER DATABASE", "ALTER DATABASE", "ALTER DATABASE"},
		{"CREATE MASTER KEY ENCRYPTION BY PASSWORD = 'Str0ng!Passw0rd'", "CREATE", "CREATE MASTER KEY", "CREATE MASTER KEY"},
		{"BACKUP CERTIFICATE c TO FILE = 'c.cer'", "BACKUP", "BACKUP CERTIFICATE", "BACKUP"},
		{"BACKUP LOG d TO DISK = 'l.bak'", "BACKUP", "BACKUP LOG", "BACKUP LOG"},
		{"RESTORE HEADERONLY FROM DISK = 'd.bak'", "RESTORE", "RESTORE HEADERONLY", "RESTORE HEADERONLY"},
		{"DENY CONNECT ON ENDPOINT::m TO l", "DENY", "DENY", "DENY"},
		{"DBCC CHECKDB", "DBCC", "DBCC CHECKDB", "DBCC"},
	} {
		st, err := parser.ParseStatement(c.sql)
		if err != nil {
			t.Fatalf("%s: %v", c.sql, err)
		}
		if name, verb, cmd := statementName(st), statementVerb(st), commandName(st); name != c.name || verb != c.verb || cmd != c.command {
			t.Errorf("%s: name %q, verb %q, command %q; want %q, %q, %q", c.sql, name, verb, cmd, c.name, c.verb, c.command)
		}
	}
}
