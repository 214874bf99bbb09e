// Package transport is the network layer of database mirroring: an
// instance's database mirroring endpoint (one TCP listener) and the
// connections between endpoints. It moves opaque messages between
// instances; what they mean (pings, log blocks, acknowledgements, the
// witness's verdicts) belongs to mirroring/core and the driver above it.
//
// # Connections
//
// Two instances share one TCP connection, used in both directions
// whichever side dialed it. Endpoint.Dial returns the live connection to
// the instance at an address, or makes one; inbound connections arrive
// through Config.PeerUp and Config.Handler. When both instances dial each
// other at once and two connections come up, both sides keep the one
// dialed by the instance with the smaller InstanceID and close the other
// with a goodbye; PeerDown reports ErrReplaced for it, which is not a
// failure of the peer (see registry.go for the rule and why it converges).
// A connection the peer says, in a new connection's handshake, that it
// has already ended (a half-open one after a silent partition) is
// replaced by the new one whatever the rule says.
// Dial returns the connection that is kept. Messages are ordered per
// connection, so while a duplicate is being replaced, messages on the two
// connections may interleave.
//
// # Wire format
//
// Everything is framed by mirrordb/internal/frame:
//
//	kind(1) | length(4) | payload | CRC-32C(4)
//
// Kinds 'a'..'z' carry the upper layers' messages. The transport uses 'H'
// (hello), 'W' (welcome), 'A' (admit), 'R' (reject), 'P' and 'Q' (ping and
// pong) and 'B' (bye); any other kind is a protocol violation and closes
// the connection. Once a connection runs TLS, the frames travel inside it.
//
// # Handshake
//
// The dialer speaks first with a hello: the magic "MIRRORDB", the protocol
// version (major.minor; a different major is refused, and so is a minor
// older than Config.MinMinor: the mirroring endpoint needs 1.4, whose
// session messages are binary), then tagged fields:
// its Identity, ROLE, ENCRYPTION, algorithm list, AUTHENTICATION methods,
// the connection's id, its largest accepted message, the numbers that
// order its dials, and the connections to the peer it has ended lately
// (the welcome lists the acceptor's). Fields are tag/length/value, so a
// later minor version can add fields that this one skips. The sequence
// (protocol 1.4):
//
//  1. dialer → hello.
//  2. The acceptor checks the version and negotiates as SQL Server does
//     (negotiate.go): encryption and algorithm, and the AUTHENTICATION
//     method, the first of the acceptor's list that the dialer also
//     lists. A failure answers with a reject whose payload is the reason,
//     which the dialer's DialError quotes and the acceptor logs.
//  3. acceptor → welcome: its own identity and the outcome.
//  4. If the connection is encrypted or the method is CERTIFICATE, both
//     sides run a TLS 1.3 handshake on the same socket, the acceptor as
//     server (security.go); bytes sent before it are a protocol
//     violation. With CERTIFICATE the dialer judges the acceptor's
//     certificate inside the handshake (and aborts it on a refusal), the
//     acceptor judges the dialer's after it.
//  5. The acceptor asks Config.Authorize about the peer, now that it
//     knows who it is (PeerInfo.Login), registers the connection, and ends
//     the handshake over TLS with an admit frame; a refusal sends a
//     reject, over TLS, instead. Dial returns once the dialer has read the
//     admit frame, so the connection is registered on both sides by then.
//
// Without TLS, steps 4 and 5 fold into step 3: the acceptor authorizes
// and registers before writing the welcome, which ends the handshake.
// That is also the whole protocol of minor versions 0 and 1, which have
// no TLS: a connection that must run TLS is refused with them.
//
// Both sides bound the whole handshake, TLS and verdict included, by
// HandshakeTimeout (a silent or trickling peer is dropped), and at most
// MaxPendingHandshakes inbound connections may be in handshake at once;
// more are closed on arrival, so a connection flood costs a bounded
// amount of memory. Handshake frames are limited to 16 KiB, and no field
// is allocated beyond the frame.
//
// # Sending and receiving
//
// Each connection has a reader goroutine, which calls the Handler in
// order, and a writer goroutine, which drains a bounded queue into a
// buffered writer and flushes when the queue is momentarily empty: Send
// never waits for the peer, and a burst of small messages shares system
// calls. Send blocks while SendQueue of its messages are queued (the
// back-pressure of bulk traffic); Post never blocks, so that a loop with
// timers to keep (the mirroring session's) can send its small messages
// behind the bulk ones, in order, whatever the peer does. After the handshake there is no read deadline (liveness is the
// core's pings), but every write has one (WriteTimeout), so a peer that
// stops reading ends the connection instead of blocking Send forever.
// Frames above MaxMessage, bad checksums, truncated frames and unknown
// kinds close the connection and are logged.
//
// # Closing
//
// A connection ends hard (I/O error, protocol violation: the socket is
// closed at once) or gracefully (Close, Endpoint.Close, a replaced
// duplicate, the peer's goodbye: what is queued is sent, then a bye frame
// saying why, then the write side is closed and the peer's end of stream
// awaited, all within half a second). Either way PeerDown is called
// exactly once, after the last Handler call; Endpoint.Close returns when
// every goroutine has ended.
//
// # Security
//
// ENCRYPTION is TLS 1.3, whatever the algorithm name (AES or RC4 is what
// the catalog shows; SPEC D7). There are two AUTHENTICATION methods:
//
//   - WINDOWS identifies a peer by the service account it declares in its
//     hello, which Authorize judges. With encryption the acceptor presents
//     a throwaway self-signed certificate that the dialer does not check:
//     the bytes are private from an eavesdropper, but nothing is proved
//     about who is at either end, and a machine in the middle goes
//     unnoticed. WINDOWS protects against mistakes, not attackers.
//   - CERTIFICATE is mutual TLS: each side presents Config.Certificate and
//     proves it holds the private key, and each checks the other's
//     certificate: within its validity period, then VerifyCertificate,
//     which maps it to a login (trust comes from the catalog holding the
//     certificate, not from a CA). It always runs TLS, so the bytes are
//     encrypted even if ENCRYPTION negotiated not to be.
//
// The instance identity a peer declares (InstanceID, server name,
// address) is not authenticated by either method; the login is what
// Authorize grants CONNECT to.
package transport
