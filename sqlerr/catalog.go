package sqlerr

// msgDef is one row of SQL Server's sys.messages as mirrordb uses it: the
// level, the SQLSTATE we map the message's class to (SPEC §12.4), and the
// text as a fmt format (SQL Server's %.*ls / %d become %s / %d).
type msgDef struct {
	severity int
	code     string
	format   string
}

// catalog holds every message number mirrordb raises. Add a row here when a
// new error appears; tests assert numbers and SQLSTATEs, never wording.
var catalog = map[int]msgDef{
	// Syntax and name resolution.
	102:  {15, SyntaxError, "Incorrect syntax near '%s'."},
	103:  {15, SyntaxError, "The identifier that starts with '%s' is too long. Maximum length is 128."},
	105:  {15, SyntaxError, "Unclosed quotation mark after the character string '%s'."},
	113:  {15, SyntaxError, "Missing end comment mark '*/'."},
	1038: {15, SyntaxError, "An object or column name is missing or empty. For SELECT INTO statements, verify each column has a name. For other statements, look for empty alias names. Aliases defined as \"\" or [] are not allowed. Change the alias to a valid name."},
	156:  {15, SyntaxError, "Incorrect syntax near the keyword '%s'."},
	191:  {15, ProgramLimitExceeded, "Some part of your SQL statement is nested too deeply. Rewrite the query or break it up into smaller queries."},
	137:  {15, UndefinedParameter, "Must declare the scalar variable \"%s\"."},
	174:  {15, UndefinedFunction, "The %s function requires %d argument(s)."},
	189:  {15, UndefinedFunction, "The %s function requires %d to %d arguments."},
	195:  {15, UndefinedFunction, "'%s' is not a recognized %s."},
	207:  {16, UndefinedColumn, "Invalid column name '%s'."},
	208:  {16, UndefinedTable, "Invalid object name '%s'."},
	209:  {16, AmbiguousColumn, "Ambiguous column name '%s'."},
	4104: {16, UndefinedColumn, "The multi-part identifier \"%s\" could not be bound."},
	2812: {16, UndefinedFunction, "Could not find stored procedure '%s'."},
	// mirrordb has no general PostgreSQL catalog; statements it does not
	// know at all (including most psql backslash-command queries) get this.
	40517: {16, FeatureNotSupported, "Keyword or statement option '%s' is not supported in this version of mirrordb."},

	// Types, conversion and arithmetic.
	206:  {16, DatatypeMismatch, "Operand type clash: %s is incompatible with %s"},
	220:  {16, NumericOutOfRange, "Arithmetic overflow error for data type %s, value = %s."},
	241:  {16, InvalidDatetimeFormat, "Conversion failed when converting date and/or time from character string."},
	242:  {16, DatetimeFieldOverflow, "The conversion of a %s data type to a %s data type resulted in an out-of-range value."},
	244:  {16, NumericOutOfRange, "The conversion of the %s value '%s' overflowed an %s column. Use a larger integer column."},
	245:  {16, InvalidTextRep, "Conversion failed when converting the %s value '%s' to data type %s."},
	248:  {16, NumericOutOfRange, "The conversion of the %s value '%s' overflowed an %s column."},
	257:  {16, CannotCoerce, "Implicit conversion from data type %s to %s is not allowed. Use the CONVERT function to run this query."},
	402:  {16, DatatypeMismatch, "The data types %s and %s are incompatible in the %s operator."},
	506:  {16, InvalidEscapeSequence, "The invalid escape character \"%s\" was specified in a LIKE predicate."},
	517:  {16, DatetimeFieldOverflow, "Adding a value to a '%s' column caused an overflow."},
	529:  {16, CannotCoerce, "Explicit conversion from data type %s to %s is not allowed."},
	2715: {16, UndefinedObject, "Column, parameter, or variable #%d: Cannot find data type %s."},
	2716: {16, InvalidColumnDef, "Column, parameter, or variable #%d: Cannot specify a column width on data type %s."},
	131:  {15, InvalidColumnDef, "The size (%d) given to the type '%s' exceeds the maximum allowed for any data type (%d)."},
	1001: {15, InvalidColumnDef, "Line %d: Length or precision specification %d is invalid."},
	2750: {16, InvalidColumnDef, "Column or parameter #%d: Specified column precision %d is greater than the maximum precision of 38."},
	192:  {16, InvalidColumnDef, "The scale must be less than or equal to the precision."},
	536:  {16, InvalidParameterValue, "Invalid length parameter passed to the %s function."},
	537:  {16, InvalidParameterValue, "Invalid length parameter passed to the LEFT or SUBSTRING function."},
	3623: {16, InvalidParameterValue, "An invalid floating point operation occurred."},
	9810: {16, InvalidParameterValue, "The datepart %s is not supported by date function %s for data type %s."},
	155:  {15, InvalidParameterValue, "'%s' is not a recognized %s option."},
	535:  {16, NumericOutOfRange, "The %s function resulted in an overflow. The number of dateparts separating two date/time instances is too large. Try to use datediff with a less precise datepart."},
	1007: {15, NumericOutOfRange, "The number '%s' is out of the range for numeric representation (maximum precision 38)."},
	144:  {15, GroupingError, "Cannot use an aggregate or a subquery in an expression used for the group by list of a GROUP BY clause."},
	145:  {15, SyntaxError, "ORDER BY items must appear in the select list if SELECT DISTINCT is specified."},
	512:  {16, CardinalityViolation, "Subquery returned more than 1 value. This is not permitted when the subquery follows =, !=, <, <= , >, >= or when the subquery is used as an expression."},
	116:  {16, SyntaxError, "Only one expression can be specified in the select list when the subquery is not introduced with EXISTS."},
	8114: {16, InvalidTextRep, "Error converting data type %s to %s."},
	8115: {16, NumericOutOfRange, "Arithmetic overflow error converting %s to data type %s."},
	8116: {16, DatatypeMismatch, "Argument data type %s is invalid for argument %d of %s function."},
	8117: {16, DatatypeMismatch, "Operand data type %s is invalid for %s operator."},
	8134: {16, DivisionByZero, "Divide by zero error encountered."},
	8152: {16, StringDataTruncation, "String or binary data would be truncated."},
	2628: {16, StringDataTruncation, "String or binary data would be truncated in table '%s', column '%s'. Truncated value: '%s'."},
	8169: {16, InvalidTextRep, "Conversion failed when converting from a character string to uniqueidentifier."},
	8120: {16, GroupingError, "Column '%s' is invalid in the select list because it is not contained in either an aggregate function or the GROUP BY clause."},
	147:  {15, GroupingError, "An aggregate may not appear in the WHERE clause unless it is in a subquery contained in a HAVING clause or a select list, and the column being aggregated is an outer reference."},
	130:  {16, GroupingError, "Cannot perform an aggregate function on an expression containing an aggregate or a subquery."},
	1013: {16, DuplicateTable, "The objects \"%s\" and \"%s\" in the FROM clause have the same exposed names. Use correlation names to distinguish them."},
	8127: {16, GroupingError, "Column \"%s\" is invalid in the ORDER BY clause because it is not contained in either an aggregate function or the GROUP BY clause."},
	1008: {15, SyntaxError, "The SELECT item identified by the ORDER BY number %d contains a variable as part of the expression identifying a column position."},
	108:  {15, SyntaxError, "The ORDER BY position number %d is out of range of the number of items in the select list."},
	263:  {16, SyntaxError, "Must specify table to select from."},
	1014: {15, InvalidParameterValue, "The TOP clause contains an invalid value."},

	// DML and constraints.
	109:  {15, SyntaxError, "There are more columns in the INSERT statement than values specified in the VALUES clause. The number of values in the VALUES clause must match the number of columns specified in the INSERT statement."},
	110:  {15, SyntaxError, "There are fewer columns in the INSERT statement than values specified in the VALUES clause. The number of values in the VALUES clause must match the number of columns specified in the INSERT statement."},
	120:  {15, SyntaxError, "The select list for the INSERT statement contains fewer items than the insert list. The number of SELECT values must match the number of INSERT columns."},
	121:  {15, SyntaxError, "The select list for the INSERT statement contains more items than the insert list. The number of SELECT values must match the number of INSERT columns."},
	213:  {16, SyntaxError, "Column name or number of supplied values does not match table definition."},
	264:  {16, DuplicateColumn, "The column name '%s' is specified more than once in the SET clause or column list of an INSERT. A column cannot be assigned more than one value in the same clause. Modify the clause to make sure that a column is updated only once. If this statement updates or inserts columns into a view, column aliasing can conceal the duplication in your code."},
	515:  {16, NotNullViolation, "Cannot insert the value NULL into column '%s', table '%s'; column does not allow nulls. %s fails."},
	544:  {16, InvalidParameterValue, "Cannot insert explicit value for identity column in table '%s' when IDENTITY_INSERT is set to OFF."},
	8102: {16, InvalidParameterValue, "Cannot update identity column '%s'."},
	2627: {14, UniqueViolation, "Violation of PRIMARY KEY constraint '%s'. Cannot insert duplicate key in object '%s'. The duplicate key value is (%s)."},
	3621: {0, SuccessfulCompletion, "The statement has been terminated."},

	// DDL.
	1801:  {16, DuplicateDatabase, "Database '%s' already exists. Choose a different database name."},
	2714:  {16, DuplicateTable, "There is already an object named '%s' in the database."},
	2705:  {16, DuplicateColumn, "Column names in each table must be unique. Column name '%s' in table '%s' is specified more than once."},
	3701:  {11, UndefinedTable, "Cannot drop the table '%s', because it does not exist or you do not have permission."},
	3702:  {16, ObjectInUse, "Cannot drop database \"%s\" because it is currently in use."},
	8110:  {16, InvalidTableDef, "Cannot add multiple PRIMARY KEY constraints to table '%s'."},
	8111:  {16, InvalidTableDef, "Cannot define PRIMARY KEY constraint on nullable column in table '%s'."},
	1919:  {16, InvalidTableDef, "Column '%s' in table '%s' is of a type that is invalid for use as a key column in an index."},
	1911:  {16, UndefinedColumn, "Column name '%s' does not exist in the target table or view."},
	2744:  {16, InvalidTableDef, "Multiple identity columns specified for table '%s'. Only one identity column per table is allowed."},
	2749:  {16, InvalidTableDef, "Identity column '%s' must be of data type int, bigint, smallint, tinyint, or decimal or numeric with a scale of 0, and constrained to be nonnullable."},
	1750:  {10, SuccessfulCompletion, "Could not create constraint or index. See previous errors."},
	1702:  {16, InvalidTableDef, "CREATE TABLE failed because column '%s' in table '%s' exceeds the maximum of %d columns."},
	15250: {16, InvalidCatalogName, "The database name component of the object qualifier must be the name of the current database."},
	2760:  {16, UndefinedObject, "The specified schema name \"%s\" either does not exist or you do not have permission to use it."},
	262:   {14, InsufficientPrivilege, "%s permission denied in database '%s'."},

	// Databases.
	911:   {16, InvalidCatalogName, "Database '%s' does not exist. Make sure that the name is entered correctly."},
	4060:  {11, InvalidCatalogName, "Cannot open database \"%s\" requested by the login. The login failed."},
	5011:  {14, InvalidCatalogName, "User does not have permission to alter database '%s', the database does not exist, or the database is not in a state that allows access checks."},
	5069:  {16, ObjectNotInPrereqState, "ALTER DATABASE statement failed."},
	5058:  {16, ObjectNotInPrereqState, "Option '%s' cannot be set in database '%s'."},
	128:   {15, SyntaxError, "The name \"%s\" is not permitted in this context. Valid expressions are constants, constant expressions, and (in some contexts) variables. Column names are not permitted."},
	15123: {16, UndefinedObject, "The configuration option '%s' does not exist, or it may be an advanced option."},
	628:   {16, NoActiveSQLTransaction, "Cannot issue SAVE TRANSACTION when there is no active transaction."},
	148:   {15, InvalidParameterValue, "Incorrect time syntax in time string '%s' used with WAITFOR."},
	5052:  {16, ObjectNotInPrereqState, "%s is not permitted while a database is in the %s state."},
	927:   {14, CannotConnectNow, "Database '%s' cannot be opened. It is in the middle of a restore."},
	942:   {14, CannotConnectNow, "Database '%s' cannot be opened because it is offline."},
	952:   {16, CannotConnectNow, "Database '%s' is in transition. Try the statement later."},
	954:   {14, CannotConnectNow, "The database \"%s\" cannot be opened. It is acting as a mirror database."},
	955:   {14, CannotConnectNow, "Database %s is enabled for Database Mirroring, but the database lacks quorum: the database cannot be opened.  Check the partner and witness connections if configured."},
	956:   {14, CannotConnectNow, "Database %s is enabled for Database Mirroring, but has not yet synchronized with its partner.  Try the operation again later."},
	3906:  {16, ReadOnlySQLTransaction, "Failed to update database \"%s\" because the database is read-only."},
	9002:  {17, DiskFull, "The transaction log for database '%s' is full due to '%s'."},

	// Transactions and sessions.
	226:   {16, ActiveSQLTransaction, "%s statement not allowed within multi-statement transaction."},
	574:   {16, ActiveSQLTransaction, "%s statement cannot be used inside a user transaction."},
	3902:  {16, NoActiveSQLTransaction, "The COMMIT TRANSACTION request has no corresponding BEGIN TRANSACTION."},
	3903:  {16, NoActiveSQLTransaction, "The ROLLBACK TRANSACTION request has no corresponding BEGIN TRANSACTION."},
	3930:  {16, InFailedSQLTransaction, "The current transaction cannot be committed and cannot support operations that write to the log file. Roll back the transaction."},
	266:   {16, InvalidTxState, "Transaction count after EXECUTE indicates a mismatching number of BEGIN and COMMIT statements. Previous count = %d, current count = %d."},
	3980:  {16, QueryCanceled, "The request failed to run because the batch is aborted, this can be caused by abort signal sent from client, or another request is running in the same session, which makes the session busy."},
	1222:  {16, QueryCanceled, "Lock request time out period exceeded."},
	6401:  {16, InvalidTxState, "Cannot roll back %s. No transaction or savepoint of that name was found."},
	3609:  {16, InvalidTxState, "The transaction ended in the trigger. The batch has been aborted."},
	3998:  {16, InvalidTxState, "Uncommittable transaction is detected at the end of the batch. The transaction is rolled back."},
	6005:  {14, AdminShutdown, "SHUTDOWN is in progress."},
	17142: {14, CannotConnectNow, "SQL Server service has been paused. No new connections will be allowed. To resume the service, use SQL Computer Manager or the Services application in Control Panel."},
	18456: {14, InvalidPassword, "Login failed for user '%s'."},
	596:   {21, AdminShutdown, "Cannot continue the execution because the session is in the kill state."},
	8645:  {17, OutOfMemory, "A timeout occurred while waiting for memory resources to execute the query."},

	// Backup and restore (issue 3 fills these in).
	3013: {16, IOError, "%s is terminating abnormally."},
	3014: {10, SuccessfulCompletion, "%s successfully processed %d pages in %.3f seconds (%.3f MB/sec)."},
	4035: {10, SuccessfulCompletion, "Processed %d pages for database '%s', file '%s' on file %d."},
	3021: {16, ActiveSQLTransaction, "Cannot perform a backup or restore operation within a transaction."},
	3201: {16, UndefinedFile, "Cannot open backup device '%s'. Operating system error %s."},

	3708: {16, ObjectNotInPrereqState, "Cannot drop the database '%s' because it is a system database."},
	8630: {17, Internal, "Internal Query Processor Error: The query processor encountered an unexpected error during execution."},

	// Informational.
	0: {10, SuccessfulCompletion, "%s"},
}
