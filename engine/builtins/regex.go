package builtins

import (
	"regexp"
	"sync"
	"sync/atomic"

	"mirrordb/sqlerr"
	"mirrordb/types"
)

// PostgreSQL's regular-expression match operators (~, ~*, !~, !~*), which
// catalog queries send as textregexeq and its kin.
func init() {
	funcs["TEXTREGEXEQ"] = regexFn(false, false)
	funcs["TEXTREGEXNE"] = regexFn(false, true)
	funcs["TEXTICREGEXEQ"] = regexFn(true, false)
	funcs["TEXTICREGEXNE"] = regexFn(true, true)
}

// regexFn is ~ (textregexeq) and its variants. Patterns are Go's RE2,
// which reads the patterns catalog queries use as PostgreSQL does.
func regexFn(fold, negate bool) *Func {
	return &Func{Min: 2, Max: 2, Type: Fixed(types.TypeBit), Eval: func(a []types.Value, ts []types.Type) (types.Value, error) {
		pat := types.ToText(a[1], ts[1])
		re, err := compileRegex(pat, fold)
		if err != nil {
			return nil, err
		}
		return re.MatchString(types.ToText(a[0], ts[0])) != negate, nil
	}}
}

// regexCache holds compiled patterns; catalog queries repeat a few. It
// keeps at most regexCacheMax: patterns come from clients, and one that
// differs per row must not grow the server without end.
var (
	regexCache    sync.Map // string → *regexp.Regexp
	regexCached   atomic.Int64
	regexCacheMax = int64(256)
)

func compileRegex(pat string, fold bool) (*regexp.Regexp, error) {
	if fold {
		pat = "(?i)" + pat
	}
	if re, ok := regexCache.Load(pat); ok {
		return re.(*regexp.Regexp), nil
	}
	re, err := regexp.Compile(pat)
	if err != nil {
		return nil, sqlerr.New(19300, pat, err.Error())
	}
	if regexCached.Load() < regexCacheMax {
		if _, dup := regexCache.LoadOrStore(pat, re); !dup {
			regexCached.Add(1)
		}
	}
	return re, nil
}
