// Package storage is the layer under a database that knows no SQL: one
// Pebble store per database and what happens when its disk misbehaves.
//
// A Store wraps Pebble with a file system of its own (fs.go) that names
// every failed write, sync or read with its file and offset, keeps writes
// from filling the disk (space.go), and fences the store once it failed.
// Pebble cannot carry on after a failed WAL write or fsync: its commit
// pipeline panics or wedges with its locks held. So a Store fails for good
// at the first such error (a Fault, fault.go): every write waiting on it
// returns the Fault at once, nothing is retried (after a failed fsync the
// page cache cannot be trusted), and the owner reopens the directory as a
// new Store, recovering from the WAL what was durable. A full disk that
// Pebble's background flushes run into is not fatal: flushes wait for
// space and new writes are refused until it returns.
//
// Faults are storage-fatal: statement recovery must not turn them into
// ordinary errors. The engine maps them to SQL Server's messages (1105,
// 9002, 823, 824) and moves the database to RECOVERY_PENDING or SUSPECT;
// docs/ARCHITECTURE.md describes the states and how a database recovers.
package storage
