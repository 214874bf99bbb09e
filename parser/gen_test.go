package parser

import (
	"math/rand"
	"strings"
	"testing"
)

// exprGen writes random, mostly valid expressions and statements, to
// check the print/parse fixed point on shapes the fuzzer rarely reaches.
type exprGen struct {
	r *rand.Rand
	b strings.Builder
}

func (g *exprGen) pick(s ...string) string { return s[g.r.Intn(len(s))] }

func (g *exprGen) expr(depth int) {
	if depth <= 0 || g.r.Intn(4) == 0 {
		g.primary()
		return
	}
	switch g.r.Intn(12) {
	case 0, 1, 2:
		g.expr(depth - 1)
		g.b.WriteString(" " + g.pick("+", "-", "*", "/", "%", "&", "|", "^", "=", "<>", "!=", "<", ">", "<=", ">=", "!<", "!>", "AND", "OR") + " ")
		g.expr(depth - 1)
	case 3:
		g.b.WriteString(g.pick("-", "+", "~", "NOT ", "- "))
		g.expr(depth - 1)
	case 4:
		g.b.WriteString("(")
		g.expr(depth - 1)
		g.b.WriteString(")")
	case 5:
		g.expr(depth - 1)
		g.b.WriteString(g.pick(" IS NULL", " IS NOT NULL"))
	case 6:
		g.expr(depth - 1)
		g.b.WriteString(g.pick(" IN (", " NOT IN ("))
		if g.r.Intn(3) == 0 {
			g.sel(depth - 1)
		} else {
			g.expr(depth - 1)
			g.b.WriteString(", ")
			g.expr(depth - 1)
		}
		g.b.WriteString(")")
	case 7:
		g.expr(depth - 1)
		g.b.WriteString(g.pick(" BETWEEN ", " NOT BETWEEN "))
		g.expr(depth - 1)
		g.b.WriteString(" AND ")
		g.expr(depth - 1)
	case 8:
		g.expr(depth - 1)
		g.b.WriteString(g.pick(" LIKE ", " NOT LIKE "))
		g.expr(depth - 1)
		if g.r.Intn(2) == 0 {
			g.b.WriteString(" ESCAPE ")
			g.expr(depth - 1)
		}
	case 9:
		g.b.WriteString("CASE ")
		if g.r.Intn(2) == 0 {
			g.expr(depth - 1)
			g.b.WriteString(" ")
		}
		g.b.WriteString("WHEN ")
		g.expr(depth - 1)
		g.b.WriteString(" THEN ")
		g.expr(depth - 1)
		if g.r.Intn(2) == 0 {
			g.b.WriteString(" ELSE ")
			g.expr(depth - 1)
		}
		g.b.WriteString(" END")
	case 10:
		g.b.WriteString(g.pick("f(", "dbo.f(", "COALESCE(", "COUNT(DISTINCT ", "CAST(", "CONVERT(INT, "))
		g.expr(depth - 1)
		if strings.HasSuffix(g.b.String(), "CAST(") {
			g.b.WriteString(" AS VARCHAR(10))")
		} else {
			g.b.WriteString(")")
		}
	case 11:
		g.b.WriteString(g.pick("EXISTS (", "(", "NOT EXISTS ("))
		g.sel(depth - 1)
		g.b.WriteString(")")
	}
}

func (g *exprGen) primary() {
	g.b.WriteString(g.pick("a", "t.b", "[x y]", "\"q\"", "1", "2.5", ".5", "1e3", "'s'", "N'n'", "''''",
		"0xFF", "NULL", "@v", "@@SPID", "$1", "CURRENT_TIMESTAMP", "USER", "COUNT(*)", "rows", "[select]"))
}

func (g *exprGen) sel(depth int) {
	g.b.WriteString("SELECT ")
	g.b.WriteString(g.pick("", "DISTINCT ", "TOP 3 ", "TOP (2) PERCENT "))
	g.expr(depth)
	g.b.WriteString(g.pick("", " AS x", " y", ", *", ", t.*"))
	if g.r.Intn(2) == 0 {
		g.b.WriteString(" FROM t" + g.pick("", " a", " JOIN u ON ", " LEFT JOIN u AS v ON ", " CROSS JOIN w"))
		if strings.HasSuffix(g.b.String(), "ON ") {
			g.expr(depth)
		}
	}
	if g.r.Intn(2) == 0 {
		g.b.WriteString(" WHERE ")
		g.expr(depth)
	}
	if g.r.Intn(3) == 0 {
		g.b.WriteString(" GROUP BY ")
		g.expr(depth)
		g.b.WriteString(" HAVING ")
		g.expr(depth)
	}
	if g.r.Intn(3) == 0 {
		g.b.WriteString(" ORDER BY ")
		g.expr(depth)
		g.b.WriteString(g.pick("", " DESC", " ASC OFFSET 1 ROWS", " OFFSET 1 ROW FETCH NEXT 2 ROWS ONLY"))
	}
}

// name and str write a random name and string constant.
func (g *exprGen) name() string {
	return g.pick("a", "Endpoint_Mirroring", "[b c]", "[select]", `"q"`, "[x]]y]", `[dom\u]`, "#t", "[public]")
}

func (g *exprGen) str() string {
	return g.pick("'p'", "N'n'", "''''", `'C:\x.bak'`, "'TCP://h:7022'", "N'é'")
}

// list writes n items produced by f, separated by sep.
func (g *exprGen) list(n int, sep string, f func()) {
	for i := 0; i < n; i++ {
		if i > 0 {
			g.b.WriteString(sep)
		}
		f()
	}
}

// options writes the options that are set in random order, separated by
// commas or not.
func (g *exprGen) options(opts []func()) {
	g.r.Shuffle(len(opts), func(i, j int) { opts[i], opts[j] = opts[j], opts[i] })
	for i, o := range opts {
		if i > 0 {
			g.b.WriteString(g.pick(" ", ", ", ",", "\n"))
		}
		o()
	}
}

// admin writes a random administrative statement (ast_admin.go).
func (g *exprGen) admin() {
	w := g.b.WriteString
	opt := func() {
		switch g.r.Intn(4) {
		case 0:
			w(g.pick("FORMAT", "init", "COPY_ONLY", "NORECOVERY", "stats", "Replace"))
		case 1:
			w(g.pick("STATS", "file", "NAME", "DESCRIPTION", "STOPAT") + " = ")
			w(g.pick("10", "1.5", "2e3", g.str()))
		default:
			w("MOVE " + g.str() + " TO " + g.str())
		}
	}
	devices := func() {
		g.list(1+g.r.Intn(3), ", ", func() { w(g.pick("DISK", "disk", "URL", "TAPE") + " = " + g.str()) })
	}
	with := func() {
		if g.r.Intn(2) == 0 {
			w(" WITH ")
			g.list(1+g.r.Intn(4), ", ", opt)
		}
	}
	endpoint := func() {
		w(g.name())
		if g.r.Intn(3) == 0 {
			w(" AUTHORIZATION " + g.name())
		}
		if g.r.Intn(2) == 0 {
			w(" STATE = " + g.pick("STARTED", "stopped", "DISABLED"))
		}
		if g.r.Intn(3) > 0 {
			w(" AS " + g.pick("TCP", "tcp", "HTTP") + " (")
			var opts []func()
			if g.r.Intn(4) > 0 {
				opts = append(opts, func() { w("LISTENER_PORT = " + g.pick("7022", "0", "5022")) })
			}
			if g.r.Intn(2) == 0 {
				opts = append(opts, func() {
					w("LISTENER_IP = " + g.pick("ALL", "(127.0.0.1)", "( 10.0.0.255 )", "('::1')", "(N'fe80::1')"))
				})
			}
			if g.r.Intn(4) == 0 {
				opts = append(opts, func() { w("FOO = " + g.pick("1", "bar", "ON", "[off]", "0x1F", g.str())) })
			}
			g.options(opts)
			w(")")
		}
		if g.r.Intn(3) > 0 {
			w(" FOR " + g.pick("DATABASE_MIRRORING", "database_mirroring", "SERVICE_BROKER") + " (")
			var opts []func()
			if g.r.Intn(2) == 0 {
				opts = append(opts, func() {
					w("AUTHENTICATION = " + g.pick("WINDOWS", "WINDOWS KERBEROS", "windows ntlm CERTIFICATE c",
						"CERTIFICATE [c d]", "CERTIFICATE c WINDOWS NEGOTIATE", "CERTIFICATE c WINDOWS"))
				})
			}
			if g.r.Intn(2) == 0 {
				opts = append(opts, func() {
					w("ENCRYPTION = " + g.pick("DISABLED", "SUPPORTED", "REQUIRED ALGORITHM AES",
						"supported algorithm rc4 aes", "REQUIRED ALGORITHM AES RC4"))
				})
			}
			if g.r.Intn(4) > 0 {
				opts = append(opts, func() { w("ROLE = " + g.pick("ALL", "witness", "PARTNER")) })
			}
			if g.r.Intn(4) == 0 {
				opts = append(opts, func() { w("MESSAGE_FORWARDING = " + g.pick("ENABLED", "'x'", "5")) })
			}
			g.options(opts)
			w(")")
		}
	}
	loginOpt := func() {
		w(g.pick("CHECK_POLICY", "check_expiration", "DEFAULT_DATABASE", "SID", "NAME") + " = ")
		w(g.pick("ON", "OFF", "master", "[my db]", "0x01", g.str()))
	}
	switch g.r.Intn(14) {
	case 0:
		w("BACKUP " + g.pick("DATABASE ", "LOG ") + g.name() + " TO ")
		devices()
		with()
	case 1:
		switch g.r.Intn(3) {
		case 0:
			w("RESTORE " + g.pick("DATABASE ", "LOG ") + g.name())
			if g.r.Intn(2) == 0 {
				w(" FROM ")
				devices()
			}
		case 1:
			w("RESTORE DATABASE " + g.name() + " FROM DATABASE_SNAPSHOT = " + g.str())
		default:
			w("RESTORE " + g.pick("HEADERONLY", "filelistonly", "VERIFYONLY", "LABELONLY") + " FROM ")
			devices()
		}
		with()
	case 2:
		w(g.pick("CREATE", "ALTER") + " ENDPOINT ")
		endpoint()
	case 3:
		w("ALTER DATABASE " + g.pick(g.name(), "CURRENT") + " SET ")
		w(g.pick("PARTNER = "+g.str(), "PARTNER FAILOVER", "partner force_service_allow_data_loss", "PARTNER OFF",
			"PARTNER RESUME", "PARTNER SUSPEND", "PARTNER SAFETY FULL", "PARTNER SAFETY OFF", "PARTNER TIMEOUT 10",
			"PARTNER TIMEOUT 123456789012345678901234567890", "WITNESS = "+g.str(), "WITNESS OFF"))
	case 4:
		w("ALTER DATABASE " + g.name() + " SET " + g.pick("ONLINE", "offline", "EMERGENCY", "READ_ONLY", "READ_WRITE",
			"SINGLE_USER", "RESTRICTED_USER", "MULTI_USER", "RECOVERY FULL"))
		w(g.pick("", "", " WITH NO_WAIT", " WITH ROLLBACK IMMEDIATE", " WITH ROLLBACK AFTER 10 SECONDS", " WITH ROLLBACK AFTER 3"))
	case 5:
		w("CREATE LOGIN " + g.name())
		switch g.r.Intn(3) {
		case 0:
			w(" WITH PASSWORD = " + g.str() + g.pick("", " MUST_CHANGE"))
			if n := g.r.Intn(3); n > 0 {
				w(", ")
				g.list(n, ", ", loginOpt)
			}
		case 1:
			w(" FROM WINDOWS")
			if n := g.r.Intn(3); n > 0 {
				w(" WITH ")
				g.list(n, ", ", loginOpt)
			}
		default:
			w(" FROM CERTIFICATE " + g.name())
		}
	case 6:
		w("ALTER LOGIN " + g.name())
		switch g.r.Intn(3) {
		case 0:
			w(g.pick(" ENABLE", " DISABLE"))
		case 1:
			w(" WITH ")
			g.list(1+g.r.Intn(3), ", ", loginOpt)
		default:
			w(" WITH ")
			if g.r.Intn(2) == 0 {
				loginOpt()
				w(", ")
			}
			w("PASSWORD = " + g.str() + g.pick("", " OLD_PASSWORD = "+g.str(), " UNLOCK", " MUST_CHANGE UNLOCK"))
			if g.r.Intn(2) == 0 {
				w(", ")
				loginOpt()
			}
		}
	case 7:
		w("CREATE USER " + g.name() + g.pick("", " FOR LOGIN "+g.name(), " FROM LOGIN "+g.name(), " WITHOUT LOGIN"))
	case 8:
		w("DROP " + g.pick("ENDPOINT ", "LOGIN ", "USER ", "CERTIFICATE ") + g.name())
	case 9:
		w("CREATE MASTER KEY ENCRYPTION BY PASSWORD = " + g.str())
	case 10:
		w("CREATE CERTIFICATE " + g.name() + g.pick("", " AUTHORIZATION "+g.name()))
		if g.r.Intn(2) == 0 {
			w(" WITH SUBJECT = " + g.str() + g.pick("", ", EXPIRY_DATE = '11/30/2030'",
				", START_DATE = '1/1/2026', EXPIRY_DATE = '1/1/2030'"))
		} else {
			w(" FROM FILE = 'c.cer'" + g.pick("", " WITH PRIVATE KEY (FILE = "+g.str()+")",
				" WITH PRIVATE KEY (FILE = 'k', DECRYPTION BY PASSWORD = "+g.str()+")"))
		}
	case 11:
		w("BACKUP CERTIFICATE " + g.name() + " TO FILE = " + g.str() + g.pick("", " WITH PRIVATE KEY (FILE = 'k')",
			" WITH PRIVATE KEY (FILE = 'k', ENCRYPTION BY PASSWORD = "+g.str()+")"))
	default:
		verb := g.pick("GRANT", "REVOKE", "DENY", "revoke grant option for", "grant")
		w(verb + " ")
		g.list(1+g.r.Intn(3), ", ", func() {
			w(g.pick("CONNECT", "ALTER", "CONTROL", "take ownership", "VIEW DEFINITION", "select"))
		})
		w(" ON " + g.pick("ENDPOINT", "endpoint", "LOGIN", "SERVER ROLE", "USER", "DATABASE") + "::" + g.name())
		if strings.HasPrefix(strings.ToUpper(verb), "REVOKE") {
			w(g.pick(" FROM ", " TO "))
		} else {
			w(" TO ")
		}
		g.list(1+g.r.Intn(3), ", ", func() { w(g.pick(g.name(), "public", "PUBLIC")) })
		if strings.ToUpper(verb) == "GRANT" {
			w(g.pick("", " WITH GRANT OPTION"))
		} else {
			w(g.pick("", " CASCADE"))
		}
		w(g.pick("", " AS "+g.name()))
	}
}

var genCases, genSeed = 4000, int64(1)

func TestGeneratedRoundTrip(t *testing.T) {
	g := &exprGen{r: rand.New(rand.NewSource(genSeed))}
	parsed := 0
	for i := 0; i < genCases; i++ {
		g.b.Reset()
		switch i % 4 {
		case 0:
			g.sel(3)
		case 1:
			g.b.WriteString("UPDATE t SET a = ")
			g.expr(3)
			g.b.WriteString(" WHERE ")
			g.expr(3)
		case 2:
			g.b.WriteString("INSERT t VALUES (")
			g.expr(3)
			g.b.WriteString(", DEFAULT)")
		case 3:
			g.admin()
		}
		sql := g.b.String()
		stmts, err := parseBatch(BatchText{Text: sql, Line: 1, Count: 1}, false)
		if err != nil {
			checkError(t, sql, err)
			continue
		}
		parsed++
		for _, s := range stmts {
			checkRoundTrip(t, s.String())
		}
	}
	t.Logf("%d of %d parsed", parsed, genCases)
	if parsed < genCases/2 {
		t.Errorf("only %d of %d generated statements parsed", parsed, genCases)
	}
}
