package wire

import (
	"context"
	"encoding/binary"
	"fmt"
	"sort"
	"strings"

	"github.com/jackc/pgproto3/v2"

	"mirrordb/session"
	"mirrordb/sqlerr"
)

// Startup packet codes (the first int32 after the length).
const (
	protocol30        = 3 << 16 // 196608
	codeCancelRequest = 80877102
	codeSSLRequest    = 80877103
	codeGSSEncRequest = 80877104
	// maxStartupPacket is PostgreSQL's MAX_STARTUP_PACKET_LENGTH.
	maxStartupPacket = 10000
)

// Authenticator checks a client's identity during startup, after the
// StartupMessage and before Backend.Open. A nil error admits the client
// as login (session.Startup.Login; "" under trust); an error (18456 with
// 28P01 for a failed login, 28000 otherwise) is sent to it as FATAL. wire
// sends AuthenticationOk itself afterwards.
//
// Trust is here; SCRAM-SHA-256 (package auth) sends AuthenticationSASL /
// SASLContinue / SASLFinal through ex and reads SASLInitialResponse /
// SASLResponse from it.
type Authenticator interface {
	Authenticate(ctx context.Context, ex AuthExchange, s session.Startup) (login string, err error)
}

// AuthExchange is the connection as an Authenticator sees it.
type AuthExchange interface {
	// Request sends an authentication request (an Authentication*
	// message other than AuthenticationOk) and flushes it. It also tells
	// the decoder what the client's next 'p' message is (password, SASL
	// initial response, SASL response).
	Request(msg pgproto3.BackendMessage) error
	// Receive reads the client's answer: a *pgproto3.PasswordMessage,
	// *pgproto3.SASLInitialResponse, *pgproto3.SASLResponse or
	// *pgproto3.GSSResponse. Anything else is a protocol violation.
	Receive() (pgproto3.FrontendMessage, error)
}

// Trust admits every client under the user name it gives.
type Trust struct{}

// Authenticate implements Authenticator.
func (Trust) Authenticate(context.Context, AuthExchange, session.Startup) (string, error) {
	return "", nil
}

// handshake runs the startup phase: SSL and GSS encryption requests are
// declined, a CancelRequest is served and ends the connection, and a
// StartupMessage opens the session.
func (c *conn) handshake() error {
	for {
		msg, err := c.receiveStartup()
		if err != nil {
			return err
		}
		switch m := msg.(type) {
		case *pgproto3.SSLRequest:
			if err := c.negotiateTLS(); err != nil {
				return err
			}
		case *pgproto3.GSSEncRequest:
			// 'N' tells the client to go on without GSS encryption.
			if err := c.write([]byte{'N'}); err != nil {
				return err
			}
			if err := c.flush(); err != nil {
				return err
			}
		case *pgproto3.CancelRequest:
			c.srv.cancelRequest(m.ProcessID, m.SecretKey)
			return &connEnd{cause: errCancelRequest}
		case *pgproto3.StartupMessage:
			if c.srv.cfg.RequireTLS && !c.encrypted {
				// Login failed, the reason only in the log (SQL Server's
				// way): this instance accepts encrypted connections only.
				c.log.Info("wire: login refused: the connection is not encrypted and --require-tls is set",
					"user", m.Parameters["user"])
				e := sqlerr.New(18456, m.Parameters["user"])
				e.Code = sqlerr.InvalidAuthorization
				return fatal(e)
			}
			return c.startSession(m)
		}
	}
}

// receiveStartup reads one startup packet. It is read here rather than by
// Backend.ReceiveStartupMessage so that minor protocol versions above 3.0
// can be negotiated down instead of refused.
func (c *conn) receiveStartup() (pgproto3.FrontendMessage, error) {
	c.mu.Lock()
	if c.pending != nil {
		// Aborted between two reads: end as abortStartup does for a
		// connection caught reading, silently, not with a FATAL message
		// that depends on when the abort came.
		c.mu.Unlock()
		return nil, &connEnd{cause: errTerminated}
	}
	c.reading = true
	c.mu.Unlock()

	msg, err := c.readStartupPacket()

	c.mu.Lock()
	c.reading = false
	closed := c.closed
	c.mu.Unlock()
	if closed {
		return nil, &connEnd{cause: errTerminated}
	}
	if err != nil {
		if isConnEnd(err) {
			return nil, err
		}
		return nil, c.readError(err)
	}
	return msg, nil
}

func (c *conn) readStartupPacket() (msg pgproto3.FrontendMessage, err error) {
	defer func() {
		if r := recover(); r != nil {
			msg, err = nil, &malformed{fmt.Sprint(r)}
		}
	}()
	hdr, err := c.cr.Next(4)
	if err != nil {
		return nil, err
	}
	n := int(int32(binary.BigEndian.Uint32(hdr))) - 4
	if n < 4 || n > maxStartupPacket {
		return nil, fatal(sqlerr.Protocol(sqlerr.ProtocolViolation, "invalid length of startup packet"))
	}
	body, err := c.cr.Next(n)
	if err != nil {
		return nil, err
	}
	code := binary.BigEndian.Uint32(body)
	switch {
	case code == codeSSLRequest:
		return &pgproto3.SSLRequest{}, nil
	case code == codeGSSEncRequest:
		return &pgproto3.GSSEncRequest{}, nil
	case code == codeCancelRequest:
		if len(body) != 12 {
			// Protocol 3.2 allows longer keys; ours are 4 bytes, so such a
			// request cannot match any connection.
			return nil, &connEnd{cause: errCancelRequest}
		}
		return &pgproto3.CancelRequest{
			ProcessID: binary.BigEndian.Uint32(body[4:]),
			SecretKey: binary.BigEndian.Uint32(body[8:]),
		}, nil
	case code>>16 == 3:
		// 3.x: decode as 3.0 and remember to negotiate the minor down.
		c.minorVersion = code & 0xffff
		patched := append([]byte{}, body...)
		binary.BigEndian.PutUint32(patched, protocol30)
		var sm pgproto3.StartupMessage
		if err := sm.Decode(patched); err != nil {
			return nil, &malformed{err.Error()}
		}
		return &sm, nil
	}
	return nil, fatal(sqlerr.Protocol(sqlerr.FeatureNotSupported,
		"unsupported frontend protocol %d.%d: server supports 3.0 to 3.0", code>>16, code&0xffff))
}

// startSession authenticates the client, opens its session and sends
// AuthenticationOk, the parameters, BackendKeyData and ReadyForQuery.
func (c *conn) startSession(m *pgproto3.StartupMessage) error {
	params := make(map[string]string, len(m.Parameters))
	var unknownOpts []string
	for k, v := range m.Parameters {
		if strings.HasPrefix(k, "_pq_.") {
			unknownOpts = append(unknownOpts, k)
			continue
		}
		params[k] = v
	}
	if c.minorVersion > 0 || len(unknownOpts) > 0 {
		if err := c.negotiateProtocolVersion(unknownOpts); err != nil {
			return err
		}
	}
	user := params["user"]
	if user == "" {
		return fatal(sqlerr.Protocol(sqlerr.InvalidAuthorization, "no PostgreSQL user name specified in startup packet"))
	}
	if !c.srv.takeSlot(c) {
		c.log.Info("wire: login refused: too many connections", "user", user, "max_connections", c.srv.cfg.MaxConnections)
		return fatal(sqlerr.New(17809, c.srv.cfg.MaxConnections))
	}
	st := session.Startup{
		User:            user,
		Database:        params["database"],
		ApplicationName: params["application_name"],
		ProcessID:       c.pid,
		Remote:          c.nc.RemoteAddr(),
		Params:          params,
	}
	ctx, cancel := context.WithTimeout(c.ctx, c.srv.cfg.StartupTimeout)
	defer cancel()

	login, err := c.srv.cfg.Authenticator.Authenticate(ctx, &authExchange{c}, st)
	if err != nil {
		if isConnEnd(err) {
			return err
		}
		return c.startupFailed(err)
	}
	st.Login = login
	sess, err := c.srv.backend.Open(ctx, st)
	if err != nil {
		return c.startupFailed(err)
	}
	if sess == nil {
		return fatal(sqlerr.Protocol(sqlerr.Internal, "backend opened no session"))
	}
	c.mu.Lock()
	if c.pending != nil { // Shutdown began meanwhile
		r := c.pending
		c.mu.Unlock()
		sess.Close()
		return fatal(r)
	}
	c.sess, c.startup, c.hasSession = sess, st, true
	c.meta.User, c.meta.Database, c.meta.ApplicationName = st.User, st.Database, st.ApplicationName
	c.mu.Unlock()
	c.srv.started(c)

	if err := c.send(&pgproto3.AuthenticationOk{}); err != nil {
		return err
	}
	if err := c.reportParameters(true); err != nil {
		return err
	}
	if err := c.send(&pgproto3.BackendKeyData{ProcessID: c.pid, SecretKey: c.secret}); err != nil {
		return err
	}
	return c.readyForQuery()
}

// startupFailed ends the connection after an Authenticator or
// Backend.Open failed: with the reason abortStartup gave if it cancelled
// them, else with their error.
func (c *conn) startupFailed(err error) error {
	c.mu.Lock()
	r := c.pending
	c.mu.Unlock()
	if r != nil {
		return fatal(r)
	}
	return fatal(sqlerr.As(err))
}

// negotiateProtocolVersion answers a 3.x (x > 0) StartupMessage or one
// with _pq_. options: the server speaks 3.0 and none of the options.
// (pgproto3/v2 has no NegotiateProtocolVersion type.)
func (c *conn) negotiateProtocolVersion(opts []string) error {
	sort.Strings(opts)
	buf := []byte{'v', 0, 0, 0, 0}
	buf = binary.BigEndian.AppendUint32(buf, 0) // newest minor version supported
	buf = binary.BigEndian.AppendUint32(buf, uint32(len(opts)))
	for _, o := range opts {
		buf = append(buf, o...)
		buf = append(buf, 0)
	}
	binary.BigEndian.PutUint32(buf[1:], uint32(len(buf)-1))
	return c.write(buf)
}

// authExchange implements AuthExchange on a connection in startup.
type authExchange struct{ c *conn }

func (a *authExchange) Request(msg pgproto3.BackendMessage) error {
	var t uint32
	switch msg.(type) {
	case *pgproto3.AuthenticationCleartextPassword:
		t = pgproto3.AuthTypeCleartextPassword
	case *pgproto3.AuthenticationMD5Password:
		t = pgproto3.AuthTypeMD5Password
	case *pgproto3.AuthenticationSASL:
		t = pgproto3.AuthTypeSASL
	case *pgproto3.AuthenticationSASLContinue:
		t = pgproto3.AuthTypeSASLContinue
	case *pgproto3.AuthenticationSASLFinal:
		t = pgproto3.AuthTypeSASLFinal
	case *pgproto3.AuthenticationGSS:
		t = pgproto3.AuthTypeGSS
	case *pgproto3.AuthenticationGSSContinue:
		t = pgproto3.AuthTypeGSSCont
	default:
		return fmt.Errorf("wire: %T is not an authentication request", msg)
	}
	if err := a.c.be.SetAuthType(t); err != nil {
		return err
	}
	if err := a.c.send(msg); err != nil {
		return err
	}
	return a.c.flush()
}

func (a *authExchange) Receive() (pgproto3.FrontendMessage, error) {
	msg, err := a.c.receive()
	if err != nil {
		return nil, err
	}
	switch msg.(type) {
	case *pgproto3.PasswordMessage, *pgproto3.SASLInitialResponse, *pgproto3.SASLResponse, *pgproto3.GSSResponse:
		// Flyweights are fresh structs for 'p' messages; safe to keep.
		return msg, nil
	}
	return nil, fatal(sqlerr.Protocol(sqlerr.ProtocolViolation, "expected an authentication response, got %T", msg))
}
