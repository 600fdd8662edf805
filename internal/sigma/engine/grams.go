package engine

import (
	"encoding/binary"
	"math/bits"
	"strings"
)

// gramLen is the longer window of the q-gram indexes (the shorter is half).
// A literal is indexed by one of its windows (a necessary condition: the
// literal cannot occur without it); literals shorter than gramLen/2 go to
// the Aho-Corasick automaton.
const gramLen = 8

// gramIndex finds, in one pass over a text, every indexed 8-byte window it
// contains (ASCII letters folded). The table is open-addressed and small
// enough to stay in cache, unlike a deep automaton over long literals.
type gramIndex struct {
	mask  uint64
	shift int
	keys  []uint64
	used  []bool
	hits  [][]uint32
	// filter has a bit per hash value (16 bits) of the indexed windows; it
	// stays in L1 and rejects most text windows before the table probe.
	filter [1 << 16 / 64]uint64
}

func newGramIndex(windows map[uint64][]uint32) *gramIndex {
	size := 1
	for size < 2*len(windows) {
		size <<= 1
	}
	g := &gramIndex{mask: uint64(size - 1), shift: 64 - bits.TrailingZeros(uint(size)),
		keys: make([]uint64, size), used: make([]bool, size), hits: make([][]uint32, size)}
	for k, h := range windows {
		f := filterBit(k)
		g.filter[f/64] |= 1 << (f % 64)
		i := g.slot(k)
		for g.used[i] {
			i = (i + 1) & g.mask
		}
		g.keys[i], g.used[i], g.hits[i] = k, true, dedup(h)
	}
	return g
}

func filterBit(k uint64) uint64 { return (k * 0xD6E8FEB86659FD93) >> 48 }

func (g *gramIndex) slot(k uint64) uint64 {
	return (k * 0x9E3779B97F4A7C15) >> g.shift & g.mask
}

// gramKey packs a window of up to 8 bytes (already lower case) into a key:
// byte i of the window in bits 8i.., as the scan loop builds it.
func gramKey(w string) uint64 {
	var b [8]byte
	copy(b[:], w)
	return binary.LittleEndian.Uint64(b[:])
}

// scanGrams reports the hits of every indexed window of s in g8 (8-byte
// windows) and g4 (4-byte windows), either of which may be nil, in one pass.
func scanGrams(g8, g4 *gramIndex, s string, sc *scratch) {
	if len(s) < gramLen/2 {
		return
	}
	// The filter tests are inlined here; probe runs only on a filter hit.
	var f4, f8 *[1 << 16 / 64]uint64
	if g4 != nil {
		f4 = &g4.filter
	}
	if g8 != nil {
		f8 = &g8.filter
	}
	var k uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			c += 32
		}
		k = k>>8 | uint64(c)<<56
		if f4 != nil && i >= gramLen/2-1 {
			if b := filterBit(k >> 32); f4[b/64]&(1<<(b%64)) != 0 {
				g4.probe(k>>32, sc)
			}
		}
		if f8 != nil && i >= gramLen-1 {
			if b := filterBit(k); f8[b/64]&(1<<(b%64)) != 0 {
				g8.probe(k, sc)
			}
		}
	}
}

// probe marks the hits of window key k, if indexed. Callers test the
// filter first.
func (g *gramIndex) probe(k uint64, sc *scratch) {
	for j := g.slot(k); g.used[j]; j = (j + 1) & g.mask {
		if g.keys[j] == k {
			sc.mark(g.hits[j])
			return
		}
	}
}

// bestWindow picks the n-byte window of lit that fewest literals share,
// avoiding windows inside very common texts.
func bestWindow(lit string, n int, count map[string]int) string {
	best, bestScore := "", 1<<30
	for i := 0; i+n <= len(lit); i++ {
		w := lit[i : i+n]
		score := count[w]
		if isCommon(w) {
			score += 1 << 20
		}
		if score < bestScore {
			best, bestScore = w, score
		}
	}
	return best
}

var commonTexts = []string{
	`c:\windows\system32\`, `c:\windows\syswow64\`, `c:\program files (x86)\`, `c:\program files\`,
	`\appdata\local\`, `\appdata\roaming\`, `c:\users\`, `microsoft corporation`, `microsoft windows`,
	`nt authority\system`, `windows powershell`, `powershell.exe`,
}

func isCommon(w string) bool {
	for _, c := range commonTexts {
		if strings.Contains(c, w) {
			return true
		}
	}
	return false
}
