// Package core is the database mirroring session as a pure state machine:
// events in (messages, ticks, link changes, local log progress, commands),
// actions out (messages to send, log to ship or apply, state to persist,
// the commit gate, role changes). It does no I/O and reads no clock — time
// arrives in Tick events — so the same code runs in the server (driven by
// package mirroring) and in deterministic tests and simulations, as etcd's
// raft core does.
//
// # The protocol between partners
//
// Every message carries the database name, the session's mirroring GUID
// and the sender's role sequence. The role sequence counts role switches;
// a message from an older role sequence never changes anything (the fence
// against two principals), and a partner that sees a newer one adopts it.
//
//   - Hello. Each side sends its view (role, role sequence, end of log,
//     configuration with sequence numbers, failover LSN) when the link comes
//     up. Equal role sequences with complementary roles make the session
//     linked. A partner behind by a role switch (a former principal coming
//     back) becomes the mirror: it must first remove its log past the
//     failover LSN (UNDO) — at once after a failover, only on RESUME after
//     forced service (SPEC D3) — and says so in its Hello (PendingUndo), so
//     the principal does not ship until it is done.
//   - Log shipping. The principal ships log records from the mirror's end
//     onward in blocks, without waiting for acknowledgements (pipelined),
//     and without waiting for its own fsync (rewind.go: when the mirror
//     ends up ahead of a principal that lost its unsynced log).
//     The mirror hardens each block (the driver applies and fsyncs it) and
//     acknowledges its new end. Ping messages keep the link alive both ways.
//   - Synchronization. With SAFETY FULL, once the mirror's lag is small the
//     principal makes new commits wait for the mirror (the commit gate) and
//     notes the log end at that moment; it reports SYNCHRONIZED only when
//     the mirror has hardened that point, so that every commit acknowledged
//     before is on the mirror too. With SAFETY OFF nothing waits and the
//     state says whether the mirror keeps up, with a hysteresis (lag.go).
//   - Failure. A link reported down is a hard error (acted on at once);
//     silence longer than the session TIMEOUT is a soft error. Either way
//     the principal stops gating commits (no witness: it runs exposed) and
//     both sides report DISCONNECTED until the link is back.
//   - Manual failover. The principal blocks writes, waits until the mirror
//     has hardened its final LSN, records the pending switch and asks the
//     mirror to take over with the next role sequence; the mirror becomes
//     principal and answers; the old principal becomes the mirror. If the
//     answer never comes the outcome is in doubt: writes stay blocked until
//     the partners meet again and their role sequences settle it.
//   - Forced service. A mirror cut off from its principal takes the
//     principal role with the next role sequence, SUSPENDED, recording its
//     end as the failover LSN. The former principal, when it returns, is
//     made mirror and suspended with its extra log intact until RESUME.
package core
