package core

import "encoding/binary"

// The two messages sent once per shipped block, the log block's head and
// the mirror's acknowledgement, are encoded in binary rather than JSON:
// under load each partner encodes or decodes one of each per group commit,
// and encoding/json's reflection cost several microseconds of CPU each on
// both partners. The rarer messages stay JSON.
//
// Layout: the header's DB and GUID as length-prefixed bytes, then RoleSeq,
// From, Seq and Echo as varints, then the message's own fields.

// appendHeader appends h in the binary layout.
func appendHeader(dst []byte, h *Header) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(h.DB)))
	dst = append(dst, h.DB...)
	dst = binary.AppendUvarint(dst, uint64(len(h.GUID)))
	dst = append(dst, h.GUID...)
	dst = binary.AppendVarint(dst, h.RoleSeq)
	dst = binary.AppendVarint(dst, int64(h.From))
	dst = binary.AppendUvarint(dst, h.Seq)
	return binary.AppendUvarint(dst, h.Echo)
}

// binReader reads the binary layout; the first malformed field sets bad
// and every later read returns zero.
type binReader struct {
	p   []byte
	bad bool
}

func (r *binReader) uvarint() uint64 { return readVar(r, binary.Uvarint) }

func (r *binReader) varint() int64 { return readVar(r, binary.Varint) }

// readVar reads one varint with read (binary.Uvarint or binary.Varint).
func readVar[T uint64 | int64](r *binReader, read func([]byte) (T, int)) T {
	if r.bad {
		return 0
	}
	v, n := read(r.p)
	if n <= 0 {
		r.bad = true
		return 0
	}
	r.p = r.p[n:]
	return v
}

func (r *binReader) str() string {
	n := r.uvarint()
	if r.bad || n > uint64(len(r.p)) {
		r.bad = true
		return ""
	}
	s := string(r.p[:n])
	r.p = r.p[n:]
	return s
}

func (r *binReader) flag() bool {
	if r.bad || len(r.p) == 0 || r.p[0] > 1 {
		r.bad = true
		return false
	}
	v := r.p[0] == 1
	r.p = r.p[1:]
	return v
}

// header reads a header in the binary layout into h.
func (r *binReader) header(h *Header) {
	h.DB = r.str()
	h.GUID = r.str()
	h.RoleSeq = r.varint()
	h.From = Role(r.varint())
	h.Seq = r.uvarint()
	h.Echo = r.uvarint()
}

// done reports whether the whole payload was read without error.
func (r *binReader) done() bool { return !r.bad && len(r.p) == 0 }

func appendFlag(dst []byte, v bool) []byte {
	if v {
		return append(dst, 1)
	}
	return append(dst, 0)
}

// appendLogBlockFields appends a log block's header and fields (not its
// records).
func appendLogBlockFields(dst []byte, lb *LogBlock) []byte {
	dst = appendHeader(dst, &lb.Header)
	dst = binary.AppendUvarint(dst, lb.Durable)
	return appendFlag(dst, lb.Synchronized)
}

// decodeLogBlockFields is appendLogBlockFields' inverse.
func decodeLogBlockFields(p []byte, lb *LogBlock) bool {
	r := binReader{p: p}
	r.header(&lb.Header)
	lb.Durable = r.uvarint()
	lb.Synchronized = r.flag()
	return r.done()
}

func appendAck(dst []byte, a *Ack) []byte {
	dst = appendHeader(dst, &a.Header)
	return binary.AppendUvarint(dst, a.Hardened)
}

func decodeAck(p []byte) (*Ack, bool) {
	a := &Ack{}
	r := binReader{p: p}
	r.header(&a.Header)
	a.Hardened = r.uvarint()
	return a, r.done()
}
