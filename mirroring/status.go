package mirroring

import (
	"mirrordb/engine"
	"mirrordb/mirroring/core"
	"mirrordb/types"
)

// Status implements engine.Mirroring: d's row of sys.database_mirroring.
func (m *Manager) Status(d *engine.Database) *engine.MirrorStatus {
	r := m.runner(d.Name())
	if r == nil {
		return nil
	}
	s := r.snapshot()
	c := s.cfg
	st := &engine.MirrorStatus{GUID: c.GUID, State: int(s.state), StateDesc: s.state.String(),
		Role: int(c.Role), RoleDesc: c.Role.String(), RoleSequence: c.RoleSeq,
		SafetyLevel: int(c.Safety), SafetyDesc: c.Safety.String(), SafetySequence: c.SafetySeq,
		PartnerName: c.Partner, PartnerInstance: c.PartnerName, WitnessName: c.Witness,
		Timeout: max(c.Timeout, 5), EndOfLog: uint64(d.DurableLSN())}
	if c.Witness != "" {
		st.WitnessState = s.witnessState
		st.WitnessDesc = [...]string{"UNKNOWN", "CONNECTED", "DISCONNECTED"}[s.witnessState]
	}
	if c.Role == core.Principal && d.State() == engine.StateRestoring {
		// The session's role leads the database's by the moment SetRole
		// takes (log still queued is hardened first, then the database
		// opens): until the database serves as principal, the view shows
		// the role it still has, so that a script polling it for
		// PRINCIPAL connects to an open database, not into a 954.
		st.Role, st.RoleDesc = int(core.Mirror), core.Mirror.String()
	}
	if c.GUID == "" { // a mirror waiting to be contacted
		st.State, st.StateDesc = int(core.Disconnected), core.Disconnected.String()
	}
	// The failover LSN is the latest LSN hardened on both partners.
	if c.Role == core.Principal {
		st.FailoverLSN = min(s.mirrorEnd, s.end)
	} else {
		st.FailoverLSN = s.end
	}
	st.ReplicationLSN = st.FailoverLSN
	return st
}

// Partner implements engine.Mirroring: the partner's server name, read
// after every statement on a mirrored database.
func (m *Manager) Partner(d *engine.Database) string {
	r := m.runner(d.Name())
	if r == nil {
		return ""
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.snap.cfg.PartnerName
}

// Connections implements engine.Mirroring: sys.dm_db_mirroring_connections.
func (m *Manager) Connections() []engine.MirrorConnection {
	ep, _ := m.endpoint()
	if ep == nil {
		return nil
	}
	var out []engine.MirrorConnection
	for _, p := range ep.Peers() {
		c := engine.MirrorConnection{ConnectionID: p.ConnectionID, State: connectionStates[p.State],
			StateDesc: p.State, ConnectTime: timeOrNil(p.ConnectTime), LoginTime: timeOrNil(p.LoginTime),
			LastActivity: timeOrNil(p.LastActivity), AuthenticationMethod: p.AuthenticationMethod,
			PrincipalName: p.Login, RemoteUserName: p.Login, IsAccept: p.IsAccept,
			EncryptionAlgorithmDesc: p.Algorithm, BytesSent: p.BytesSent, BytesReceived: p.BytesReceived,
			FragmentsSent: p.MessagesSent, FragmentsReceived: p.MessagesReceived,
			RemoteServerName: p.Remote.ServerName, RemoteAddress: p.Remote.Address, Role: p.Role,
			PeerInstanceID: p.Remote.InstanceID}
		c.LoginState, c.LoginStateDesc = 12, "ONLINE"
		if p.State != "LOGGED_IN" {
			c.LoginState, c.LoginStateDesc = 0, "INITIAL"
		}
		c.EncryptionAlgorithm = map[string]int{"NONE": 0, "RC4": 1, "AES": 2}[p.Algorithm]
		out = append(out, c)
	}
	return out
}

var connectionStates = map[string]int{"NEW": 1, "CONNECTING": 2, "CONNECTED": 3, "LOGGED_IN": 4, "CLOSED": 5}

func timeOrNil(t interface{ IsZero() bool }) types.Value {
	if t.IsZero() {
		return nil
	}
	return t
}
