// Package txlog defines mirrordb's transaction log record: what one
// committed write transaction did to its database, as physical key/value
// operations with before- and after-images and the commit time (SPEC D9).
//
// The same record serves every consumer of the log: redo on a mirror (apply
// after-images), undo on a former principal (apply before-images in
// reverse), RESTORE LOG (redo) and STOPAT (commit time). Records are
// self-checking (CRC-32C) so that a record read from disk, a backup file or
// the network is verified before it is applied.
package txlog

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"time"
)

// LSN is a log sequence number: dense, per database, starting at 1.
type LSN = uint64

// OpKind says what an operation did to its key.
type OpKind uint8

const (
	// OpPut set the key to After.
	OpPut OpKind = 1
	// OpDelete removed the key.
	OpDelete OpKind = 2
)

// Op is one key/value change. Before is the value the key held before the
// change (nil when HadBefore is false: the key did not exist).
type Op struct {
	Kind      OpKind
	Key       []byte
	HadBefore bool
	Before    []byte
	After     []byte // OpPut only
}

// Kind says what a record is. A transaction small enough to be written
// at once is one commit record; a larger one is written as parts (its
// changes so far, not committed) and ends with a commit or an abort record
// that names its first part (docs/ARCHITECTURE.md, "Transactions written
// in parts").
type Kind uint8

const (
	// KindCommit commits a transaction: its (last) operations and its
	// commit time.
	KindCommit Kind = 0
	// KindPart is a part of a transaction still open: operations with
	// before-images, no commit time.
	KindPart Kind = 1
	// KindAbort ends a transaction whose parts were compensated: the
	// parts and their compensation stay in the log, and together they
	// change nothing.
	KindAbort Kind = 2
)

// Record is one log record: a committed transaction, or a part or the
// abort of a transaction written in parts.
type Record struct {
	LSN LSN
	// Kind is KindCommit for a transaction written at once.
	Kind Kind
	// Txn is the LSN of the transaction's first part; 0 for a transaction
	// written in one record.
	Txn        LSN
	CommitTime time.Time // KindCommit only
	Ops        []Op
}

// Version 1 is a commit of a transaction written at once; version 2 adds
// the kind and txn. A record that version 1 can express is written as
// version 1, so logs, backups and mirrors without parts are unchanged.
const (
	version1 = 1
	version2 = 2
)

// v2 reports whether the record needs version 2.
func (r *Record) v2() bool { return r.Kind != KindCommit || r.Txn != 0 }

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// ErrCorrupt reports a record that fails its checksum or cannot be decoded.
var ErrCorrupt = errors.New("txlog: corrupt log record")

// Encode appends the record's encoding to dst:
//
//	version(1)=1 lsn(uvarint) commitUnixNano(varint) nops(uvarint) ops crc
//	version(1)=2 lsn(uvarint) kind(1) txn(uvarint) [commitUnixNano(varint), commit only] nops(uvarint) ops crc
//	ops: { kind(1) flags(1) key(len+bytes) [before(len+bytes)] [after(len+bytes)] }*
//	crc: crc32c(4) over everything before it
func (r *Record) Encode(dst []byte) []byte {
	start := len(dst)
	if r.v2() {
		dst = append(dst, version2)
		dst = binary.AppendUvarint(dst, r.LSN)
		dst = append(dst, byte(r.Kind))
		dst = binary.AppendUvarint(dst, r.Txn)
	} else {
		dst = append(dst, version1)
		dst = binary.AppendUvarint(dst, r.LSN)
	}
	if r.Kind == KindCommit {
		dst = binary.AppendVarint(dst, r.CommitTime.UnixNano())
	}
	dst = binary.AppendUvarint(dst, uint64(len(r.Ops)))
	for i := range r.Ops {
		op := &r.Ops[i]
		flags := byte(0)
		if op.HadBefore {
			flags = 1
		}
		dst = append(dst, byte(op.Kind), flags)
		dst = appendBytes(dst, op.Key)
		if op.HadBefore {
			dst = appendBytes(dst, op.Before)
		}
		if op.Kind == OpPut {
			dst = appendBytes(dst, op.After)
		}
	}
	return binary.BigEndian.AppendUint32(dst, crc32.Checksum(dst[start:], castagnoli))
}

func appendBytes(dst, b []byte) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(b)))
	return append(dst, b...)
}

// Decode parses an encoded record. The returned record's slices alias b.
func Decode(b []byte) (*Record, error) {
	if len(b) < 5 {
		return nil, ErrCorrupt
	}
	body, sum := b[:len(b)-4], binary.BigEndian.Uint32(b[len(b)-4:])
	if crc32.Checksum(body, castagnoli) != sum {
		return nil, ErrCorrupt
	}
	if body[0] != version1 && body[0] != version2 {
		return nil, fmt.Errorf("txlog: unsupported record version %d", body[0])
	}
	d := decoder{b: body[1:]}
	r := &Record{LSN: d.uvarint()}
	if body[0] == version2 {
		r.Kind = Kind(d.byte())
		r.Txn = d.uvarint()
		if r.Kind > KindAbort || r.Txn == 0 || r.Txn > r.LSN {
			return nil, ErrCorrupt
		}
	}
	if r.Kind == KindCommit {
		r.CommitTime = time.Unix(0, d.varint()).UTC()
	}
	n := d.uvarint()
	if d.err != nil || n > uint64(len(d.b)) {
		return nil, ErrCorrupt
	}
	r.Ops = make([]Op, n)
	for i := range r.Ops {
		op := &r.Ops[i]
		op.Kind = OpKind(d.byte())
		flags := d.byte()
		op.Key = d.bytes()
		if flags&1 != 0 {
			op.HadBefore = true
			op.Before = d.bytes()
		}
		switch op.Kind {
		case OpPut:
			op.After = d.bytes()
		case OpDelete:
		default:
			return nil, ErrCorrupt
		}
	}
	if d.err != nil || len(d.b) != 0 {
		return nil, ErrCorrupt
	}
	return r, nil
}

// PeekLSN returns the LSN of an encoded record without verifying it.
func PeekLSN(b []byte) (LSN, bool) {
	if len(b) < 2 {
		return 0, false
	}
	v, k := binary.Uvarint(b[1:])
	return v, k > 0
}

type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail() { d.err = ErrCorrupt; d.b = nil }

func (d *decoder) uvarint() uint64 {
	v, k := binary.Uvarint(d.b)
	if k <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[k:]
	return v
}

func (d *decoder) varint() int64 {
	v, k := binary.Varint(d.b)
	if k <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[k:]
	return v
}

func (d *decoder) byte() byte {
	if len(d.b) == 0 {
		d.fail()
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *decoder) bytes() []byte {
	n := d.uvarint()
	if d.err != nil || n > uint64(len(d.b)) {
		d.fail()
		return nil
	}
	v := d.b[:n:n]
	d.b = d.b[n:]
	return v
}

// EncodedLen is the length of the record's encoding, so that a writer can
// make room for it and encode it in place (a large transaction's record
// is then built once, where it is stored).
func (r *Record) EncodedLen() int {
	n := 1 + uvarintLen(r.LSN) + uvarintLen(uint64(len(r.Ops)))
	if r.v2() {
		n += 1 + uvarintLen(r.Txn)
	}
	if r.Kind == KindCommit {
		n += varintLen(r.CommitTime.UnixNano())
	}
	for i := range r.Ops {
		op := &r.Ops[i]
		n += 2 + bytesLen(op.Key)
		if op.HadBefore {
			n += bytesLen(op.Before)
		}
		if op.Kind == OpPut {
			n += bytesLen(op.After)
		}
	}
	return n + 4
}

func bytesLen(b []byte) int { return uvarintLen(uint64(len(b))) + len(b) }

func uvarintLen(v uint64) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}

func varintLen(v int64) int {
	u := uint64(v) << 1 // zig-zag, as binary.AppendVarint
	if v < 0 {
		u = ^u
	}
	return uvarintLen(u)
}
