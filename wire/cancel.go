package wire

import (
	"crypto/subtle"
	"encoding/binary"
)

// cancelRequest serves a CancelRequest: it cancels the running statement
// of the connection with that process id if the secret key matches
// (compared in constant time). The requester hears nothing either way, so
// it cannot probe for valid ids; the cancelled statement fails with 57014.
func (s *Server) cancelRequest(pid, key uint32) {
	s.mu.Lock()
	c := s.conns[pid]
	s.mu.Unlock()
	if c == nil {
		s.log.Debug("wire: cancel request for unknown process", "target", pid)
		return
	}
	var want, got [4]byte
	binary.BigEndian.PutUint32(want[:], c.secret)
	binary.BigEndian.PutUint32(got[:], key)
	if subtle.ConstantTimeCompare(want[:], got[:]) != 1 {
		s.log.Warn("wire: cancel request with a wrong key", "target", pid)
		return
	}
	s.log.Debug("wire: cancel request", "target", pid)
	c.cancelStatement()
}
