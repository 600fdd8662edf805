// Package schema is Vigil's catalogue of event tables: the public Microsoft Defender advanced-hunting tables, the
// Microsoft Sentinel tables and custom (Name_CL) tables, each with its documented column names and KQL types.
//
// The catalogue is read by the normalisers, the event store, the KQL compiler, the API (/api/v1/schema) and the
// editor's completion; it is the one source of truth for what a table holds.
package schema

import (
	"fmt"
	"sort"
	"strings"
	"sync"
)

// Type is a KQL scalar type.
type Type uint8

// The KQL scalar types.
const (
	TypeInvalid Type = iota
	TypeString
	TypeInt
	TypeLong
	TypeReal
	TypeDecimal
	TypeBool
	TypeDatetime
	TypeTimespan
	TypeDynamic
	TypeGUID
)

var typeNames = [...]string{"invalid", "string", "int", "long", "real", "decimal", "bool", "datetime", "timespan", "dynamic", "guid"}

// String returns the KQL name of the type.
func (t Type) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return fmt.Sprintf("type(%d)", uint8(t))
}

// MarshalText renders the type by its KQL name.
func (t Type) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// UnmarshalText parses a KQL type name.
func (t *Type) UnmarshalText(b []byte) error {
	v, ok := ParseType(string(b))
	if !ok {
		return fmt.Errorf("unknown KQL type %q", b)
	}
	*t = v
	return nil
}

// ParseType returns the type named s (KQL names and their documented synonyms, case-insensitive).
func ParseType(s string) (Type, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "string":
		return TypeString, true
	case "int", "int32":
		return TypeInt, true
	case "long", "int64":
		return TypeLong, true
	case "real", "double", "float":
		return TypeReal, true
	case "decimal":
		return TypeDecimal, true
	case "bool", "boolean":
		return TypeBool, true
	case "datetime", "date":
		return TypeDatetime, true
	case "timespan", "time":
		return TypeTimespan, true
	case "dynamic":
		return TypeDynamic, true
	case "guid", "uniqueid":
		return TypeGUID, true
	}
	return TypeInvalid, false
}

// System column names present in every table.
const (
	// ColItemID is the unique id Vigil gives each event at ingest; a replay never writes the same id twice.
	ColItemID = "_ItemId"
	// ColTimeReceived is the time the event was received by Vigil (what KQL's ingestion_time() returns).
	ColTimeReceived = "_TimeReceived"
	// ColExtra holds, as a dynamic bag, every field of the original record that has no column in the table, so
	// nothing a source said is lost.
	ColExtra = "_Extra"
)

// Column is one column of a table.
type Column struct {
	Name        string `json:"name"`
	Type        Type   `json:"type"`
	Description string `json:"description,omitempty"`
}

// Table is the definition of one event table.
type Table struct {
	// Name is the table name as KQL queries spell it (case-sensitive).
	Name string `json:"name"`
	// TimeColumn is the column holding the event time (Timestamp for Defender tables, TimeGenerated for Sentinel).
	TimeColumn string `json:"timeColumn"`
	// Source says where the definition comes from: "defender", "sentinel", "vigil" or "custom".
	Source string `json:"source"`
	// Description is one sentence on what the table holds.
	Description string `json:"description,omitempty"`
	// Columns lists the columns in their documented order, followed by the system columns.
	Columns []Column `json:"columns"`

	index map[string]int
}

// Column returns the column called name (exact match) and its position.
func (t *Table) Column(name string) (Column, int, bool) {
	if t.index == nil {
		t.buildIndex()
	}
	i, ok := t.index[name]
	if !ok {
		return Column{}, -1, false
	}
	return t.Columns[i], i, true
}

func (t *Table) buildIndex() {
	t.index = make(map[string]int, len(t.Columns))
	for i, c := range t.Columns {
		t.index[c.Name] = i
	}
}

// IsCustom reports whether name is a custom table name (ending in _CL).
func IsCustom(name string) bool { return strings.HasSuffix(name, "_CL") && len(name) > 3 }

// ValidTableName reports whether name may name a table: a letter, then letters, digits and underscores, at most 128.
func ValidTableName(name string) bool {
	if name == "" || len(name) > 128 {
		return false
	}
	for i, r := range name {
		switch {
		case r >= 'A' && r <= 'Z', r >= 'a' && r <= 'z':
		case i > 0 && (r == '_' || r >= '0' && r <= '9'):
		default:
			return false
		}
	}
	return true
}

// finish validates t and appends the system columns; it is used for built-in and custom tables alike.
func (t *Table) finish() error {
	if !ValidTableName(t.Name) {
		return fmt.Errorf("invalid table name %q", t.Name)
	}
	seen := make(map[string]bool, len(t.Columns)+2)
	for _, c := range t.Columns {
		if c.Name == "" || !ValidTableName(strings.TrimLeft(c.Name, "_")) {
			return fmt.Errorf("table %s: invalid column name %q", t.Name, c.Name)
		}
		if seen[c.Name] {
			return fmt.Errorf("table %s: duplicate column %q", t.Name, c.Name)
		}
		if c.Type == TypeInvalid {
			return fmt.Errorf("table %s: column %s has no type", t.Name, c.Name)
		}
		seen[c.Name] = true
	}
	if !seen[t.TimeColumn] {
		return fmt.Errorf("table %s: time column %q is not a column", t.Name, t.TimeColumn)
	}
	if seen[ColItemID] || seen[ColTimeReceived] || seen[ColExtra] {
		return fmt.Errorf("table %s: system columns are added by the catalogue", t.Name)
	}
	t.Columns = append(t.Columns,
		Column{Name: ColItemID, Type: TypeString, Description: "Unique id Vigil gave the event at ingest."},
		Column{Name: ColTimeReceived, Type: TypeDatetime, Description: "Time Vigil received the event."},
		Column{Name: ColExtra, Type: TypeDynamic, Description: "Fields of the original record that have no column of their own."},
	)
	t.buildIndex()
	return nil
}

// Catalog is a set of tables. It is safe for concurrent use; tables, once added, are never changed.
type Catalog struct {
	mu     sync.RWMutex
	tables map[string]*Table
	lower  map[string]string
}

// NewCatalog returns a catalogue holding the built-in tables.
func NewCatalog() *Catalog {
	c := &Catalog{tables: map[string]*Table{}, lower: map[string]string{}}
	for _, t := range builtin() {
		if err := c.add(t); err != nil {
			panic(fmt.Sprintf("schema: built-in table: %v", err))
		}
	}
	return c
}

func (c *Catalog) add(t *Table) error {
	if _, ok := c.tables[t.Name]; ok {
		return fmt.Errorf("table %s already exists", t.Name)
	}
	if err := t.finish(); err != nil {
		return err
	}
	c.tables[t.Name] = t
	c.lower[strings.ToLower(t.Name)] = t.Name
	return nil
}

// Table returns the table called name (case-sensitive, as KQL is).
func (c *Catalog) Table(name string) (*Table, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	t, ok := c.tables[name]
	return t, ok
}

// Suggest returns the name of a table that differs from name only in case, or "".
func (c *Catalog) Suggest(name string) string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.lower[strings.ToLower(name)]
}

// Tables returns all tables sorted by name.
func (c *Catalog) Tables() []*Table {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]*Table, 0, len(c.tables))
	for _, t := range c.tables {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// AddCustom adds a custom table (its name must end in _CL). The system columns are appended; the time column is
// TimeGenerated, added as the first column if cols lacks it.
func (c *Catalog) AddCustom(name string, cols []Column) (*Table, error) {
	if !IsCustom(name) {
		return nil, fmt.Errorf("custom table name %q must end in _CL", name)
	}
	t := &Table{Name: name, TimeColumn: "TimeGenerated", Source: "custom"}
	hasTime := false
	for _, col := range cols {
		if col.Name == "TimeGenerated" {
			hasTime = true
			col.Type = TypeDatetime
		}
		t.Columns = append(t.Columns, col)
	}
	if !hasTime {
		t.Columns = append([]Column{{Name: "TimeGenerated", Type: TypeDatetime, Description: "Time the event was generated."}}, t.Columns...)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.tables[name]; ok {
		return old, nil
	}
	if err := c.add(t); err != nil {
		return nil, err
	}
	return t, nil
}
