package monitor

import (
	"encoding/json"
	"net/http"
	"sort"
	"time"

	"mirrordb/engine"
)

// Status is the answer of GET /api/status: what this instance knows of its
// mirroring sessions and endpoint connections. The monitor page reads it
// from its own instance and from the partners named in ?peers=, so the
// JSON names are a contract: change them with the page.
type Status struct {
	Server      string       `json:"server"` // @@SERVERNAME
	InstanceID  string       `json:"instance_id"`
	Time        time.Time    `json:"time"` // this instance's clock when it answered
	Sessions    []Session    `json:"sessions"`
	Connections []Connection `json:"connections"`
}

// Session is one mirrored database as this instance sees it (its row of
// sys.database_mirroring plus the SPEC §9.5 figures).
type Session struct {
	Database       string  `json:"database"`
	Role           string  `json:"role"` // PRINCIPAL or MIRROR
	RoleSequence   int64   `json:"role_sequence"`
	State          string  `json:"state"` // SYNCHRONIZED, SYNCHRONIZING, SUSPENDED, ...
	Safety         string  `json:"safety"`
	SafetySequence int64   `json:"safety_sequence"`
	OperatingMode  string  `json:"operating_mode"`
	Partner        string  `json:"partner"`          // the partner's server network address
	PartnerServer  string  `json:"partner_instance"` // the partner's @@SERVERNAME
	Witness        string  `json:"witness"`          // "" without a witness
	WitnessState   string  `json:"witness_state"`    // UNKNOWN, CONNECTED, DISCONNECTED; "" without a witness
	TimeoutSec     int     `json:"timeout_sec"`
	EndOfLogLSN    uint64  `json:"end_of_log_lsn"`
	FailoverLSN    uint64  `json:"failover_lsn"`
	GUID           string  `json:"mirroring_guid"`
	Available      bool    `json:"available"` // open to users here (a principal with quorum)
	Figures        Figures `json:"figures"`
}

// Figures are engine.MirrorFigures under JSON names (see there for what
// each means and on which role it applies).
type Figures struct {
	LogGenerationKBps  float64 `json:"log_generation_kbps"`
	TransactionsPerSec float64 `json:"transactions_per_sec"`
	UnsentLogKB        float64 `json:"unsent_log_kb"`
	SendRateKBps       float64 `json:"send_rate_kbps"`
	OldestUnsentSec    float64 `json:"oldest_unsent_sec"`
	AverageDelayMs     float64 `json:"average_delay_ms"`
	TransactionDelayMs float64 `json:"transaction_delay_ms"`
	UnrestoredLogKB    float64 `json:"unrestored_log_kb"`
	RecoveryRateKBps   float64 `json:"recovery_rate_kbps"`
	TimeToSendSec      float64 `json:"time_to_send_sec"`    // -1: not sending
	TimeToRestoreSec   float64 `json:"time_to_restore_sec"` // -1: not redoing
}

// Connection is one endpoint connection (sys.dm_db_mirroring_connections).
type Connection struct {
	ConnectionID         string     `json:"connection_id"`
	RemoteServer         string     `json:"remote_server_name"`
	RemoteAddress        string     `json:"remote_address"`
	Role                 string     `json:"role"`
	IsAccept             bool       `json:"is_accept"` // the remote side dialled
	State                string     `json:"state"`
	LoginState           string     `json:"login_state"`
	AuthenticationMethod string     `json:"authentication_method"`
	Encryption           string     `json:"encryption_algorithm"`
	ConnectTime          *time.Time `json:"connect_time"`
	LoginTime            *time.Time `json:"login_time"`
	LastActivity         *time.Time `json:"last_activity_time"`
	BytesSent            int64      `json:"bytes_sent"`
	BytesReceived        int64      `json:"bytes_received"`
	FragmentsSent        int64      `json:"fragments_sent"`
	FragmentsReceived    int64      `json:"fragments_received"`
	PeerInstanceID       string     `json:"peer_instance_id"`
}

// Operating modes as the SQL Server monitor names them (SPEC §9.5).
const (
	HighPerformance  = "High performance (asynchronous)"
	HighSafety       = "High safety without automatic failover (synchronous)"
	HighSafetyWithAF = "High safety with automatic failover (synchronous)"
)

// OperatingMode names the session's mode: SAFETY OFF is high performance
// whether or not a witness is set (a witness there only adds the quorum
// requirement); SAFETY FULL fails over automatically only with a witness.
func OperatingMode(safetyLevel int, witness string) string {
	switch {
	case safetyLevel != 2:
		return HighPerformance
	case witness != "":
		return HighSafetyWithAF
	default:
		return HighSafety
	}
}

// Snapshot reads in's status now; at is the time it reports.
func Snapshot(in *engine.Instance, at time.Time) Status {
	st := Status{Server: in.ServerName(), InstanceID: in.InstanceID().String(), Time: at,
		Sessions: []Session{}, Connections: []Connection{}}
	for _, d := range in.Databases() {
		m := in.MirroringStatus(d)
		if m == nil {
			continue
		}
		st.Sessions = append(st.Sessions, Session{Database: d.Name(), Role: m.RoleDesc, RoleSequence: m.RoleSequence,
			State: m.StateDesc, Safety: m.SafetyDesc, SafetySequence: m.SafetySequence,
			OperatingMode: OperatingMode(m.SafetyLevel, m.WitnessName), Partner: m.PartnerName,
			PartnerServer: m.PartnerInstance, Witness: m.WitnessName, WitnessState: m.WitnessDesc,
			TimeoutSec: m.Timeout, EndOfLogLSN: m.EndOfLog, FailoverLSN: m.FailoverLSN, GUID: m.GUID,
			Available: d.Available(), Figures: Figures(m.Figures)})
	}
	for _, c := range in.MirroringConnections() {
		st.Connections = append(st.Connections, Connection{ConnectionID: c.ConnectionID,
			RemoteServer: c.RemoteServerName, RemoteAddress: c.RemoteAddress, Role: c.Role, IsAccept: c.IsAccept,
			State: c.StateDesc, LoginState: c.LoginStateDesc, AuthenticationMethod: c.AuthenticationMethod,
			Encryption: c.EncryptionAlgorithmDesc, ConnectTime: timeOf(c.ConnectTime), LoginTime: timeOf(c.LoginTime),
			LastActivity: timeOf(c.LastActivity), BytesSent: c.BytesSent, BytesReceived: c.BytesReceived,
			FragmentsSent: c.FragmentsSent, FragmentsReceived: c.FragmentsReceived, PeerInstanceID: c.PeerInstanceID})
	}
	// A stable order, so the page does not shuffle rows between polls.
	sort.SliceStable(st.Connections, func(i, j int) bool {
		a, b := st.Connections[i], st.Connections[j]
		if a.RemoteServer != b.RemoteServer {
			return a.RemoteServer < b.RemoteServer
		}
		return !a.IsAccept && b.IsAccept
	})
	return st
}

// timeOf turns a view's time value (a time.Time or NULL) into a JSON time
// or null.
func timeOf(v any) *time.Time {
	if t, ok := v.(time.Time); ok && !t.IsZero() {
		return &t
	}
	return nil
}

// serveStatus answers GET /api/status. Any origin may read it: the page of
// one instance polls its partners' too (?peers=), and the figures are no
// more secret than /metrics.
func serveStatus(in *engine.Instance) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", "*")
		h.Set("Cache-Control", "no-store")
		h.Set("Content-Type", "application/json")
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		_ = enc.Encode(Snapshot(in, time.Now().UTC()))
	}
}
