// Package wire is mirrordb's PostgreSQL front end: it speaks the
// PostgreSQL v3 wire protocol (on github.com/jackc/pgproto3/v2) and hands
// SQL text to the engine through the session package's contract. It
// knows nothing of T-SQL execution and imports neither engine nor parser.
//
// # Connection lifecycle
//
// Server.Serve accepts connections and runs each in its own goroutine
// under a random, unique, non-zero process id and secret key. At most
// Config.MaxPendingStartups connections are in startup at once: one more
// closes the oldest of them (a read in progress loses its socket, other
// steps get FATAL 53300), so clients that stall in startup are pushed out
// by newcomers rather than locking them out; a log line, at most one a
// second, counts these. Each startup must finish within
// Config.StartupTimeout.
//
//   - Startup. SSLRequest is answered 'S' and TLS negotiated when
//     Config.TLS is set, else 'N'; GSSEncRequest gets 'N'; a CancelRequest cancels the running statement of the
//     connection it names when the key matches (compared in constant
//     time), and its own connection closes without a reply; a
//     StartupMessage for protocol 3.x is accepted (a minor version above 0,
//     or _pq_ options, get NegotiateProtocolVersion back: 3.0, no
//     options). Beyond Config.MaxConnections sessions (authenticating
//     ones included) the client gets FATAL 53300, Msg 17809, as
//     PostgreSQL answers "too many clients". The Authenticator runs
//     (trust, or SCRAM-SHA-256 once sa has a password: package
//     auth), then session.Backend.Open; its error goes back as
//     FATAL (an unknown database is 3D000). On success the client gets AuthenticationOk,
//     every ParameterStatus, BackendKeyData and ReadyForQuery.
//   - Queries. Messages are read and answered one at a time; the output is
//     buffered and flushed at ReadyForQuery, on Flush, and before waiting
//     for the client during startup.
//   - Parameters. Before each ReadyForQuery, every parameter whose value
//     changed since it was last reported is sent again.
//   - End. Terminate, a client that goes away, a FATAL error, a session
//     kill (session.Session.Killed: its KillReason is sent as FATAL, at
//     once if the connection is idle, else as soon as the cancelled
//     statement returns; a statement still running after killGrace, say
//     blocked writing to a client that reads nothing, has its socket
//     closed under it) or Shutdown. A small watcher goroutine per
//     connection notices kills and shutdown while the connection goroutine
//     is blocked reading; the two hand the output over under a mutex, so
//     writes never interleave.
//
// Shutdown closes the listeners, drops connections still in startup
// (wherever they wait: for the client, in the TLS handshake, in the
// Authenticator or Backend.Open), sends FATAL 57P01 to idle connections
// (waiting for a message after ReadyForQuery), lets running statements and
// their exchange finish, and when its context ends cancels what still runs
// and, after Config.ShutdownGrace, closes the remaining sockets. It returns
// when every connection goroutine has ended, or ShutdownGrace after that
// with ErrShutdownIncomplete: a statement wedged in a call that ignores
// its context cannot hold the process's shutdown. A connection aborted in
// startup ends silently, whether the abort finds it reading or between
// two reads.
//
// # Simple query flow
//
// A Query message's text goes to Session.Query whole; the session may
// produce several result sets (RowDescription, DataRow*, CommandComplete
// each, all in text format) and notices, and stops at the first error,
// which becomes an ErrorResponse. One ReadyForQuery with the session's
// transaction status ends the exchange. Empty text (or ErrEmptyQuery)
// gives EmptyQueryResponse. A Query destroys the unnamed statement and
// portal.
//
// # Extended query flow
//
// Parse prepares a statement with Session.Prepare (declared parameter
// OIDs map to types; 0 leaves the choice to the engine; an empty query is
// an empty statement). Bind decodes the arguments, text or binary by the
// format-code rule (none: all text, one: all, n: each), into the Go
// representation of types.Value, each by the OID the client declared or
// else the one announced in ParameterDescription. Describe 'S' answers
// ParameterDescription and RowDescription (text formats) or NoData;
// Describe 'P' answers RowDescription with the formats Bind asked for.
// Execute streams DataRows in those formats and CommandComplete; with a
// row limit the portal runs to completion into a buffer and is handed out
// MaxRows at a time with PortalSuspended in between. Close answers
// CloseComplete even for names that do not exist; Sync answers
// ReadyForQuery and, outside a transaction, drops the portals. After an
// error in any of these messages the client gets one ErrorResponse and
// every message up to the next Sync is discarded (a Query included), so
// exactly one ReadyForQuery follows.
//
// A client with prepared statements repeats Bind, Describe 'P', Execute
// and Sync for every statement, so that cycle costs wire no allocation:
// frontend.go decodes those messages into reused ones (pgproto3 decodes
// the others and the handshake's), the unnamed portal, its slices, the
// result writer and the statement context are reused, the portal's
// RowDescription is encoded once per statement and result formats, and
// the small replies are encoded straight into the output buffer, which is
// written once, at ReadyForQuery (BENCHMARKS.md, "The extended protocol's
// statement path").
//
// # Types and formats
//
// Result columns map to PostgreSQL types by kind (package pgcodec): the integer
// kinds to int2/int4/int8, BIT to bool, DECIMAL to numeric with its
// typmod, REAL/FLOAT to float4/float8, the character kinds to bpchar or
// varchar with their length typmod, DATE to date, DATETIME and DATETIME2
// to timestamp, UNIQUEIDENTIFIER to uuid, the binary kinds to bytea and
// anything unknown to text. Values are printed as PostgreSQL prints them
// (pgcodec's text format: t/f, \x hex, ISO timestamps with trimmed microseconds,
// shortest round-trip floats, lower-case uuids) and encoded in binary as
// its send functions do (pgcodec's binary format, including numeric's base-10000
// digits). Parameters are read as its input and receive functions read
// them; zoned timestamps convert to UTC.
//
// # Errors
//
// Every error travels as a *sqlerr.Error: Message is its Text() ("Msg
// 2627, Level 14, State 1: ...", SPEC D6), Code its SQLSTATE, and Position,
// Detail and Hint are passed on. Severity is ERROR, or FATAL when the
// error is marked Fatal or happens at startup, and the connection then
// closes. Informational messages (severity <= 10) are NoticeResponses. A
// statement cancelled by a CancelRequest reports 57014 (Msg 3980 unless
// the engine already said 57014).
//
// # Hostile input
//
// pgproto3/v2 allocates whatever length a client declares and panics on
// some malformed messages. wire reads through a ChunkReader that refuses
// lengths above Config.MaxMessageSize (FATAL 08P01 "message too large",
// nothing allocated) and grows the buffer of a large message as its bytes
// arrive, so memory follows what a client sends, not what it declares. It
// bounds the startup packet to 10,000 bytes, the handshake to
// Config.StartupTimeout, the connections in startup to
// Config.MaxPendingStartups and the sessions to Config.MaxConnections.
// Output waits in a 16 KiB buffer and the socket's; a client that takes
// none of it for Config.WriteTimeout is dropped, so one that stops reading
// a result holds its statement only that long. Decoder panics become FATAL
// 08P01, and any other panic in a connection goroutine is recovered (FATAL
// XX000): a bad client or an engine bug ends only its own connection.
// Unknown message types are FATAL 08P01, as in PostgreSQL; FunctionCall
// gets 0A000; CopyData, CopyDone and CopyFail outside COPY are ignored, as
// PostgreSQL ignores them. FuzzConnection feeds arbitrary bytes to a
// connection; hostile_test.go and limits_test.go cover floods, stalled and
// non-reading clients.
//
// An Execute with a row limit buffers its portal's whole result (see
// Extended query flow); with Config.Memory set the buffer counts against
// the per-statement budget and the server's pool (Msg 701 past either),
// and every path that drops a portal gives it back. Not bounded: a
// session may prepare any number of statements, as in PostgreSQL.
package wire
