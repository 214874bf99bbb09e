package builtins

import (
	"strings"

	"mirrordb/engine/govern"
)

// LikePattern matches T-SQL LIKE patterns: % (any run), _ (any one
// character), [abc] / [a-z] (one of), [^abc] (none of), and an optional
// escape character that makes the next pattern character literal.
// Matching is case-sensitive (binary collation).
type LikePattern struct {
	elems []likeElem
}

type likeKind uint8

const (
	likeLit likeKind = iota
	likeAny          // _
	likeRun          // %
	likeSet          // [...]
)

type likeElem struct {
	kind   likeKind
	r      rune
	ranges [][2]rune
	negate bool
}

// CompileLike reads a LIKE pattern; escape 0 means none.
func CompileLike(pattern string, escape rune) *LikePattern {
	p := []rune(pattern)
	m := &LikePattern{}
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case escape != 0 && c == escape && i+1 < len(p):
			i++
			m.elems = append(m.elems, likeElem{kind: likeLit, r: p[i]})
		case c == '%':
			if n := len(m.elems); n == 0 || m.elems[n-1].kind != likeRun {
				m.elems = append(m.elems, likeElem{kind: likeRun})
			}
		case c == '_':
			m.elems = append(m.elems, likeElem{kind: likeAny})
		case c == '[':
			end := -1
			for j := i + 1; j < len(p); j++ {
				if p[j] == ']' && j > i+1 {
					end = j
					break
				}
			}
			if end < 0 { // unclosed: a literal '['
				m.elems = append(m.elems, likeElem{kind: likeLit, r: c})
				continue
			}
			set := likeElem{kind: likeSet}
			body := p[i+1 : end]
			if len(body) > 0 && body[0] == '^' && len(body) > 1 {
				set.negate = true
				body = body[1:]
			}
			for k := 0; k < len(body); k++ {
				if k+2 < len(body) && body[k+1] == '-' {
					set.ranges = append(set.ranges, [2]rune{body[k], body[k+2]})
					k += 2
					continue
				}
				set.ranges = append(set.ranges, [2]rune{body[k], body[k]})
			}
			m.elems = append(m.elems, set)
			i = end
		default:
			m.elems = append(m.elems, likeElem{kind: likeLit, r: c})
		}
	}
	return m
}

// Match reports whether s matches, checking the statement g (cancel,
// timeout) as it goes.
func (m *LikePattern) Match(g *govern.Statement, s string) (bool, error) {
	return matchLike(g, m.elems, []rune(s))
}

// LiteralPrefix is the text every match starts with: the pattern's
// literal characters before its first wildcard or set.
func (m *LikePattern) LiteralPrefix() string {
	var b strings.Builder
	for _, el := range m.elems {
		if el.kind != likeLit {
			break
		}
		b.WriteRune(el.r)
	}
	return b.String()
}

// matchLike is the classic wildcard match: advance both sides on a
// single-character match; at % remember the position; on a mismatch retry
// from the last % consuming one more character. O(len(s)·len(elems)) at
// worst, so hostile patterns cannot blow up; but that is still seconds for
// megabytes of text, so it checks the statement as it goes.
func matchLike(g *govern.Statement, elems []likeElem, s []rune) (bool, error) {
	i, j := 0, 0
	star, mark := -1, 0
	for step := 1; i < len(s); step++ {
		if step%4096 == 0 {
			if err := g.Check(); err != nil {
				return false, err
			}
		}
		switch {
		case j < len(elems) && elems[j].kind == likeRun:
			star, mark = j, i
			j++
		case j < len(elems) && elems[j].matches(s[i]):
			i++
			j++
		case star >= 0:
			j = star + 1
			mark++
			i = mark
		default:
			return false, nil
		}
	}
	for j < len(elems) && elems[j].kind == likeRun {
		j++
	}
	return j == len(elems), nil
}

func (e likeElem) matches(r rune) bool {
	switch e.kind {
	case likeLit:
		return r == e.r
	case likeAny:
		return true
	case likeSet:
		in := false
		for _, rg := range e.ranges {
			if r >= rg[0] && r <= rg[1] {
				in = true
				break
			}
		}
		return in != e.negate
	}
	return false
}
