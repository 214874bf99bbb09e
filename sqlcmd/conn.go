package sqlcmd

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// conn is the session's connection to one instance.
type conn struct {
	pg   *pgconn.PgConn
	name string // @@SERVERNAME, as messages name the server
}

func (c *conn) close() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	c.pg.Close(ctx)
}

// cancel sends a CancelRequest for the running batch.
func (c *conn) cancel() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = c.pg.CancelRequest(ctx)
}

// defaultPort is PostgreSQL's, where mirrordb listens by default.
const defaultPort = 5432

// address reads a server as sqlcmd's -S and :connect take it:
// [tcp:]host[,port] (host:port too); ".", "(local)" and "" are the local
// machine. An alias is looked up first.
func (s *Session) address(server string) (host string, port int, err error) {
	for name, addr := range s.cfg.Aliases {
		if strings.EqualFold(name, server) {
			server = addr
			break
		}
	}
	spec := strings.TrimSpace(server)
	if len(spec) >= 4 && strings.EqualFold(spec[:4], "tcp:") {
		spec = spec[4:]
	}
	host, portText := spec, ""
	if i := strings.LastIndexByte(spec, ','); i >= 0 {
		host, portText = spec[:i], spec[i+1:]
	} else if h, p, ok := strings.Cut(spec, ":"); ok && !strings.Contains(p, ":") {
		host, portText = h, p
	}
	if strings.ContainsRune(host, '\\') {
		return "", 0, fmt.Errorf("%s: mirrordb has no named instances; give the port instead (-S host,port)", server)
	}
	switch strings.ToLower(host) {
	case "", ".", "(local)":
		host = "127.0.0.1"
	}
	port = defaultPort
	if portText != "" {
		if port, err = strconv.Atoi(strings.TrimSpace(portText)); err != nil || port < 1 || port > 65535 {
			return "", 0, fmt.Errorf("%s: the port must be a number between 1 and 65535", server)
		}
	}
	return strings.Trim(host, "[]"), port, nil
}

// Connect opens a connection to server (replacing the current one) as
// user, or trusted when user is "". The old connection is closed even if
// the new one fails, so that a failed :CONNECT never leaves the next
// batches running on the previous instance.
func (s *Session) Connect(server, user, password string) error {
	if s.conn != nil {
		s.conn.close()
		s.conn = nil
	}
	host, port, err := s.address(server)
	if err != nil {
		return err
	}
	db := s.cfg.Database
	if db == "" {
		db = "master"
	}
	sslmode := "prefer"
	if s.cfg.Encrypt {
		sslmode = "verify-full"
		if s.cfg.TrustServerCertificate {
			sslmode = "require"
		}
	}
	settings := []string{"host", host, "port", strconv.Itoa(port), "dbname", db, "sslmode", sslmode,
		"application_name", "sqlcmd"}
	if user != "" {
		settings = append(settings, "user", user)
	}
	if password != "" {
		settings = append(settings, "password", password)
	}
	timeout := s.vars.int(varLoginTimeout, 8)
	if timeout > 0 {
		settings = append(settings, "connect_timeout", strconv.Itoa(timeout))
	}
	var cs strings.Builder
	for i := 0; i < len(settings); i += 2 {
		v := strings.ReplaceAll(strings.ReplaceAll(settings[i+1], `\`, `\\`), `'`, `\'`)
		fmt.Fprintf(&cs, "%s='%s' ", settings[i], v)
	}
	cfg, err := pgconn.ParseConfig(cs.String())
	if err != nil {
		return err
	}
	cfg.OnNotice = func(_ *pgconn.PgConn, n *pgconn.Notice) { s.notice(n) }
	ctx := context.Background()
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, time.Duration(timeout)*time.Second)
		defer cancel()
	}
	pg, err := pgconn.ConnectConfig(ctx, cfg)
	if err != nil {
		return connectError(err)
	}
	c := &conn{pg: pg, name: host}
	if res, err := pg.Exec(ctx, "SELECT @@SERVERNAME").ReadAll(); err == nil && len(res) == 1 && len(res[0].Rows) == 1 {
		c.name = string(res[0].Rows[0][0])
	}
	s.conn = c
	s.vars.put(varServer, server)
	s.vars.put(varDBName, db)
	s.vars.put(varUser, cfg.User)
	return nil
}

// connectError shortens pgconn's connect errors to what the server said
// (a login failure, a database that does not exist) or the network did.
func connectError(err error) error {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return errors.New(pg.Message)
	}
	var op *net.OpError
	if errors.As(err, &op) {
		return op
	}
	return err
}

// connectCommand is :connect server [-U login [-P password]] [-l
// seconds]. Without -U the connection is trusted; with -U and no -P the
// password comes from SQLCMDPASSWORD or, interactively, a prompt. A
// failed connection is an error like a failed batch (-b exits).
func (s *Session) connectCommand(src *source, a string) error {
	f := strings.Fields(a)
	if len(f) == 0 {
		return syntaxError(src, ":CONNECT")
	}
	var user, password string
	hasPassword := false
	for i := 1; i < len(f); i += 2 {
		if i+1 >= len(f) {
			return syntaxError(src, ":CONNECT")
		}
		switch strings.ToUpper(f[i]) {
		case "-U":
			user = f[i+1]
		case "-P":
			password, hasPassword = f[i+1], true
		case "-L":
			if n, err := strconv.Atoi(f[i+1]); err != nil || n < 0 {
				return syntaxError(src, ":CONNECT")
			}
			s.vars.put(varLoginTimeout, f[i+1])
		default:
			return syntaxError(src, ":CONNECT")
		}
	}
	if user != "" && !hasPassword {
		password = s.password()
	}
	if err := s.Connect(f[0], user, password); err != nil {
		s.cmdError("Sqlcmd: Error: " + err.Error())
		return s.account(batchResult{worst: clientErrorLevel})
	}
	return nil
}

// password is the password for a login given without one:
// SQLCMDPASSWORD, else a prompt when the session has a terminal.
func (s *Session) password() string {
	if pw, ok := os.LookupEnv("SQLCMDPASSWORD"); ok {
		return pw
	}
	if s.cfg.ReadPassword != nil {
		if pw, err := s.cfg.ReadPassword("Password: "); err == nil {
			return pw
		}
	}
	return ""
}
