// Package exec evaluates bound statements. It owns
//
//   - the scalar expression nodes the binder produces (constants, column,
//     parameter, group-key, aggregate, window and set-returning-function
//     references, operators, comparisons, CASE, conversions, CONVERT with
//     a style, LIKE, calls of a Builtin, whose table the engine holds)
//     and Env, what they are evaluated against: the current row, the
//     group, the statement's context, parameters and memory governor;
//   - the SELECT's operator chain above its row source (Filter, Aggregate
//     with its accumulators, Window, ProjectSet for the select list's
//     set-returning functions, Project, Distinct, Sort, Top), each an
//     Operator that pushes rows up and describes itself as a plan node,
//     and Holding, the memory an operator's run gives back when it ends;
//   - the join operators: NestedLoops (the right input held in memory),
//     HashJoin over a HashTable that hashes alike the values = calls
//     equal, SeekJoin, whose inner input seeks with each outer row's
//     values, and JoinChain, a left-deep run of inner joins in the
//     planner's order, and InputFilter, a predicate pushed down onto
//     one of their inputs; their JoinKind, onto which the binder maps the parser's;
//     the planner chooses the operator and a hash join's build side;
//     SemiJoin, a WHERE clause's IN or EXISTS subquery run as a hash
//     (anti) semi-join, or by a seek per outer row;
//   - the row sources: OneRow, a SELECT without FROM; VirtualScan, the
//     rows of a catalog view or table-valued function, which the engine
//     computes; the nested queries' (Derived, a derived table or common
//     table expression; Apply, CROSS and OUTER APPLY; SetOp, UNION,
//     EXCEPT and INTERSECT; RecursiveUnion over its WorkTable, a
//     recursive common table expression); and TableScan, a table read in its key's order, whole,
//     narrowed to a key prefix or KeySeek's ranges, or through an
//     IndexSeek of a secondary index (each entry's row looked up, or the
//     entries alone when they cover the statement), with their plans;
//   - Table, the seam through which the scans read the store: the engine
//     implements it per database and table, and its Reader keeps behind
//     it the database's availability, the session's snapshot, SET
//     STATISTICS IO's counts, the store's errors and the columns computed
//     for rows stored before a computed ADD;
//   - Writes, the write-side twin of Table, which the engine implements
//     over its transaction, and over it RowWriter, which stores a
//     table's rows (conversion with 515 and 2628, keys, identity and
//     rowversion values, 2627 on a duplicate key, an UPDATE's changes)
//     with their index entries (IndexEntry, WriteIndexes: 2601, 2627),
//     MatchRows and DeleteRows, UPDATE's and DELETE's rows, and
//     RowRules, a row's computed columns and CHECK constraints (547)
//     once bind has bound them from their text, kept per table
//     definition in a RulesCache;
//   - the bound INSERT, UPDATE and DELETE (Insert, Update, Delete: dml.go)
//     with their OUTPUT clause (Output), which run over Writes, and the
//     constraints around their rows (foreignkeys.go): the row rules, each
//     foreign key's parent sought, the children of a deleted or changed
//     parent row refused or cascaded through the same Writes, and the
//     Assert printing that work (ConstraintAssert); what only the engine
//     can do they ask the statement's Enforcer: SET IDENTITY_INSERT and
//     the session's SCOPE_IDENTITY(), the other tables' stores and the
//     bound rules (Tables), the CHECKs' printed definitions;
//   - KeySeek, the ranges of encoded keys a seek on one key reads,
//     computed as the statement runs from the values the planner found,
//     and its SEEK:() text in plans;
//   - Explainer and Names, which print expressions and operators as SQL
//     Server's plans do.
//
// exec knows nothing of the engine above it: not the session, the
// catalog's resolution of names, the parser or the binder (it reads the
// catalog's table and index descriptors, which a scan decodes by). The
// engine's own nodes, which need the session (system views' rows, the
// PostgreSQL forms), live in package engine and implement Expr, Operator
// or Explained there (and Leaves, telling the planner the columns they
// read); they reach the session through Env.Sess, an opaque
// value only the engine interprets, and name a row's columns in plans
// through Names.Columns (the binder's scope). The binder composes the
// chain from these types' fields. See docs/ARCHITECTURE.md, "Inside the
// engine".
package exec
