// Package testutil holds small helpers shared by tests of several packages.
package testutil

import (
	"bytes"
	"sync"
)

// SyncBuffer is a goroutine-safe buffer, for capturing logs that several
// goroutines write.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String returns what was written so far.
func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
