package engine

// automaton is an Aho-Corasick automaton over lower-case patterns, compiled
// to a full DFA over byte classes. ASCII letters are folded, so it finds
// patterns case-insensitively without lowering the input. All bytes >= 0x80
// share one class: the automaton then reports a superset of the true
// occurrences of non-ASCII patterns, which is all an index needs.
//
// Tables are uint16 when the automaton has fewer than 32768 states (bit 15
// then marks reporting states), which keeps the hot rows in cache.
type automaton struct {
	class   [256]uint8
	nclass  int
	delta16 []uint16 // state*nclass + class -> state (small automata)
	delta32 []uint32 // the same, for large automata
	report  []uint64 // bit per state: has output of its own or via dict
	out     [][]uint32
	dict    []int32 // state -> nearest proper suffix state with output, or -1
	// start marks the bytes that leave the root state; the scan skips the others while at the root, which is where
	// most text keeps a small automaton. Nil when the root reports (an empty pattern): then nothing is skipped.
	start *[256]bool
}

// states returns the number of states.
func (a *automaton) states() int { return len(a.out) }

// tableBytes returns the size of the transition table.
func (a *automaton) tableBytes() int { return 2*len(a.delta16) + 4*len(a.delta32) }

// buildAutomaton builds an automaton for patterns; rules[i] are the hits to
// report when patterns[i] occurs.
func buildAutomaton(patterns []string, rules [][]uint32) *automaton {
	a := &automaton{}
	var used [256]bool
	for _, p := range patterns {
		for i := 0; i < len(p); i++ {
			used[p[i]] = true
		}
	}
	n := 1
	hi := 0
	for b := 0; b < 256; b++ {
		if !used[b] {
			continue
		}
		if b >= 0x80 {
			if hi == 0 {
				hi = n
				n++
			}
			a.class[b] = uint8(hi)
			continue
		}
		a.class[b] = uint8(n)
		n++
	}
	if hi != 0 {
		for b := 0x80; b < 256; b++ {
			a.class[b] = uint8(hi)
		}
	}
	for b := 'A'; b <= 'Z'; b++ {
		a.class[b] = a.class[b+32]
	}
	a.nclass = n
	type tnode struct {
		next map[uint8]int32
		out  []uint32
	}
	trie := []tnode{{next: map[uint8]int32{}}}
	for i, p := range patterns {
		s := int32(0)
		for j := 0; j < len(p); j++ {
			c := a.class[p[j]]
			nx, ok := trie[s].next[c]
			if !ok {
				nx = int32(len(trie))
				trie = append(trie, tnode{next: map[uint8]int32{}})
				trie[s].next[c] = nx
			}
			s = nx
		}
		trie[s].out = append(trie[s].out, rules[i]...)
	}
	ns := len(trie)
	delta := make([]int32, ns*n)
	a.out = make([][]uint32, ns)
	a.dict = make([]int32, ns)
	fail := make([]int32, ns)
	for i := range trie {
		a.out[i] = dedup(trie[i].out)
		a.dict[i] = -1
	}
	queue := make([]int32, 0, ns)
	for c := 0; c < n; c++ {
		if nx, ok := trie[0].next[uint8(c)]; ok {
			delta[c] = nx
			queue = append(queue, nx)
		}
	}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		f := fail[s]
		if s != 0 && len(a.out[f]) > 0 && f != s {
			a.dict[s] = f
		} else if s != 0 {
			a.dict[s] = a.dict[f]
		}
		for c := 0; c < n; c++ {
			if nx, ok := trie[s].next[uint8(c)]; ok {
				if s != 0 {
					fail[nx] = delta[int(f)*n+c]
				}
				delta[int(s)*n+c] = nx
				queue = append(queue, nx)
			} else if s != 0 {
				delta[int(s)*n+c] = delta[int(f)*n+c]
			}
		}
	}
	a.report = make([]uint64, (ns+63)/64)
	for s := range ns {
		if len(a.out[s]) > 0 || a.dict[s] >= 0 {
			a.report[s/64] |= 1 << (s % 64)
		}
	}
	if len(a.out[0]) == 0 && a.dict[0] < 0 {
		a.start = new([256]bool)
		for b := range 256 {
			a.start[b] = delta[a.class[b]] != 0
		}
	}
	if ns < 1<<15 {
		// Bit 15 of an entry marks a reporting target state, saving the
		// report lookup in the scan loop.
		a.delta16 = make([]uint16, len(delta))
		for i, v := range delta {
			a.delta16[i] = uint16(v)
			if a.report[v/64]&(1<<(v%64)) != 0 {
				a.delta16[i] |= 1 << 15
			}
		}
	} else {
		a.delta32 = make([]uint32, len(delta))
		for i, v := range delta {
			a.delta32[i] = uint32(v)
		}
	}
	return a
}

func dedup(xs []uint32) []uint32 {
	if len(xs) < 2 {
		return xs
	}
	seen := map[uint32]bool{}
	out := xs[:0]
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// scan calls sc.mark with the hits of every pattern found in s.
func (a *automaton) scan(s string, sc *scratch) {
	n := uint32(a.nclass)
	class, report := &a.class, a.report
	st := uint32(0)
	start := a.start
	if d := a.delta16; d != nil {
		for i := 0; i < len(s); i++ {
			if st == 0 && start != nil {
				for i < len(s) && !start[s[i]] {
					i++
				}
				if i == len(s) {
					return
				}
			}
			x := d[st*n+uint32(class[s[i]])]
			st = uint32(x & 0x7fff)
			if x&0x8000 != 0 {
				a.emit(st, sc)
			}
		}
		return
	}
	d := a.delta32
	for i := 0; i < len(s); i++ {
		if st == 0 && start != nil {
			for i < len(s) && !start[s[i]] {
				i++
			}
			if i == len(s) {
				return
			}
		}
		st = d[st*n+uint32(class[s[i]])]
		if report[st/64]&(1<<(st%64)) != 0 {
			a.emit(st, sc)
		}
	}
}

func (a *automaton) emit(st uint32, sc *scratch) {
	if o := a.out[st]; len(o) > 0 {
		sc.mark(o)
	}
	for d := a.dict[st]; d >= 0; d = a.dict[d] {
		sc.mark(a.out[d])
	}
}
