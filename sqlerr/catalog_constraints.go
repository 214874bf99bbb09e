package sqlerr

// SQLSTATEs of constraint violations PostgreSQL clients know.
const (
	ForeignKeyViolation = "23503"
	CheckViolation      = "23514"
)

// The messages of constraints (engine/constraint*.go), kept apart from
// catalog.go's table so that features add rows without touching it.
var constraintMessages = map[int]msgDef{
	// 547's last argument is ", column 'c'" or "" (a constraint on several
	// columns names none), as SQL Server prints it. CHECK violations carry
	// 23514 instead (exec.CheckConflict sets it).
	547:  {16, ForeignKeyViolation, "The %s statement conflicted with the %s constraint \"%s\". The conflict occurred in database \"%s\", table \"%s\"%s."},
	271:  {16, WrongObjectType, "The column \"%s\" cannot be modified because it is either a computed column or is the result of a UNION operator."},
	1752: {16, InvalidTableDef, "Column '%s' in table '%s' is invalid for creating a default constraint."},
	1759: {16, InvalidTableDef, "Computed column '%s' in table '%s' is not allowed to be used in another computed-column definition."},
	1761: {16, InvalidTableDef, "Cannot create the foreign key \"%s\" with the SET NULL referential action, because one or more referencing columns are not nullable."},
	1763: {16, FeatureNotSupported, "Cross-database foreign key references are not supported. Foreign key '%s'."},
	1767: {16, UndefinedTable, "Foreign key '%s' references invalid table '%s'."},
	1769: {16, UndefinedColumn, "Foreign key '%s' references invalid column '%s' in referencing table '%s'."},
	1770: {16, UndefinedColumn, "Foreign key '%s' references invalid column '%s' in referenced table '%s'."},
	1773: {16, InvalidTableDef, "Foreign key '%s' has implicit reference to object '%s' which does not have a primary key defined on it."},
	1776: {16, InvalidTableDef, "There are no primary or candidate keys in the referenced table '%s' that match the referencing column list in the foreign key '%s'."},
	1778: {16, DatatypeMismatch, "Column '%s.%s' is not the same data type as referencing column '%s.%s' in foreign key '%s'."},
	1779: {16, InvalidTableDef, "Table '%s' already has a primary key defined on it."},
	1781: {16, InvalidTableDef, "Column already has a DEFAULT bound to it."},
	1785: {16, InvalidTableDef, "Introducing FOREIGN KEY constraint '%s' on table '%s' may cause cycles or multiple cascade paths. Specify ON DELETE NO ACTION or ON UPDATE NO ACTION, or modify other FOREIGN KEY constraints."},
	3725: {16, DependentObjects, "The constraint '%s' is being referenced by table '%s', foreign key constraint '%s'."},
	4917: {16, UndefinedObject, "Constraint '%s' does not exist."},
	3726: {16, DependentObjects, "Could not drop object '%s' because it is referenced by a FOREIGN KEY constraint."},
	3728: {16, UndefinedObject, "'%s' is not a constraint."},
	4712: {16, DependentObjects, "Cannot truncate table '%s' because it is being referenced by a FOREIGN KEY constraint."},
	8135: {16, InvalidTableDef, "Table level constraint does not specify column list, table '%s'."},
	8139: {16, InvalidTableDef, "Number of referencing columns in foreign key differs from number of referenced columns, table '%s'."},
	8141: {16, InvalidTableDef, "Column CHECK constraint for column '%s' references another column, table '%s'."},
	1046: {15, FeatureNotSupported, "Subqueries are not allowed in this context. Only scalar expressions are allowed."},
}

func init() {
	for n, m := range constraintMessages {
		if _, dup := catalog[n]; dup {
			panic("sqlerr: message defined twice")
		}
		catalog[n] = m
	}
}
