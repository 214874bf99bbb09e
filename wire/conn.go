package wire

import (
	"bufio"
	"container/list"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"reflect"
	"runtime/debug"
	"sort"
	"sync"
	"time"

	"github.com/jackc/pgproto3/v2"

	"mirrordb/session"
	"mirrordb/sqlerr"
)

// conn is one client connection. Its goroutine (serve) owns the protocol
// state and does all the writing, except that the watcher goroutine may
// write a final FATAL message while serve is blocked reading; c.mu
// arbitrates that hand-over.
type conn struct {
	srv *Server
	nc  net.Conn
	// copyEnd is set when a COPY's reader met the end of the connection
	// (the client left, or broke the protocol): the statement's error may
	// not carry it, so runStatement checks.
	copyEnd error
	cr      *limitedChunkReader
	be      *pgproto3.Backend
	out     *timedWriter // the socket under bw
	bw      *bufio.Writer
	log     *slog.Logger
	pid     uint32
	secret  uint32
	started time.Time

	// ctx is cancelled when the connection ends or Shutdown gives up
	// waiting; every statement context derives from it.
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{} // closed when serve is about to close the socket
	watch  sync.WaitGroup

	// Owned by the serve goroutine.
	startup  session.Startup
	sess     session.Session
	reported map[string]string // ParameterStatus values the client has
	// reportedFrom is the map of Session.Parameters they were last
	// compared with.
	reportedFrom map[string]string
	stmts        map[string]*statement
	portals      map[string]*portal
	skipToSync   bool // an extended-protocol message failed: discard until Sync
	// stmtCtx is the context statements run under. It outlives a
	// statement and is replaced only once cancelled (a CancelRequest):
	// a context per statement cost allocations on every round trip, here
	// and in the engine's contexts derived from it.
	stmtCtx       context.Context
	cancelStmtCtx context.CancelFunc
	running       bool             // past the handshake: messages come through in
	in            frontendMessages // the session's message decoder
	// spare is a dropped portal kept for the next Bind, so that a
	// Bind/Execute/Sync cycle reuses its argument and format slices.
	spare        *portal
	paramFormats []int16 // scratch: a Bind's parameter formats
	// results is the writer of an Execute that does not buffer (most of
	// them), reused from one Execute to the next.
	results resultWriter
	// simpleCols holds the columns of the simple query's current result
	// set, its array reused from one to the next.
	simpleCols []session.Column
	enc        []byte // scratch: encoded message
	rowBuf     []byte // scratch: encoded values of one row
	rowVals    [][]byte
	werr       error // first write error; the connection is dead
	// Guarded by srv.mu.
	pendingAt *list.Element // in srv.pending while in the handshake
	slot      bool          // holds one of Config.MaxConnections

	// minorVersion is the protocol minor version the client asked for.
	minorVersion uint32
	encrypted    bool // TLS was negotiated

	mu         sync.Mutex
	meta       ConnInfo
	reading    bool // serve is blocked reading the next message
	idle       bool // ... and the last message sent was ReadyForQuery
	closed     bool // the final message has been sent; serve must just exit
	hasSession bool
	stmtCancel context.CancelFunc // cancels the running statement
	canceled   bool               // the running statement got a CancelRequest
	pending    *sqlerr.Error      // FATAL to send at the next opportunity
	pendingNow bool               // ... which is now, not when the client goes idle
}

func newConn(s *Server, nc net.Conn, pid, secret uint32) *conn {
	ctx, cancel := context.WithCancel(s.ctx)
	c := &conn{
		srv:     s,
		nc:      nc,
		cr:      newLimitedChunkReader(nc, s.cfg.MaxMessageSize),
		out:     &timedWriter{nc: nc},
		pid:     pid,
		secret:  secret,
		started: time.Now(),
		ctx:     ctx,
		cancel:  cancel,
		done:    make(chan struct{}),
		stmts:   make(map[string]*statement),
		portals: make(map[string]*portal),
	}
	c.bw = bufio.NewWriterSize(c.out, 16<<10)
	c.be = pgproto3.NewBackend(c.cr, c.bw)
	c.log = s.log.With("pid", pid, "remote", nc.RemoteAddr().String())
	c.meta = ConnInfo{ProcessID: pid, Remote: nc.RemoteAddr(), Started: c.started}
	return c
}

// serve runs the connection to its end. A panic (pgproto3/v2 panics on
// some malformed messages; an engine bug may too) ends only this
// connection.
func (c *conn) serve() {
	defer c.cancel()
	err := c.runRecovered()
	c.finish(err)
	close(c.done)
	c.watch.Wait()
	c.nc.Close()
	c.dropPortals()
	if c.sess != nil {
		func() {
			defer func() {
				if r := recover(); r != nil {
					c.log.Error("wire: session Close panicked", "panic", r, "stack", string(debug.Stack()))
				}
			}()
			c.sess.Close()
		}()
	}
	c.logEnd(err)
}

func (c *conn) runRecovered() (err error) {
	defer func() {
		if r := recover(); r != nil {
			c.log.Error("wire: connection panicked", "panic", r, "stack", string(debug.Stack()))
			e := sqlerr.Protocol(sqlerr.Internal, "internal error: %v", r)
			err = &connEnd{reason: e, cause: fmt.Errorf("panic: %v", r)}
		}
	}()
	return c.run()
}

func (c *conn) run() error {
	_ = c.nc.SetDeadline(time.Now().Add(c.srv.cfg.StartupTimeout))
	if err := c.handshake(); err != nil {
		return err
	}
	_ = c.nc.SetDeadline(time.Time{})
	c.out.timeout = c.srv.cfg.WriteTimeout
	c.log.Info("wire: connection opened", "user", c.startup.User, "database", c.startup.Database,
		"application_name", c.startup.ApplicationName)
	c.watch.Add(1)
	go c.watcher(c.sess.Killed())
	c.running = true
	for {
		msg, err := c.receive()
		if err != nil {
			return err
		}
		if err := c.dispatch(msg); err != nil {
			return err
		}
	}
}

// finalWriteTimeout bounds the write of a connection's last message.
const finalWriteTimeout = time.Second

// finish sends the FATAL message err carries, if any, unless the watcher
// already ended the connection.
func (c *conn) finish(err error) {
	c.mu.Lock()
	already := c.closed
	c.closed = true
	c.mu.Unlock()
	if already {
		return
	}
	var end *connEnd
	if errors.As(err, &end) && end.reason != nil && c.werr == nil {
		c.out.timeout = finalWriteTimeout
		_ = c.send(errorResponse(end.reason, true))
	}
	_ = c.bw.Flush()
}

func (c *conn) logEnd(err error) {
	var end *connEnd
	if errors.As(err, &end) {
		switch {
		case end.cause == errTerminated:
			c.mu.Lock()
			err = nil
			if c.pending != nil {
				err = c.pending // what the watcher told the client
			}
			c.mu.Unlock()
		case end.reason == nil && (end.cause == nil || end.cause == errCancelRequest || isDisconnect(end.cause)):
			err = nil
		}
	} else if err != nil && isDisconnect(err) {
		err = nil
	}
	if !c.sessionOpened() {
		c.log.Debug("wire: connection ended before a session started", "err", err)
		return
	}
	args := []any{"user", c.startup.User, "database", c.startup.Database, "duration", time.Since(c.started).Round(time.Millisecond)}
	if err != nil {
		args = append(args, "reason", err.Error())
	}
	c.log.Info("wire: connection closed", args...)
}

func (c *conn) sessionOpened() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.hasSession
}

func (c *conn) info() ConnInfo {
	c.mu.Lock()
	defer c.mu.Unlock()
	i := c.meta
	i.Busy = c.stmtCancel != nil
	return i
}

// receive reads the next message. Before blocking it honours a pending
// termination; while blocked, the watcher may end the connection.
func (c *conn) receive() (pgproto3.FrontendMessage, error) {
	c.mu.Lock()
	if c.pending != nil && (c.pendingNow || c.idle) {
		r, started := c.pending, c.hasSession
		c.mu.Unlock()
		if !started { // an aborted startup ends silently, as at a blocked read
			return nil, &connEnd{cause: errTerminated}
		}
		return nil, fatal(r)
	}
	c.reading = true
	c.mu.Unlock()

	msg, err := c.readMessage()

	c.mu.Lock()
	c.reading, c.idle = false, false
	closed := c.closed
	c.mu.Unlock()
	if closed {
		return nil, &connEnd{cause: errTerminated}
	}
	if err != nil {
		return nil, c.readError(err)
	}
	return msg, nil
}

var (
	errTerminated    = errors.New("terminated while idle")
	errCancelRequest = errors.New("cancel request")
)

// readMessage reads the next message, with pgproto3's panics turned into
// errors: through pgproto3's Backend during the handshake, then through
// frontendMessages.
func (c *conn) readMessage() (msg pgproto3.FrontendMessage, err error) {
	defer func() {
		if r := recover(); r != nil {
			msg, err = nil, &malformed{fmt.Sprint(r)}
		}
	}()
	if c.running {
		return c.in.next(c.cr)
	}
	return c.be.Receive()
}

// malformed is a message pgproto3 could not decode.
type malformed struct{ why string }

func (m *malformed) Error() string { return "malformed message: " + m.why }

// readError classifies a read failure: a vanished client ends the
// connection quietly, anything else is a protocol violation.
func (c *conn) readError(err error) error {
	var m *malformed
	switch {
	case errors.Is(err, errMessageTooLarge):
		c.log.Warn("wire: message too large", "max", c.srv.cfg.MaxMessageSize)
		return fatal(errMessageTooLarge)
	case errors.As(err, &m):
		c.log.Warn("wire: malformed message", "err", err)
		return &connEnd{reason: sqlerr.Protocol(sqlerr.ProtocolViolation, "invalid message format"), cause: err}
	case isDisconnect(err):
		return &connEnd{cause: err}
	}
	c.log.Warn("wire: protocol violation", "err", err)
	return &connEnd{reason: sqlerr.Protocol(sqlerr.ProtocolViolation, "%v", err), cause: err}
}

// dispatch handles one message after startup.
func (c *conn) dispatch(msg pgproto3.FrontendMessage) error {
	switch msg.(type) {
	case *pgproto3.Terminate:
		return &connEnd{}
	case *pgproto3.Sync:
		c.skipToSync = false
		return c.sync()
	}
	if c.skipToSync {
		return nil
	}
	switch m := msg.(type) {
	case *pgproto3.Query:
		return c.simpleQuery(m.String)
	case *pgproto3.Parse:
		return c.extended(c.parse(m))
	case *pgproto3.Bind:
		return c.extended(c.bind(m))
	case *pgproto3.Describe:
		return c.extended(c.describe(m))
	case *pgproto3.Execute:
		return c.extended(c.execute(m))
	case *pgproto3.Close:
		return c.extended(c.close(m))
	case *pgproto3.Flush:
		return c.flush()
	case *pgproto3.FunctionCall:
		if err := c.sendError(sqlerr.Protocol(sqlerr.FeatureNotSupported, "the function call protocol is not supported")); err != nil {
			return err
		}
		return c.readyForQuery()
	case *pgproto3.CopyData, *pgproto3.CopyDone, *pgproto3.CopyFail:
		// As PostgreSQL does: outside COPY these are leftovers of a COPY
		// that failed while the client was still sending; ignore them.
		return nil
	}
	return fatal(sqlerr.Protocol(sqlerr.ProtocolViolation, "unexpected message %T", msg))
}

// extended reports the error of an extended-protocol message: the client
// gets an ErrorResponse and everything up to the next Sync is discarded.
func (c *conn) extended(err error) error {
	if err == nil || isConnEnd(err) {
		return err
	}
	c.skipToSync = true
	if err := c.sendError(err); err != nil {
		return err
	}
	return c.flush()
}

func isConnEnd(err error) bool {
	var end *connEnd
	return errors.As(err, &end)
}

// sendError sends a statement's error. An error marked Fatal ends the
// connection instead.
func (c *conn) sendError(err error) error {
	e := sqlerr.As(err)
	if e.Fatal {
		return fatal(e)
	}
	return c.send(errorResponse(e, false))
}

// send encodes msg into the output buffer. Write failures are sticky and
// end the connection.
func (c *conn) send(msg pgproto3.BackendMessage) error {
	if c.werr != nil {
		return &connEnd{cause: c.werr}
	}
	buf, err := msg.Encode(c.enc[:0])
	if err != nil {
		return sqlerr.Protocol(sqlerr.ProgramLimitExceeded, "cannot send %T: %v", msg, err)
	}
	c.keepScratch(buf)
	return c.write(buf)
}

// sendCommandComplete sends CommandComplete without the copy of tag that
// pgproto3's message needs: one goes out after every statement.
func (c *conn) sendCommandComplete(tag string) error {
	buf := append(c.enc[:0], 'C', 0, 0, 0, 0)
	buf = append(buf, tag...)
	buf = append(buf, 0)
	binary.BigEndian.PutUint32(buf[1:], uint32(len(buf)-1))
	c.keepScratch(buf)
	return c.write(buf)
}

// keepScratch keeps buf's array for the next message unless it grew large.
func (c *conn) keepScratch(buf []byte) {
	if cap(buf) > 1<<20 {
		c.enc = nil // do not pin one huge row
	} else {
		c.enc = buf[:0]
	}
}

// write appends raw bytes to the output buffer.
func (c *conn) write(buf []byte) error {
	if c.werr != nil {
		return &connEnd{cause: c.werr}
	}
	if _, err := c.bw.Write(buf); err != nil {
		c.werr = err
		return &connEnd{cause: err}
	}
	return nil
}

func (c *conn) flush() error {
	if c.werr != nil {
		return &connEnd{cause: c.werr}
	}
	if err := c.bw.Flush(); err != nil {
		c.werr = err
		return &connEnd{cause: err}
	}
	return nil
}

// readyForQuery reports changed parameters, then ReadyForQuery, and
// flushes: the client will now wait for us.
func (c *conn) readyForQuery() error {
	if err := c.reportParameters(false); err != nil {
		return err
	}
	st := c.sess.TxStatus()
	switch st {
	case session.TxIdle, session.TxActive, session.TxFailed:
	default:
		st = session.TxIdle
	}
	msg := append(c.enc[:0], 'Z', 0, 0, 0, 5, byte(st))
	c.keepScratch(msg)
	if err := c.write(msg); err != nil {
		return err
	}
	if err := c.flush(); err != nil {
		return err
	}
	c.mu.Lock()
	c.idle = true
	c.mu.Unlock()
	return nil
}

// wireParameters are the ParameterStatus values that describe wire's own
// encoding of values (GO-STACK §1.4): UTF-8 text, ISO dates, integer
// timestamps in UTC, standard strings. pgx refuses simple-protocol
// arguments unless client_encoding is UTF8 and standard_conforming_strings
// is on. The session's Parameters override them.
var wireParameters = map[string]string{
	"server_encoding":             "UTF8",
	"client_encoding":             "UTF8",
	"DateStyle":                   "ISO, MDY",
	"IntervalStyle":               "postgres",
	"TimeZone":                    "UTC",
	"integer_datetimes":           "on",
	"standard_conforming_strings": "on",
}

// reportParameters sends ParameterStatus for every parameter (all) or for
// those whose value changed since the client last heard of them.
func (c *conn) reportParameters(all bool) error {
	sess := c.sess.Parameters() // not modified: it may be the session's own map
	if !all && sess != nil && sameMap(sess, c.reportedFrom) {
		return nil // the same map as last time, so the same values
	}
	c.reportedFrom = sess
	// Compared in place, without merging the two sets: this runs after
	// every statement and nearly always finds nothing to send.
	var names []string
	changed := func(k, v string) {
		if old, ok := c.reported[k]; all || !ok || old != v {
			names = append(names, k)
		}
	}
	for k, v := range wireParameters {
		if _, ok := sess[k]; !ok {
			changed(k, v)
		}
	}
	for k, v := range sess {
		changed(k, v)
	}
	if len(names) == 0 {
		return nil
	}
	sort.Strings(names)
	if c.reported == nil {
		c.reported = make(map[string]string, len(wireParameters)+len(sess))
	}
	for _, k := range names {
		v, ok := sess[k]
		if !ok {
			v = wireParameters[k]
		}
		if err := c.send(&pgproto3.ParameterStatus{Name: k, Value: v}); err != nil {
			return err
		}
		c.reported[k] = v
	}
	return nil
}

// sameMap reports whether a and b are one map.
func sameMap(a, b map[string]string) bool {
	return reflect.ValueOf(a).UnsafePointer() == reflect.ValueOf(b).UnsafePointer()
}

// runStatement runs fn (an engine call) under a statement context that a
// CancelRequest, a session kill or a forced shutdown cancels. It returns
// the statement's error, with a cancelled statement's error turned into
// 57014, or a *connEnd when the connection must end now.
func (c *conn) runStatement(fn func(ctx context.Context) error) error {
	if c.stmtCtx == nil || c.stmtCtx.Err() != nil {
		c.stmtCtx, c.cancelStmtCtx = context.WithCancel(c.ctx)
	}
	ctx, cancel := c.stmtCtx, c.cancelStmtCtx
	c.mu.Lock()
	if c.pendingNow {
		r := c.pending
		c.mu.Unlock()
		return fatal(r)
	}
	c.stmtCancel, c.canceled = cancel, false
	c.mu.Unlock()

	c.copyEnd = nil
	err := fn(ctx)
	if c.copyEnd != nil {
		return c.copyEnd
	}

	c.mu.Lock()
	c.stmtCancel = nil
	canceled, now, reason := c.canceled, c.pendingNow, c.pending
	c.mu.Unlock()
	switch {
	case now:
		return fatal(reason)
	case c.killed():
		return fatal(c.killReason())
	case c.ctx.Err() != nil:
		return fatal(errAdminShutdown)
	case c.werr != nil:
		return &connEnd{cause: c.werr}
	}
	if err != nil && canceled {
		if e := sqlerr.As(err); e.Code != sqlerr.QueryCanceled {
			err = sqlerr.New(3980)
		}
	}
	return err
}

func (c *conn) killed() bool {
	select {
	case <-c.sess.Killed():
		return true
	default:
		return false
	}
}

// killReason is the session's kill reason as a FATAL error.
func (c *conn) killReason() *sqlerr.Error {
	r := c.sess.KillReason()
	if r == nil {
		r = sqlerr.New(596)
	}
	f := *r
	f.Fatal = true
	return &f
}

// killGrace is how long a killed session's statement has to stop before
// its socket is closed under it: a statement blocked writing to a client
// that reads nothing notices its cancellation only when the write fails.
const killGrace = 500 * time.Millisecond

// watcher ends the connection when the session is killed or the server
// shuts down: at once when serve is blocked reading (or the kill is
// immediate), otherwise when the running statement returns.
func (c *conn) watcher(killed <-chan struct{}) {
	defer c.watch.Done()
	drain := c.srv.drain
	for {
		select {
		case <-killed:
			c.interrupt(c.killReason(), true)
			select {
			case <-c.done:
			case <-time.After(killGrace):
				c.log.Warn("wire: killed session did not end; closing its socket")
				c.nc.Close()
			}
			return
		case <-drain:
			drain = nil
			c.interrupt(errAdminShutdown, false)
		case <-c.srv.hard:
			c.interrupt(errAdminShutdown, true)
			return
		case <-c.done:
			return
		}
	}
}

// interrupt asks the connection to end with reason. now cancels a running
// statement; otherwise the connection ends once it is idle (waiting for a
// message after ReadyForQuery).
func (c *conn) interrupt(reason *sqlerr.Error, now bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	if c.pending == nil || (now && !c.pendingNow) {
		c.pending = reason
	}
	if now {
		c.pendingNow = true
		if c.stmtCancel != nil {
			c.stmtCancel()
		}
	}
	if c.reading && (c.pendingNow || c.idle) {
		// serve is blocked in a read and touches nothing else: the output
		// buffer is ours until it wakes up and sees closed.
		c.closed = true
		c.out.timeout = finalWriteTimeout
		if c.werr == nil {
			_ = c.send(errorResponse(c.pending, true))
			_ = c.bw.Flush()
		}
		c.nc.Close()
	}
}

// abortStartup ends a connection still in its handshake (the watcher
// takes care of the others) with reason: a read in progress gets its
// socket closed; a TLS handshake, an Authenticator or Backend.Open gets
// its context cancelled and then reason as FATAL.
func (c *conn) abortStartup(reason *sqlerr.Error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.hasSession || c.closed {
		return
	}
	c.pending, c.pendingNow = reason, true
	c.cancel()
	if c.reading {
		c.closed = true
		c.nc.Close()
	}
}

// cancelStatement cancels the running statement, if any (CancelRequest).
func (c *conn) cancelStatement() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stmtCancel != nil {
		c.canceled = true
		c.stmtCancel()
	}
}
