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
