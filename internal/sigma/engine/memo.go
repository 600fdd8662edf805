package engine

import "hash/maphash"

// A field's value often repeats from event to event (the same image path, host or account), and scanning it with
// the field's index always reports the same hits: scanning is a function of the index and the text. scanMemo keeps
// the hit lists of recent texts per field index, in a small direct-mapped table in the scratch space (so per engine
// and per goroutine), and replays them instead of scanning again. Texts are copied into the entries, so no entry
// holds on to an event's memory; texts longer than maxMemo are not kept (they are rarely repeated, and cost a scan
// in proportion anyway), nor shorter than minMemo (scanning them costs less than the lookup).
const (
	minMemo   = 8
	maxMemo   = 96
	memoSlots = 256
)

type scanMemo struct {
	seed    maphash.Seed
	entries [memoSlots]memoEntry
	rec     *memoEntry // the entry whose hits mark is recording, or nil
}

type memoEntry struct {
	f    *fieldIndex
	n    uint8
	text [maxMemo]byte
	hits [][]uint32 // the lists scanning text with f passed to mark, in order
}

// scanMemo scans s with f, or replays the hits of its last scan.
func (sc *scratch) scanMemo(f *fieldIndex, s string) {
	m := sc.memo
	if m == nil {
		m = &scanMemo{seed: maphash.MakeSeed()}
		sc.memo = m
	}
	e := &m.entries[maphash.String(m.seed, s)%memoSlots]
	if e.f == f && int(e.n) == len(s) && string(e.text[:e.n]) == s {
		for _, h := range e.hits {
			sc.mark(h)
		}
		return
	}
	e.f, e.n, e.hits = nil, 0, e.hits[:0]
	m.rec = e
	f.scan(s, sc)
	m.rec = nil
	e.f, e.n = f, uint8(copy(e.text[:], s))
}
