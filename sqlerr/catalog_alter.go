package sqlerr

// The messages of ALTER TABLE's column forms and sp_rename (engine/alter*.go,
// engine/rename.go), kept apart from catalog.go's table so that features
// add rows without touching it.
var alterMessages = map[int]msgDef{
	4901: {16, NotNullViolation, "ALTER TABLE only allows columns to be added that can contain nulls, or have a DEFAULT definition specified, or the column being added is an identity or timestamp column, or alternatively if none of the previous conditions are satisfied the table must be empty to allow addition of this column. Column '%s' cannot be added to non-empty table '%s' because it does not satisfy these conditions."},
	4902: {16, UndefinedTable, "Cannot find the object \"%s\" because it does not exist or you do not have permissions."},
	4922: {16, DependentObjects, "ALTER TABLE %s failed because one or more objects access this column."},
	4923: {16, InvalidTableDef, "ALTER TABLE DROP COLUMN failed because '%s' is the only data column in table '%s'. A table must have at least one data column."},
	4924: {16, UndefinedColumn, "%s failed because column '%s' does not exist in table '%s'."},
	4927: {16, FeatureNotSupported, "Cannot alter column '%s' to be data type %s."},
	4928: {16, FeatureNotSupported, "Cannot alter column '%s' because it is '%s'."},
	5074: {16, DependentObjects, "The %s '%s' is dependent on column '%s'."},
	// NOCHECK / CHECK CONSTRAINT naming a constraint that cannot be disabled
	11415: {16, WrongObjectType, "Object '%s' cannot be disabled or enabled. This action applies only to foreign key and check constraints."},
	// sp_rename
	15223: {11, InvalidParameterValue, "Error: The input parameter '%s' is not allowed to be null."},
	15225: {11, UndefinedObject, "No item by the name of '%s' could be found in the current database '%s', given that @itemtype was input as '%s'."},
	15248: {11, InvalidParameterValue, "Either the parameter @objname is ambiguous or the claimed @objtype (%s) is wrong."},
	15249: {11, InvalidParameterValue, "Error: Explicit @objtype '%s' is unrecognized."},
	15335: {11, DuplicateObject, "Error: The new name '%s' is already in use as a %s name and would cause a duplicate that is not permitted."},
	15477: {10, SuccessfulCompletion, "Caution: Changing any part of an object name could break scripts and stored procedures."},
	// A statement that waited for the writer lock while ALTER TABLE changed
	// its table's columns (mirrordb's own; the session binds it again).
	50131: {16, SerializationFailure, "The definition of table '%s' changed while the statement waited to write it. Run the statement again."},
}

func init() {
	for n, m := range alterMessages {
		if _, dup := catalog[n]; dup {
			panic("sqlerr: message defined twice")
		}
		catalog[n] = m
	}
}
