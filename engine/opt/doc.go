// Package opt holds the planner's rules: how the binder's bound clauses
// are judged when the engine chooses an access path, a join's method and
// its order. It owns
//
//   - the predicate rules every pass shares: a WHERE clause as its
//     conjuncts and back (Conjuncts, AndAll), which values may narrow a
//     key's range without changing which rows compare equal
//     (KeyCompatible), the fixed selectivity guesses a row estimate
//     applies to a predicate (Selectivity) and the columns that are alone
//     a unique key (UniqueColumn);
//   - the access path's rules: which values are the same for every row
//     and so may seek (RowIndependent), which columns an index's entries
//     give back exactly (Covers, ExactKeyPrefix), which ORDER BY a
//     key's order serves, read forward or backward (KeyOrder), and the
//     seek a WHERE clause's conjuncts allow on one key (FindKeySeek, or
//     EqualKeySeek from given values), an exec.KeySeek;
//   - the join method's cost rules over row estimates: whether seeking
//     the inner input per outer row beats a hash match (SeekCheaper) and
//     which input a hash match builds on (BuildLeft); which joins may
//     seek their inner input (CanSeek) and the key values a seek takes
//     from the outer rows (SeekValues); the planner applies them and
//     hands the choice to exec's join operators;
//   - the order of a run of inner joins (JoinOrder, with its row estimate
//     JoinedRows) over Input, the description of each input the engine
//     makes from its row source;
//   - the estimates' rules over the row counts the engine measures: a
//     pushed-down filter's (FilteredRows, with UniqueEquality) and a
//     join's in written order (JoinRows).
//
// opt works over exec's expression nodes and the catalog's descriptors
// and knows nothing of the engine: not the session, the store, the row
// sources' implementations or the binder. The passes themselves (access
// path, covering, index order, pushing predicates down, walking the row
// sources for their estimates) still live in package engine, beside the
// row sources they rewrite, and call these rules; they move here as the
// row sources move to exec. See docs/ARCHITECTURE.md, "Inside the
// engine".
package opt
