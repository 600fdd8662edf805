package modifier

import "fmt"

// minSetSize is the number of plain string values from which a field's OR of
// values is evaluated by [Set] instead of one matcher at a time.
const minSetSize = 6

// Set evaluates an OR of many case-insensitive ASCII string matchers at
// once: equality and prefix/suffix by hashing, contains by one
// Aho-Corasick pass. Matchers it cannot take stay in Rest.
type Set struct {
	eq       map[string]bool
	prefix   map[string]bool
	suffix   map[string]bool
	preLens  []int
	sufLens  []int
	contains *acSet
	Rest     []Matcher
}

// NewSet builds a Set over ms, or returns nil when too few matchers qualify.
func NewSet(ms []Matcher) *Set {
	s := &Set{eq: map[string]bool{}, prefix: map[string]bool{}, suffix: map[string]bool{}}
	var subs []string
	taken := 0
	for _, m := range ms {
		sm, ok := m.(*strMatcher)
		if !ok || sm.cased || !sm.ascii || sm.isHex {
			s.Rest = append(s.Rest, m)
			continue
		}
		switch sm.op {
		case opEq:
			s.eq[sm.lit] = true
		case opPrefix:
			if !s.prefix[sm.lit] {
				s.prefix[sm.lit] = true
				s.preLens = addLen(s.preLens, len(sm.lit))
			}
		case opSuffix:
			if !s.suffix[sm.lit] {
				s.suffix[sm.lit] = true
				s.sufLens = addLen(s.sufLens, len(sm.lit))
			}
		case opContains:
			subs = append(subs, sm.lit)
		default:
			s.Rest = append(s.Rest, m)
			continue
		}
		taken++
	}
	if taken < minSetSize {
		return nil
	}
	if len(subs) > 0 {
		s.contains = newACSet(subs)
	}
	return s
}

func addLen(ls []int, n int) []int {
	for _, l := range ls {
		if l == n {
			return ls
		}
	}
	return append(ls, n)
}

// Match reports whether any matcher of the set matches v.
func (s *Set) Match(v any) bool {
	str, ok := Stringify(v)
	if ok && s.matchString(str) {
		return true
	}
	for _, m := range s.Rest {
		if m.Match(v) {
			return true
		}
	}
	return false
}

func (s *Set) matchString(str string) bool {
	var buf [256]byte
	var b []byte
	if len(str) <= len(buf) {
		b = buf[:len(str)]
	} else {
		b = make([]byte, len(str))
	}
	for i := 0; i < len(str); i++ {
		c := str[i]
		if c >= 'A' && c <= 'Z' {
			c += 32
		}
		b[i] = c
	}
	// Map lookups keyed by string(b...) do not allocate.
	if len(s.eq) > 0 && s.eq[string(b)] {
		return true
	}
	for _, l := range s.preLens {
		if l <= len(b) && s.prefix[string(b[:l])] {
			return true
		}
	}
	for _, l := range s.sufLens {
		if l <= len(b) && s.suffix[string(b[len(b)-l:])] {
			return true
		}
	}
	return s.contains != nil && s.contains.any(str)
}

// acSet is a small Aho-Corasick automaton answering "does any pattern
// occur", folding ASCII case. Patterns are lower-case ASCII.
type acSet struct {
	class  [256]uint8
	n      int
	delta  []int32
	accept []bool
}

func newACSet(pats []string) *acSet {
	a := &acSet{}
	n := 1
	for _, p := range pats {
		for i := 0; i < len(p); i++ {
			if a.class[p[i]] == 0 {
				a.class[p[i]] = uint8(n)
				n++
			}
		}
	}
	for b := 'A'; b <= 'Z'; b++ {
		a.class[b] = a.class[b+32]
	}
	a.n = n
	type node struct{ next map[uint8]int32 }
	trie := []node{{map[uint8]int32{}}}
	var accept []bool
	accept = append(accept, false)
	for _, p := range pats {
		st := int32(0)
		for i := 0; i < len(p); i++ {
			c := a.class[p[i]]
			nx, ok := trie[st].next[c]
			if !ok {
				nx = int32(len(trie))
				trie = append(trie, node{map[uint8]int32{}})
				accept = append(accept, false)
				trie[st].next[c] = nx
			}
			st = nx
		}
		accept[st] = true
	}
	ns := len(trie)
	a.delta = make([]int32, ns*n)
	fail := make([]int32, ns)
	var queue []int32
	for c := 1; c < n; c++ {
		if nx, ok := trie[0].next[uint8(c)]; ok {
			a.delta[c] = nx
			queue = append(queue, nx)
		}
	}
	for len(queue) > 0 {
		st := queue[0]
		queue = queue[1:]
		f := fail[st]
		if accept[f] {
			accept[st] = true
		}
		for c := 0; c < n; c++ {
			if nx, ok := trie[st].next[uint8(c)]; ok {
				fail[nx] = a.delta[int(f)*n+c]
				a.delta[int(st)*n+c] = nx
				queue = append(queue, nx)
			} else {
				a.delta[int(st)*n+c] = a.delta[int(f)*n+c]
			}
		}
	}
	a.accept = accept
	return a
}

func (a *acSet) any(s string) bool {
	st := int32(0)
	n := int32(a.n)
	for i := 0; i < len(s); i++ {
		st = a.delta[st*n+int32(a.class[s[i]])]
		if a.accept[st] {
			return true
		}
	}
	return false
}

// String describes the set.
func (s *Set) String() string {
	return fmt.Sprintf("set(eq=%d prefix=%d suffix=%d contains=%v rest=%d)", len(s.eq), len(s.prefix), len(s.suffix), s.contains != nil, len(s.Rest))
}
