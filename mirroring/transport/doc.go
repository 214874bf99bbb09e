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
// (hello), 'W' (welcome), 'R' (reject) and 'B' (bye); any other kind is a
// protocol violation and closes the connection.
//
// # Handshake
//
// The dialer speaks first with a hello: the magic "MIRRORDB", the protocol
// version (major.minor; a different major is refused), then tagged fields:
// its Identity, ROLE, ENCRYPTION, algorithm list, authentication method,
// the connection's id, its largest accepted message, and the numbers that
// order its dials. The acceptor checks the version, negotiates encryption
// as SQL Server does (negotiate.go) and answers with a welcome carrying
// its own identity and the outcome, or with a reject whose payload is the
// reason, which the dialer's DialError quotes and the acceptor logs.
// Fields are tag/length/value, so a later minor version can add fields
// that this one skips.
//
// When the outcome is encrypted, both sides then run a TLS 1.3 handshake
// on the same socket (security.go), the acceptor as server; bytes sent
// before it are a protocol violation. Over TLS the acceptor asks
// Config.Authorize and ends the handshake with an admit frame, or a
// reject with the reason; Dial returns only once it has read the admit
// frame. Unencrypted, Authorize runs before the welcome, which then ends
// the handshake. Either way the acceptor registers the connection before
// writing that last frame. A peer of protocol minor 0 or 1 has no TLS: an
// encrypted connection with it is refused.
//
// Both sides bound the whole handshake, TLS included, by HandshakeTimeout
// (a silent or trickling peer is dropped), and at most
// MaxPendingHandshakes inbound connections may be in handshake at once;
// more are closed on arrival, so a connection flood costs a bounded amount
// of memory. Handshake frames are limited to 16 KiB, and no field is
// allocated beyond the frame.
//
// # Sending and receiving
//
// Each connection has a reader goroutine, which calls the Handler in
// order, and a writer goroutine, which drains a bounded queue into a
// buffered writer and flushes when the queue is momentarily empty: Send
// never waits for the peer, and a burst of small messages shares system
// calls. After the handshake there is no read deadline (liveness is the
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
// the catalog shows; SPEC D7). AUTHENTICATION = WINDOWS identifies a peer
// by the service account it declares in its hello, which Authorize
// judges; with encryption the acceptor presents a throwaway self-signed
// certificate that the dialer does not check. The bytes are then private
// from an eavesdropper, but nothing is proved about who is at either end:
// WINDOWS protects against mistakes, not attackers.
//
// # Not built yet
//
// AUTHENTICATION = CERTIFICATE (mutual TLS against certificates held in
// master).
package transport
