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
//     seek a WHERE clause's conjuncts allow on one key (FindKeySeek; exec.EqualKeySeek
//     seeks given values), an exec.KeySeek;
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
//     join's in written order (JoinRows); and the walk of the row
//     sources for their estimate (EstimateRows, given the tables' row
//     counts);
//   - the passes that rewrite an exec.TableScan as the engine plans a
//     statement: its access path (ChooseAccess: a point lookup, a key
//     prefix or ranges, a secondary index's seek), whether an index's
//     entries alone answer it (UseCovering), whether its order serves an
//     ORDER BY (UseKeyOrder over an Ordering, reading an index in order
//     when that pays) or delivers a GROUP BY's groups together
//     (GroupsTogether, UseIndexForGroups), with the order it reads in
//     (ScanOrder) and an index read whole (WholeIndex). Whether a WHERE
//     clause implies a filtered index's filter is the engine's to judge
//     (it parses the filter): the passes take it as an Implies;
//   - a WHERE clause's comparisons over a derived table's plain columns
//     moved into the derived query (PushIntoDerived), whose scan may then
//     seek with them;
//   - the joins' planning (PushJoins): each WHERE and ON conjunct placed
//     on the lowest operator that may apply it, by the columns it reads
//     (ExprSpan, ExprColumns, ExprLeaves; expressions defined outside
//     exec, the engine's subqueries, answer through exec.Leaves); a run
//     of inner joins made one exec.JoinChain in JoinOrder's order, its
//     equalities closed transitively, each step's method chosen; other
//     joins a SeekJoin (SeekInner: the primary key's or a secondary
//     index's seek of the inner input), a HashJoin or NestedLoops; the
//     hints OPTION (LOOP JOIN | HASH JOIN | FORCE ORDER) (QueryHint,
//     8622 when they leave no plan). What only the engine knows of its
//     tables, their row counts and Implies, it passes as Tables;
//   - the semi-joins (planJoins, PushJoins with them): which WHERE
//     conjuncts run as an exec.SemiJoin (SemiJoin: x [NOT] IN over an
//     uncorrelated subquery, [NOT] EXISTS over one that decorrelates,
//     naming the statement's row only in equalities), and whether an
//     EXISTS seeks its inner table per outer row;
//   - a bound SELECT's planning as one call (PlanSelect): the joins and
//     semi-joins, then on one table's scan the key order, the index for
//     groups and the covering index, given what the binder and the
//     session know of the query (Query: its row's width, its hints, its
//     depth of enclosing queries, the session's oldJoins).
//
// opt works over exec's expression nodes and row sources and the
// catalog's descriptors, and knows nothing of the engine: not the
// session, the store, the parser or the binder (the binder's depth of
// enclosing queries, which names the statement's row in its subqueries,
// comes in Query). The binder hands its bound SELECT to PlanSelect.
// See docs/ARCHITECTURE.md, "Inside the engine".
package opt
