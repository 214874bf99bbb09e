package engine

import (
	"context"
	"math"

	"mirrordb/engine/exec"
	"mirrordb/parser"
	"mirrordb/session"
	"mirrordb/sqlerr"
)

// planKill is KILL session_id. The session's running statement stops, its
// transaction rolls back and its connection closes, its client hearing Msg
// 596 as FATAL 57P01 (PostgreSQL's pg_terminate_backend). As in SQL Server,
// KILL returns once the session has rolled back, only sysadmins may use it
// (sysadminOnly: ALTER ANY CONNECTION), not on their own session (6104),
// not inside a transaction (6115).
func (b *binder) planKill(x *parser.Kill) (*stmtPlan, error) {
	if x.StatusOnly { // a rollback never outlives KILL here: nothing to report
		return nil, b.ErrAt(x, sqlerr.New(40517, "KILL ... WITH STATUSONLY"))
	}
	s := b.s
	return &stmtPlan{noTx: "KILL", noTxNumber: 6115, run: func(e *exec.Env, _ *txn, _ session.ResultWriter) (string, error) {
		id := x.SessionID
		switch {
		case id < 1 || id > math.MaxInt32:
			return "", b.ErrAt(x, sqlerr.New(6101, id, math.MaxInt32))
		case uint32(id) == s.spid():
			return "", b.ErrAt(x, sqlerr.New(6104))
		}
		s.inst.mu.RLock()
		target := s.inst.sessions[uint32(id)]
		s.inst.mu.RUnlock()
		if target == nil {
			return "", b.ErrAt(x, sqlerr.New(6106, id))
		}
		s.inst.log.Info("session killed", "session_id", id, "by", s.spid(), "login", s.loginName())
		target.Kill(sqlerr.New(596))
		select {
		case <-target.closed:
			return "KILL", nil
		case <-e.Ctx.Done():
			return "", context.Cause(e.Ctx)
		}
	}}, nil
}
