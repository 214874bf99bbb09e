package engine

import (
	"bytes"
	"cmp"
	"slices"
)

// entrySorter sorts the entries of a build step or run by key. Keys of
// one index share their prefix, and often most of their first bytes (an
// INT column's encoding is a tag and 8 bytes, of which a table's values
// vary in a few): a least-significant-digit radix sort over only the bytes
// of the 16-byte head that differ between entries takes a few passes over
// the entries, where a comparison sort called a comparison function about
// log2(n) times per entry (it was a third of a build's time). Entries
// whose heads are equal are then sorted by their whole keys. scratch is
// reused between sorts.
type entrySorter struct{ scratch []stepEntry }

// maxRadixPasses is where the radix sort gives way to a comparison sort:
// heads that differ in every byte (long random strings).
const maxRadixPasses = 10

func (s *entrySorter) sort(buf []byte, entries []stepEntry) {
	if len(entries) < 256 {
		sortByKey(buf, entries)
		return
	}
	var diff1, diff2 uint64
	for _, e := range entries {
		diff1 |= e.head ^ entries[0].head
		diff2 |= e.head2 ^ entries[0].head2
	}
	var passes []int // byte positions, least significant first: 0-7 of head2, 8-15 of head
	for i := range 16 {
		d := diff2
		if i >= 8 {
			d = diff1
		}
		if d>>(8*(i%8))&0xff != 0 {
			passes = append(passes, i)
		}
	}
	if len(passes) > maxRadixPasses {
		sortByKey(buf, entries)
		return
	}
	s.scratch = slices.Grow(s.scratch[:0], len(entries))[:len(entries)]
	src, dst := entries, s.scratch
	for _, p := range passes {
		radixPass(src, dst, p)
		src, dst = dst, src
	}
	if len(passes)%2 == 1 {
		copy(entries, src)
	}
	// Heads that tie need their whole keys compared.
	for i := 0; i < len(entries); {
		j := i + 1
		for j < len(entries) && entries[j].head == entries[i].head && entries[j].head2 == entries[i].head2 {
			j++
		}
		if j-i > 1 {
			sortByKey(buf, entries[i:j])
		}
		i = j
	}
}

// radixPass moves src into dst stably ordered by byte p (0-7 of head2,
// 8-15 of head, least significant first).
func radixPass(src, dst []stepEntry, p int) {
	var count [256]int
	shift := uint(8 * (p % 8))
	if p >= 8 {
		for i := range src {
			count[src[i].head>>shift&0xff]++
		}
	} else {
		for i := range src {
			count[src[i].head2>>shift&0xff]++
		}
	}
	at := 0
	for d, n := range count {
		count[d] = at
		at += n
	}
	if p >= 8 {
		for i := range src {
			d := src[i].head >> shift & 0xff
			dst[count[d]] = src[i]
			count[d]++
		}
	} else {
		for i := range src {
			d := src[i].head2 >> shift & 0xff
			dst[count[d]] = src[i]
			count[d]++
		}
	}
}

// sortByKey is a comparison sort of entries by head, then key.
func sortByKey(buf []byte, entries []stepEntry) {
	slices.SortFunc(entries, func(a, b stepEntry) int {
		if a.head != b.head {
			return cmp.Compare(a.head, b.head)
		}
		if a.head2 != b.head2 {
			return cmp.Compare(a.head2, b.head2)
		}
		return bytes.Compare(buf[a.k:a.v], buf[b.k:b.v])
	})
}
