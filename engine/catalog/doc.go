// Package catalog holds what a database knows about its objects: the
// descriptors of tables, columns, indexes, constraints and alias types,
// as they are stored (JSON under the schema keys s/..., see engine/keys),
// and their pure questions (which column is named so, which index serves
// a key, what names a table brings).
//
// Descriptors are values of the catalog rather than of the engine so that
// the layers above storage (binding, planning, execution, the system
// views) share one definition of a table without sharing the engine's
// state. Expressions stay text here (a DEFAULT, a CHECK, a computed
// column, an index filter): parsing and binding them is the engine's job,
// so the catalog depends on no parser. A definition in use is never
// changed in place: DDL changes a copy and writes it under its key, and
// the transaction that commits it makes the engine load a new schema.
// docs/ARCHITECTURE.md ("Inside the engine") places it among the layers.
package catalog
