// Package mirroring is the driver of database mirroring: it connects the
// pure session state machine (mirroring/core) to the engine (log, commit
// gate, roles) and to the network (mirroring/transport).
//
// A Manager serves one instance. It owns the instance's mirroring
// endpoint (bound while the endpoint is STARTED), one runner per mirrored
// database, and the establishment handshake of SET PARTNER. It knows no
// SQL text: ALTER DATABASE ... SET PARTNER / SET WITNESS arrive from the
// engine as typed commands (engine.MirrorCommand), and the roles it gives
// a copy are the engine's (engine.MirrorRole).
//
// # Runners
//
// Each mirrored database has a runner goroutine that alone calls
// core.Session.Step. Everything that happens to the session reaches it as
// an event on one channel (messages from the partner, link changes,
// commands, completed I/O) or as a coalesced notification (the durable
// end of log, the mirror's hardened end); the runner carries out the
// actions Step returns. Slow work runs beside it, never inside it:
//
//   - the shipper (principal) streams log from the mirror's acknowledged
//     end, reading through the engine's log iterator in blocks of about
//     1 MiB, as fast as the connection takes them; it never waits for an
//     acknowledgement, so shipping is pipelined.
//   - the applier (mirror) hardens what arrives: everything queued is
//     redone in one durable batch (one fsync for many blocks), then the
//     hardened end goes back to the runner, which acknowledges it.
//   - the commit gate (principal, SAFETY FULL) holds each commit's
//     acknowledgement until the mirror's hardened end reaches it.
//
// # Establishing a session
//
// SET PARTNER on the future mirror only records the principal's address.
// SET PARTNER on the principal connects to the mirror's endpoint and sends
// an establish request with everything the mirror needs to check (SPEC
// §5.2, §12.1); the mirror connects back to the address it was given (so
// both directions are proven), runs the checks, persists the new session
// and answers. Only then does the principal persist its side and start
// shipping.
package mirroring
