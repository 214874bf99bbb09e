package engine

import (
	"bytes"
	"context"
	"strings"
	"sync/atomic"
	"time"

	"github.com/cockroachdb/pebble"

	"mirrordb/engine/endpoint"
	"mirrordb/engine/keys"
	"mirrordb/internal/stat"
	"mirrordb/parser"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// The engine's side of database mirroring. The mirroring package (which
// imports the engine) implements Mirroring and installs it with
// SetMirroring; the engine calls it for the statements it parses and the
// views it serves, and offers it the operations below (roles, write
// blocking, recovery forks) next to the log API of log.go.

// Mirroring is what the engine needs from the mirroring layer.
type Mirroring interface {
	// ApplyEndpoint starts, reconfigures or (with nil) stops the
	// database mirroring endpoint. A port in use is Msg 7890.
	ApplyEndpoint(ep *endpoint.Endpoint) error
	// AlterDatabase runs ALTER DATABASE d SET PARTNER ... / SET WITNESS ...
	AlterDatabase(ctx context.Context, d *Database, cmd MirrorCommand) error
	// Status is d's row of sys.database_mirroring (nil: not mirrored).
	// It leaves Figures empty (they cost more to measure).
	Status(d *Database) *MirrorStatus
	// Partner is Status(d).PartnerInstance without building the row:
	// every statement on a mirrored database reads it ("" when d is not
	// mirrored).
	Partner(d *Database) string
	// Figures measures d's queues and rates (SPEC §9.5) for monitoring.
	Figures(d *Database) MirrorFigures
	// Connections lists sys.dm_db_mirroring_connections.
	Connections() []MirrorConnection
	// Witnessed lists sys.database_mirroring_witnesses.
	Witnessed() []WitnessRow
	// StateChanges lists sys.dm_db_mirroring_state_changes, oldest first.
	StateChanges() []MirrorStateChange
	// Latencies returns the mirroring layer's latency histograms.
	Latencies() MirrorLatencies
	// SecurityChanged says logins or permissions changed: the endpoint
	// re-judges its connected peers.
	SecurityChanged()
}

// MirrorLatencies are the latency histograms of the mirroring layer.
type MirrorLatencies struct {
	// CommitDelay: by database, how long commits waited for the mirror.
	CommitDelay map[string]*stat.Histogram
	// RoundTrip: by remote server name, the endpoint's ping round trips.
	RoundTrip map[string]*stat.Histogram
}

// MirroringLatencies returns the mirroring latency histograms (empty maps
// without a mirroring layer).
func (in *Instance) MirroringLatencies() MirrorLatencies {
	if m := in.mirror(); m != nil {
		return m.Latencies()
	}
	return MirrorLatencies{}
}

// MirrorStateChange is one Database Mirroring State Change event (SPEC
// §6.5: trace event class 167), a row of sys.dm_db_mirroring_state_changes.
type MirrorStateChange struct {
	Time            time.Time
	DatabaseID      int32
	Database        string
	Previous, State int // §6.5 state ids
	Description     string
	Role            string // the role after the change
	MirroringState  string // mirroring_state_desc after the change
}

// MirrorCommand is one ALTER DATABASE ... SET PARTNER / SET WITNESS, as
// the engine hands it to mirroring: a typed command, not the statement
// (mirroring does not know the parser).
type MirrorCommand struct {
	Kind MirrorCommandKind
	// Address is the partner's or the witness's TCP://host:port
	// (MirrorSetPartner, MirrorSetWitness).
	Address string
	// SafetyFull is SAFETY FULL (true) or OFF, for MirrorSafety.
	SafetyFull bool
	// Timeout is TIMEOUT's integer as written, for MirrorTimeout: digits
	// only, but maybe too large for any integer (Msg 1476 quotes it).
	Timeout string
}

// MirrorCommandKind says which ALTER DATABASE mirroring option a
// MirrorCommand is.
type MirrorCommandKind int

const (
	MirrorSetPartner   MirrorCommandKind = iota + 1 // SET PARTNER = 'address'
	MirrorFailover                                  // SET PARTNER FAILOVER
	MirrorForceService                              // SET PARTNER FORCE_SERVICE_ALLOW_DATA_LOSS
	MirrorOff                                       // SET PARTNER OFF
	MirrorResume                                    // SET PARTNER RESUME
	MirrorSuspend                                   // SET PARTNER SUSPEND
	MirrorSafety                                    // SET PARTNER SAFETY { FULL | OFF }
	MirrorTimeout                                   // SET PARTNER TIMEOUT n
	MirrorSetWitness                                // SET WITNESS = 'address'
	MirrorWitnessOff                                // SET WITNESS OFF
)

// partnerActions maps SET PARTNER's keyword to its command.
var partnerActions = map[string]MirrorCommandKind{
	"": MirrorSetPartner, "FAILOVER": MirrorFailover, "FORCE_SERVICE_ALLOW_DATA_LOSS": MirrorForceService,
	"OFF": MirrorOff, "RESUME": MirrorResume, "SUSPEND": MirrorSuspend, "SAFETY": MirrorSafety, "TIMEOUT": MirrorTimeout,
}

// mirrorCommand turns a SET PARTNER or SET WITNESS option into the command
// mirroring runs.
func mirrorCommand(o parser.DatabaseOption) MirrorCommand {
	switch o := o.(type) {
	case *parser.SetWitness:
		if o.Off {
			return MirrorCommand{Kind: MirrorWitnessOff}
		}
		return MirrorCommand{Kind: MirrorSetWitness, Address: o.Address}
	case *parser.SetPartner:
		return MirrorCommand{Kind: partnerActions[o.Action], Address: o.Address,
			SafetyFull: !strings.EqualFold(o.Safety, "OFF"), Timeout: o.Timeout}
	}
	return MirrorCommand{}
}

// MirrorStatus is one row of sys.database_mirroring for a mirrored database.
type MirrorStatus struct {
	GUID            string // "" while a mirror-to-be waits (NULL)
	State           int
	StateDesc       string
	Role            int // 1 principal, 2 mirror
	RoleDesc        string
	RoleSequence    int64
	SafetyLevel     int // 1 OFF, 2 FULL
	SafetyDesc      string
	SafetySequence  int64
	PartnerName     string
	PartnerInstance string
	WitnessName     string
	WitnessState    int // 0 unknown, 1 connected, 2 disconnected; meaningless without WitnessName
	WitnessDesc     string
	FailoverLSN     uint64
	Timeout         int
	EndOfLog        uint64
	ReplicationLSN  uint64
	// Figures are the Database Mirroring Monitor's numbers (SPEC §9.5).
	Figures MirrorFigures
}

// MirrorFigures are the queue sizes and rates of one session as this
// instance measures them (SPEC §9.5). Rates are over the last few seconds;
// figures that do not apply to the current role are zero.
type MirrorFigures struct {
	LogGenerationKBps  float64 // principal: new log entering the log
	TransactionsPerSec float64 // principal: commits per second
	UnsentLogKB        float64 // principal: durable log not yet sent (potential data loss)
	SendRateKBps       float64 // principal: log sent to the mirror
	OldestUnsentSec    float64 // principal: age of the oldest commit not yet sent (0: none)
	AverageDelayMs     float64 // principal: mean wait for the mirror per commit (SAFETY FULL)
	TransactionDelayMs float64 // principal: total wait for the mirror since the session started here
	UnrestoredLogKB    float64 // mirror: log received and not yet redone
	RecoveryRateKBps   float64 // mirror: log redone
	TimeToSendSec      float64 // principal: UnsentLogKB / SendRateKBps (-1: not sending)
	TimeToRestoreSec   float64 // mirror: UnrestoredLogKB / RecoveryRateKBps (-1: not redoing)
}

// MirrorConnection is one row of sys.dm_db_mirroring_connections.
type MirrorConnection struct {
	ConnectionID                          string
	State                                 int
	StateDesc                             string
	ConnectTime, LoginTime, LastActivity  types.Value
	AuthenticationMethod, PrincipalName   string
	RemoteUserName                        string
	IsAccept                              bool
	LoginState                            int
	LoginStateDesc                        string
	EncryptionAlgorithm                   int
	EncryptionAlgorithmDesc               string
	BytesSent, BytesReceived              int64
	FragmentsSent, FragmentsReceived      int64
	RemoteServerName, RemoteAddress, Role string
	PeerInstanceID                        string
}

// WitnessRow is one row of sys.database_mirroring_witnesses.
type WitnessRow struct {
	DatabaseName, PrincipalServer, MirrorServer string
	SafetyLevel                                 int
	SafetyDesc                                  string
	SafetySequence, RoleSequence                int64
	GUID, FamilyGUID                            string
	Suspended                                   bool
	SuspendSequence                             int64
	PartnerSyncState                            int
	PartnerSyncDesc                             string
}

// MirroringStatus is d's row of sys.database_mirroring with its monitor
// figures (nil when d is not mirrored), for monitoring.
func (in *Instance) MirroringStatus(d *Database) *MirrorStatus {
	if m := in.mirror(); m != nil && d.Mirrored() {
		if st := m.Status(d); st != nil {
			st.Figures = m.Figures(d)
			return st
		}
	}
	return nil
}

// MirroringConnections lists the endpoint's connections to other
// instances (sys.dm_db_mirroring_connections), for monitoring.
func (in *Instance) MirroringConnections() []MirrorConnection {
	if m := in.mirror(); m != nil {
		return m.Connections()
	}
	return nil
}

// Available reports whether d is open to users now (not a mirror copy,
// not closed for want of quorum, ONLINE).
func (d *Database) Available() bool { return d.checkOpen() == nil }

// SetMirroring installs the mirroring layer.
func (in *Instance) SetMirroring(m Mirroring) {
	in.mirroring.Store(&m)
}

func (in *Instance) mirror() Mirroring {
	if p := in.mirroring.Load(); p != nil {
		return *p
	}
	return nil
}

// MirrorRole is a database's role in a mirroring session, as the engine
// enforces it.
type MirrorRole int32

const (
	RoleNone      MirrorRole = 0 // not mirrored
	RolePrincipal MirrorRole = 1 // serves users; its log goes to the mirror
	RoleMirror    MirrorRole = 2 // RESTORING: redoes the principal's log, refuses users (954)
)

func (r MirrorRole) String() string {
	switch r {
	case RolePrincipal:
		return "PRINCIPAL"
	case RoleMirror:
		return "MIRROR"
	}
	return "NONE"
}

// mirrorRole is the database's role in a mirroring session (RoleNone
// when not mirrored).
type mirrorRole struct{ v atomic.Int32 }

func (r *mirrorRole) load() MirrorRole   { return MirrorRole(r.v.Load()) }
func (r *mirrorRole) store(m MirrorRole) { r.v.Store(int32(m)) }

// Mirrored reports whether the database is in a mirroring session.
func (d *Database) Mirrored() bool { return d.role.load() != RoleNone }

// IsMirror reports whether the database is a mirror copy.
func (d *Database) IsMirror() bool { return d.role.load() == RoleMirror }

// SetMirroringRole records the database's mirroring role. A mirror copy is
// RESTORING and refuses users (954); a principal's copy is ONLINE.
// Sessions using a copy that becomes a mirror are disconnected.
func (in *Instance) SetMirroringRole(d *Database, role MirrorRole) error {
	switch role {
	case RolePrincipal:
		d.role.store(RolePrincipal)
		if d.State() != StateOnline {
			return in.setState(d, StateOnline)
		}
	case RoleMirror:
		d.role.store(RoleMirror)
		in.KillSessionsUsing(d, sqlerr.New(954, d.Name()))
		if d.State() != StateRestoring {
			return in.setState(d, StateRestoring)
		}
	default:
		d.role.store(RoleNone)
		d.noQuorum.Store(false)
	}
	return nil
}

// KillSessionsUsing ends every session whose current database is d, as a
// role change does (clients see the reason as FATAL, 57P01).
func (in *Instance) KillSessionsUsing(d *Database, reason *sqlerr.Error) {
	r := *reason
	r.Code = sqlerr.AdminShutdown
	in.mu.RLock()
	var victims []*Session
	for _, s := range in.sessions {
		if s.current.Load() == d {
			victims = append(victims, s)
		}
	}
	in.mu.RUnlock()
	for _, s := range victims {
		s.Kill(&r)
	}
}

// BlockWrites stops commits on d until release is called (manual
// failover): it takes the writer lock. A session's transaction that keeps
// the lock longer than a moment is ended with reason, as SQL Server
// disconnects the old principal's clients and rolls back their in-flight
// transactions. The client sees the reason as FATAL 57P01, as when a role
// change ends its session: an informational number's SQLSTATE (1480's
// 00000) would tell a driver that nothing failed.
func (d *Database) BlockWrites(ctx context.Context, reason *sqlerr.Error) (release func(), err error) {
	r := *reason
	r.Code = sqlerr.AdminShutdown
	reason = &r
	for {
		err := d.storage.LockWriter(ctx, 100*time.Millisecond)
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if owner := d.writerOwner.Load(); owner != nil {
			owner.Kill(reason)
		}
	}
	var once atomic.Bool
	return func() {
		if once.CompareAndSwap(false, true) {
			d.storage.UnlockWriter()
		}
	}, nil
}

// NewRecoveryFork starts a new recovery fork (forced service): a logged
// change of the database's fork GUID, the first record of the new history.
func (d *Database) NewRecoveryFork(ctx context.Context) error {
	t, err := d.beginWrite(ctx, -1)
	if err != nil {
		return err
	}
	fork := types.NewUUID()
	if err := t.Put(keys.SchemaKey("db", propForkGUID), fork[:]); err != nil {
		t.Rollback()
		return err
	}
	_, err = t.Commit(ctx)
	return err
}

// RecoveryFork identifies the database's current recovery fork.
func (d *Database) RecoveryFork() types.UUID {
	var u types.UUID
	if v, ok, _ := d.storage.Get(keys.SchemaKey("db", propForkGUID)); ok {
		copy(u[:], v)
		return u
	}
	return d.FamilyGUID()
}

// LogStart is the oldest LSN still in the log, or the next LSN when the log
// is empty (P_trunc of SPEC §5.2).
func (d *Database) LogStart() uint64 {
	if first := d.FirstLSN(); first != 0 {
		return first
	}
	return d.EndLSN() + 1
}

// MetaGet and MetaSet read and write a local (unlogged, never backed up or
// mirrored) key of the database: the mirroring layer keeps its session
// configuration there.
func (d *Database) MetaGet(name string) ([]byte, bool, error) {
	return d.storage.Get(keys.MetaKey(name))
}

// MetaSet writes a local key durably (nil deletes it).
func (d *Database) MetaSet(name string, value []byte) error {
	return d.storage.Set(keys.MetaKey(name), value)
}

// MetaScan returns the local keys starting with prefix (names without the
// prefix) and their values.
func (d *Database) MetaScan(prefix string) (map[string][]byte, error) {
	lo := keys.MetaKey(prefix)
	if !d.storage.Pin() {
		return nil, sqlerr.New(911, d.Name())
	}
	defer d.storage.Unpin()
	if err := d.storage.Available(); err != nil {
		return nil, err
	}
	it, err := d.storage.KV().NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: keys.PrefixEnd(lo)})
	if err != nil {
		return nil, err
	}
	out := map[string][]byte{}
	for it.First(); it.Valid(); it.Next() {
		out[string(it.Key()[len(lo):])] = bytes.Clone(it.Value())
	}
	return out, it.Close()
}

// ProbeDisk makes one small durable write and returns when it is on disk:
// the mirroring layer's watchdog notices a disk whose fsyncs have
// stalled (a principal must then stop acknowledging, SPEC §8.9).
func (d *Database) ProbeDisk() error {
	return d.storage.Set(keys.MetaKey("disk_probe"), []byte{1})
}

// SetQuorum opens or closes a principal's database to users: without
// quorum it refuses them (955) and ends the sessions using it.
func (in *Instance) SetQuorum(d *Database, ok bool) {
	if d.noQuorum.Swap(!ok) == !ok {
		return
	}
	if !ok {
		in.log.Warn("database lacks quorum: closed to users", "db", d.Name())
		in.KillSessionsUsing(d, sqlerr.New(955, d.Name()))
	} else {
		in.log.Info("database has quorum: open to users", "db", d.Name())
	}
}

var catalogInstanceID = []byte("c/instance_id")

// InstanceID identifies this instance among mirroring peers; it is created
// with the data directory and never changes.
func (in *Instance) InstanceID() types.UUID {
	in.idOnce.Do(func() {
		if v, ok, err := in.master.storage.Get(catalogInstanceID); err == nil && ok && len(v) == 16 {
			copy(in.id[:], v)
			return
		}
		in.id = types.NewUUID()
		if err := in.master.storage.Set(catalogInstanceID, in.id[:]); err != nil {
			in.log.Error("saving the instance id", "err", err)
		}
	})
	return in.id
}
