package parser

import (
	"strconv"
	"strings"
)

// Printing of the administrative statements (see format.go). Canonical
// forms: options separated by commas, endpoint options in a fixed order
// (the known ones first, then the others as written), FOR LOGIN rather than
// FROM LOGIN, REVOKE ... FROM.

func writeDevices(b *strings.Builder, devs []*Device) {
	for i, d := range devs {
		if i > 0 {
			b.WriteString(", ")
		}
		d.format(b)
	}
}

func writeOptions(b *strings.Builder, opts []*BackupOption) {
	for i, o := range opts {
		if i > 0 {
			b.WriteString(", ")
		}
		o.format(b)
	}
}

func (d *Device) String() string { return nodeString(d) }
func (d *Device) format(b *strings.Builder) {
	b.WriteString(d.Kind)
	b.WriteString(" = ")
	writeString(b, d.Path)
}

func (o *BackupOption) String() string { return nodeString(o) }
func (o *BackupOption) format(b *strings.Builder) {
	if o.Name == "MOVE" && o.To != nil {
		b.WriteString("MOVE ")
		writeExpr(b, o.Value)
		b.WriteString(" TO ")
		writeExpr(b, o.To)
		return
	}
	b.WriteString(o.Name)
	if o.Value != nil {
		b.WriteString(" = ")
		writeOptionValue(b, o.Value)
	}
}

// writeOptionValue prints an option value; ON, OFF and ALL (kept as a
// one-part *ColumnRef) print bare.
func writeOptionValue(b *strings.Builder, v Expr) {
	if c, ok := v.(*ColumnRef); ok && len(c.Parts) == 1 && optionKeywords[c.Parts[0]] {
		b.WriteString(c.Parts[0])
		return
	}
	writeExpr(b, v)
}

func (s *Backup) String() string { return nodeString(s) }
func (s *Backup) format(b *strings.Builder) {
	if s.Log {
		b.WriteString("BACKUP LOG ")
	} else {
		b.WriteString("BACKUP DATABASE ")
	}
	writeIdent(b, s.Database)
	b.WriteString(" TO ")
	writeDevices(b, s.Devices)
	if len(s.Options) > 0 {
		b.WriteString(" WITH ")
		writeOptions(b, s.Options)
	}
}

func (s *Restore) String() string { return nodeString(s) }
func (s *Restore) format(b *strings.Builder) {
	b.WriteString("RESTORE ")
	b.WriteString(s.Kind)
	if s.Kind == "DATABASE" || s.Kind == "LOG" {
		b.WriteByte(' ')
		writeIdent(b, s.Database)
	}
	if len(s.Devices) > 0 {
		b.WriteString(" FROM ")
		writeDevices(b, s.Devices)
	}
	if len(s.Options) > 0 {
		b.WriteString(" WITH ")
		writeOptions(b, s.Options)
	}
}

// ---------------------------------------------------------------------------
// Endpoints

func (s *CreateEndpoint) String() string { return nodeString(s) }
func (s *CreateEndpoint) format(b *strings.Builder) {
	b.WriteString("CREATE ENDPOINT ")
	writeEndpoint(b, s.Name, s.Authorization, s.State, s.Transport, s.Payload)
}

func (s *AlterEndpoint) String() string { return nodeString(s) }
func (s *AlterEndpoint) format(b *strings.Builder) {
	b.WriteString("ALTER ENDPOINT ")
	writeEndpoint(b, s.Name, s.Authorization, s.State, s.Transport, s.Payload)
}

func writeEndpoint(b *strings.Builder, name, auth, state string, t *EndpointTransport, p *EndpointPayload) {
	writeIdent(b, name)
	if auth != "" {
		b.WriteString(" AUTHORIZATION ")
		writeIdent(b, auth)
	}
	if state != "" {
		b.WriteString(" STATE = ")
		b.WriteString(state)
	}
	if t != nil {
		b.WriteByte(' ')
		t.format(b)
	}
	if p != nil {
		b.WriteByte(' ')
		p.format(b)
	}
}

func (s *DropEndpoint) String() string { return nodeString(s) }
func (s *DropEndpoint) format(b *strings.Builder) {
	b.WriteString("DROP ENDPOINT ")
	writeIdent(b, s.Name)
}

// optionList writes "a, b, c" for options printed one by one.
type optionList struct {
	b     *strings.Builder
	count int
}

func (l *optionList) next() *strings.Builder {
	if l.count > 0 {
		l.b.WriteString(", ")
	}
	l.count++
	return l.b
}

func (t *EndpointTransport) String() string { return nodeString(t) }
func (t *EndpointTransport) format(b *strings.Builder) {
	b.WriteString("AS ")
	b.WriteString(t.Protocol)
	b.WriteString(" (")
	l := optionList{b: b}
	if t.ListenerPort != nil {
		l.next().WriteString("LISTENER_PORT = ")
		b.WriteString(strconv.Itoa(*t.ListenerPort))
	}
	switch {
	case t.ListenerIP == "":
	case t.ListenerIP == "ALL":
		l.next().WriteString("LISTENER_IP = ALL")
	case isIPv4Shape(t.ListenerIP):
		l.next().WriteString("LISTENER_IP = (")
		b.WriteString(t.ListenerIP)
		b.WriteByte(')')
	default:
		l.next().WriteString("LISTENER_IP = (")
		writeString(b, t.ListenerIP)
		b.WriteByte(')')
	}
	for _, o := range t.Other {
		o.format(l.next())
	}
	b.WriteByte(')')
}

func (p *EndpointPayload) String() string { return nodeString(p) }
func (p *EndpointPayload) format(b *strings.Builder) {
	b.WriteString("FOR ")
	b.WriteString(p.Type)
	b.WriteString(" (")
	l := optionList{b: b}
	if p.Authentication != nil {
		l.next().WriteString("AUTHENTICATION = ")
		p.Authentication.format(b)
	}
	if p.Encryption != nil {
		l.next().WriteString("ENCRYPTION = ")
		p.Encryption.format(b)
	}
	if p.Role != "" {
		l.next().WriteString("ROLE = ")
		b.WriteString(p.Role)
	}
	for _, o := range p.Other {
		o.format(l.next())
	}
	b.WriteByte(')')
}

func (a *EndpointAuth) String() string { return nodeString(a) }
func (a *EndpointAuth) format(b *strings.Builder) {
	windows := func() {
		b.WriteString("WINDOWS")
		if a.WindowsKind != "" {
			b.WriteByte(' ')
			b.WriteString(a.WindowsKind)
		}
	}
	cert := func() {
		b.WriteString("CERTIFICATE ")
		writeIdent(b, a.Certificate)
	}
	switch {
	case a.Windows && a.Certificate != "" && a.CertificateFirst:
		cert()
		b.WriteByte(' ')
		windows()
	case a.Windows && a.Certificate != "":
		windows()
		b.WriteByte(' ')
		cert()
	case a.Windows:
		windows()
	default:
		cert()
	}
}

func (e *EndpointEncryption) String() string { return nodeString(e) }
func (e *EndpointEncryption) format(b *strings.Builder) {
	b.WriteString(e.Mode)
	if len(e.Algorithms) > 0 {
		b.WriteString(" ALGORITHM")
		for _, a := range e.Algorithms {
			b.WriteByte(' ')
			b.WriteString(a)
		}
	}
}

// ---------------------------------------------------------------------------
// ALTER DATABASE mirroring and state options

func (o *SetPartner) String() string { return nodeString(o) }
func (o *SetPartner) format(b *strings.Builder) {
	b.WriteString("PARTNER")
	switch o.Action {
	case "":
		b.WriteString(" = ")
		writeString(b, o.Address)
	case "SAFETY":
		b.WriteString(" SAFETY ")
		b.WriteString(o.Safety)
	case "TIMEOUT":
		b.WriteString(" TIMEOUT ")
		b.WriteString(o.Timeout)
	default:
		b.WriteByte(' ')
		b.WriteString(o.Action)
	}
}

func (o *SetWitness) String() string { return nodeString(o) }
func (o *SetWitness) format(b *strings.Builder) {
	if o.Off {
		b.WriteString("WITNESS OFF")
		return
	}
	b.WriteString("WITNESS = ")
	writeString(b, o.Address)
}

func (o *SetDatabaseState) String() string { return nodeString(o) }
func (o *SetDatabaseState) format(b *strings.Builder) {
	b.WriteString(o.State)
	if o.Termination != "" {
		b.WriteString(" WITH ")
		b.WriteString(o.Termination)
	}
}

// ---------------------------------------------------------------------------
// Logins and users

// writePasswordOptions writes PASSWORD = 'p', the password attributes
// (OLD_PASSWORD = 'o', MUST_CHANGE, UNLOCK) after it, then the other
// options after commas.
func writePasswordOptions(b *strings.Builder, password string, opts []*BackupOption) {
	b.WriteString("PASSWORD = ")
	writeString(b, password)
	for _, o := range opts {
		if passwordAttrs[o.Name] {
			b.WriteByte(' ')
			o.format(b)
		}
	}
	for _, o := range opts {
		if !passwordAttrs[o.Name] {
			b.WriteString(", ")
			o.format(b)
		}
	}
}

func (s *CreateLogin) String() string { return nodeString(s) }
func (s *CreateLogin) format(b *strings.Builder) {
	b.WriteString("CREATE LOGIN ")
	writeIdent(b, s.Name)
	switch {
	case s.HasPassword:
		b.WriteString(" WITH ")
		writePasswordOptions(b, s.Password, s.Options)
	case s.FromWindows:
		b.WriteString(" FROM WINDOWS")
		if len(s.Options) > 0 {
			b.WriteString(" WITH ")
			writeOptions(b, s.Options)
		}
	case s.Certificate != "":
		b.WriteString(" FROM CERTIFICATE ")
		writeIdent(b, s.Certificate)
	}
}

func (s *AlterLogin) String() string { return nodeString(s) }
func (s *AlterLogin) format(b *strings.Builder) {
	b.WriteString("ALTER LOGIN ")
	writeIdent(b, s.Name)
	switch {
	case s.Enable:
		b.WriteString(" ENABLE")
	case s.Disable:
		b.WriteString(" DISABLE")
	case s.HasPassword:
		b.WriteString(" WITH ")
		writePasswordOptions(b, s.Password, s.Options)
	case len(s.Options) > 0:
		b.WriteString(" WITH ")
		writeOptions(b, s.Options)
	}
}

func (s *DropLogin) String() string { return nodeString(s) }
func (s *DropLogin) format(b *strings.Builder) {
	b.WriteString("DROP LOGIN ")
	writeIdent(b, s.Name)
}

func (s *CreateUser) String() string { return nodeString(s) }
func (s *CreateUser) format(b *strings.Builder) {
	b.WriteString("CREATE USER ")
	writeIdent(b, s.Name)
	switch {
	case s.WithoutLogin:
		b.WriteString(" WITHOUT LOGIN")
	case s.Login != "":
		b.WriteString(" FOR LOGIN ")
		writeIdent(b, s.Login)
	}
}

func (s *DropUser) String() string { return nodeString(s) }
func (s *DropUser) format(b *strings.Builder) {
	b.WriteString("DROP USER ")
	writeIdent(b, s.Name)
}

// ---------------------------------------------------------------------------
// Keys and certificates

func (s *CreateMasterKey) String() string { return nodeString(s) }
func (s *CreateMasterKey) format(b *strings.Builder) {
	b.WriteString("CREATE MASTER KEY ENCRYPTION BY PASSWORD = ")
	writeString(b, s.Password)
}

func (s *CreateCertificate) String() string { return nodeString(s) }
func (s *CreateCertificate) format(b *strings.Builder) {
	b.WriteString("CREATE CERTIFICATE ")
	writeIdent(b, s.Name)
	if s.Authorization != "" {
		b.WriteString(" AUTHORIZATION ")
		writeIdent(b, s.Authorization)
	}
	if s.FromFile != "" || s.PrivateKey != nil {
		b.WriteString(" FROM FILE = ")
		writeString(b, s.FromFile)
		if s.PrivateKey != nil {
			b.WriteString(" WITH ")
			s.PrivateKey.formatAs(b, "DECRYPTION")
		}
		return
	}
	b.WriteString(" WITH SUBJECT = ")
	writeString(b, s.Subject)
	if s.ExpiryDate != "" {
		b.WriteString(", EXPIRY_DATE = ")
		writeString(b, s.ExpiryDate)
	}
	if s.StartDate != "" {
		b.WriteString(", START_DATE = ")
		writeString(b, s.StartDate)
	}
}

func (s *BackupCertificate) String() string { return nodeString(s) }
func (s *BackupCertificate) format(b *strings.Builder) {
	b.WriteString("BACKUP CERTIFICATE ")
	writeIdent(b, s.Name)
	b.WriteString(" TO FILE = ")
	writeString(b, s.File)
	if s.PrivateKey != nil {
		b.WriteString(" WITH ")
		s.PrivateKey.formatAs(b, "ENCRYPTION")
	}
}

// String prints the clause as BACKUP CERTIFICATE writes it; CREATE
// CERTIFICATE writes DECRYPTION BY instead.
func (k *PrivateKeySpec) String() string            { return nodeString(k) }
func (k *PrivateKeySpec) format(b *strings.Builder) { k.formatAs(b, "ENCRYPTION") }

func (k *PrivateKeySpec) formatAs(b *strings.Builder, by string) {
	b.WriteString("PRIVATE KEY (FILE = ")
	writeString(b, k.File)
	if k.Password != "" {
		b.WriteString(", ")
		b.WriteString(by)
		b.WriteString(" BY PASSWORD = ")
		writeString(b, k.Password)
	}
	b.WriteByte(')')
}

func (s *DropCertificate) String() string { return nodeString(s) }
func (s *DropCertificate) format(b *strings.Builder) {
	b.WriteString("DROP CERTIFICATE ")
	writeIdent(b, s.Name)
}

// ---------------------------------------------------------------------------
// Permissions

func (s *Grant) String() string { return nodeString(s) }
func (s *Grant) format(b *strings.Builder) {
	b.WriteString(s.Verb)
	b.WriteByte(' ')
	if s.Verb == "REVOKE" && s.GrantOption {
		b.WriteString("GRANT OPTION FOR ")
	}
	b.WriteString(strings.Join(s.Permissions, ", "))
	b.WriteString(" ON ")
	b.WriteString(s.Class)
	b.WriteString("::")
	writeIdent(b, s.Object)
	if s.Verb == "REVOKE" {
		b.WriteString(" FROM ")
	} else {
		b.WriteString(" TO ")
	}
	for i, p := range s.Principals {
		if i > 0 {
			b.WriteString(", ")
		}
		if strings.EqualFold(p, "public") {
			b.WriteString("public") // the role; the keyword needs no brackets here
		} else {
			writeIdent(b, p)
		}
	}
	if s.Verb == "GRANT" && s.GrantOption {
		b.WriteString(" WITH GRANT OPTION")
	}
	if s.Cascade {
		b.WriteString(" CASCADE")
	}
	if s.As != "" {
		b.WriteString(" AS ")
		writeIdent(b, s.As)
	}
}
