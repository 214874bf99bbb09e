package parser

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Printing. Every node prints a canonical T-SQL form: upper-case keywords,
// one space between tokens, names bracketed only when they must be (not a
// plain identifier, or a reserved word), strings re-escaped with the N
// prefix kept, parentheses exactly where the user wrote them (Paren), and a
// few normalisations (TOP n → TOP (n), EXECUTE → EXEC, BEGIN TRAN →
// BEGIN TRANSACTION, an alias always after AS). Parsing the printed form
// gives the same tree, so print ∘ parse is a fixed point.

// formatter is implemented by every node.
type formatter interface {
	format(b *strings.Builder)
}

func nodeString(n formatter) string {
	var b strings.Builder
	n.format(&b)
	return b.String()
}

// QuoteIdent returns name as it must be written in T-SQL: unchanged when it
// is a plain identifier that is not a reserved word, else [bracketed].
func QuoteIdent(name string) string {
	if isPlainIdent(name) {
		return name
	}
	return "[" + strings.ReplaceAll(name, "]", "]]") + "]"
}

func writeIdent(b *strings.Builder, name string) {
	if isPlainIdent(name) {
		b.WriteString(name)
		return
	}
	b.WriteByte('[')
	b.WriteString(strings.ReplaceAll(name, "]", "]]"))
	b.WriteByte(']')
}

// isPlainIdent reports whether the lexer reads name as one unreserved
// identifier token.
func isPlainIdent(name string) bool {
	if name == "" {
		return false
	}
	for i, r := range name {
		if r < utf8.RuneSelf {
			c := byte(r)
			if i == 0 && !isIdentStart(c) || i > 0 && !isIdentByte(c) {
				return false
			}
			continue
		}
		if i == 0 && !unicode.IsLetter(r) || i > 0 && !isIdentRune(r) {
			return false
		}
	}
	if (name[0] == 'N' || name[0] == 'n') && len(name) > 1 && name[1] == '\'' {
		return false
	}
	return !IsReserved(name)
}

// QuoteString returns s as a T-SQL string literal.
func QuoteString(s string) string {
	var b strings.Builder
	writeString(&b, s)
	return b.String()
}

func writeString(b *strings.Builder, s string) {
	b.WriteByte('\'')
	b.WriteString(strings.ReplaceAll(s, "'", "''"))
	b.WriteByte('\'')
}

func writeNames(b *strings.Builder, names []string) {
	for i, n := range names {
		if i > 0 {
			b.WriteString(", ")
		}
		writeIdent(b, n)
	}
}

func writeExprs(b *strings.Builder, exprs []Expr) {
	for i, e := range exprs {
		if i > 0 {
			b.WriteString(", ")
		}
		e.(formatter).format(b)
	}
}

func writeParts(b *strings.Builder, parts []string) {
	for i, p := range parts {
		if i > 0 {
			b.WriteByte('.')
		}
		if p != "" {
			writeIdent(b, p)
		}
	}
}

func writeExpr(b *strings.Builder, e Expr) { e.(formatter).format(b) }

// ---------------------------------------------------------------------------
// Names and types

func (n ObjectName) String() string { return nodeString(n) }
func (n ObjectName) format(b *strings.Builder) {
	writeParts(b, n.Parts)
}

func (t TypeName) String() string { return nodeString(t) }
func (t TypeName) format(b *strings.Builder) {
	if t.Schema != "" {
		writeIdent(b, t.Schema)
		b.WriteByte('.')
	}
	writeIdent(b, t.Name)
	switch {
	case t.Max:
		b.WriteString("(MAX)")
	case len(t.Args) > 0:
		b.WriteByte('(')
		for i, a := range t.Args {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(strconv.Itoa(a))
		}
		b.WriteByte(')')
	}
	if t.Array {
		b.WriteString("[]")
	}
}

// ---------------------------------------------------------------------------
// Statements

func (s *CreateDatabase) String() string { return nodeString(s) }
func (s *CreateDatabase) format(b *strings.Builder) {
	b.WriteString("CREATE DATABASE ")
	writeIdent(b, s.Name)
}

func (s *DropDatabase) String() string { return nodeString(s) }
func (s *DropDatabase) format(b *strings.Builder) {
	b.WriteString("DROP DATABASE ")
	if s.IfExists {
		b.WriteString("IF EXISTS ")
	}
	writeNames(b, s.Names)
}

func (s *Use) String() string { return nodeString(s) }
func (s *Use) format(b *strings.Builder) {
	b.WriteString("USE ")
	writeIdent(b, s.Database)
}

func (s *AlterDatabase) String() string { return nodeString(s) }
func (s *AlterDatabase) format(b *strings.Builder) {
	b.WriteString("ALTER DATABASE ")
	if s.Current {
		b.WriteString("CURRENT")
	} else {
		writeIdent(b, s.Name)
	}
	b.WriteString(" SET ")
	s.Option.(formatter).format(b)
}

func (o *SetRecovery) String() string { return nodeString(o) }
func (o *SetRecovery) format(b *strings.Builder) {
	b.WriteString("RECOVERY ")
	b.WriteString(o.Model)
}

func (s *CreateTable) String() string { return nodeString(s) }
func (s *CreateTable) format(b *strings.Builder) {
	b.WriteString("CREATE TABLE ")
	s.Name.format(b)
	b.WriteString(" (")
	for i, c := range s.Columns {
		if i > 0 {
			b.WriteString(", ")
		}
		c.format(b)
	}
	if s.PrimaryKey != nil {
		if len(s.Columns) > 0 {
			b.WriteString(", ")
		}
		s.PrimaryKey.format(b)
	}
	for i, c := range s.Constraints {
		if i > 0 || len(s.Columns) > 0 || s.PrimaryKey != nil {
			b.WriteString(", ")
		}
		c.(formatter).format(b)
	}
	b.WriteByte(')')
	if s.Storage != "" {
		b.WriteByte(' ')
		b.WriteString(s.Storage)
	}
}

func (c *ColumnDef) String() string { return nodeString(c) }
func (c *ColumnDef) format(b *strings.Builder) {
	writeIdent(b, c.Name)
	b.WriteByte(' ')
	if c.Computed != nil {
		b.WriteString("AS ")
		writeExpr(b, c.Computed)
		if c.Persisted {
			b.WriteString(" PERSISTED")
		}
	} else {
		c.Type.format(b)
	}
	if c.Collation != "" {
		b.WriteString(" COLLATE ")
		writeIdent(b, c.Collation)
	}
	if c.Identity != nil {
		b.WriteByte(' ')
		c.Identity.format(b)
	}
	if c.Nullable != nil {
		if *c.Nullable {
			b.WriteString(" NULL")
		} else {
			b.WriteString(" NOT NULL")
		}
	}
	if c.Default != nil {
		if c.DefaultName != "" {
			b.WriteString(" CONSTRAINT ")
			writeIdent(b, c.DefaultName)
		}
		b.WriteString(" DEFAULT ")
		writeExpr(b, c.Default)
	}
	if c.PrimaryKey {
		if c.PrimaryKeyName != "" {
			b.WriteString(" CONSTRAINT ")
			writeIdent(b, c.PrimaryKeyName)
		}
		b.WriteString(" PRIMARY KEY")
		if c.PrimaryKeyNonclustered {
			b.WriteString(" NONCLUSTERED")
		}
	}
	c.formatColumnConstraints(b)
}

func (i *Identity) String() string { return nodeString(i) }
func (i *Identity) format(b *strings.Builder) {
	b.WriteString("IDENTITY(")
	b.WriteString(i.Seed)
	b.WriteString(", ")
	b.WriteString(i.Increment)
	b.WriteByte(')')
}

func (p *PrimaryKey) String() string { return nodeString(p) }
func (p *PrimaryKey) format(b *strings.Builder) {
	if p.Name != "" {
		b.WriteString("CONSTRAINT ")
		writeIdent(b, p.Name)
		b.WriteByte(' ')
	}
	b.WriteString("PRIMARY KEY ")
	if p.Nonclustered {
		b.WriteString("NONCLUSTERED ")
	}
	writeKeyColumns(b, p.Columns, p.Desc)
	if p.Storage != "" {
		b.WriteString(" " + p.Storage)
	}
}

func (s *DropTable) String() string { return nodeString(s) }
func (s *DropTable) format(b *strings.Builder) {
	b.WriteString("DROP TABLE ")
	if s.IfExists {
		b.WriteString("IF EXISTS ")
	}
	for i, n := range s.Names {
		if i > 0 {
			b.WriteString(", ")
		}
		n.format(b)
	}
}

func (s *TruncateTable) String() string { return nodeString(s) }
func (s *TruncateTable) format(b *strings.Builder) {
	b.WriteString("TRUNCATE TABLE ")
	s.Name.format(b)
}

func writeTran(b *strings.Builder, verb, name string) {
	b.WriteString(verb)
	b.WriteString(" TRANSACTION")
	if name != "" {
		b.WriteByte(' ')
		writeIdent(b, name)
	}
}

// format prints T-SQL's form, or START TRANSACTION with modes (BEGIN
// TRANSACTION DEFERRABLE would read back as a transaction's name).
func (s *BeginTran) String() string { return nodeString(s) }
func (s *BeginTran) format(b *strings.Builder) {
	if s.Modes == nil {
		writeTran(b, "BEGIN", s.Name)
		return
	}
	b.WriteString("START TRANSACTION ")
	s.Modes.format(b)
}

// format prints the modes given, comma-separated, in PostgreSQL's order.
func (m *TxModes) format(b *strings.Builder) {
	sep := ""
	for _, mode := range []struct{ prefix, value string }{
		{"ISOLATION LEVEL ", m.Isolation}, {"", m.Access}, {"", m.Deferrable},
	} {
		if mode.value != "" {
			b.WriteString(sep + mode.prefix + mode.value)
			sep = ", "
		}
	}
}

func (s *CommitTran) String() string { return nodeString(s) }
func (s *CommitTran) format(b *strings.Builder) {
	writeTran(b, "COMMIT", s.Name)
	writeChain(b, s.Chain)
}

func (s *RollbackTran) String() string { return nodeString(s) }
func (s *RollbackTran) format(b *strings.Builder) {
	if s.Savepoint {
		b.WriteString("ROLLBACK TRANSACTION TO SAVEPOINT ")
		writeIdent(b, s.Name)
		return
	}
	writeTran(b, "ROLLBACK", s.Name)
	writeChain(b, s.Chain)
}

func writeChain(b *strings.Builder, chain bool) {
	if chain {
		b.WriteString(" AND CHAIN")
	}
}

func (s *SaveTran) String() string            { return nodeString(s) }
func (s *SaveTran) format(b *strings.Builder) { writeTran(b, "SAVE", s.Name) }

func (s *ReleaseSavepoint) String() string { return nodeString(s) }
func (s *ReleaseSavepoint) format(b *strings.Builder) {
	b.WriteString("RELEASE SAVEPOINT ")
	writeIdent(b, s.Name)
}

func (s *SetTransaction) String() string { return nodeString(s) }
func (s *SetTransaction) format(b *strings.Builder) {
	b.WriteString("SET ")
	if s.Session {
		b.WriteString("SESSION CHARACTERISTICS AS ")
	}
	b.WriteString("TRANSACTION ")
	s.Modes.format(b)
}

var isolationLevels = map[string]bool{
	"READ UNCOMMITTED": true, "READ COMMITTED": true, "REPEATABLE READ": true,
	"SNAPSHOT": true, "SERIALIZABLE": true,
}

func (s *Set) String() string { return nodeString(s) }

// format prints the T-SQL form (SET NOCOUNT ON) when reading it back gives
// the same Name and Value, and the PostgreSQL form (SET name = 'value')
// otherwise.
func (s *Set) format(b *strings.Builder) {
	b.WriteString("SET ")
	if s.Table != nil {
		b.WriteString(s.Name + " ")
		s.Table.format(b)
		b.WriteString(" " + s.Value)
		return
	}
	if s.Name == isolationName && isolationLevels[s.Value] {
		b.WriteString(isolationName)
		b.WriteByte(' ')
		b.WriteString(s.Value)
		return
	}
	bareName := s.Name == strings.ToUpper(s.Name) &&
		(isPlainIdent(s.Name) || s.Name == "ROWCOUNT" || s.Name == "TEXTSIZE" || isStatistics(s.Name))
	if !s.PG && bareName && (s.Value == "ON" || s.Value == "OFF" || isPlainIdent(s.Value) || isPlainNumber(s.Value)) {
		b.WriteString(s.Name)
		b.WriteByte(' ')
		b.WriteString(s.Value)
		return
	}
	writeIdent(b, s.Name)
	b.WriteString(" = ")
	writeString(b, s.Value)
}

// isStatistics reports the names SET STATISTICS IO [, TIME ...] gives.
func isStatistics(name string) bool {
	opts, ok := strings.CutPrefix(name, "STATISTICS ")
	if !ok {
		return false
	}
	for _, o := range strings.Split(opts, ", ") {
		if !isPlainIdent(o) {
			return false
		}
	}
	return true
}

// isPlainNumber reports whether s is [-]digits[.digits].
func isPlainNumber(s string) bool {
	s = strings.TrimPrefix(s, "-")
	digits, dot := 0, false
	for i := 0; i < len(s); i++ {
		switch {
		case isDigit(s[i]):
			digits++
		case s[i] == '.' && !dot && digits > 0:
			dot = true
		default:
			return false
		}
	}
	return digits > 0
}

func (s *Show) String() string { return nodeString(s) }
func (s *Show) format(b *strings.Builder) {
	b.WriteString("SHOW ")
	if s.Name == "ALL" {
		b.WriteString("ALL")
		return
	}
	writeIdent(b, s.Name)
}

func (s *Exec) String() string { return nodeString(s) }
func (s *Exec) format(b *strings.Builder) {
	b.WriteString("EXEC ")
	s.Proc.format(b)
	for i, a := range s.Args {
		if i == 0 {
			b.WriteByte(' ')
		} else {
			b.WriteString(", ")
		}
		a.format(b)
	}
}

func (a *ExecArg) String() string { return nodeString(a) }
func (a *ExecArg) format(b *strings.Builder) {
	if a.Name != "" {
		b.WriteByte('@')
		b.WriteString(a.Name)
		b.WriteString(" = ")
	}
	writeExpr(b, a.Value)
}

func (s *Print) String() string { return nodeString(s) }
func (s *Print) format(b *strings.Builder) {
	b.WriteString("PRINT ")
	writeExpr(b, s.Expr)
}

func (s *WaitFor) String() string { return nodeString(s) }
func (s *WaitFor) format(b *strings.Builder) {
	if s.Time {
		b.WriteString("WAITFOR TIME ")
	} else {
		b.WriteString("WAITFOR DELAY ")
	}
	writeExpr(b, s.Value)
}

func (s *Reset) String() string { return nodeString(s) }
func (s *Reset) format(b *strings.Builder) {
	b.WriteString("RESET ")
	b.WriteString(s.Name)
}

func (s *Discard) String() string { return nodeString(s) }
func (s *Discard) format(b *strings.Builder) {
	b.WriteString("DISCARD ")
	b.WriteString(s.What)
}

func (s *Kill) String() string { return nodeString(s) }
func (s *Kill) format(b *strings.Builder) {
	b.WriteString("KILL ")
	b.WriteString(strconv.FormatInt(s.SessionID, 10))
	if s.StatusOnly {
		b.WriteString(" WITH STATUSONLY")
	}
}

func (s *Checkpoint) String() string            { return "CHECKPOINT" }
func (s *Checkpoint) format(b *strings.Builder) { b.WriteString("CHECKPOINT") }

func (s *Dbcc) String() string { return nodeString(s) }
func (s *Dbcc) format(b *strings.Builder) {
	b.WriteString("DBCC ")
	b.WriteString(s.Command)
	if len(s.Args) > 0 {
		b.WriteString(" (")
		writeExprs(b, s.Args)
		b.WriteByte(')')
	}
	if len(s.With) > 0 {
		b.WriteString(" WITH ")
		b.WriteString(strings.Join(s.With, ", "))
	}
}
