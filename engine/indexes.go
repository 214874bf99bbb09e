package engine

// Index maintenance. An index is part of its table's definition
// (catalog.IndexDef in TableDef.Indexes, one schema key; engine/catalog
// says how index_ids are given), and its entries are keys beside the
// table's rows (engine/keys/index.go) written in the same transaction as
// the row they point at: so the log record of that transaction, and with
// it mirroring, backups, RESTORE LOG and the undo of a demoted principal,
// carry index entries exactly as they carry rows. docs/ARCHITECTURE.md
// ("Secondary indexes") tells the whole story. A second clustered index
// is Msg 1902, as in SQL Server. The entries a row gives each index and
// their maintenance as rows are written are engine/exec's
// (exec.IndexEntry, exec.WriteIndexes, exec.IndexPhase).
