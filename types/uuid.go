package types

import (
	"crypto/rand"
	"encoding/hex"
	"strings"
)

// UUID is a UNIQUEIDENTIFIER value, stored in the byte order it is written
// in ("6F9619FF-8B86-D011-B42D-00C04FC964FF" is bytes 6F 96 19 FF ...).
// Values compare in SQL Server's uniqueidentifier order (SortKey).
type UUID [16]byte

// sortOrder is the order in which SQL Server compares a uniqueidentifier's
// bytes (as written): the last group first, then the fourth, then the
// first three groups from their last byte to their first.
var sortOrder = [16]int{10, 11, 12, 13, 14, 15, 8, 9, 7, 6, 5, 4, 3, 2, 1, 0}

// SortKey returns the bytes of u rearranged so that comparing keys
// bytewise orders values as SQL Server orders uniqueidentifiers.
func (u UUID) SortKey() [16]byte {
	var k [16]byte
	for i, j := range sortOrder {
		k[i] = u[j]
	}
	return k
}

// NewSequentialUUID returns a UUID that sorts after prev in SQL Server's
// order (NEWSEQUENTIALID): prev's sort key plus one, or a random start
// when prev is zero.
func NewSequentialUUID(prev UUID) UUID {
	if prev == (UUID{}) {
		return NewUUID()
	}
	k := prev.SortKey()
	for i := len(k) - 1; i >= 0; i-- {
		k[i]++
		if k[i] != 0 {
			break
		}
	}
	var u UUID
	for i, j := range sortOrder {
		u[j] = k[i]
	}
	return u
}

// NewUUID returns a random (version 4) UUID, as NEWID() does.
func NewUUID() UUID {
	var u UUID
	_, _ = rand.Read(u[:])
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return u
}

// String renders the UUID in SQL Server's upper-case 8-4-4-4-12 form.
func (u UUID) String() string { return strings.ToUpper(string(u.AppendLower(nil))) }

// AppendLower appends the lower-case 8-4-4-4-12 form (PostgreSQL's).
func (u UUID) AppendLower(dst []byte) []byte {
	var b [36]byte
	hex.Encode(b[0:8], u[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], u[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], u[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], u[8:10])
	b[23] = '-'
	hex.Encode(b[24:], u[10:])
	return append(dst, b[:]...)
}

// ParseUUID accepts "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", optionally in
// braces, in any case.
func ParseUUID(s string) (UUID, bool) {
	var u UUID
	s = strings.TrimSpace(s)
	if len(s) == 38 && s[0] == '{' && s[37] == '}' {
		s = s[1:37]
	}
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return u, false
	}
	h := s[0:8] + s[9:13] + s[14:18] + s[19:23] + s[24:36]
	if _, err := hex.Decode(u[:], []byte(h)); err != nil {
		return u, false
	}
	return u, true
}
