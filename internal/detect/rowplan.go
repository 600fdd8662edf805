package detect

import (
	"encoding/json"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vigilsec/vigil/internal/batch"
	"github.com/vigilsec/vigil/internal/schema"
	"github.com/vigilsec/vigil/internal/sigma/engine"
	"github.com/vigilsec/vigil/internal/sigma/event"
)

// A rowPlan turns the rows of batches of one layout (a table and its columns) into Sigma events straight from the
// batch columns, with no map per row: it gives a slot to every name a row can set without reading the row's JSON or
// XML (the columns, and the names the table's mapping reads or writes), with the name's interned id, and lists the
// slots in the order of the event's fields. Names a row's JSON or XML brings (the kept record's members, EventData's
// Data elements, the members of a JSON column) are gathered beside the slots and merged in.
//
// A plan made for an engine ([engine.Engine.Reads]) leaves out of the event every field the engine never reads, and
// does not compute a slot that neither such a field nor a step of the mapping computing one needs: most columns of a
// wide table are read by no rule, and boxing, mapping and sorting them was most of the cost of a row. The event is
// then the full event without those fields.
//
// The event is the one [Mappings.rowEvent] and [event.FromJSON] build from the same row, field for field; the
// tests compare the two on every row of the corpus. Where rowEvent's result depends on the order of a Go map
// (two mapped names writing one field, a member flattened onto a name already set), the plan picks one order.
type rowPlan struct {
	tm     *tableMapping // nil when the table has no mapping
	names  []string      // slot → name
	ids    []int32       // slot → interned id of the lower-case name
	order  []int32       // the slots in event order: by id, then by name
	slotOf map[string]int32
	cols   []planColumn // one per batch column, in batch order
	// The mapping's steps, in rowEvent's order; map-ordered steps are sorted by the name they write.
	aliases    []planAlias
	user       [3]int32 // domain, account and User slots; user[2] < 0 when the table has no User
	hashes     [3]int32 // SHA1, MD5 and SHA256 slots; hashesSlot < 0 when the table has no Hashes
	hashesSlot int32
	json       []planJSON
	derived    []planDerived
	routes     []planRoute // the conditional routes, then the table's route (with no condition)
	timeCol    int         // the batch column of the table's time column, or -1
	// reads is the set of fields the engine reads (nil: every field). emit says, by slot, whether the slot's field
	// goes into the event; need whether the slot is computed (emit, or read by a mapping step whose slot is needed).
	reads *engine.FieldSet
	emit  []bool
	need  []bool
	// members holds, lower case, the top-level member names of a kept record that can matter (nil: all): the read
	// names and every prefix of theirs ending before a dot (a member holding an object becomes dotted names), Event
	// and System (a Windows event-log record is built another way), and the members derived fields take.
	members map[string]bool
	// derivedFrom says, by batch column, whether a needed derived field reads the column (as a kept record, whether
	// it is a JSON object matters to it).
	derivedFrom []bool
}

type planColumnKind uint8

const (
	planPlain     planColumnKind = iota
	planRecord                   // AdditionalFields, _Extra: a kept JSON record whose members become fields
	planEventData                // EventData: XML whose Data elements become fields, and the column itself
)

type planColumn struct {
	kind planColumnKind
	slot int32
}

type planAlias struct{ from, to int32 }

type planJSON struct {
	name      string
	slot, col int32
}

type planDerived struct {
	slot int32
	d    *derivedField
}

// planRoute is a route: when every when slot holds a string starting with its prefix, the route's values are set.
type planRoute struct {
	when []planPrefix
	set  []planValue
}

type planPrefix struct {
	slot   int32
	prefix string
}

type planValue struct {
	slot int32
	v    any
}

// planKey identifies a batch layout.
func planKey(b *batch.Batch) string {
	var sb strings.Builder
	sb.WriteString(b.Table)
	for _, c := range b.Columns {
		sb.WriteByte(0)
		sb.WriteString(c.Name)
		sb.WriteByte(1)
		sb.WriteByte(byte(c.Type))
	}
	return sb.String()
}

// newRowPlan builds the plan of b's layout for an engine reading the fields reads (nil: every field).
func (m *Mappings) newRowPlan(b *batch.Batch, cat *schema.Catalog, reads *engine.FieldSet) *rowPlan {
	p := &rowPlan{tm: m.Tables[b.Table], slotOf: map[string]int32{}, timeCol: -1, hashesSlot: -1, user: [3]int32{-1, -1, -1}}
	if reads != nil && !reads.All() {
		p.reads = reads
	}
	slot := func(name string) int32 {
		if s, ok := p.slotOf[name]; ok {
			return s
		}
		s := int32(len(p.names))
		p.slotOf[name] = s
		p.names = append(p.names, name)
		p.ids = append(p.ids, event.NameID(name))
		return s
	}
	var timeName string
	if t, ok := cat.Table(b.Table); ok {
		timeName = t.TimeColumn
	}
	for i, c := range b.Columns {
		pc := planColumn{slot: slot(c.Name)}
		switch c.Name {
		case "AdditionalFields", schema.ColExtra:
			pc.kind = planRecord
		case "EventData":
			pc.kind = planEventData
		}
		p.cols = append(p.cols, pc)
		if c.Name == timeName && batch.KindOf(c.Type) == batch.KindInt {
			p.timeCol = i
		}
	}
	if tm := p.tm; tm != nil {
		for _, name := range sortedKeys(tm.Fields) {
			p.aliases = append(p.aliases, planAlias{from: slot(tm.Fields[name]), to: slot(name)})
		}
		if len(tm.User) == 2 {
			p.user = [3]int32{slot(tm.User[0]), slot(tm.User[1]), slot("User")}
		}
		if tm.Hashes {
			p.hashes = [3]int32{slot("SHA1"), slot("MD5"), slot("SHA256")}
			p.hashesSlot = slot("Hashes")
		}
		for _, name := range sortedKeys(tm.JSON) {
			p.json = append(p.json, planJSON{name: name, slot: slot(name), col: slot(tm.JSON[name])})
		}
		for _, name := range sortedKeys(tm.Derived) {
			d := tm.Derived[name]
			p.derived = append(p.derived, planDerived{slot: slot(name), d: d})
			if d.Column != "" {
				slot(d.Column)
			}
		}
		for _, r := range append(slices.Clone(tm.Routes), condRoute{Route: tm.Route}) {
			var pr planRoute
			for _, col := range sortedKeys(r.When) {
				pr.when = append(pr.when, planPrefix{slot: slot(col), prefix: r.When[col]})
			}
			for _, k := range sortedKeys(r.Route) {
				pr.set = append(pr.set, planValue{slot: slot(k), v: r.Route[k]})
			}
			p.routes = append(p.routes, pr)
		}
	}
	p.order = make([]int32, len(p.names))
	for i := range p.order {
		p.order[i] = int32(i)
	}
	slices.SortFunc(p.order, func(a, b int32) int {
		return event.CompareEntries(event.Entry{ID: p.ids[a], Name: p.names[a]}, event.Entry{ID: p.ids[b], Name: p.names[b]})
	})
	p.prune()
	return p
}

// prune fills emit and need. need is closed over the mapping's steps, taken from the last to the first (as a step
// may read what an earlier one wrote): a needed slot's inputs are needed. The steps that write fields by name (the
// JSON columns, EventData, the kept records) and the routes always run, so their inputs are always needed; a slot
// they may fill with a JSON object (Event, System: a Windows event-log record) is needed for the test rowEvent makes.
func (p *rowPlan) prune() {
	n := len(p.names)
	p.emit, p.need = make([]bool, n), make([]bool, n)
	for s := range n {
		p.emit[s] = p.reads == nil || p.reads.Has(p.ids[s])
		p.need[s] = p.emit[s]
	}
	for _, name := range []string{"Event", "System"} {
		if s, ok := p.slotOf[name]; ok {
			p.need[s] = true
		}
	}
	for _, r := range p.routes {
		for _, w := range r.when {
			p.need[w.slot] = true
		}
	}
	for i := len(p.derived) - 1; i >= 0; i-- {
		if d := p.derived[i]; p.need[d.slot] && d.d.Column != "" {
			p.need[p.slotOf[d.d.Column]] = true
		}
	}
	if p.reads != nil {
		p.members = map[string]bool{"event": true, "system": true}
		p.reads.Range(func(id int32) {
			name := event.NameOf(id)
			for i := 0; i < len(name); i++ {
				if name[i] == '.' {
					p.members[name[:i]] = true
				}
			}
			p.members[name] = true
		})
		p.derivedFrom = make([]bool, len(p.cols))
		for _, d := range p.derived {
			if !p.need[d.slot] {
				continue
			}
			if d.d.Member != "" {
				p.members[strings.ToLower(d.d.Member)] = true
			}
			for ci, pc := range p.cols {
				if p.names[pc.slot] == d.d.Column {
					p.derivedFrom[ci] = true
				}
			}
		}
	}
	for _, j := range p.json {
		p.need[j.col] = true
	}
	if p.hashesSlot >= 0 && p.need[p.hashesSlot] {
		for _, s := range p.hashes {
			p.need[s] = true
		}
	}
	if u := p.user; u[2] >= 0 && p.need[u[2]] {
		p.need[u[0]], p.need[u[1]] = true, true
	}
	for i := len(p.aliases) - 1; i >= 0; i-- {
		if a := p.aliases[i]; p.need[a.to] {
			p.need[a.from] = true
		}
	}
}

// emitsDyn reports whether a field without a slot, with interned name id, goes into the event.
func (p *rowPlan) emitsDyn(id int32) bool { return p.reads == nil || p.reads.Has(id) }

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// rowBuilder builds the events of one batch after another with a plan; it is reused across rows and batches and
// is not safe for concurrent use.
type rowBuilder struct {
	p    *rowPlan
	b    *batch.Batch
	vals []any
	has  []bool
	// boxed holds each column's last value as an interface and boxedRow the row it is of: a value equal to the
	// previous row's reuses its interface instead of allocating one.
	boxed    []any
	boxedRow []int
	dyn      []dynField // fields without a slot, in the order first set
	dynAt    map[string]int
	nested   bool // some value set is a JSON object
	rawBy    map[string]map[string]any
	raw      []map[string]any
	bags     map[int]map[string]any // by column: the maps kept records are decoded into
	records  recordDecoder
	ents     []event.Entry
	tmp      []event.Entry
	lower    []byte // scratch for member
}

// record returns the cleared map for the kept record of column ci.
func (rb *rowBuilder) record(ci int) map[string]any {
	if rb.bags == nil {
		rb.bags = map[int]map[string]any{}
	}
	m := rb.bags[ci]
	if m == nil {
		m = map[string]any{}
		rb.bags[ci] = m
	}
	clear(m)
	return m
}

// member reports whether a kept record's top-level member called name can matter to the plan's event.
func (rb *rowBuilder) member(name []byte) bool { return isMember(rb, name) }

func isMember[T string | []byte](rb *rowBuilder, name T) bool {
	rb.lower = rb.lower[:0]
	for i := 0; i < len(name); i++ {
		c := name[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		} else if c >= utf8.RuneSelf {
			return rb.p.members[strings.ToLower(string(name))]
		}
		rb.lower = append(rb.lower, c)
	}
	return rb.p.members[string(rb.lower)]
}

// mayMatter reports whether the kept record text may hold a member that can matter to the plan's event. Text
// without a backslash writes every name as it is, between quotes: when no quoted text is such a name, no member is
// one, and decoding the record (or finding it no JSON object) changes nothing.
func (rb *rowBuilder) mayMatter(text string) bool {
	if strings.IndexByte(text, '\\') >= 0 {
		return true
	}
	for {
		a := strings.IndexByte(text, '"')
		if a < 0 {
			return false
		}
		b := strings.IndexByte(text[a+1:], '"')
		if b < 0 {
			return true
		}
		if isMember(rb, text[a+1:a+1+b]) {
			return true
		}
		text = text[a+b+2:]
	}
}

// dynField is a field without a slot.
type dynField struct {
	event.Entry
	gone bool // removed (a JSON object replaced by its members)
}

// reset prepares the builder for the rows of b under plan p.
func (rb *rowBuilder) reset(p *rowPlan, b *batch.Batch) {
	rb.p, rb.b = p, b
	n := len(p.names)
	rb.vals = slices.Grow(rb.vals[:0], n)[:n]
	rb.has = slices.Grow(rb.has[:0], n)[:n]
	rb.boxed = slices.Grow(rb.boxed[:0], len(b.Columns))[:len(b.Columns)]
	rb.boxedRow = slices.Grow(rb.boxedRow[:0], len(b.Columns))[:len(b.Columns)]
	clear(rb.boxed)
	for i := range rb.boxedRow {
		rb.boxedRow[i] = -2
	}
}

func (rb *rowBuilder) get(name string) (any, bool) {
	if s, ok := rb.p.slotOf[name]; ok {
		return rb.vals[s], rb.has[s]
	}
	if i, ok := rb.dynAt[name]; ok && !rb.dyn[i].gone {
		return rb.dyn[i].Value, true
	}
	return nil, false
}

func (rb *rowBuilder) set(name string, v any) {
	if _, ok := v.(map[string]any); ok {
		rb.nested = true
	}
	if s, ok := rb.p.slotOf[name]; ok {
		rb.vals[s], rb.has[s] = v, true
		return
	}
	if i, ok := rb.dynAt[name]; ok {
		rb.dyn[i].Value, rb.dyn[i].gone = v, false
		return
	}
	if rb.dynAt == nil {
		rb.dynAt = map[string]int{}
	}
	rb.dynAt[name] = len(rb.dyn)
	rb.dyn = append(rb.dyn, dynField{Entry: event.Entry{ID: event.NameID(name), Name: name, Value: v}})
}

func (rb *rowBuilder) setSlot(s int32, v any) {
	if _, ok := v.(map[string]any); ok {
		rb.nested = true
	}
	rb.vals[s], rb.has[s] = v, true
}

// value returns row i of column ci as an interface, reusing the previous row's when equal.
func (rb *rowBuilder) value(ci, i int) any {
	c := rb.b.Columns[ci]
	if rb.boxedRow[ci] == i-1 {
		same := false
		switch batch.KindOf(c.Type) {
		case batch.KindString:
			same = c.Strs[i] == c.Strs[i-1]
		case batch.KindInt:
			same = c.Ints[i] == c.Ints[i-1]
		}
		if same {
			rb.boxedRow[ci] = i
			return rb.boxed[ci]
		}
	}
	v := c.Value(i)
	rb.boxed[ci], rb.boxedRow[ci] = v, i
	return v
}

// row builds the Sigma event of row i with timestamp ts. It reports false for a row it cannot build: a kept record
// that is a Windows event-log object (which event.FromJSON reads as one), left to rowEvent.
func (rb *rowBuilder) row(i int, ts time.Time) (*event.Map, bool) {
	p := rb.p
	clear(rb.has)
	clear(rb.vals)
	rb.dyn = rb.dyn[:0]
	if len(rb.dynAt) > 0 {
		clear(rb.dynAt)
	}
	rb.nested = false
	rb.raw = rb.raw[:0]
	if len(rb.rawBy) > 0 {
		clear(rb.rawBy)
	}
	for ci, pc := range p.cols {
		if pc.kind == planPlain && !p.need[pc.slot] {
			continue
		}
		c := rb.b.Columns[ci]
		if c.IsNull(i) {
			continue
		}
		switch pc.kind {
		case planRecord:
			if batch.KindOf(c.Type) != batch.KindString {
				continue
			}
			if p.members != nil && !p.derivedFrom[ci] && !rb.mayMatter(c.Strs[i]) {
				continue
			}
			// The record's map is reused from row to row: its values are copied into the event.
			bag := rb.record(ci)
			var keep func([]byte) bool
			if p.members != nil {
				keep = rb.member
			}
			if rb.records.decode(c.Strs[i], bag, keep) {
				rb.raw = append(rb.raw, bag)
				if rb.rawBy == nil {
					rb.rawBy = map[string]map[string]any{}
				}
				rb.rawBy[c.Name] = bag
			}
			continue
		case planEventData:
			if batch.KindOf(c.Type) == batch.KindString {
				eachEventData(c.Strs[i], func(k, v string) { rb.set(k, v) })
			}
		}
		rb.setSlot(pc.slot, rb.value(ci, i))
	}
	if tm := p.tm; tm != nil {
		rb.mapped(tm)
	}
	for _, bag := range rb.raw {
		for k, v := range bag {
			rb.set(k, v)
		}
	}
	if rb.nested {
		if isEvtx(rb) {
			return nil, false
		}
		rb.flatten()
	}
	return event.FromEntries(rb.entries(), ts), true
}

// mapped applies the table's mapping, in rowEvent's order.
func (rb *rowBuilder) mapped(tm *tableMapping) {
	p := rb.p
	for _, a := range p.aliases {
		if p.need[a.to] && rb.has[a.from] && !rb.has[a.to] {
			rb.setSlot(a.to, rb.vals[a.from])
		}
	}
	if u := p.user; u[2] >= 0 && p.need[u[2]] {
		d, _ := rb.vals[u[0]].(string)
		n, _ := rb.vals[u[1]].(string)
		if n != "" && !rb.has[u[2]] {
			if d != "" {
				rb.setSlot(u[2], d+`\`+n)
			} else {
				rb.setSlot(u[2], n)
			}
		}
	}
	if p.hashesSlot >= 0 && p.need[p.hashesSlot] {
		var arr [192]byte
		buf := arr[:0]
		for k, h := range [3]string{"SHA1", "MD5", "SHA256"} {
			if v, ok := rb.vals[p.hashes[k]].(string); ok && v != "" {
				if len(buf) > 0 {
					buf = append(buf, ',')
				}
				buf = append(buf, h...)
				buf = append(buf, '=')
				buf = appendUpper(buf, v)
			}
		}
		if len(buf) > 0 {
			rb.setSlot(p.hashesSlot, string(buf))
		}
	}
	for _, j := range p.json {
		text, ok := rb.vals[j.col].(string)
		if !ok || text == "" {
			continue
		}
		var v any
		if err := json.Unmarshal([]byte(text), &v); err != nil {
			rb.setSlot(j.slot, text)
			continue
		}
		if _, isObj := v.(map[string]any); isObj {
			flattenJSON(j.name, v, rb.set)
		}
		rb.setSlot(j.slot, text)
	}
	for _, d := range p.derived {
		if !p.need[d.slot] || rb.has[d.slot] {
			continue
		}
		if v, ok := d.d.value(rb, rb.rawBy); ok {
			rb.setSlot(d.slot, v)
		}
	}
	for _, r := range p.routes {
		if rb.routeApplies(r) {
			for _, x := range r.set {
				rb.setSlot(x.slot, x.v)
			}
			break
		}
	}
}

// routeApplies reports whether route r's conditions hold, as tableMapping.route decides.
func (rb *rowBuilder) routeApplies(r planRoute) bool {
	for _, w := range r.when {
		s, _ := rb.vals[w.slot].(string)
		if s == "" || !strings.HasPrefix(s, w.prefix) {
			return false
		}
	}
	return true
}

// appendUpper appends s in upper case, as strings.ToUpper writes it.
func appendUpper(buf []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 {
			return append(buf, strings.ToUpper(s)...)
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		buf = append(buf, c)
	}
	return buf
}

// isEvtx reports whether the event is a Windows event-log object, as event.IsEvtx says of a map.
func isEvtx(rb *rowBuilder) bool {
	if ev, ok := rb.get("Event"); ok {
		if m, ok := ev.(map[string]any); ok {
			_, sys := m["System"].(map[string]any)
			return sys
		}
	}
	v, _ := rb.get("System")
	_, ok := v.(map[string]any)
	return ok
}

// flatten replaces each JSON object value by its members under dotted names, as event.FromJSON does; a member
// whose dotted name is already a field is dropped.
func (rb *rowBuilder) flatten() {
	type obj struct {
		name string
		m    map[string]any
	}
	var objs []obj
	for s, ok := range rb.has {
		if m, isObj := rb.vals[s].(map[string]any); ok && isObj {
			objs = append(objs, obj{rb.p.names[s], m})
			rb.has[s], rb.vals[s] = false, nil
		}
	}
	for i := range rb.dyn {
		if m, isObj := rb.dyn[i].Value.(map[string]any); isObj && !rb.dyn[i].gone {
			objs = append(objs, obj{rb.dyn[i].Name, m})
			rb.dyn[i].gone, rb.dyn[i].Value = true, nil
		}
	}
	var add func(prefix string, m map[string]any)
	add = func(prefix string, m map[string]any) {
		for k, v := range m {
			name := prefix + "." + k
			if sub, ok := v.(map[string]any); ok {
				add(name, sub)
				continue
			}
			if _, has := rb.get(name); !has {
				rb.set(name, v)
			}
		}
	}
	for _, o := range objs {
		add(o.name, o.m)
	}
}

// entries returns the fields in event order: the slots' order merged with the sorted fields without a slot.
func (rb *rowBuilder) entries() []event.Entry {
	p := rb.p
	dyn := rb.tmp[:0]
	for _, d := range rb.dyn {
		if !d.gone && p.emitsDyn(d.ID) {
			dyn = append(dyn, d.Entry)
		}
	}
	slices.SortFunc(dyn, event.CompareEntries)
	rb.tmp = dyn
	n := len(dyn)
	for s, h := range rb.has {
		if h && p.emit[s] {
			n++
		}
	}
	if cap(rb.ents) < n {
		rb.ents = make([]event.Entry, 0, max(n, 2*cap(rb.ents)))
	}
	out := rb.ents[:0]
	j := 0
	for _, s := range p.order {
		if !rb.has[s] || !p.emit[s] {
			continue
		}
		e := event.Entry{ID: p.ids[s], Name: p.names[s], Value: rb.vals[s]}
		for j < len(dyn) && event.CompareEntries(dyn[j], e) < 0 {
			out = append(out, dyn[j])
			j++
		}
		out = append(out, e)
	}
	out = append(out, dyn[j:]...)
	rb.ents = out
	return out
}

// finish drops the builder's references to the batch and its values, so they do not outlive the evaluation.
func (rb *rowBuilder) finish() {
	rb.b = nil
	clear(rb.vals)
	clear(rb.boxed)
	clear(rb.ents)
	clear(rb.dyn)
	clear(rb.tmp)
	rb.raw = rb.raw[:0]
	clear(rb.rawBy)
	for _, m := range rb.bags {
		clear(m)
	}
}

// release gives up the last event's fields (a match refers to its event): the next row builds into new memory.
func (rb *rowBuilder) release() { rb.ents = nil }
