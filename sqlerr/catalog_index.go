package sqlerr

import "fmt"

// The messages of secondary indexes (engine/indexes*.go), kept apart from
// catalog.go's table so that features add rows without touching it.
var indexMessages = map[int]msgDef{
	10609: {16, InvalidParameterValue, "Filtered index '%s' cannot be created on table '%s' because the column '%s' in the filter expression is compared with a constant that cannot be converted to the data type of the column. Rewrite the filter expression so that it does not include this comparison."},
	10735: {15, SyntaxError, "Incorrect WHERE clause for filtered index '%s' on table '%s'."},
	15009: {16, UndefinedObject, "The object '%s' does not exist in database '%s' or is invalid for this operation."},
	159:   {15, SyntaxError, "Must specify the table name and index name for the DROP INDEX statement."},
	1505:  {16, UniqueViolation, "The CREATE UNIQUE INDEX statement terminated because a duplicate key was found for the object name '%s' and the index name '%s'. The duplicate key value is (%s)."},
	1902:  {16, InvalidTableDef, "Cannot create more than one clustered index on table '%s'. Drop the existing clustered index '%s' before creating another."},
	1904:  {16, ProgramLimitExceeded, "The index '%s' on table '%s' has %d column names in index key list. The maximum limit for index or statistics key column list is %d."},
	1909:  {16, DuplicateColumn, "Cannot use duplicate column names in index. Column name '%s' listed more than once."},
	1913:  {16, DuplicateObject, "The operation failed because an index or statistics with name '%s' already exists on table '%s'."},
	2601:  {14, UniqueViolation, "Cannot insert duplicate key row in object '%s' with unique index '%s'. The duplicate key value is (%s)."},
	3703:  {11, UndefinedObject, "Cannot drop the index '%s', because it does not exist or you do not have permission."},
	3723:  {16, ObjectInUse, "An explicit DROP INDEX is not allowed on index '%s'. It is being used for %s constraint enforcement."},
	7999:  {16, UndefinedObject, "Could not find any index named '%s' for table '%s'."},
	8951:  {16, DataCorrupted, "Table error: table '%s' (ID %d). Data row does not have a matching index row in the index '%s' (ID %d). Possible missing or invalid keys for the index row matching: %s."},
	8952:  {16, DataCorrupted, "Table error: table '%s' (ID %d). Index row in index '%s' (ID %d) does not match any data row. Possible extra or invalid keys for: %s."},
	// Progress of a long index build, sent as a notice (mirrordb's own).
	50130: {10, SuccessfulCompletion, "CREATE INDEX '%s' on '%s': %d rows indexed so far."},
}

func init() { addMessages(indexMessages) }

// addMessages adds a feature's messages to the catalog; a number defined
// twice is a programming error.
func addMessages(msgs map[int]msgDef) {
	for n, m := range msgs {
		if _, dup := catalog[n]; dup {
			panic(fmt.Sprintf("sqlerr: message %d defined twice", n))
		}
		catalog[n] = m
	}
}
