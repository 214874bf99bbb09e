// Package storage is the layer under a database that knows no SQL: one
// Pebble store per database, its transactions and its transaction log,
// and what happens when its disk misbehaves. It imports no parser, no
// session and nothing of the engine above it; keys (engine/keys) and log
// records (engine/txlog) are the shared vocabulary.
//
// # The store
//
// A Store (store.go) wraps Pebble with a file system of its own (fs.go)
// that names every failed write, sync or read with its file and offset,
// keeps writes from filling the disk (space.go), and fences the store once
// it failed. Pebble cannot carry on after a failed WAL write or fsync: its
// commit pipeline panics or wedges with its locks held. So a Store fails
// for good at the first such error (a Fault, fault.go): every write
// waiting on it returns the Fault at once, nothing is retried (after a
// failed fsync the page cache cannot be trusted). A full disk that Pebble's
// background flushes run into is not fatal: flushes wait for space and new
// writes are refused until it returns.
//
// # A database's storage
//
// A DB (db.go) is one database's storage. It holds the current Store and
// replaces it when the database recovers (health.go: RECOVERY_PENDING,
// SUSPECT, RECOVERING, and recovery from the WAL); pins keep a replaced
// Store open until no statement may still use it. Its writer lock admits
// one write transaction at a time (Txn, txn.go: an indexed batch, every
// operation with its before-image, savepoints); commit.go describes the
// commit pipeline (LSN order, group commit, the commit gate). log.go is
// the log API the engine offers to backups and mirroring: ReadLog, Redo,
// UndoTo; truncate.go keeps log while a named hold needs it
// (log_reuse_wait_desc).
//
// The owner (engine.Database) plugs in through Config: what to load from a
// freshly opened store (its schema), what to do when a batch changed the
// schema, whether to retry recovery after a failure.
//
// # Errors
//
// Faults are storage-fatal: statement recovery must not turn them into
// ordinary errors. A DB reports them as SQL Server's messages (errors.go:
// 823, 824, 1105, 9002, and 926, 945, 952 while the database is out of
// service) and moves the database to RECOVERY_PENDING or SUSPECT;
// docs/ARCHITECTURE.md describes the states and how a database recovers.
package storage
