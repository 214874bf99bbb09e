package core

// Overlapped shipping and the mirror ahead
//
// The principal ships log as soon as it is applied, before its own fsync,
// so that its flush and the mirror's hardening overlap; a commit is
// acknowledged only once both are done (the gate lets it through after
// the local fsync). The mirror may therefore harden log that the principal
// then loses: it crashes, or its store is recovered from the WAL after a
// storage failure, with that log applied and not yet durable. None of that
// log was acknowledged. The principal's next commits reuse those LSNs with
// other records, so the mirror's copy must not be taken for them:
//
//   - A principal starting a session (NewSession) or reloading its store
//     (Reloaded) sets Config.Rewind to its end of log — the lowest such end
//     while one is pending — and persists it before its next commit. Until
//     the mirror is known to hold nothing past it, acknowledgements past
//     it count for nothing (the gate never lets a commit through on them)
//     and mirrorEnd is capped at it.
//   - Its Hello carries Rewind. A mirror whose end is past it undoes its
//     log to it (Undo, with the before-images, as a former principal does)
//     and says its new end in a Hello; only then does the principal clear
//     Rewind and ship. A reload drops the link first, so that nothing
//     shipped before it is applied after the mirror's Hello (the driver
//     drops what a replaced connection had queued).
//   - A principal that instead becomes mirror (a failover while it was
//     away) undoes its own log to the failover LSN or to its Rewind, the
//     lower: past Rewind, its log may differ from what the new principal
//     got from it (Config.UndoPoint).
//
// The mirror's log up to Rewind is the principal's: log at or below an end
// of log found at a restart was durable then, and what a mirror holds past
// it has always been undone before anything new was shipped.

// UndoPoint is where a former principal's log must end before it can be a
// mirror: the failover LSN, or its Rewind when that is lower.
func (c Config) UndoPoint() LSN {
	if c.Rewind != nil && *c.Rewind < c.FailoverLSN {
		return *c.Rewind
	}
	return c.FailoverLSN
}

// noteRewind records that this principal's log past end may differ from
// what it shipped before (principal).
func (s *Session) noteRewind(end LSN) {
	if s.cfg.Rewind == nil || end < *s.cfg.Rewind {
		r := end
		s.cfg.Rewind = &r
	}
	s.mirrorEnd = min(s.mirrorEnd, *s.cfg.Rewind)
}

// reloaded handles the principal's store reopened from its WAL with the
// log ending at end.
func (s *Session) reloaded(end LSN) {
	if s.cfg.Role != Principal {
		return // a mirror's log is durable before it is acknowledged
	}
	s.noteRewind(end)
	s.persist()
	if s.linkUp {
		s.emit(DropLink{Reason: "the database was recovered from its log: the mirror may hold log this partner no longer has"})
		s.linkDown("the database was recovered from its log", false)
	}
}

// trustsMirrorTo reports whether the mirror's claim to hold the log up to
// lsn is this principal's log (principal).
func (s *Session) trustsMirrorTo(lsn LSN) bool {
	return s.cfg.Rewind == nil || lsn <= *s.cfg.Rewind
}

// checkMirrorRewind settles a pending Rewind against the end of log in the
// mirror's Hello (principal, mirrorEnd just set from it).
func (s *Session) checkMirrorRewind() {
	s.mirrorRewind = false
	r := s.cfg.Rewind
	if r == nil {
		return
	}
	if s.mirrorEnd > *r {
		s.mirrorEnd, s.mirrorRewind = *r, true // it undoes first (our Hello asks it to)
		return
	}
	s.cfg.Rewind = nil
	s.persist()
}

// helloRewind is the Rewind a Hello carries: a principal's only.
func (s *Session) helloRewind() *LSN {
	if s.cfg.Role != Principal {
		return nil
	}
	return s.cfg.Rewind
}

// undoTarget is where a mirror's undo takes its log: the undo point it
// owes as a former principal, and the principal's Rewind.
func (s *Session) undoTarget() LSN {
	t := MaxLSN
	if s.cfg.PendingUndo {
		t = s.cfg.UndoPoint()
	}
	if s.rewindTo != nil {
		t = min(t, *s.rewindTo)
	}
	return t
}

// settleDemotedUndo decides, for a former principal now mirror whose log
// ends at end, whether it owes an undo; a Rewind it does not need is
// forgotten.
func (s *Session) settleDemotedUndo(end LSN) {
	if end > s.cfg.UndoPoint() {
		s.cfg.PendingUndo = true
	}
	if !s.cfg.PendingUndo {
		s.cfg.Rewind = nil
	}
}
