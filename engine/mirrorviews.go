package engine

import (
	"strconv"
	"strings"

	"mirrordb/engine/endpoint"
	"mirrordb/engine/exec"
	"mirrordb/types"
)

// The mirroring catalog views (SPEC §7). Endpoint rows come from the
// catalog; session, connection and witness rows from the mirroring layer.

// tsqlEndpointID is the system endpoint clients connect to ("TSQL Default
// TCP" in SQL Server).
const tsqlEndpointID = 4

// endpointBase is the column list sys.endpoints shares with the views that
// inherit from it.
func endpointBase() []any {
	return []any{"name", sysname, "endpoint_id", intT, "principal_id", intT, "protocol", tinyint,
		"protocol_desc", desc60, "type", tinyint, "type_desc", desc60, "state", tinyint,
		"state_desc", desc60, "is_admin_endpoint", bit}
}

func endpointBaseRow(ep *endpoint.Endpoint) []types.Value {
	return []types.Value{ep.Name, int64(ep.ID()), int64(1), int64(2), "TCP", int64(4),
		"DATABASE_MIRRORING", int64(ep.StateCode()), ep.State, false}
}

// tsqlEndpointRow is the system endpoint serving SQL clients.
func tsqlEndpointRow() []types.Value {
	return []types.Value{"TSQL Default TCP", int64(tsqlEndpointID), int64(1), int64(2), "TCP", int64(2),
		"TSQL", int64(0), "STARTED", false}
}

// addMirroringViews adds the endpoint and mirroring views.
func (vs viewSet) addMirroringViews() {
	vs["sys.endpoints"] = &view{
		cols: cols(endpointBase()...),
		rows: func(e *exec.Env, _ []types.Value) ([][]types.Value, error) {
			out := [][]types.Value{tsqlEndpointRow()}
			if ep := sessionOf(e).inst.Endpoint(); ep != nil {
				out = append(out, endpointBaseRow(ep))
			}
			return out, nil
		},
	}
	vs["sys.tcp_endpoints"] = &view{
		cols: cols(append(endpointBase(), "port", intT, "is_dynamic_port", bit, "ip_address", types.NVarCharType(45))...),
		rows: func(e *exec.Env, _ []types.Value) ([][]types.Value, error) {
			var out [][]types.Value
			port, ip := sessionOf(e).inst.listenPort()
			out = append(out, append(tsqlEndpointRow(), port, false, ip))
			if ep := sessionOf(e).inst.Endpoint(); ep != nil {
				var ip types.Value
				if ep.IP != "" {
					ip = ep.IP
				}
				out = append(out, append(endpointBaseRow(ep), int64(ep.Port), false, ip))
			}
			return out, nil
		},
	}
	vs["sys.database_mirroring_endpoints"] = &view{
		cols: cols(append(endpointBase(), "role", tinyint, "role_desc", desc60, "is_encryption_enabled", bit,
			"connection_auth", tinyint, "connection_auth_desc", desc60, "certificate_id", intT,
			"encryption_algorithm", tinyint, "encryption_algorithm_desc", desc60)...),
		rows: func(e *exec.Env, _ []types.Value) ([][]types.Value, error) {
			ep := sessionOf(e).inst.Endpoint()
			if ep == nil {
				return nil, nil
			}
			row := append(endpointBaseRow(ep), int64(ep.RoleCode()), ep.Role, ep.Encryption != "DISABLED",
				int64(ep.AuthCode()), ep.AuthDesc(), certificateID(sessionOf(e).inst, ep), int64(ep.AlgorithmCode()), ep.AlgorithmDesc())
			return [][]types.Value{row}, nil
		},
	}
	vs["sys.database_mirroring"] = &view{
		cols: cols("database_id", intT, "mirroring_guid", types.TypeUUID, "mirroring_state", tinyint,
			"mirroring_state_desc", desc60, "mirroring_role", tinyint, "mirroring_role_desc", desc60,
			"mirroring_role_sequence", intT, "mirroring_safety_level", tinyint,
			"mirroring_safety_level_desc", desc60, "mirroring_safety_sequence", intT,
			"mirroring_partner_name", types.NVarCharType(128), "mirroring_partner_instance", types.NVarCharType(128),
			"mirroring_witness_name", types.NVarCharType(128), "mirroring_witness_state", tinyint,
			"mirroring_witness_state_desc", desc60, "mirroring_failover_lsn", lsnT,
			"mirroring_connection_timeout", intT, "mirroring_redo_queue", intT,
			"mirroring_redo_queue_type", desc60, "mirroring_end_of_log_lsn", lsnT,
			"mirroring_replication_lsn", lsnT),
		rows: func(e *exec.Env, _ []types.Value) ([][]types.Value, error) {
			m := sessionOf(e).inst.mirror()
			var out [][]types.Value
			for _, d := range sessionOf(e).inst.Databases() {
				var st *MirrorStatus
				if m != nil {
					st = m.Status(d)
				}
				if st == nil {
					row := make([]types.Value, 21)
					row[0] = int64(d.id)
					out = append(out, row)
					continue
				}
				out = append(out, []types.Value{int64(d.id), uuidOrNil(st.GUID), int64(st.State), st.StateDesc,
					int64(st.Role), st.RoleDesc, st.RoleSequence, int64(st.SafetyLevel), st.SafetyDesc,
					st.SafetySequence, st.PartnerName, nullIfEmpty(st.PartnerInstance), nullIfEmpty(st.WitnessName),
					witnessState(st), witnessDesc(st), lsnValue(st.FailoverLSN), int64(st.Timeout), nil,
					"UNLIMITED", lsnValue(st.EndOfLog), lsnValue(st.ReplicationLSN)})
			}
			return out, nil
		},
	}
	vs["sys.dm_db_mirroring_connections"] = &view{
		cols: cols("connection_id", types.TypeUUID, "transport_stream_id", types.TypeUUID, "state", tinyint,
			"state_desc", desc60, "connect_time", dtT, "login_time", dtT, "authentication_method", desc60,
			"principal_name", sysname, "remote_user_name", sysname, "last_activity_time", dtT,
			"is_accept", bit, "login_state", tinyint, "login_state_desc", desc60, "peer_certificate_id", intT,
			"encryption_algorithm", tinyint, "encryption_algorithm_desc", desc60,
			"receives_posted", tinyint, "is_receive_flow_controlled", bit, "sends_posted", tinyint,
			"is_send_flow_controlled", bit, "total_bytes_sent", bigint, "total_bytes_received", bigint,
			"total_fragments_sent", bigint, "total_fragments_received", bigint, "total_sends", bigint,
			"total_receives", bigint, "peer_arbitration_id", types.TypeUUID,
			"remote_server_name", types.NVarCharType(128), "remote_address", types.NVarCharType(128)),
		rows: func(e *exec.Env, _ []types.Value) ([][]types.Value, error) {
			m := sessionOf(e).inst.mirror()
			if m == nil {
				return nil, nil
			}
			var out [][]types.Value
			for _, c := range m.Connections() {
				out = append(out, []types.Value{uuidOrNil(c.ConnectionID), uuidOrNil(c.ConnectionID),
					int64(c.State), c.StateDesc, c.ConnectTime, c.LoginTime, nullIfEmpty(c.AuthenticationMethod),
					nullIfEmpty(c.PrincipalName), nullIfEmpty(c.RemoteUserName), c.LastActivity, c.IsAccept,
					int64(c.LoginState), c.LoginStateDesc, int64(0), int64(c.EncryptionAlgorithm),
					c.EncryptionAlgorithmDesc, int64(0), false, int64(0), false, c.BytesSent, c.BytesReceived,
					c.FragmentsSent, c.FragmentsReceived, c.FragmentsSent, c.FragmentsReceived,
					uuidOrNil(c.PeerInstanceID), nullIfEmpty(c.RemoteServerName), nullIfEmpty(c.RemoteAddress)})
			}
			return out, nil
		},
	}
	vs["sys.dm_db_mirroring_state_changes"] = &view{
		cols: cols("event_time", dtT, "database_id", intT, "database_name", sysname, "previous_state", intT,
			"state", intT, "state_desc", desc60, "role_desc", desc60, "mirroring_state_desc", desc60,
			"server_name", sysname),
		rows: func(e *exec.Env, _ []types.Value) ([][]types.Value, error) {
			m := sessionOf(e).inst.mirror()
			if m == nil {
				return nil, nil
			}
			var out [][]types.Value
			for _, c := range m.StateChanges() {
				out = append(out, []types.Value{localTime(c.Time), int64(c.DatabaseID), c.Database,
					int64(c.Previous), int64(c.State), c.Description, c.Role, c.MirroringState,
					sessionOf(e).inst.ServerName()})
			}
			return out, nil
		},
	}
	vs["sys.database_mirroring_witnesses"] = &view{
		cols: cols("database_name", sysname, "principal_server_name", sysname, "mirror_server_name", sysname,
			"safety_level", tinyint, "safety_level_desc", desc60, "safety_sequence_number", intT,
			"role_sequence_number", intT, "mirroring_guid", types.TypeUUID, "family_guid", types.TypeUUID,
			"is_suspended", bit, "is_suspended_sequence_number", intT, "partner_sync_state", tinyint,
			"partner_sync_state_desc", desc60),
		rows: func(e *exec.Env, _ []types.Value) ([][]types.Value, error) {
			m := sessionOf(e).inst.mirror()
			if m == nil {
				return nil, nil
			}
			var out [][]types.Value
			for _, w := range m.Witnessed() {
				out = append(out, []types.Value{w.DatabaseName, w.PrincipalServer, w.MirrorServer,
					int64(w.SafetyLevel), w.SafetyDesc, w.SafetySequence, w.RoleSequence, uuidOrNil(w.GUID),
					uuidOrNil(w.FamilyGUID), w.Suspended, w.SuspendSequence, int64(w.PartnerSyncState),
					w.PartnerSyncDesc})
			}
			return out, nil
		},
	}
}

func witnessState(st *MirrorStatus) types.Value {
	if st.WitnessName == "" {
		return nil
	}
	return int64(st.WitnessState)
}

func witnessDesc(st *MirrorStatus) types.Value {
	if st.WitnessName == "" {
		return nil
	}
	return st.WitnessDesc
}

// listenPort is the SQL listener's port and IP (NULL for all addresses),
// for the TSQL endpoint's row of sys.tcp_endpoints.
func (in *Instance) listenPort() (types.Value, types.Value) {
	// host:port, with IPv6 hosts in brackets (the engine does no
	// networking, so no net package here).
	i := strings.LastIndexByte(in.cfg.ListenAddr, ':')
	if i < 0 {
		return nil, nil
	}
	n, err := strconv.Atoi(in.cfg.ListenAddr[i+1:])
	if err != nil {
		return nil, nil
	}
	host := strings.Trim(in.cfg.ListenAddr[:i], "[]")
	var ip types.Value
	if host != "" && host != "0.0.0.0" && host != "::" {
		ip = host
	}
	return int64(n), ip
}

// certificateID is the certificate_id of the endpoint's certificate, 0
// without one.
func certificateID(in *Instance, ep *endpoint.Endpoint) int64 {
	if cert := in.security().Certificate(ep.Certificate); ep.Certificate != "" && cert != nil {
		return int64(cert.ID)
	}
	return 0
}
