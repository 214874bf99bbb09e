package parser

import (
	"strconv"
	"strings"

	"github.com/alecthomas/participle/v2/lexer"
)

// Conversion of the administrative statements (grammar_admin.go) into
// ast_admin.go nodes, with the checks the grammar cannot express: each is
// a syntax error at the offending token.

// upperWord upper-cases the ASCII letters of a free-form word (an option
// name, a protocol, a permission). Unlike strings.ToUpper it cannot turn an
// identifier into a reserved keyword (lookupKeyword folds ASCII only), so
// the printed word reads back as the same token. Words the grammar matched
// against a literal go through strings.ToUpper, which gives the literal's
// spelling even for a non-ASCII match such as 'ſafety'.
func upperWord(s string) string {
	for i := 0; i < len(s); i++ {
		if 'a' <= s[i] && s[i] <= 'z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'a' <= b[j] && b[j] <= 'z' {
					b[j] -= 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// upperWords upper-cases words (upperWord) and joins them with spaces.
func upperWords(words []string) string {
	out := make([]string, len(words))
	for i, w := range words {
		out[i] = upperWord(w)
	}
	return strings.Join(out, " ")
}

// isDigits reports whether s is a non-empty run of decimal digits.
func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// ---------------------------------------------------------------------------
// BACKUP and RESTORE

func (s *backupStmt) build(src string) (Statement, error) {
	devs, err := buildDevices(src, s.Devices, false)
	if err != nil {
		return nil, err
	}
	return &Backup{Pos: posOf(s.Pos), Log: s.Log, Database: unquote(s.Database),
		Devices: devs, Options: buildBackupOptions(s.Options)}, nil
}

func (s *restoreStmt) build(src string) (Statement, error) {
	r := &Restore{Pos: posOf(s.Pos), Options: buildBackupOptions(s.Options)}
	devices := s.Devices
	if s.Only != "" {
		r.Kind, devices = strings.ToUpper(s.Only), s.OnlyDevices
	} else {
		r.Kind, r.Database = strings.ToUpper(s.Kind), unquote(s.Database)
	}
	devs, err := buildDevices(src, devices, true)
	if err != nil {
		return nil, err
	}
	r.Devices = devs
	return r, nil
}

// buildDevices converts a device list; DATABASE_SNAPSHOT is a RESTORE
// source only.
func buildDevices(src string, devices []*device, restore bool) ([]*Device, error) {
	if len(devices) == 0 {
		return nil, nil
	}
	out := make([]*Device, len(devices))
	for i, d := range devices {
		kind := strings.ToUpper(d.Kind)
		if kind == "DATABASE_SNAPSHOT" && !restore {
			return nil, errAt(tokenAt(src, d.Pos))
		}
		out[i] = &Device{Pos: posOf(d.Pos), Kind: kind, Path: unquote(d.Path)}
	}
	return out, nil
}

func buildBackupOptions(opts []*backupOpt) []*BackupOption {
	if len(opts) == 0 {
		return nil
	}
	out := make([]*BackupOption, len(opts))
	for i, o := range opts {
		if o.Move.lit != nil {
			out[i] = &BackupOption{Pos: posOf(o.Pos), Name: "MOVE", Value: o.Move.lit, To: o.To.expr()}
			continue
		}
		out[i] = &BackupOption{Pos: posOf(o.Pos), Name: upperWord(o.Name), Value: o.Value.expr()}
	}
	return out
}

// ---------------------------------------------------------------------------
// Endpoints

func (s *createEndpointStmt) build(src string) (Statement, error) {
	b, err := s.Body.build(src)
	if err != nil {
		return nil, err
	}
	return &CreateEndpoint{Pos: posOf(s.Pos), Name: unquote(s.Name), Authorization: b.Authorization,
		State: b.State, Transport: b.Transport, Payload: b.Payload}, nil
}

func (s *alterEndpointStmt) build(src string) (Statement, error) {
	b, err := s.Body.build(src)
	if err != nil {
		return nil, err
	}
	return &AlterEndpoint{Pos: posOf(s.Pos), Name: unquote(s.Name), Authorization: b.Authorization,
		State: b.State, Transport: b.Transport, Payload: b.Payload}, nil
}

// endpointClauses is an endpointBody converted.
type endpointClauses struct {
	Authorization, State string
	Transport            *EndpointTransport
	Payload              *EndpointPayload
}

func (b *endpointBody) build(src string) (endpointClauses, error) {
	c := endpointClauses{Authorization: unquote(b.Authorization), State: strings.ToUpper(b.State)}
	if t := b.Transport; t != nil {
		tr := &EndpointTransport{Pos: posOf(t.Pos), Protocol: upperWord(t.Protocol)}
		for _, o := range t.Options {
			dup := false
			switch {
			case o.Port != nil:
				n, err := strconv.Atoi(o.Port.Value)
				if !isDigits(o.Port.Value) || err != nil {
					return c, errAt(o.Port)
				}
				dup, tr.ListenerPort = tr.ListenerPort != nil, &n
			case o.IP != nil:
				dup, tr.ListenerIP = tr.ListenerIP != "", o.IP.addr
			default:
				tr.Other = append(tr.Other, o.Other.build())
			}
			if dup {
				return c, errAt(tokenAt(src, o.Pos))
			}
		}
		c.Transport = tr
	}
	if p := b.Payload; p != nil {
		pl := &EndpointPayload{Pos: posOf(p.Pos), Type: upperWord(p.Type)}
		for _, o := range p.Options {
			dup := false
			switch {
			case o.Auth != nil:
				dup, pl.Authentication = pl.Authentication != nil, o.Auth.build()
			case o.Enc != nil:
				dup, pl.Encryption = pl.Encryption != nil, o.Enc.build()
			case o.Role != "":
				dup, pl.Role = pl.Role != "", strings.ToUpper(o.Role)
			default:
				pl.Other = append(pl.Other, o.Other.build())
			}
			if dup {
				return c, errAt(tokenAt(src, o.Pos))
			}
		}
		c.Payload = pl
	}
	return c, nil
}

func (a *endpointAuth) build() *EndpointAuth {
	if a.CertFirst != "" {
		return &EndpointAuth{Pos: posOf(a.Pos), Certificate: unquote(a.CertFirst), Windows: a.Windows2,
			WindowsKind: strings.ToUpper(a.Kind2), CertificateFirst: a.Windows2}
	}
	return &EndpointAuth{Pos: posOf(a.Pos), Windows: a.Windows, WindowsKind: strings.ToUpper(a.Kind),
		Certificate: unquote(a.Cert)}
}

func (e *endpointEnc) build() *EndpointEncryption {
	enc := &EndpointEncryption{Pos: posOf(e.Pos), Mode: "DISABLED"}
	if e.Disabled {
		return enc
	}
	enc.Mode = strings.ToUpper(e.Mode)
	algs := e.AESFirst
	if len(algs) == 0 {
		algs = e.RC4First
	}
	for _, a := range algs {
		enc.Algorithms = append(enc.Algorithms, strings.ToUpper(a))
	}
	return enc
}

func (o *otherOpt) build() *BackupOption {
	return &BackupOption{Pos: posOf(o.Pos), Name: upperWord(o.Name), Value: o.Value.x}
}

// ---------------------------------------------------------------------------
// DROP

func (s *dropObjectStmt) build(string) (Statement, error) {
	pos, name := posOf(s.Pos), unquote(s.Name)
	switch strings.ToUpper(s.Kind) {
	case "ENDPOINT":
		return &DropEndpoint{Pos: pos, Name: name}, nil
	case "LOGIN":
		return &DropLogin{Pos: pos, Name: name}, nil
	case "USER":
		return &DropUser{Pos: pos, Name: name}, nil
	default:
		return &DropCertificate{Pos: pos, Name: name}, nil
	}
}

// ---------------------------------------------------------------------------
// Logins and users

// Password attributes: options written right after PASSWORD = 'p',
// without a comma. In the tree they are options like the others (a nil
// Value for the flags), listed first.
var passwordAttrs = map[string]bool{"OLD_PASSWORD": true, "MUST_CHANGE": true, "UNLOCK": true}

func (s *createLoginStmt) build(string) (Statement, error) {
	l := &CreateLogin{Pos: posOf(s.Pos), Name: unquote(s.Name), HasPassword: s.HasPassword,
		FromWindows: s.Windows, Certificate: unquote(s.Certificate)}
	opts := s.WinOptions
	if s.HasPassword {
		l.Password, opts = unquote(s.Password), s.Options
		if s.MustChange != nil {
			l.Options = append(l.Options, &BackupOption{Pos: posOf(s.MustChange.Pos), Name: "MUST_CHANGE"})
		}
	}
	for _, o := range opts {
		l.Options = append(l.Options, o.build())
	}
	return l, nil
}

func (o *loginOpt) build() *BackupOption {
	return &BackupOption{Pos: posOf(o.Pos), Name: upperWord(o.Name), Value: o.Value.x}
}

func (s *alterLoginStmt) build(src string) (Statement, error) {
	l := &AlterLogin{Pos: posOf(s.Pos), Name: unquote(s.Name), Enable: s.Enable, Disable: s.Disable}
	var others []*BackupOption
	for _, it := range s.Items {
		if it.Option != nil {
			others = append(others, it.Option.build())
			continue
		}
		if l.HasPassword {
			return nil, errAt(tokenAt(src, it.Pos))
		}
		l.HasPassword, l.Password = true, unquote(it.Password)
		for _, a := range it.Attrs {
			o := &BackupOption{Pos: posOf(a.Pos), Name: strings.ToUpper(a.Flag)}
			if a.Old != nil {
				o.Name, o.Value = "OLD_PASSWORD", literalToken(a.Old)
			}
			l.Options = append(l.Options, o)
		}
	}
	l.Options = append(l.Options, others...)
	return l, nil
}

func (s *createUserStmt) build(string) (Statement, error) {
	return &CreateUser{Pos: posOf(s.Pos), Name: unquote(s.Name), Login: unquote(s.Login), WithoutLogin: s.Without}, nil
}

// ---------------------------------------------------------------------------
// Keys and certificates

func (s *createMasterKeyStmt) build(string) (Statement, error) {
	return &CreateMasterKey{Pos: posOf(s.Pos), Password: unquote(s.Password)}, nil
}

// In CREATE CERTIFICATE an empty FROM FILE path or date would print as
// absent, so they are refused here (the engine would refuse them anyway).

func (s *createCertificateStmt) build(src string) (Statement, error) {
	c := &CreateCertificate{Pos: posOf(s.Pos), Name: unquote(s.Name), Authorization: unquote(s.Authorization)}
	if s.Subject != nil {
		c.Subject = unquote(s.Subject.Value)
		for _, d := range s.Dates {
			v := unquote(d.Value.Value)
			if v == "" {
				return nil, errAt(&d.Value)
			}
			field := &c.ExpiryDate
			if strings.EqualFold(d.Kind, "START_DATE") {
				field = &c.StartDate
			}
			if *field != "" {
				return nil, errAt(tokenAt(src, d.Pos))
			}
			*field = v
		}
		return c, nil
	}
	if c.FromFile = unquote(s.File.Value); c.FromFile == "" {
		return nil, errAt(s.File)
	}
	if k := s.PrivateKey; k != nil {
		c.PrivateKey = &PrivateKeySpec{Pos: posOf(k.Pos), File: unquote(k.File), Password: unquote(k.Password)}
	}
	return c, nil
}

func (s *backupCertificateStmt) build(string) (Statement, error) {
	b := &BackupCertificate{Pos: posOf(s.Pos), Name: unquote(s.Name), File: unquote(s.File)}
	if k := s.PrivateKey; k != nil {
		b.PrivateKey = &PrivateKeySpec{Pos: posOf(k.Pos), File: unquote(k.File), Password: unquote(k.Password)}
	}
	return b, nil
}

// ---------------------------------------------------------------------------
// GRANT, REVOKE, DENY

func (s *grantStmt) build(string) (Statement, error) {
	g := &Grant{Pos: posOf(s.Pos), Verb: s.Verb, Class: upperWords(s.Class),
		Object: unquote(s.Object), Principals: unquoteAll(s.Principals), As: unquote(s.As)}
	for i, p := range s.Principals {
		if p == "PUBLIC" { // the keyword: the public role
			g.Principals[i] = "public"
		}
	}
	// GRANT ... TO [WITH GRANT OPTION]; REVOKE [GRANT OPTION FOR] ...
	// { TO | FROM } [CASCADE]; DENY ... TO [CASCADE].
	var bad *lexer.Token
	switch s.Verb {
	case "GRANT":
		bad = firstToken(s.OptionFor, tokIf(s.To.Value == "FROM", &s.To), s.Cascade)
		g.GrantOption = s.With != nil
	case "REVOKE":
		bad = s.With
		g.GrantOption = s.OptionFor != nil
	case "DENY":
		bad = firstToken(s.OptionFor, tokIf(s.To.Value == "FROM", &s.To), s.With)
	}
	if bad != nil {
		return nil, errAt(bad)
	}
	g.Cascade = s.Cascade != nil
	g.Permissions = make([]string, len(s.Permissions))
	for i, p := range s.Permissions {
		g.Permissions[i] = upperWords(p.Words)
	}
	return g, nil
}

func tokIf(cond bool, t *lexer.Token) *lexer.Token {
	if cond {
		return t
	}
	return nil
}

// firstToken returns the first non-nil token in source order.
func firstToken(toks ...*lexer.Token) *lexer.Token {
	var first *lexer.Token
	for _, t := range toks {
		if t != nil && (first == nil || t.Pos.Offset < first.Pos.Offset) {
			first = t
		}
	}
	return first
}

// ---------------------------------------------------------------------------
// ALTER DATABASE options

func (o *dbOption) build() (DatabaseOption, error) {
	pos := posOf(o.Pos)
	switch {
	case o.Partner != nil:
		p := o.Partner
		sp := &SetPartner{Pos: posOf(p.Pos), Address: unquote(p.Address), Action: strings.ToUpper(p.Action)}
		switch {
		case p.Safety != "":
			sp.Action, sp.Safety = "SAFETY", strings.ToUpper(p.Safety)
		case p.Timeout != nil:
			if !isDigits(p.Timeout.Value) {
				return nil, errAt(p.Timeout)
			}
			sp.Action, sp.Timeout = "TIMEOUT", p.Timeout.Value
		}
		return sp, nil
	case o.Witness != nil:
		return &SetWitness{Pos: posOf(o.Witness.Pos), Address: unquote(o.Witness.Address), Off: o.Witness.Off}, nil
	case o.State != "":
		st := &SetDatabaseState{Pos: pos, State: strings.ToUpper(o.State)}
		if t := o.Termination; t != nil {
			switch {
			case t.NoWait:
				st.Termination = "NO_WAIT"
			case t.Immediate:
				st.Termination = "ROLLBACK IMMEDIATE"
			default:
				if !isDigits(t.After.Value) {
					return nil, errAt(t.After)
				}
				st.Termination = "ROLLBACK AFTER " + t.After.Value
			}
		}
		return st, nil
	}
	return &SetRecovery{Pos: pos, Model: strings.ToUpper(o.Recovery)}, nil
}
