package core

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Header starts every session message.
type Header struct {
	DB      string `json:"db"`
	GUID    string `json:"guid"`
	RoleSeq int64  `json:"role_seq"`
	From    Role   `json:"from"`
	// Seq numbers the sender's messages; Echo is the highest Seq the
	// sender has received from the addressee. A principal's leases run
	// from the send time of the message an answer echoes (DESIGN rule 4).
	Seq  uint64 `json:"seq,omitempty"`
	Echo uint64 `json:"echo,omitempty"`
}

// Message is a session message between partners.
type Message interface{ header() *Header }

// Hello is a partner's view of the session, sent when the link comes up
// and whenever that view changes in a way the other side must know.
type Hello struct {
	Header
	End         LSN    `json:"end"` // the sender's end of log (a mirror's hardened end)
	Safety      Safety `json:"safety"`
	SafetySeq   int64  `json:"safety_seq"`
	Suspended   bool   `json:"suspended"`
	SuspendSeq  int64  `json:"suspend_seq"`
	Timeout     int    `json:"timeout"`
	Witness     string `json:"witness,omitempty"`
	FailoverLSN LSN    `json:"failover_lsn"`
	Forced      bool   `json:"forced,omitempty"`
	// PendingUndo: the sender (a mirror) still holds log past the failover
	// LSN and must not be sent log until it has removed it.
	PendingUndo bool `json:"pending_undo,omitempty"`
	// Synchronized is the principal's verdict, mirrored by the mirror.
	Synchronized bool `json:"synchronized,omitempty"`
	// Reply marks a Hello answering one (it is not answered again).
	Reply bool `json:"reply,omitempty"`
	// Rewind is the principal's Config.Rewind: a mirror holding log past
	// it undoes that log before it is shipped more (rewind.go).
	Rewind *LSN `json:"rewind,omitempty"`
}

// Ping keeps a link alive and carries the principal's progress.
type Ping struct {
	Header
	Durable      LSN  `json:"durable,omitempty"`
	Synchronized bool `json:"synchronized,omitempty"`
}

// LogBlock carries encoded log records from the principal (binary-encoded
// on the wire: see Encode).
type LogBlock struct {
	Header
	Records      [][]byte `json:"-"`
	Durable      LSN      `json:"durable"`
	Synchronized bool     `json:"synchronized,omitempty"`
}

// Ack is the mirror's hardened end of log.
type Ack struct {
	Header
	Hardened LSN `json:"hardened"`
}

// ConfigChange carries the principal's configuration after a change.
type ConfigChange struct {
	Header
	Safety     Safety `json:"safety"`
	SafetySeq  int64  `json:"safety_seq"`
	Suspended  bool   `json:"suspended"`
	SuspendSeq int64  `json:"suspend_seq"`
	Timeout    int    `json:"timeout"`
	Witness    string `json:"witness,omitempty"`
}

// Request forwards a command issued on the mirror to the principal
// (SUSPEND, RESUME) or announces one (OFF).
type Request struct {
	Header
	Command CommandKind `json:"command"`
}

// FailoverRequest asks the mirror to take over (manual failover).
type FailoverRequest struct {
	Header
	NewRoleSeq  int64 `json:"new_role_seq"`
	FailoverLSN LSN   `json:"failover_lsn"`
}

// FailoverReply answers a FailoverRequest: Done, or refused (the mirror
// had not hardened the failover LSN).
type FailoverReply struct {
	Header
	NewRoleSeq int64 `json:"new_role_seq"`
	Done       bool  `json:"done"`
}

// NoSession tells a partner that the session it names does not exist here
// (mirroring was removed while the partners were apart).
type NoSession struct {
	Header
}

// WitnessPing is a partner's message to the witness: it keeps the
// witness's record current and asks for an answer (the principal's lease).
type WitnessPing struct {
	Header
	// Exposed (principal): it may acknowledge commits the mirror has not
	// hardened; the witness refuses automatic failover while it is set.
	Exposed    bool   `json:"exposed,omitempty"`
	Safety     Safety `json:"safety"`
	SafetySeq  int64  `json:"safety_seq"`
	Suspended  bool   `json:"suspended,omitempty"`
	SuspendSeq int64  `json:"suspend_seq"`
	Timeout    int    `json:"timeout"`
	End        LSN    `json:"end"`
	// FailoverLSN is where the sender's role sequence began (the witness
	// adopts it with a role switch it did not arbitrate).
	FailoverLSN LSN `json:"failover_lsn"`
}

// WitnessPong is the witness's answer: its record of the session.
type WitnessPong struct {
	Header
	Known       bool  `json:"known"`     // the witness has the session
	Principal   bool  `json:"principal"` // the addressee is principal at RoleSeq
	Exposed     bool  `json:"exposed,omitempty"`
	FailoverLSN LSN   `json:"failover_lsn"`
	Forced      bool  `json:"forced,omitempty"`
	Suspended   bool  `json:"suspended,omitempty"`
	SuspendSeq  int64 `json:"suspend_seq"`
}

// FailoverAsk is a mirror asking the witness for the principal role:
// automatic failover, or (Force) recording forced service.
type FailoverAsk struct {
	Header
	End LSN `json:"end"` // the mirror's hardened end of log
	// SilentFor is how long the mirror has heard nothing from the
	// principal; Hard says the link ended with an error rather than
	// silence.
	SilentFor time.Duration `json:"silent_for"`
	Hard      bool          `json:"hard,omitempty"`
	Force     bool          `json:"force,omitempty"`
}

// FailoverVerdict answers a FailoverAsk. Granted: the witness has
// recorded the asker as principal at RoleSeq.
type FailoverVerdict struct {
	Header
	Granted     bool   `json:"granted"`
	FailoverLSN LSN    `json:"failover_lsn"`
	Force       bool   `json:"force,omitempty"`
	Reason      string `json:"reason,omitempty"`
}

// WitnessDrop asks the witness to forget the session (SET WITNESS OFF,
// SET PARTNER OFF).
type WitnessDrop struct {
	Header
}

func (h *Header) header() *Header { return h }

// HeaderOf returns a message's header.
func HeaderOf(m Message) *Header { return m.header() }

// Wire kinds of session messages (transport reserves the others).
const (
	kindHello    = 'h'
	kindPing     = 'p'
	kindLog      = 'l'
	kindAck      = 'a'
	kindConfig   = 'c'
	kindRequest  = 'r'
	kindFailover = 'f'
	kindReply    = 'g'
	kindNone     = 'n'

	kindWitnessPing = 'w'
	kindWitnessPong = 'o'
	kindAsk         = 'q'
	kindVerdict     = 'y'
	kindDrop        = 'z'
)

// IsSessionKind reports whether a transport message kind is a session
// message (for the driver's dispatch).
func IsSessionKind(kind byte) bool {
	switch kind {
	case kindHello, kindPing, kindLog, kindAck, kindConfig, kindRequest, kindFailover, kindReply, kindNone:
		return true
	}
	return false
}

// IsWitnessKind reports whether a transport kind carries a message between
// a partner and the witness (WitnessPing, FailoverAsk and WitnessDrop go
// to the witness; WitnessPong and FailoverVerdict to a partner).
func IsWitnessKind(kind byte) bool {
	switch kind {
	case kindWitnessPing, kindWitnessPong, kindAsk, kindVerdict, kindDrop:
		return true
	}
	return false
}

// ToWitness reports whether a message is addressed to a witness.
func ToWitness(m Message) bool {
	switch m.(type) {
	case *WitnessPing, *FailoverAsk, *WitnessDrop:
		return true
	}
	return false
}

// Encode returns a message's transport kind and payload. Log blocks and
// acknowledgements are binary (binary.go); the rest is JSON.
func Encode(m Message) (byte, []byte) {
	switch x := m.(type) {
	case *LogBlock:
		p := AppendLogBlockHead(nil, x)
		for _, r := range x.Records {
			p = AppendLogRecord(p, r)
		}
		return kindLog, p
	case *Hello:
		return kindHello, mustJSON(x)
	case *Ping:
		return kindPing, mustJSON(x)
	case *Ack:
		return kindAck, appendAck(nil, x)
	case *ConfigChange:
		return kindConfig, mustJSON(x)
	case *Request:
		return kindRequest, mustJSON(x)
	case *FailoverRequest:
		return kindFailover, mustJSON(x)
	case *FailoverReply:
		return kindReply, mustJSON(x)
	case *NoSession:
		return kindNone, mustJSON(x)
	case *WitnessPing:
		return kindWitnessPing, mustJSON(x)
	case *WitnessPong:
		return kindWitnessPong, mustJSON(x)
	case *FailoverAsk:
		return kindAsk, mustJSON(x)
	case *FailoverVerdict:
		return kindVerdict, mustJSON(x)
	case *WitnessDrop:
		return kindDrop, mustJSON(x)
	}
	panic(fmt.Sprintf("core: cannot encode %T", m))
}

// KindLog is the transport kind of a log block built with
// AppendLogBlockHead and AppendLogRecord.
const KindLog = kindLog

// AppendLogBlockHead starts a log block payload with lb's header and
// fields (not its Records): the shipper then appends records straight from
// the log with AppendLogRecord, without collecting them first.
func AppendLogBlockHead(dst []byte, lb *LogBlock) []byte {
	var buf [128]byte
	head := appendLogBlockFields(buf[:0], lb)
	dst = binary.AppendUvarint(dst, uint64(len(head)))
	return append(dst, head...)
}

// AppendLogRecord appends one encoded log record to a log block payload.
func AppendLogRecord(dst, rec []byte) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(rec)))
	return append(dst, rec...)
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// ErrBadMessage reports a payload that does not decode.
var ErrBadMessage = errors.New("core: malformed session message")

// Decode parses a transport message. Log block records alias payload.
func Decode(kind byte, payload []byte) (Message, error) {
	var m Message
	switch kind {
	case kindLog:
		n, k := binary.Uvarint(payload)
		if k <= 0 || n > uint64(len(payload)-k) {
			return nil, ErrBadMessage
		}
		lb := &LogBlock{}
		if !decodeLogBlockFields(payload[k:k+int(n)], lb) {
			return nil, ErrBadMessage
		}
		rest := payload[k+int(n):]
		for len(rest) > 0 {
			l, k := binary.Uvarint(rest)
			if k <= 0 || l > uint64(len(rest)-k) {
				return nil, ErrBadMessage
			}
			lb.Records = append(lb.Records, rest[k:k+int(l)])
			rest = rest[k+int(l):]
		}
		return lb, nil
	case kindHello:
		m = &Hello{}
	case kindPing:
		m = &Ping{}
	case kindAck:
		a, ok := decodeAck(payload)
		if !ok {
			return nil, ErrBadMessage
		}
		return a, nil
	case kindConfig:
		m = &ConfigChange{}
	case kindRequest:
		m = &Request{}
	case kindFailover:
		m = &FailoverRequest{}
	case kindReply:
		m = &FailoverReply{}
	case kindNone:
		m = &NoSession{}
	case kindWitnessPing:
		m = &WitnessPing{}
	case kindWitnessPong:
		m = &WitnessPong{}
	case kindAsk:
		m = &FailoverAsk{}
	case kindVerdict:
		m = &FailoverVerdict{}
	case kindDrop:
		m = &WitnessDrop{}
	default:
		return nil, ErrBadMessage
	}
	if err := json.Unmarshal(payload, m); err != nil {
		return nil, ErrBadMessage
	}
	return m, nil
}
