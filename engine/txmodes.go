package engine

import (
	"strings"

	"mirrordb/engine/storage"
	"mirrordb/parser"
	"mirrordb/sqlerr"
)

// PostgreSQL's transaction characteristics, carried by T-SQL transactions.
//
// Every transaction has modes: an isolation level, READ ONLY or READ
// WRITE, DEFERRABLE or NOT DEFERRABLE. A new transaction takes the
// session's defaults (SET SESSION CHARACTERISTICS AS TRANSACTION, SET
// default_transaction_*, the startup packet, and T-SQL's SET TRANSACTION
// ISOLATION LEVEL) changed by its BEGIN's modes; SET TRANSACTION changes the
// open one. A statement outside a transaction runs with the defaults, as
// PostgreSQL's implicit transactions do, so default_transaction_read_only
// makes the whole session read-only.
//
// READ ONLY is enforced: statements that change a database or the instance
// are refused (readOnlyError). The isolation level is recorded and
// reported, not enforced: the engine has one level, read committed with a
// single writer per database. Every statement reads the latest committed
// data; a transaction's first write takes its database's writer lock and
// holds it to the end, so from then on nothing else changes that database
// under it. SERIALIZABLE and REPEATABLE READ therefore protect what a
// transaction reads after its first write, but not what it read before:
// a read-then-write cycle of two transactions can lose an update, which
// PostgreSQL would refuse with 40001.

// isolation is a transaction isolation level. The zero value is read
// committed, the default.
type isolation uint8

const (
	readCommitted isolation = iota
	readUncommitted
	repeatableRead
	snapshotIsolation // T-SQL's SNAPSHOT
	serializable
)

// isolationNames are the levels as PostgreSQL's SHOW prints them (and
// SNAPSHOT, which only T-SQL has).
var isolationNames = [...]string{
	readCommitted: "read committed", readUncommitted: "read uncommitted", repeatableRead: "repeatable read",
	snapshotIsolation: "snapshot", serializable: "serializable",
}

func (i isolation) String() string { return isolationNames[i] }

// parseIsolation reads a level in any case, as the parser gives it (READ
// COMMITTED) or as a setting's value ('read committed').
func parseIsolation(s string) (isolation, bool) {
	s = strings.Join(strings.Fields(s), " ")
	for i, name := range isolationNames {
		if strings.EqualFold(s, name) {
			return isolation(i), true
		}
	}
	return 0, false
}

// txModes are a transaction's characteristics.
type txModes struct {
	iso        isolation
	readOnly   bool
	deferrable bool
}

// with returns m changed by the modes a statement gave.
func (m txModes) with(p *parser.TxModes) txModes {
	if p == nil {
		return m
	}
	if iso, ok := parseIsolation(p.Isolation); ok {
		m.iso = iso
	}
	if p.Access != "" {
		m.readOnly = p.Access == "READ ONLY"
	}
	if p.Deferrable != "" {
		m.deferrable = p.Deferrable == "DEFERRABLE"
	}
	return m
}

// currentModes are the modes statements run with now: the open
// transaction's, else the session's defaults.
func (s *Session) currentModes() txModes {
	if s.tx != nil {
		return s.tx.modes
	}
	return s.txDefaults
}

// beginTx is BEGIN: a new transaction with the defaults changed by modes,
// or, inside one, a nested BEGIN that only counts (@@TRANCOUNT), as T-SQL
// nests; PostgreSQL would warn and ignore it.
func (s *Session) beginTx(name string, modes *parser.TxModes) {
	if s.tx != nil {
		s.tx.depth++
		return
	}
	s.startTx(name, s.txDefaults.with(modes))
}

// startTx opens a transaction with the given modes.
func (s *Session) startTx(name string, m txModes) {
	s.tx = &userTx{depth: 1, name: name, modes: m}
}

// setTxModes is SET TRANSACTION (and SET transaction_isolation, ...) in an
// open transaction, with PostgreSQL's rules: once the transaction ran a
// query, its isolation level and DEFERRABLE are fixed, and it may become
// READ ONLY but not READ WRITE again (Msg 50103, SQLSTATE 25001).
func (s *Session) setTxModes(p *parser.TxModes) error {
	next := s.tx.modes.with(p)
	if s.tx.queried {
		switch {
		case next.iso != s.tx.modes.iso:
			return sqlerr.New(50103, "SET TRANSACTION ISOLATION LEVEL")
		case p.Deferrable != "":
			return sqlerr.New(50103, "SET TRANSACTION [NOT] DEFERRABLE")
		case s.tx.modes.readOnly && !next.readOnly:
			return sqlerr.New(50103, "SET TRANSACTION READ WRITE")
		}
	}
	s.tx.modes = next
	return nil
}

// readOnlyError refuses, in a READ ONLY transaction (or outside one when
// the session's transactions default to READ ONLY), a statement that would
// change a database or the instance, as PostgreSQL refuses any statement
// that is not read-only: Msg 3906, SQLSTATE 25006, with PostgreSQL's
// message as the detail. 3906 is what SQL Server answers a write from a
// connection that declared read-only intent (ApplicationIntent=ReadOnly on
// a readable secondary), the same situation seen from the client. BACKUP,
// CHECKPOINT, DBCC, KILL and USE are allowed, like PostgreSQL's CHECKPOINT
// and VACUUM; procedures are refused only when they write.
func (s *Session) readOnlyError(st parser.Statement, p *stmtPlan) error {
	if !s.currentModes().readOnly {
		return nil
	}
	db := s.db.Name()
	switch st.(type) {
	case *parser.CreateDatabase, *parser.DropDatabase, *parser.AlterDatabase, *parser.Restore,
		*parser.CreateEndpoint, *parser.AlterEndpoint, *parser.DropEndpoint,
		*parser.CreateLogin, *parser.AlterLogin, *parser.DropLogin:
		db = "master" // where SQL Server keeps what they change
	case *parser.CreateTable, *parser.DropTable, *parser.AlterTableConstraint, *parser.AlterTable, *parser.TruncateTable, *parser.CreateIndex, *parser.DropIndex, *parser.CreateUser, *parser.DropUser,
		*parser.CreateType, *parser.DropType,
		*parser.Grant, *parser.CreateMasterKey, *parser.CreateCertificate, *parser.DropCertificate:
	default:
		if p.write == nil {
			return nil
		}
	}
	if p.write != nil {
		db = p.write.Name()
	}
	e := sqlerr.New(3906, db)
	e.Detail = "cannot execute " + statementVerb(st) + " in a read-only transaction"
	return e
}

// savepoint is a named position in a user transaction. Names may repeat;
// the newest counts, as in both T-SQL and PostgreSQL.
type savepoint struct {
	name string // lower case: names are case-insensitive
	at   storage.Savepoint
}

// savepointIndex returns the index of the newest savepoint called name,
// or -1.
func (tx *userTx) savepointIndex(name string) int {
	name = strings.ToLower(name)
	for i := len(tx.savepoints) - 1; i >= 0; i-- {
		if tx.savepoints[i].name == name {
			return i
		}
	}
	return -1
}

// save is SAVE TRAN and SAVEPOINT.
func (tx *userTx) save(name string) {
	var at storage.Savepoint
	if tx.t != nil {
		at = tx.t.Savepoint() // before the first write, the zero savepoint undoes every write
	}
	tx.savepoints = append(tx.savepoints, savepoint{name: strings.ToLower(name), at: at})
}

// rollbackTo is ROLLBACK TO SAVEPOINT and T-SQL's ROLLBACK TRAN savepoint:
// the writes since the savepoint are undone and the savepoints made after
// it forgotten; it stays. An uncommittable transaction (XACT_ABORT) can
// only be rolled back whole: Msg 3931, where PostgreSQL would recover.
func (tx *userTx) rollbackTo(name string) error {
	if tx.doomed {
		return sqlerr.New(3931)
	}
	i := tx.savepointIndex(name)
	if i < 0 {
		return sqlerr.New(6401, name)
	}
	if tx.t != nil {
		if err := tx.t.RollbackTo(tx.savepoints[i].at); err != nil {
			return err
		}
	}
	tx.savepoints = tx.savepoints[:i+1]
	return nil
}

// release is RELEASE SAVEPOINT: the savepoint and those made after it are
// forgotten; their writes stay.
func (tx *userTx) release(name string) error {
	i := tx.savepointIndex(name)
	if i < 0 {
		return sqlerr.New(50105, name)
	}
	tx.savepoints = tx.savepoints[:i]
	return nil
}

// The PostgreSQL settings of transaction modes, each saying whether it is
// one of the session's defaults; the others are the open transaction's,
// set as SET TRANSACTION sets them.
var txSettings = map[string]bool{
	"default_transaction_isolation": true, "default_transaction_read_only": true, "default_transaction_deferrable": true,
	"transaction_isolation": false, "transaction_read_only": false, "transaction_deferrable": false,
}

// setting is the value of a txSettings setting in m, as SHOW prints it.
func (m txModes) setting(name string) string {
	switch strings.TrimPrefix(name, "default_") {
	case "transaction_isolation":
		return m.iso.String()
	case "transaction_read_only":
		return onOff(m.readOnly)
	}
	return onOff(m.deferrable)
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// txSettingModes reads the value of a txSettings setting as the modes it
// sets.
func txSettingModes(name, value string) (*parser.TxModes, error) {
	m := &parser.TxModes{}
	kind := strings.TrimPrefix(name, "default_")
	if kind == "transaction_isolation" {
		iso, ok := parseIsolation(value)
		if !ok || iso == snapshotIsolation {
			return nil, sqlerr.New(50102, name, value, "Available values: serializable, repeatable read, read committed, read uncommitted.")
		}
		m.Isolation = strings.ToUpper(iso.String())
		return m, nil
	}
	on, ok := parseBool(value)
	if !ok {
		return nil, sqlerr.New(50102, name, value, "A Boolean value is required.")
	}
	switch {
	case kind == "transaction_read_only" && on:
		m.Access = "READ ONLY"
	case kind == "transaction_read_only":
		m.Access = "READ WRITE"
	case on:
		m.Deferrable = "DEFERRABLE"
	default:
		m.Deferrable = "NOT DEFERRABLE"
	}
	return m, nil
}

// parseBool reads a PostgreSQL Boolean value: on, off, 1, 0, or true,
// false, yes, no or a prefix of one of them, in any case.
func parseBool(s string) (on, ok bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	switch s {
	case "on", "1":
		return true, true
	case "off", "0":
		return false, true
	case "":
		return false, false
	}
	for _, w := range []struct {
		word string
		on   bool
	}{{"true", true}, {"false", false}, {"yes", true}, {"no", false}} {
		if strings.HasPrefix(w.word, s) {
			return w.on, true
		}
	}
	return false, false
}

// planTxSetting is SET of a txSettings setting (lower-case name). A
// transaction_* setting outside a transaction changes nothing, as in
// PostgreSQL, where it would last only for the SET's own transaction.
func (b *binder) planTxSetting(x *parser.Set, name string) (*stmtPlan, error) {
	s := b.s
	isDefault := txSettings[name]
	if strings.EqualFold(x.Value, "DEFAULT") {
		if isDefault {
			return setPlan(func() error { return s.resetTxDefault(name) }), nil
		}
		return setPlan(func() error {
			m, err := txSettingModes(name, s.txDefaults.setting(name))
			if err == nil && s.tx != nil {
				err = s.setTxModes(m)
			}
			return err
		}), nil
	}
	m, err := txSettingModes(name, x.Value)
	if err != nil {
		return nil, b.ErrAt(x, err)
	}
	return setPlan(func() error {
		switch {
		case isDefault:
			s.txDefaults = s.txDefaults.with(m)
		case s.tx != nil:
			return s.setTxModes(m)
		}
		return nil
	}), nil
}

// resetTxDefault returns a default_transaction_* setting to its value at
// connection: the startup packet's, else the server's.
func (s *Session) resetTxDefault(name string) error {
	v, ok := startupSetting(s.startup.Params, name)
	if !ok {
		v = txModes{}.setting(name)
	}
	m, err := txSettingModes(name, v)
	if err != nil {
		return err
	}
	s.txDefaults = s.txDefaults.with(m)
	return nil
}

// txSettingValue is SHOW of a txSettings setting; a read-only database
// makes every transaction read-only.
func (s *Session) txSettingValue(name string) (string, bool) {
	name = strings.ToLower(name)
	isDefault, ok := txSettings[name]
	if !ok {
		return "", false
	}
	m := s.currentModes()
	if isDefault {
		m = s.txDefaults
	}
	m.readOnly = m.readOnly || s.readOnly()
	return m.setting(name), true
}
