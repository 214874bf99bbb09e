package core

import "time"

// LSN is a log sequence number of the mirrored database.
type LSN = uint64

// Role is a partner's role in the session.
type Role int

const (
	Principal Role = 1
	Mirror    Role = 2
)

func (r Role) String() string {
	switch r {
	case Principal:
		return "PRINCIPAL"
	case Mirror:
		return "MIRROR"
	}
	return "NONE"
}

// State is sys.database_mirroring.mirroring_state (SPEC D5: 0–4).
type State int

const (
	Suspended       State = 0
	Disconnected    State = 1
	Synchronizing   State = 2
	PendingFailover State = 3
	Synchronized    State = 4
)

func (s State) String() string {
	return [...]string{"SUSPENDED", "DISCONNECTED", "SYNCHRONIZING", "PENDING_FAILOVER", "SYNCHRONIZED"}[s]
}

// Safety is the transaction safety level.
type Safety int

const (
	SafetyOff  Safety = 1
	SafetyFull Safety = 2
)

func (s Safety) String() string {
	if s == SafetyOff {
		return "OFF"
	}
	return "FULL"
}

// Config is a partner's persisted view of the session. Each partner keeps
// its own copy; the sequence numbers decide which value is newer when the
// two meet.
type Config struct {
	Database    string `json:"database"`
	GUID        string `json:"guid"` // "" while a mirror-to-be waits to be contacted
	Role        Role   `json:"role"`
	Partner     string `json:"partner"`      // the partner's endpoint address
	PartnerName string `json:"partner_name"` // the partner's server name
	Witness     string `json:"witness,omitempty"`
	RoleSeq     int64  `json:"role_seq"`
	Safety      Safety `json:"safety"`
	SafetySeq   int64  `json:"safety_seq"`
	Suspended   bool   `json:"suspended"`
	SuspendSeq  int64  `json:"suspend_seq"`
	Timeout     int    `json:"timeout"` // seconds
	// FailoverLSN is where the current role sequence began: the last LSN
	// both partners had when the roles switched.
	FailoverLSN LSN `json:"failover_lsn"`
	// Forced is set when the current role sequence began with forced
	// service (the returning former principal then waits for RESUME).
	Forced bool `json:"forced,omitempty"`
	// MirrorEnd is the last end of log the mirror acknowledged (principal
	// only); the principal keeps its log from there (DATABASE_MIRRORING).
	MirrorEnd LSN `json:"mirror_end"`
	// PendingUndo is set on a former principal that still holds log past
	// FailoverLSN and must remove it before it can be a mirror.
	PendingUndo bool `json:"pending_undo,omitempty"`
	// Rewind is set on a principal whose log past it may differ from what
	// it shipped (it restarted, or its store was recovered, with only that
	// much log durable): the mirror must drop its log past it before
	// shipping resumes (rewind.go). A former principal that still has it
	// when it becomes mirror undoes its own log to it.
	Rewind *LSN `json:"rewind,omitempty"`
	// PendingFailover is set on a principal that asked its mirror to take
	// over and has not heard the outcome.
	PendingFailover *PendingSwitch `json:"pending_failover,omitempty"`
}

// PendingSwitch is a manual failover whose outcome is not known yet.
type PendingSwitch struct {
	NewRoleSeq  int64 `json:"new_role_seq"`
	FailoverLSN LSN   `json:"failover_lsn"`
}

// DefaultTimeout is a new session's partner timeout (seconds).
const DefaultTimeout = 10

// EffectiveTimeout applies SPEC D2: 0–4 seconds become 5.
func EffectiveTimeout(seconds int) time.Duration {
	if seconds < 5 {
		seconds = 5
	}
	return time.Duration(seconds) * time.Second
}

// PingInterval is min(1 s, TIMEOUT/4) (SPEC D2).
func PingInterval(timeout time.Duration) time.Duration {
	return min(time.Second, timeout/4)
}
