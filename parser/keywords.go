package parser

// reservedKeywords is SQL Server's list of reserved keywords. The lexer
// turns these words (in any case) into Keyword tokens whose value is the
// upper-case spelling below; every other word is an identifier, including
// the contextual keywords the grammar matches by spelling (RECOVERY, SIMPLE,
// NOCOUNT, CAST, TRY_CAST, WORK, ROWS, NEXT, ONLY, FIRST, DELAY, TIME,
// MAX, ...). A reserved word can only be used as a name when bracketed.
var reservedKeywords = [...]string{
	"ADD", "ALL", "ALTER", "AND", "ANY", "AS", "ASC", "AUTHORIZATION",
	"BACKUP", "BEGIN", "BETWEEN", "BREAK", "BROWSE", "BULK", "BY",
	"CASCADE", "CASE", "CHECK", "CHECKPOINT", "CLOSE", "CLUSTERED",
	"COALESCE", "COLLATE", "COLUMN", "COMMIT", "COMPUTE", "CONSTRAINT",
	"CONTAINS", "CONTAINSTABLE", "CONTINUE", "CONVERT", "CREATE", "CROSS",
	"CURRENT", "CURRENT_DATE", "CURRENT_TIME", "CURRENT_TIMESTAMP",
	"CURRENT_USER", "CURSOR",
	"DATABASE", "DBCC", "DEALLOCATE", "DECLARE", "DEFAULT", "DELETE", "DENY",
	"DESC", "DISK", "DISTINCT", "DISTRIBUTED", "DOUBLE", "DROP", "DUMP",
	"ELSE", "END", "ERRLVL", "ESCAPE", "EXCEPT", "EXEC", "EXECUTE", "EXISTS",
	"EXIT", "EXTERNAL",
	"FETCH", "FILE", "FILLFACTOR", "FOR", "FOREIGN", "FREETEXT",
	"FREETEXTTABLE", "FROM", "FULL", "FUNCTION",
	"GOTO", "GRANT", "GROUP",
	"HAVING", "HOLDLOCK",
	"IDENTITY", "IDENTITY_INSERT", "IDENTITYCOL", "IF", "IN", "INDEX",
	"INNER", "INSERT", "INTERSECT", "INTO", "IS",
	"JOIN",
	"KEY", "KILL",
	"LEFT", "LIKE", "LINENO", "LOAD",
	"MERGE",
	"NATIONAL", "NOCHECK", "NONCLUSTERED", "NOT", "NULL", "NULLIF",
	"OF", "OFF", "OFFSETS", "ON", "OPEN", "OPENDATASOURCE", "OPENQUERY",
	"OPENROWSET", "OPENXML", "OPTION", "OR", "ORDER", "OUTER", "OVER",
	"PERCENT", "PIVOT", "PLAN", "PRECISION", "PRIMARY", "PRINT", "PROC",
	"PROCEDURE", "PUBLIC",
	"RAISERROR", "READ", "READTEXT", "RECONFIGURE", "REFERENCES",
	"REPLICATION", "RESTORE", "RESTRICT", "RETURN", "REVERT", "REVOKE",
	"RIGHT", "ROLLBACK", "ROWCOUNT", "ROWGUIDCOL", "RULE",
	"SAVE", "SCHEMA", "SECURITYAUDIT", "SELECT", "SESSION_USER", "SET",
	"SETUSER", "SHUTDOWN", "SOME", "STATISTICS", "SYSTEM_USER",
	"TABLE", "TABLESAMPLE", "TEXTSIZE", "THEN", "TO", "TOP", "TRAN",
	"TRANSACTION", "TRIGGER", "TRUNCATE", "TRY_CONVERT", "TSEQUAL",
	"UNION", "UNIQUE", "UNPIVOT", "UPDATE", "UPDATETEXT", "USE", "USER",
	"VALUES", "VARYING", "VIEW",
	"WAITFOR", "WHEN", "WHERE", "WHILE", "WITH", "WRITETEXT",
}

// maxKeywordLen is the length of the longest reserved keyword
// (CURRENT_TIMESTAMP, OPENDATASOURCE, ... ).
const maxKeywordLen = 17

// keywordSet maps the upper-case spelling of each reserved keyword to
// itself, so the lexer can hand out the canonical (static) string.
var keywordSet = func() map[string]string {
	m := make(map[string]string, len(reservedKeywords))
	for _, k := range reservedKeywords {
		if len(k) > maxKeywordLen {
			panic("parser: maxKeywordLen too small for " + k)
		}
		m[k] = k
	}
	return m
}()

// lookupKeyword returns the canonical spelling of word if it is a reserved
// keyword (in any case), and "" otherwise. It does not allocate.
func lookupKeyword(word string) string {
	if len(word) < 2 || len(word) > maxKeywordLen {
		return ""
	}
	var buf [maxKeywordLen]byte
	for i := 0; i < len(word); i++ {
		c := word[i]
		switch {
		case 'a' <= c && c <= 'z':
			c -= 'a' - 'A'
		case 'A' <= c && c <= 'Z', c == '_':
		default:
			return "" // keywords are letters and underscores only
		}
		buf[i] = c
	}
	return keywordSet[string(buf[:len(word)])]
}

// IsReserved reports whether word (in any case) is a reserved keyword, i.e.
// must be bracketed to be used as a name.
func IsReserved(word string) bool { return lookupKeyword(word) != "" }
