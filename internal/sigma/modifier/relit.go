package modifier

import (
	"regexp/syntax"
	"strings"
)

// maxRegexLiterals caps the literal set taken from one regular expression.
const maxRegexLiterals = 64

// regexLiterals returns texts of which every match of the regular
// expression contains at least one (lower case, fold-safe runs only), or nil
// when none can be derived.
func regexLiterals(expr string) []string {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return nil
	}
	lits, ok := reLits(re.Simplify(), 0)
	if !ok || len(lits) == 0 {
		return nil
	}
	return lits
}

func reLits(re *syntax.Regexp, depth int) ([]string, bool) {
	if depth > 32 {
		return nil, false
	}
	switch re.Op {
	case syntax.OpLiteral:
		l := foldSafeRun(strings.ToLower(string(re.Rune)))
		if l == "" {
			return nil, false
		}
		return []string{l}, true
	case syntax.OpCapture, syntax.OpPlus:
		return reLits(re.Sub[0], depth+1)
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return reLits(re.Sub[0], depth+1)
		}
	case syntax.OpConcat:
		var best []string
		found := false
		for _, sub := range re.Sub {
			ls, ok := reLits(sub, depth+1)
			if ok && (!found || litScore(ls) > litScore(best)) {
				best, found = ls, true
			}
		}
		return best, found
	case syntax.OpAlternate:
		var out []string
		for _, sub := range re.Sub {
			ls, ok := reLits(sub, depth+1)
			if !ok {
				return nil, false
			}
			out = append(out, ls...)
		}
		if len(out) > maxRegexLiterals {
			return nil, false
		}
		return out, true
	}
	return nil, false
}

func litScore(ls []string) int {
	m := 1 << 20
	for _, l := range ls {
		m = min(m, len(l))
	}
	return min(m, 8)*1000 - len(ls)
}

// regexMinLen returns a lower bound on the byte length of any match.
func regexMinLen(expr string) int {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return 0
	}
	return min(reMinLen(re, 0), 1<<20)
}

func reMinLen(re *syntax.Regexp, depth int) int {
	if depth > 64 {
		return 0
	}
	switch re.Op {
	case syntax.OpLiteral:
		return len(re.Rune) // every rune is at least one byte
	case syntax.OpCharClass, syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return 1
	case syntax.OpCapture, syntax.OpPlus:
		return reMinLen(re.Sub[0], depth+1)
	case syntax.OpRepeat:
		return min(re.Min*reMinLen(re.Sub[0], depth+1), 1<<20)
	case syntax.OpConcat:
		n := 0
		for _, s := range re.Sub {
			n = min(n+reMinLen(s, depth+1), 1<<20)
		}
		return n
	case syntax.OpAlternate:
		n := -1
		for _, s := range re.Sub {
			if m := reMinLen(s, depth+1); n < 0 || m < n {
				n = m
			}
		}
		return max(n, 0)
	}
	return 0
}

// lengthOnly recognises ".{n,}" (optionally with flags), which Go's regexp
// runs slowly for large n; it returns n and whether "." matches newlines.
func lengthOnly(expr string) (n int, anyNL bool) {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil || re.Op != syntax.OpRepeat || re.Max != -1 || re.Min < 1 {
		return 0, false
	}
	switch re.Sub[0].Op {
	case syntax.OpAnyCharNotNL:
		return re.Min, false
	case syntax.OpAnyChar:
		return re.Min, true
	}
	return 0, false
}
