// Package rule turns Sigma YAML (single documents, multi-document rule
// collections with action global/reset/repeat, correlation rules and filters)
// into typed, validated values with source positions.
//
// Loading never stops at a broken rule: every document is parsed on its own
// and problems are reported as [Issue] values with a stable [Code], file, line,
// column and YAML field path.
package rule

// Kind says what a Sigma document is.
type Kind string

// The kinds of Sigma documents.
const (
	KindDetection   Kind = "detection"
	KindCorrelation Kind = "correlation"
	KindFilter      Kind = "filter"
)

// Rule is one Sigma document: a detection rule, a correlation rule or a
// filter. Which of Detection, Correlation and Filter is set follows Kind.
type Rule struct {
	Kind           Kind      `json:"kind"`
	File           string    `json:"file,omitempty"`
	Line           int       `json:"line,omitempty"`
	Doc            int       `json:"doc,omitempty"` // 1-based document index in File
	Title          string    `json:"title"`
	ID             string    `json:"id,omitempty"`
	Name           string    `json:"name,omitempty"`
	Status         string    `json:"status,omitempty"`
	Description    string    `json:"description,omitempty"`
	Author         string    `json:"author,omitempty"`
	Date           string    `json:"date,omitempty"`
	Modified       string    `json:"modified,omitempty"`
	Level          string    `json:"level,omitempty"`
	License        string    `json:"license,omitempty"`
	References     []string  `json:"references,omitempty"`
	Tags           []string  `json:"tags,omitempty"`
	FalsePositives []string  `json:"falsepositives,omitempty"`
	Fields         []string  `json:"fields,omitempty"`
	Logsource      Logsource `json:"logsource"`

	Detection   *Detection   `json:"detection,omitempty"`
	Correlation *Correlation `json:"correlation,omitempty"`
	Filter      *Filter      `json:"filter,omitempty"`
}

// Key returns the identifier other documents use to reference r: its id, or
// its name, or its title.
func (r *Rule) Key() string {
	switch {
	case r.ID != "":
		return r.ID
	case r.Name != "":
		return r.Name
	}
	return r.Title
}

// Logsource is the logsource section of a rule.
type Logsource struct {
	Product    string `json:"product,omitempty"`
	Category   string `json:"category,omitempty"`
	Service    string `json:"service,omitempty"`
	Definition string `json:"definition,omitempty"`
}

// Detection is the detection section: named searches and a condition.
type Detection struct {
	Searches []*Search `json:"searches"`
	// Conditions holds one condition, or several (the deprecated list form,
	// which is evaluated as their "or").
	Conditions []Condition `json:"conditions"`
	Timeframe  string      `json:"timeframe,omitempty"`
}

// Search returns the search named name, or nil.
func (d *Detection) Search(name string) *Search {
	for _, s := range d.Searches {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// Condition is one condition string and where it starts in the file.
type Condition struct {
	Text string `json:"text"`
	Line int    `json:"line"`
	Col  int    `json:"col"`
	// Quoted reports whether the YAML scalar was quoted or block style, in
	// which case columns inside Text do not map 1:1 onto the file.
	Quoted bool `json:"-"`
	// Block and Indent describe a literal or folded block scalar, whose
	// text starts on the next line at column Indent+1.
	Block  bool `json:"-"`
	Indent int  `json:"-"`
}

// Search is one search identifier of a detection. A search is either a list
// of keywords (matched against any field) or a list of alternatives, each an
// AND of field matches; the alternatives are OR'ed.
type Search struct {
	Name         string          `json:"name"`
	Line         int             `json:"line"`
	Col          int             `json:"col"`
	Keywords     []Value         `json:"keywords,omitempty"`
	Alternatives [][]*FieldMatch `json:"alternatives,omitempty"`
}

// FieldMatch is "Field|mod1|mod2: values". Field is empty for keyword
// searches written with modifiers ("'|all': [...]").
type FieldMatch struct {
	Field     string   `json:"field"`
	Modifiers []string `json:"modifiers,omitempty"`
	Values    []Value  `json:"values"`
	Line      int      `json:"line"`
	Col       int      `json:"col"`
}

// ValueKind is the YAML type of a [Value].
type ValueKind int

// The value kinds.
const (
	String ValueKind = iota
	Number
	Bool
	Null
)

// Value is one scalar value with its YAML type and the text written.
type Value struct {
	Kind ValueKind `json:"kind"`
	S    string    `json:"s"`
	Line int       `json:"line"`
	Col  int       `json:"col"`
}

// Correlation is the correlation section of a correlation rule.
type Correlation struct {
	Type     string   `json:"type"`
	Rules    []string `json:"rules"`
	GroupBy  []string `json:"group-by,omitempty"`
	Timespan string   `json:"timespan"`
	// Seconds is Timespan in seconds.
	Seconds   int64                        `json:"-"`
	Condition CorrelationCondition         `json:"condition"`
	Aliases   map[string]map[string]string `json:"aliases,omitempty"`
	Generate  bool                         `json:"generate,omitempty"`
}

// CorrelationCondition is the threshold of a correlation; unset bounds are
// nil.
type CorrelationCondition struct {
	Field string `json:"field,omitempty"`
	GT    *int64 `json:"gt,omitempty"`
	GTE   *int64 `json:"gte,omitempty"`
	LT    *int64 `json:"lt,omitempty"`
	LTE   *int64 `json:"lte,omitempty"`
	EQ    *int64 `json:"eq,omitempty"`
	NEQ   *int64 `json:"neq,omitempty"`
}

// Holds reports whether n satisfies the condition.
func (c CorrelationCondition) Holds(n int64) bool {
	return (c.GT == nil || n > *c.GT) && (c.GTE == nil || n >= *c.GTE) &&
		(c.LT == nil || n < *c.LT) && (c.LTE == nil || n <= *c.LTE) &&
		(c.EQ == nil || n == *c.EQ) && (c.NEQ == nil || n != *c.NEQ)
}

// UpperBounded reports whether the condition can stop holding as n grows
// (lt, lte, eq), so it can only be decided when the window closes.
func (c CorrelationCondition) UpperBounded() bool {
	return c.LT != nil || c.LTE != nil || c.EQ != nil
}

// Filter is the filter section of a filter document: a detection that every
// rule it names must also satisfy.
type Filter struct {
	// Rules lists the ids or names the filter applies to; empty means every
	// rule whose logsource matches the filter's.
	Rules     []string   `json:"rules,omitempty"`
	Detection *Detection `json:"detection"`
}
