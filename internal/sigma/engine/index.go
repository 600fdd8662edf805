package engine

import (
	"slices"
	"sort"
	"strings"

	"github.com/vigilsec/vigil/internal/sigma/event"
	"github.com/vigilsec/vigil/internal/sigma/logsource"
	"github.com/vigilsec/vigil/internal/sigma/modifier"
)

// The literal index. Each rule's detection yields up to 8 trigger groups
// (compile.Detection.Triggers): texts one of which every match must contain
// (or equal) in a given field. Per field, literals of 8+ bytes go to an
// 8-gram table by their most selective window, 4-7 bytes to a 4-gram table,
// shorter ones to a tiny Aho-Corasick automaton, and exact values to a hash
// map; the gram tables sit behind a 64 Kibit filter that stays in L1. Keyword
// literals join every field index and also form one index scanned over data
// fields no other index covers. A rule becomes a candidate
// for an event when all its groups were hit and one of its routes matches the
// event; rules without groups are always candidates of their routes.

// bucket lists the rules of one route: those the index cannot select
// (always evaluated) and the indexed fields its rules use.
type bucket struct {
	route  *logsource.Route
	always []int32
	fields []int32  // indexes into Engine.fields
	exact  []int32  // indexes into Engine.exact
	fset   []uint64 // bitset over fieldSlot.bit of the fields above
	any    bool     // some rule has keyword literals
	all    []int32  // every rule of the bucket, in order
}

type fieldIndex struct {
	name   event.Name
	ac     *automaton // literals shorter than 4 bytes; may be nil
	grams  *gramIndex // literals of 8+ bytes by one 8-byte window; may be nil
	grams4 *gramIndex // literals of 4-7 bytes by one 4-byte window; may be nil
}

// fieldSlot locates a field's substring and exact indexes (-1: none).
type fieldSlot struct {
	sub, exact int32
	bit        int32 // position in the field bitsets
}

// exactIndex maps a field's lower-case value to the hits (rule<<3|group)
// of rules that need exactly that value.
type exactIndex struct {
	name event.Name
	m    map[string][]uint32
}

type scratch struct {
	e        *Engine
	stamp    []uint32 // rule is a candidate when stamp == gen
	gstamp   []uint32 // fired is valid when gstamp == gen
	fired    []uint8  // trigger groups seen per rule
	fstamp   []uint32
	xstamp   []uint32
	fset     []uint64
	anyField bool
	lsCache  logsource.Cache
	buf      []byte
	mask     []uint64
	gen      uint32
	cands    []int32
	routes   []*logsource.Route
	view     aliasView

	bucketsBuf []*bucket
	memo       *scanMemo // created on first use
	memoOff    bool      // tests: scan every text
}

func (e *Engine) buildIndex() {
	nb := len(e.cfg.table.Routes) + 1
	e.words = (nb + 63) / 64
	e.buckets = make([]*bucket, nb)
	for i := range e.buckets {
		e.buckets[i] = &bucket{}
		if i < len(e.cfg.table.Routes) {
			e.buckets[i].route = e.cfg.table.Routes[i]
		}
	}
	type lits struct {
		name string
		m    map[string][]uint32
	}
	subs, exacts := map[string]*lits{}, map[string]*lits{}
	anyLits := map[string][]uint32{}
	add := func(into map[string]*lits, field, lit string, hit uint32) {
		lower := strings.ToLower(field)
		l := into[lower]
		if l == nil {
			l = &lits{name: field, m: map[string][]uint32{}}
			into[lower] = l
		}
		l.m[lit] = append(l.m[lit], hit)
	}
	type bf struct{ subs, exacts map[string]bool }
	bucketFields := make([]bf, nb)
	for i := range bucketFields {
		bucketFields[i] = bf{map[string]bool{}, map[string]bool{}}
	}
	for _, c := range e.rules {
		c.mask = make([]uint64, e.words)
		bs := []int{nb - 1}
		if c.routes != nil {
			bs = bs[:0]
			for _, r := range c.routes {
				bs = append(bs, r.Index)
			}
		}
		for _, bi := range bs {
			c.mask[bi/64] |= 1 << (bi % 64)
		}
		groups := c.det.Triggers()
		c.full = uint8(1<<len(groups) - 1)
		for _, bi := range bs {
			b := e.buckets[bi]
			b.all = append(b.all, int32(c.idx))
			if len(groups) == 0 {
				b.always = append(b.always, int32(c.idx))
			}
		}
		for gi, g := range groups {
			hit := uint32(c.idx)<<3 | uint32(gi)
			for _, t := range g {
				lit := t.Lit
				for _, bi := range bs {
					switch {
					case t.Field == "":
						e.buckets[bi].any = true
					case t.Exact:
						bucketFields[bi].exacts[strings.ToLower(t.Field)] = true
					default:
						bucketFields[bi].subs[strings.ToLower(t.Field)] = true
					}
				}
				switch {
				case t.Field == "":
					anyLits[lit] = append(anyLits[lit], hit)
				case t.Exact:
					add(exacts, t.Field, lit, hit)
				default:
					add(subs, t.Field, lit, hit)
				}
			}
		}
	}
	subPos, exactPos := map[string]int32{}, map[string]int32{}
	for _, lower := range sortedKeys(subs) {
		l := subs[lower]
		// Each field index also carries the keyword literals, so a field it
		// scans needs no second pass for keywords (hits on envelope fields
		// only add candidates, never lose one).
		for lit, hits := range anyLits {
			l.m[lit] = append(l.m[lit], hits...)
		}
		subPos[lower] = int32(len(e.fields))
		e.fields = append(e.fields, newFieldIndex(event.NewName(l.name), l.m))
	}
	for _, lower := range sortedKeys(exacts) {
		l := exacts[lower]
		for k, v := range l.m {
			l.m[k] = dedup(v)
		}
		exactPos[lower] = int32(len(e.exact))
		e.exact = append(e.exact, &exactIndex{name: event.NewName(l.name), m: l.m})
	}
	if len(anyLits) > 0 {
		e.anyIdx = newFieldIndex(event.Name{}, anyLits)
	}
	e.byLower = map[string]fieldSlot{}
	slot := func(lower string) fieldSlot {
		fs, ok := e.byLower[lower]
		if !ok {
			fs = fieldSlot{sub: -1, exact: -1, bit: int32(len(e.byLower))}
		}
		return fs
	}
	for k, i := range subPos {
		fs := slot(k)
		fs.sub = i
		e.byLower[k] = fs
	}
	for k, i := range exactPos {
		fs := slot(k)
		fs.exact = i
		e.byLower[k] = fs
	}
	e.fwords = (len(e.byLower) + 63) / 64
	for k, fs := range e.byLower {
		id := event.Intern(k)
		for int(id) >= len(e.byID) {
			e.byID = append(e.byID, fieldSlot{sub: -2})
		}
		e.byID[id] = fs
	}
	for bi, f := range bucketFields {
		b := e.buckets[bi]
		b.fset = make([]uint64, e.fwords)
		for _, k := range sortedKeys(f.subs) {
			b.fields = append(b.fields, subPos[k])
			bit := e.byLower[k].bit
			b.fset[bit/64] |= 1 << (bit % 64)
		}
		for _, k := range sortedKeys(f.exacts) {
			b.exact = append(b.exact, exactPos[k])
			bit := e.byLower[k].bit
			b.fset[bit/64] |= 1 << (bit % 64)
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// newFieldIndex splits a field's literals by length: 8 bytes or more go to
// an 8-gram table by their most selective window, 4 to 7 bytes to a 4-gram
// table likewise, and shorter ones to a (tiny) automaton.
func newFieldIndex(name event.Name, lits map[string][]uint32) *fieldIndex {
	short := map[string][]uint32{}
	count := map[string]int{}
	for l := range lits {
		seen := map[string]bool{}
		for _, n := range []int{gramLen, gramLen / 2} {
			for i := 0; i+n <= len(l); i++ {
				if w := l[i : i+n]; !seen[w] {
					seen[w] = true
					count[w]++
				}
			}
		}
	}
	w8, w4 := map[uint64][]uint32{}, map[uint64][]uint32{}
	for _, l := range sortedKeys(lits) {
		switch {
		case len(l) >= gramLen:
			k := gramKey(bestWindow(l, gramLen, count))
			w8[k] = append(w8[k], lits[l]...)
		case len(l) >= gramLen/2:
			k := gramKey(bestWindow(l, gramLen/2, count))
			w4[k] = append(w4[k], lits[l]...)
		default:
			short[l] = lits[l]
		}
	}
	f := &fieldIndex{name: name}
	if len(short) > 0 {
		f.ac = automatonOf(short)
	}
	if len(w8) > 0 {
		f.grams = newGramIndex(w8)
	}
	if len(w4) > 0 {
		f.grams4 = newGramIndex(w4)
	}
	return f
}

// scan reports the hits of every literal of f found in s.
func (f *fieldIndex) scan(s string, sc *scratch) {
	if f.ac != nil {
		f.ac.scan(s, sc)
	}
	if f.grams != nil || f.grams4 != nil {
		scanGrams(f.grams, f.grams4, s, sc)
	}
}

func automatonOf(lits map[string][]uint32) *automaton {
	pats := make([]string, 0, len(lits))
	for p := range lits {
		pats = append(pats, p)
	}
	sort.Strings(pats)
	rules := make([][]uint32, len(pats))
	for i, p := range pats {
		rules[i] = lits[p]
	}
	return buildAutomaton(pats, rules)
}

// candidates fills sc.cands, sorted, with the rules the index selects for
// ev, and returns the event view to evaluate them on.
func (e *Engine) candidates(ev event.Event, sc *scratch) event.Event {
	view := e.route(ev, sc)
	sc.cands = sc.cands[:0]
	clear(sc.mask)
	buckets := sc.bucketsBuf[:0]
	if e.cfg.noRouting {
		buckets = append(buckets, e.buckets[len(e.buckets)-1])
	} else {
		for _, r := range sc.routes {
			buckets = append(buckets, e.buckets[r.Index])
		}
	}
	sc.bucketsBuf = buckets
	if len(buckets) == 0 {
		return view
	}
	if e.cfg.noRouting {
		bi := len(e.buckets) - 1
		sc.mask[bi/64] |= 1 << (bi % 64)
	}
	for _, r := range sc.routes {
		sc.mask[r.Index/64] |= 1 << (r.Index % 64)
	}
	sc.e = e
	if fr, ok := view.(event.IDRanger); ok {
		// Visit each field of the event once.
		clear(sc.fset)
		anyField := false
		for _, b := range buckets {
			sc.markAll(b.always)
			anyField = anyField || b.any
			for w, x := range b.fset {
				sc.fset[w] |= x
			}
		}
		sc.anyField = anyField && e.anyIdx != nil
		fr.RangeID(sc.visit)
		slices.Sort(sc.cands)
		return view
	}
	anyField := false
	for _, b := range buckets {
		sc.markAll(b.always)
		anyField = anyField || b.any
		for _, fi := range b.fields {
			if sc.fstamp[fi] == sc.gen {
				continue
			}
			sc.fstamp[fi] = sc.gen
			f := e.fields[fi]
			if v, ok := event.Get(view, f.name); ok {
				sc.scan(f, v)
			}
		}
		for _, xi := range b.exact {
			if sc.xstamp[xi] == sc.gen {
				continue
			}
			sc.xstamp[xi] = sc.gen
			x := e.exact[xi]
			if v, ok := event.Get(view, x.name); ok {
				sc.lookupExact(x, v)
			}
		}
	}
	if anyField && e.anyIdx != nil {
		if r, ok := view.(event.Ranger); ok {
			r.Range(sc.scanAny)
		}
	}
	slices.Sort(sc.cands)
	return view
}

// markAll adds rules that have no trigger groups to the candidates.
func (sc *scratch) markAll(rules []int32) {
	for _, r := range rules {
		if sc.stamp[r] != sc.gen {
			sc.stamp[r] = sc.gen
			sc.cands = append(sc.cands, r)
		}
	}
}

// mark records trigger hits (rule<<3|group); a rule routed to the event
// becomes a candidate once all its groups were hit.
func (sc *scratch) mark(hits []uint32) {
	if sc.memo != nil && sc.memo.rec != nil {
		sc.memo.rec.hits = append(sc.memo.rec.hits, hits)
	}
	for _, h := range hits {
		r := h >> 3
		if sc.stamp[r] == sc.gen {
			continue
		}
		bit := uint8(1) << (h & 7)
		if sc.gstamp[r] != sc.gen {
			sc.gstamp[r] = sc.gen
			sc.fired[r] = 0
		}
		sc.fired[r] |= bit
		c := sc.e.rules[r]
		if sc.fired[r] != c.full {
			continue
		}
		for w, m := range c.mask {
			if m&sc.mask[w] != 0 {
				sc.stamp[r] = sc.gen
				sc.cands = append(sc.cands, int32(r))
				break
			}
		}
	}
}

func (sc *scratch) lookupExact(x *exactIndex, v any) {
	if list, isList := v.([]any); isList {
		for _, el := range list {
			sc.lookupExact(x, el)
		}
		return
	}
	s, ok := modifier.Stringify(v)
	if !ok {
		return
	}
	sc.buf = sc.buf[:0]
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			c += 32
		}
		sc.buf = append(sc.buf, c)
	}
	if hits, ok := x.m[string(sc.buf)]; ok {
		sc.mark(hits)
	}
}

// scanner is an index that reports hits for a text.
type scanner interface {
	scan(s string, sc *scratch)
}

func (sc *scratch) scan(ac scanner, v any) {
	if list, isList := v.([]any); isList {
		for _, x := range list {
			if s, ok := modifier.Stringify(x); ok {
				ac.scan(s, sc)
			}
		}
		return
	}
	if s, ok := modifier.Stringify(v); ok {
		if f, ok := ac.(*fieldIndex); ok && len(s) >= minMemo && len(s) <= maxMemo && !sc.memoOff {
			sc.scanMemo(f, s)
			return
		}
		ac.scan(s, sc)
	}
}

// visit scans one event field with the indexes that apply to it.
func (sc *scratch) visit(id int32, v any, data bool) bool {
	e := sc.e
	var fs fieldSlot
	inSet := false
	if int(id) < len(e.byID) {
		fs = e.byID[id]
		inSet = fs.sub != -2 && sc.fset[fs.bit/64]&(1<<(fs.bit%64)) != 0
	}
	switch {
	case inSet && fs.sub >= 0:
		sc.scan(e.fields[fs.sub], v) // includes the keyword literals
	case sc.anyField && data:
		sc.scan(e.anyIdx, v)
	}
	if inSet && fs.exact >= 0 {
		sc.lookupExact(e.exact[fs.exact], v)
	}
	return true
}

func (sc *scratch) scanAny(_ string, v any) bool {
	sc.scan(sc.e.anyIdx, v)
	return true
}
