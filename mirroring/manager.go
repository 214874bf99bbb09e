package mirroring

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"mirrordb/engine"
	"mirrordb/engine/endpoint"
	"mirrordb/internal/stat"
	"mirrordb/mirroring/core"
	"mirrordb/mirroring/transport"
	"mirrordb/sqlerr"
)

// Config configures a Manager.
type Config struct {
	Instance *engine.Instance
	// ListenHost is the address LISTENER_IP = ALL binds: the host the
	// instance's SQL listener uses, so that instances on 127.0.0.11 and
	// 127.0.0.15 can both use port 7022.
	ListenHost string
	// ServiceAccount is the identity this instance declares to its peers
	// (AUTHENTICATION = WINDOWS, SPEC D7); default DefaultServiceAccount.
	ServiceAccount string
	Logger         *slog.Logger
	// DialTimeout bounds connecting to a partner (default 5 s).
	DialTimeout time.Duration
}

// DefaultServiceAccount is the service account an instance declares when
// none is configured.
const DefaultServiceAccount = "mirrordb"

// Manager runs database mirroring for one instance. It implements
// engine.Mirroring.
type Manager struct {
	cfg Config
	in  *engine.Instance
	log *slog.Logger

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu      sync.Mutex
	ep      *transport.Endpoint // nil unless the endpoint is STARTED
	epDef   *endpoint.Endpoint
	runners map[string]*runner // by lower-case database name
	// establishing lists databases whose SET PARTNER is in flight on this
	// (principal) side: messages for them are not answered with NoSession.
	establishing map[string]bool
	calls        pendingCalls[*establishReply]
	regCalls     pendingCalls[*registerReply]
	nextCall     atomic.Uint64
	closed       bool

	witness *witnessRole

	histMu  sync.Mutex
	history []engine.MirrorStateChange // state change events, oldest first

	rttMu sync.Mutex
	rtts  map[string]*stat.Histogram // endpoint round trips by remote server name
}

// sendQueue is the per-connection send queue, in messages.
const sendQueue = 16

// metaKey is the database-local key holding the session configuration.
const metaKey = "mirroring"

// Start creates the manager, installs it in the engine, binds the
// endpoint if it is STARTED and resumes every persisted session.
func Start(cfg Config) (*Manager, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.ServiceAccount == "" {
		cfg.ServiceAccount = DefaultServiceAccount
	}
	if cfg.ListenHost == "" {
		cfg.ListenHost = "127.0.0.1"
	}
	if cfg.DialTimeout <= 0 {
		cfg.DialTimeout = 5 * time.Second
	}
	ctx, cancel := context.WithCancel(context.Background())
	m := &Manager{cfg: cfg, in: cfg.Instance, log: cfg.Logger.With("component", "mirroring"), ctx: ctx, cancel: cancel,
		runners: map[string]*runner{}, establishing: map[string]bool{}}
	m.in.SetMirroring(m)
	if err := m.startWitness(); err != nil {
		cancel()
		return nil, err
	}
	// Sessions first, then the endpoint: a partner that reconnects the
	// moment the port opens must find its session here, not be told that
	// it does not exist (NoSession would make it remove mirroring).
	for _, d := range m.in.Databases() {
		raw, ok, err := d.MetaGet(metaKey)
		if err != nil || !ok {
			continue
		}
		var c core.Config
		if err := json.Unmarshal(raw, &c); err != nil {
			m.log.Error("unreadable mirroring configuration (SET PARTNER OFF and reconfigure)", "db", d.Name(), "err", err)
			continue
		}
		if err := m.startRunner(d, c, nil); err != nil {
			m.log.Error("resuming mirroring session", "db", d.Name(), "err", err)
		}
	}
	if ep := m.in.Endpoint(); ep != nil {
		if err := m.ApplyEndpoint(ep); err != nil {
			// The instance still starts; ALTER ENDPOINT can fix the port.
			m.log.Error("mirroring endpoint not started", "endpoint", ep.Name, "err", err)
		}
	}
	return m, nil
}

// Close stops every session (their persisted state stays) and the
// endpoint.
func (m *Manager) Close() error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil
	}
	m.closed = true
	runners := make([]*runner, 0, len(m.runners))
	for _, r := range m.runners {
		runners = append(runners, r)
	}
	ep := m.ep
	m.ep = nil
	m.mu.Unlock()
	m.cancel()
	for _, r := range runners {
		<-r.done
	}
	var err error
	if ep != nil {
		err = ep.Close()
	}
	m.wg.Wait()
	return err
}

// ApplyEndpoint implements engine.Mirroring: it binds, rebinds or releases
// the endpoint's port. Rebinding drops every mirroring connection; the
// sessions reconnect by themselves.
func (m *Manager) ApplyEndpoint(def *endpoint.Endpoint) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil
	}
	if m.ep != nil && def != nil && def.State == "STARTED" && sameBinding(m.epDef, def) {
		m.epDef = def
		return nil
	}
	if m.ep != nil {
		old := m.ep
		m.ep = nil
		m.mu.Unlock()
		err := old.Close() // runs PeerDown, which takes m.mu
		m.mu.Lock()
		if err != nil {
			m.log.Warn("closing the mirroring endpoint", "err", err)
		}
	}
	m.epDef = def
	if def == nil || def.State != "STARTED" {
		return nil
	}
	host := def.IP
	if host == "" {
		host = m.cfg.ListenHost
	}
	hostport := net.JoinHostPort(host, strconv.Itoa(def.Port))
	var cert *tls.Certificate
	if def.Certificate != "" {
		var err error
		if cert, err = m.in.EndpointCertificate(def.Certificate); err != nil {
			return fmt.Errorf("endpoint %s: AUTHENTICATION = CERTIFICATE %s: %w", def.Name, def.Certificate, err)
		}
	}
	ep, err := transport.Listen(hostport, transport.Config{
		Identity: transport.Identity{InstanceID: m.in.InstanceID().String(), ServerName: m.in.ServerName(),
			Address: "TCP://" + hostport, ServiceAccount: m.cfg.ServiceAccount},
		Role:              def.Role,
		Encryption:        def.Encryption,
		MinMinor:          transport.BinaryBlocksMinor, // core's binary block heads
		Algorithms:        def.Algorithms,
		Authentication:    authenticationMethods(def),
		Certificate:       cert,
		VerifyCertificate: m.in.CertificateLogin,
		Authorize:         m.authorize,
		Handler:           m.handle,
		PeerUp:            m.witness.peerUp,
		PeerDown:          m.peerDown,
		DialTimeout:       m.cfg.DialTimeout,
		// The queue counts messages and log blocks are up to ~1 MB: 64
		// bounds what a slow mirror can make the principal hold.
		SendQueue: sendQueue,
		RoundTrip: m.noteRoundTrip,
		Logger:    m.log,
	})
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) || errors.Is(err, syscall.EADDRNOTAVAIL) {
			e := sqlerr.New(7890, def.Name)
			e.Detail = err.Error()
			return e
		}
		return err
	}
	m.ep = ep
	m.log.Info("mirroring endpoint listening", "endpoint", def.Name, "address", "TCP://"+hostport, "role", def.Role)
	return nil
}

// sameBinding reports whether two STARTED definitions can share one
// listener (nothing the transport uses changed).
func sameBinding(a, b *endpoint.Endpoint) bool {
	if a == nil || b == nil {
		return false
	}
	return a.Port == b.Port && a.IP == b.IP && a.Role == b.Role && a.Encryption == b.Encryption &&
		strings.Join(a.Algorithms, ",") == strings.Join(b.Algorithms, ",") &&
		a.AuthDesc() == b.AuthDesc() && strings.EqualFold(a.Certificate, b.Certificate)
}

// authenticationMethods is the endpoint's AUTHENTICATION clause as the
// transport's preference list.
func authenticationMethods(def *endpoint.Endpoint) []string {
	var out []string
	if def.Windows {
		out = append(out, transport.AuthWindows)
	}
	if def.Certificate != "" {
		if def.CertificateFirst {
			out = append([]string{transport.AuthCertificate}, out...)
		} else {
			out = append(out, transport.AuthCertificate)
		}
	}
	return out
}

// authorize decides whether a peer may use this instance's endpoint (SPEC
// §2.5, D7): a peer running under this instance's own service account
// (WINDOWS), or whose login (the service account it declares, or the
// owner of its certificate) is a sysadmin, owns the endpoint, or holds
// CONNECT on it.
func (m *Manager) authorize(p transport.PeerInfo) error {
	if p.AuthenticationMethod == transport.AuthWindows && strings.EqualFold(p.Login, m.cfg.ServiceAccount) {
		return nil
	}
	return m.in.AuthorizeEndpointLogin(p.Login)
}

// SecurityChanged implements engine.Mirroring: after a change of logins or
// permissions, connections whose peer would now be refused are closed
// (a revoked CONNECT takes effect at once, not at the next reconnect).
func (m *Manager) SecurityChanged() {
	ep, _ := m.endpoint()
	if ep == nil {
		return
	}
	for _, info := range ep.Peers() {
		if info.State != transport.StateLoggedIn {
			continue // in handshake: judged when it completes
		}
		if err := m.authorize(info); err != nil {
			m.log.Warn("closing a mirroring connection no longer authorized", "peer", info.Remote.ServerName,
				"login", info.Login, "reason", err.Error())
			ep.CloseConnection(info.ConnectionID)
		}
	}
}

// endpoint returns the started endpoint and its definition.
func (m *Manager) endpoint() (*transport.Endpoint, *endpoint.Endpoint) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.ep, m.epDef
}

// dial connects to the instance at address through the local endpoint.
func (m *Manager) dial(ctx context.Context, address string) (*transport.Peer, error) {
	ep, _ := m.endpoint()
	if ep == nil {
		return nil, &transport.DialError{Address: address, Reason: "the local database mirroring endpoint is not started"}
	}
	return ep.Dial(ctx, address)
}

func (m *Manager) runner(db string) *runner {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.runners[strings.ToLower(db)]
}

// handle receives every message from every peer (transport.Config.Handler).
func (m *Manager) handle(p *transport.Peer, kind byte, payload []byte) {
	switch {
	case core.IsSessionKind(kind):
		msg, err := core.Decode(kind, payload)
		if err != nil {
			m.log.Warn("dropping a malformed session message", "peer", p.Info().Remote.ServerName, "kind", string(kind))
			return
		}
		h := core.HeaderOf(msg)
		if r := m.runner(h.DB); r != nil {
			r.post(received{peer: p, msg: msg})
			return
		}
		m.mu.Lock()
		establishing := m.establishing[strings.ToLower(h.DB)]
		m.mu.Unlock()
		if _, none := msg.(*core.NoSession); !none && !establishing && h.GUID != "" {
			// Mirroring was removed here while the partners were apart.
			k, b := core.Encode(&core.NoSession{Header: *h})
			_ = p.Post(k, b) // on the connection's reader: never wait
		}
	case core.IsWitnessKind(kind):
		msg, err := core.Decode(kind, payload)
		if err != nil {
			m.log.Warn("dropping a malformed witness message", "peer", p.Info().Remote.ServerName, "kind", string(kind))
			return
		}
		if core.ToWitness(msg) {
			m.witness.post(core.WReceived{Instance: p.Info().Remote.InstanceID, Msg: msg})
		} else if r := m.runner(core.HeaderOf(msg).DB); r != nil {
			r.post(received{peer: p, msg: msg, witness: true})
		}
	case kind == kindRegister:
		var req registerRequest
		if err := json.Unmarshal(payload, &req); err != nil {
			return
		}
		m.wg.Add(1)
		go func() {
			defer m.wg.Done()
			m.answerRegister(p, &req)
		}()
	case kind == kindRegistered:
		var rep registerReply
		if err := json.Unmarshal(payload, &rep); err != nil {
			return
		}
		m.regCalls.answer(rep.Call, &rep)
	case kind == kindEstablish:
		var req establishRequest
		if err := json.Unmarshal(payload, &req); err != nil {
			m.log.Warn("dropping a malformed establish request", "peer", p.Info().Remote.ServerName)
			return
		}
		m.wg.Add(1)
		go func() {
			defer m.wg.Done()
			m.answerEstablish(p, &req)
		}()
	case kind == kindEstablished:
		var rep establishReply
		if err := json.Unmarshal(payload, &rep); err != nil {
			return
		}
		m.calls.answer(rep.Call, &rep)
	default:
		m.log.Debug("ignoring a message of unknown kind", "kind", string(kind))
	}
}

// peerDown tells the runners (and the witness) using a connection that it
// is gone.
func (m *Manager) peerDown(p *transport.Peer, err error) {
	m.witness.peerDown(p, err)
	m.mu.Lock()
	runners := make([]*runner, 0, len(m.runners))
	for _, r := range m.runners {
		runners = append(runners, r)
	}
	m.mu.Unlock()
	for _, r := range runners {
		r.post(linkLost{peer: p, err: err})
	}
}

// coreCommands maps the engine's mirroring commands to the session core's
// (SET PARTNER = 'address' and SET WITNESS = 'address' are not commands
// of a running session: they establish one).
var coreCommands = map[engine.MirrorCommandKind]core.CommandKind{
	engine.MirrorFailover: core.CmdFailover, engine.MirrorForceService: core.CmdForceService,
	engine.MirrorOff: core.CmdOff, engine.MirrorResume: core.CmdResume, engine.MirrorSuspend: core.CmdSuspend,
	engine.MirrorSafety: core.CmdSafety, engine.MirrorTimeout: core.CmdTimeout, engine.MirrorWitnessOff: core.CmdWitnessOff,
}

// AlterDatabase implements engine.Mirroring: ALTER DATABASE ... SET
// PARTNER / SET WITNESS.
func (m *Manager) AlterDatabase(ctx context.Context, d *engine.Database, c engine.MirrorCommand) error {
	kind, isCommand := coreCommands[c.Kind]
	switch {
	case c.Kind == engine.MirrorSetPartner:
		return m.setPartner(ctx, d, c.Address)
	case c.Kind != engine.MirrorSetWitness && !isCommand:
		return sqlerr.New(40517, fmt.Sprintf("mirroring command %d", c.Kind))
	}
	r := m.runner(d.Name())
	if r == nil {
		return sqlerr.New(1416, d.Name())
	}
	if c.Kind == engine.MirrorSetWitness {
		return m.setWitness(ctx, r, c.Address)
	}
	cmd := core.Command{Kind: kind}
	switch cmd.Kind {
	case core.CmdSafety:
		cmd.Safety = core.SafetyOff
		if c.SafetyFull {
			cmd.Safety = core.SafetyFull
		}
	case core.CmdTimeout:
		n, err := strconv.ParseInt(c.Timeout, 10, 64)
		if err != nil || n > 32767 { // MirrorCommand.Timeout holds digits only
			return sqlerr.New(1476, c.Timeout)
		}
		cmd.Timeout = int(n)
	}
	return r.command(ctx, cmd)
}
