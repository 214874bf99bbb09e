package engine

import "mirrordb/parser"

// keywords are a statement's leading keywords, written out for every kind
// of statement (not read back from its printed text). name is what
// messages call the statement (Msg 40517) and sys.dm_exec_requests.command
// shows for most statements; verb is the keywords up to the name of what
// the statement works on: Msg 262 names it, security statements complete
// with it, and it is the command of DDL (CREATE TABLE).
type keywords struct{ name, verb string }

// statementKeywords returns st's keywords.
func statementKeywords(st parser.Statement) keywords {
	switch x := st.(type) {
	case *parser.Select:
		return keywords{"SELECT", "SELECT"}
	case *parser.Insert:
		return keywords{"INSERT", "INSERT"}
	case *parser.Update:
		return keywords{"UPDATE", "UPDATE"}
	case *parser.Delete:
		return keywords{"DELETE", "DELETE"}
	case *parser.Copy:
		return keywords{"COPY", "COPY"}
	case *parser.BulkInsert:
		return keywords{"BULK INSERT", "BULK INSERT"}
	case *parser.Use:
		return keywords{"USE", "USE"}
	case *parser.Set:
		return keywords{"SET", "SET"}
	case *parser.Show:
		return keywords{"SHOW", "SHOW"}
	case *parser.Discard:
		return keywords{"DISCARD", "DISCARD " + x.What}
	case *parser.Reset:
		return keywords{"RESET", "RESET"}
	case *parser.Exec:
		return keywords{"EXEC", "EXEC"}
	case *parser.Print:
		return keywords{"PRINT", "PRINT"}
	case *parser.Declare:
		return keywords{"DECLARE", "DECLARE"}
	case *parser.SetVar:
		return keywords{"SET", "SET"}
	case *parser.If:
		return keywords{"IF", "IF"}
	case *parser.While:
		return keywords{"WHILE", "WHILE"}
	case *parser.Block:
		return keywords{"BEGIN", "BEGIN"}
	case *parser.WaitFor:
		return keywords{"WAITFOR", "WAITFOR"}
	case *parser.Kill:
		return keywords{"KILL", "KILL"}
	case *parser.Checkpoint:
		return keywords{"CHECKPOINT", "CHECKPOINT"}
	case *parser.Dbcc:
		return keywords{"DBCC", "DBCC " + x.Command}
	case *parser.BeginTran:
		return keywords{"BEGIN", "BEGIN TRANSACTION"}
	case *parser.CommitTran:
		return keywords{"COMMIT", "COMMIT TRANSACTION"}
	case *parser.RollbackTran:
		return keywords{"ROLLBACK", "ROLLBACK TRANSACTION"}
	case *parser.SaveTran:
		return keywords{"SAVE", "SAVE TRANSACTION"}
	case *parser.ReleaseSavepoint:
		return keywords{"RELEASE", "RELEASE SAVEPOINT"}
	case *parser.SetTransaction:
		return keywords{"SET", "SET TRANSACTION"}
	case *parser.CreateDatabase:
		return keywords{"CREATE DATABASE", "CREATE DATABASE"}
	case *parser.DropDatabase:
		return keywords{"DROP DATABASE", "DROP DATABASE"}
	case *parser.AlterDatabase:
		return keywords{"ALTER DATABASE", "ALTER DATABASE"}
	case *parser.CreateTable:
		return keywords{"CREATE", "CREATE TABLE"}
	case *parser.DropTable:
		return keywords{"DROP", "DROP TABLE"}
	case *parser.AlterTableConstraint:
		return keywords{"ALTER", "ALTER TABLE"}
	case *parser.TruncateTable:
		return keywords{"TRUNCATE", "TRUNCATE TABLE"}
	case *parser.CreateIndex:
		return keywords{"CREATE INDEX", "CREATE INDEX"}
	case *parser.CreateType:
		return keywords{"CREATE TYPE", "CREATE TYPE"}
	case *parser.DropType:
		return keywords{"DROP TYPE", "DROP TYPE"}
	case *parser.DropIndex:
		return keywords{"DROP", "DROP INDEX"}
	case *parser.AlterTable:
		return keywords{"ALTER TABLE", "ALTER TABLE"}
	case *parser.Backup:
		if x.Log {
			return keywords{"BACKUP", "BACKUP LOG"}
		}
		return keywords{"BACKUP", "BACKUP DATABASE"}
	case *parser.Restore:
		return keywords{"RESTORE", "RESTORE " + x.Kind}
	case *parser.CreateEndpoint:
		return keywords{"CREATE", "CREATE ENDPOINT"}
	case *parser.AlterEndpoint:
		return keywords{"ALTER", "ALTER ENDPOINT"}
	case *parser.DropEndpoint:
		return keywords{"DROP", "DROP ENDPOINT"}
	case *parser.CreateLogin:
		return keywords{"CREATE", "CREATE LOGIN"}
	case *parser.AlterLogin:
		return keywords{"ALTER", "ALTER LOGIN"}
	case *parser.DropLogin:
		return keywords{"DROP", "DROP LOGIN"}
	case *parser.CreateUser:
		return keywords{"CREATE", "CREATE USER"}
	case *parser.DropUser:
		return keywords{"DROP", "DROP USER"}
	case *parser.Grant:
		return keywords{x.Verb, x.Verb} // GRANT, DENY or REVOKE
	case *parser.CreateMasterKey:
		return keywords{"CREATE", "CREATE MASTER KEY"}
	case *parser.CreateCertificate:
		return keywords{"CREATE", "CREATE CERTIFICATE"}
	case *parser.BackupCertificate:
		return keywords{"BACKUP", "BACKUP CERTIFICATE"}
	case *parser.DropCertificate:
		return keywords{"DROP", "DROP CERTIFICATE"}
	}
	return keywords{"this statement", "this statement"}
}

// statementName is what messages call st (Msg 40517).
func statementName(st parser.Statement) string { return statementKeywords(st).name }

// statementVerb is st's keywords before its object's name (CREATE LOGIN,
// CREATE MASTER KEY).
func statementVerb(st parser.Statement) string { return statementKeywords(st).verb }
