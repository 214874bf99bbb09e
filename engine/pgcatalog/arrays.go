package pgcatalog

import (
	"strconv"
	"strings"

	"mirrordb/types"
)

// ArrayText writes elements (strings or nil) as PostgreSQL array text:
// mirrordb has no array type, so an array is this text.
func ArrayText(elems []types.Value) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, v := range elems {
		if i > 0 {
			b.WriteByte(',')
		}
		s, ok := v.(string)
		switch {
		case !ok:
			b.WriteString("NULL")
		case s == "" || strings.EqualFold(s, "NULL") || strings.ContainsAny(s, "{},\"\\ \t\n"):
			b.WriteByte('"')
			b.WriteString(strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s))
			b.WriteByte('"')
		default:
			b.WriteString(s)
		}
	}
	b.WriteByte('}')
	return b.String()
}

// ParseArray reads PostgreSQL array text into its elements (nil for
// NULL); ok is false when s is not an array.
func ParseArray(s string) ([]types.Value, bool) {
	s = strings.TrimSpace(s)
	if len(s) < 2 || s[0] != '{' || s[len(s)-1] != '}' {
		return nil, false
	}
	body := s[1 : len(s)-1]
	if strings.TrimSpace(body) == "" {
		return nil, true
	}
	var out []types.Value
	for i := 0; i <= len(body); {
		var b strings.Builder
		quoted := false
		for i < len(body) && body[i] == ' ' {
			i++
		}
		if i < len(body) && body[i] == '"' {
			quoted = true
			for i++; i < len(body) && body[i] != '"'; i++ {
				if body[i] == '\\' && i+1 < len(body) {
					i++
				}
				b.WriteByte(body[i])
			}
			i++
		}
		for ; i < len(body) && body[i] != ','; i++ {
			if !quoted {
				b.WriteByte(body[i])
			}
		}
		el := strings.TrimSpace(b.String())
		if !quoted && strings.EqualFold(el, "NULL") {
			out = append(out, nil)
		} else if quoted {
			out = append(out, b.String())
		} else {
			out = append(out, el)
		}
		i++ // the comma
	}
	return out, true
}

// attnumArray writes 0-based column indexes as the int2[] text of their
// 1-based attnums: {1,2}.
func attnumArray(cols []int) string {
	nums := make([]types.Value, len(cols))
	for i, c := range cols {
		nums[i] = strconv.Itoa(c + 1)
	}
	return ArrayText(nums)
}
