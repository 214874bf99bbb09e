package sqlerr

// The messages of the data types and their statements (types/,
// engine/typefuncs.go, engine/usertypes.go, engine/identity.go), kept
// apart from catalog.go's table like catalog_index.go.
var typeMessages = map[int]msgDef{
	289:   {16, InvalidParameterValue, "Cannot construct data type %s, some of the arguments have values which are not valid."},
	281:   {16, InvalidParameterValue, "%d is not a valid style number when converting to or from a string."},
	235:   {16, InvalidTextRep, "Cannot convert a %s value to %s. The %s value has incorrect syntax."},
	302:   {16, FeatureNotSupported, "The newsequentialid() built-in function can only be used in a DEFAULT expression for a column of type 'uniqueidentifier' in a CREATE TABLE or ALTER TABLE statement. It cannot be combined with other operators to form a complex scalar expression."},
	9812:  {16, InvalidParameterValue, "The timezone provided to builtin function todatetimeoffset is invalid."},
	272:   {16, FeatureNotSupported, "Cannot update a timestamp column."},
	273:   {16, FeatureNotSupported, "Cannot insert an explicit value into a timestamp column. Use INSERT with a column list to exclude the timestamp column, or insert a DEFAULT into the timestamp column."},
	2738:  {16, InvalidTableDef, "A table can only have one timestamp column. Because table '%s' already has one, the column '%s' cannot be added."},
	218:   {16, UndefinedObject, "Could not find the type '%s'. Either it does not exist or you do not have the necessary permission."},
	219:   {16, DuplicateObject, "The type '%s' already exists, or you do not have permission to create it."},
	3732:  {16, DependentObjects, "Cannot drop type '%s' because it is being referenced by object '%s'. There may be other objects that reference this type."},
	545:   {16, InvalidParameterValue, "Explicit value must be specified for identity column in table '%s' either when IDENTITY_INSERT is set to ON or when a replication user is inserting into a NOT FOR REPLICATION identity column."},
	8101:  {16, InvalidParameterValue, "An explicit value for the identity column in table '%s' can only be specified when a column list is used and IDENTITY_INSERT is ON."},
	8106:  {16, InvalidParameterValue, "Table '%s' does not have the identity property. Cannot perform SET operation."},
	8107:  {16, ObjectNotInPrereqState, "IDENTITY_INSERT is already ON for table '%s'. Cannot perform SET operation for table '%s'."},
	7997:  {16, InvalidParameterValue, "'%s' does not contain an identity column."},
	2501:  {16, UndefinedTable, "Cannot find a table or object with the name \"%s\". Check the system catalog."},
	50132: {10, SuccessfulCompletion, "Checking identity information: current identity value '%s'."},
	7998:  {10, SuccessfulCompletion, "Checking identity information: current identity value '%s', current column value '%s'."},
}

func init() { addMessages(typeMessages) }
