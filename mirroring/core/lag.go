package core

import "time"

// The state of a SAFETY OFF session.
//
// Under SAFETY OFF nothing waits for the mirror, so SYNCHRONIZED cannot
// mean what it means under FULL (every acknowledged commit is on the
// mirror): it would hold between a commit's acknowledgement by the mirror
// and the next commit, and flip with every one. It says instead that the
// mirror keeps up, by how long the oldest durable record it lacks has been
// waiting for it (SQL Server's time_behind, seen from now), with a
// hysteresis so that a DBA sees a state to act on, not a pulse:
//
//   - SYNCHRONIZING → SYNCHRONIZED once the mirror lacks nothing that has
//     been durable here for AsyncCaughtUp: what it misses was committed
//     within the last second (a new session catches up, SPEC T3);
//   - SYNCHRONIZED → SYNCHRONIZING only when a record has waited for the
//     mirror for longer than AsyncBehind: the mirror has been behind,
//     continuously, that long — forced service now would lose that much
//     (SPEC T4).
//
// The principal decides and its messages carry the verdict, so the mirror
// reports the same state.
const (
	AsyncCaughtUp = time.Second
	AsyncBehind   = 5 * time.Second
)

// logStamp notes that the records from lsn on (to the next stamp's) were
// durable at at, or later.
type logStamp struct {
	lsn LSN
	at  time.Time
}

const (
	// stampEvery is how coarse the stamps are: records made durable
	// within it of the last stamp count as that old (ages err long).
	stampEvery = 100 * time.Millisecond
	// maxStamps bounds the stamps kept while the mirror is away; beyond,
	// every other one goes, its records counted as older.
	maxStamps = 256
	// unknownLag is the lag of records durable before the session saw
	// them (before a restart, say): as behind as can be.
	unknownLag = time.Duration(1<<63 - 1)
)

// noteDurable stamps the principal's records from lsn on durable now.
func (s *Session) noteDurable(lsn LSN) {
	n := len(s.durableAt)
	if n > 0 && s.now.Sub(s.durableAt[n-1].at) < stampEvery {
		return
	}
	if n >= maxStamps {
		kept := s.durableAt[:1]
		for i := 2; i < n; i += 2 {
			kept = append(kept, s.durableAt[i])
		}
		s.durableAt = kept
	}
	s.durableAt = append(s.durableAt, logStamp{lsn: lsn, at: s.now})
}

// mirrorLag is how long the oldest durable record the mirror has not
// acknowledged has been durable (0 when it lacks nothing), forgetting the
// stamps of what it has.
func (s *Session) mirrorLag() time.Duration {
	if s.mirrorEnd >= s.end {
		s.durableAt = s.durableAt[:0]
		return 0
	}
	for len(s.durableAt) > 1 && s.durableAt[1].lsn <= s.mirrorEnd+1 {
		s.durableAt = s.durableAt[1:]
	}
	if len(s.durableAt) == 0 || s.durableAt[0].lsn > s.mirrorEnd+1 {
		return unknownLag
	}
	return s.now.Sub(s.durableAt[0].at)
}

// updateAsyncSync applies the hysteresis above (principal, SAFETY OFF).
func (s *Session) updateAsyncSync() {
	switch lag := s.mirrorLag(); {
	case !s.synced && lag < AsyncCaughtUp:
		s.synced = true
	case s.synced && lag > AsyncBehind:
		s.synced = false
	}
}
