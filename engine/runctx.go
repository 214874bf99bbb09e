package engine

import (
	"context"
	"sync/atomic"
)

// runContext is the context a session's statements run under, kept from
// one statement to the next while nothing cancels it: making a cancellable
// context and hooking the governor's stop flag onto it for every statement
// cost several allocations and two registrations with the parent context
// per statement (issue 14). KILL cancels it with a reason (Session.Kill);
// the parent, wire's statement context, ends on a CancelRequest or when
// the connection goes. Statements leave nothing behind that waits on it:
// their waits end with them.
type runContext struct {
	parent  context.Context
	ctx     context.Context
	cancel  context.CancelCauseFunc
	stopped atomic.Bool // set once ctx ends, for the governor's Check
}

// runContext returns the context for a statement run under parent: the
// last one if it has the same parent and was not cancelled, else a new one.
func (s *Session) runContext(parent context.Context) *runContext {
	if rc := s.runCtx; rc != nil {
		if rc.parent == parent && rc.ctx.Err() == nil {
			return rc
		}
		rc.cancel(nil) // detach it from its parent
	}
	rc := &runContext{parent: parent}
	rc.ctx, rc.cancel = context.WithCancelCause(parent)
	context.AfterFunc(rc.ctx, func() { rc.stopped.Store(true) })
	s.runCtx = rc
	return rc
}
