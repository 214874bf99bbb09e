package engine

import "time"

// eventually polls cond until it holds or a generous deadline passes, and
// reports whether it held. Tests wait this way for what other goroutines
// do (writers making progress, a cancel reaching a statement's governor)
// instead of sleeping for a guessed time that a loaded machine overruns.
func eventually(cond func() bool) bool {
	for deadline := time.Now().Add(30 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			return false
		}
	}
	return true
}

// cancelSeen cancels the statement s is running and waits until its
// governor sees the cancel: the flag govern.Check reads is set from a
// goroutine of the context's, which a loaded machine may run late, so a
// test that cancels from inside the statement (a row, a notice, a step
// hook) and expects the very next check to stop it waits here. It returns
// what Check reports, nil if the cancel never reached the governor.
func cancelSeen(s *Session, cancel func()) error {
	cancel()
	gov := s.activity.req.Load().gov
	eventually(func() bool { return gov.Check() != nil })
	return gov.Check()
}
