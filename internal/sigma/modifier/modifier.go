// Package modifier implements Sigma value modifiers ("Field|contains|all")
// and compiles rule values into [Matcher]s.
//
// Modifiers come in three kinds (see [Table]): transforms rewrite each value
// into one or more values (base64, base64offset, wide/utf16le, utf16be,
// utf16, windash, expand), match types decide how a value is compared
// (contains, startswith, endswith, re, cidr, lt/lte/gt/gte, exists,
// fieldref), and flags adjust the comparison (all, cased, neq, the regular
// expression flags i, m, s, and the time parts minute, hour, day, week,
// month, year of Sigma 2.1, which reduce the field's timestamp to a number). Transforms apply left to right wherever they
// appear in the chain; at most one match type is allowed.
//
// Matching is case-insensitive unless "cased" is given; regular expressions
// are case-sensitive unless "i" is given, as the specification says.
package modifier

import (
	"fmt"
	"strings"
)

// Kind classifies a modifier.
type Kind int

// The kinds of modifiers.
const (
	Transform Kind = iota
	MatchType
	Flag
)

// Modifier describes one modifier of [Table].
type Modifier struct {
	Name string
	Kind Kind
	Doc  string
}

// Table lists every supported modifier by name.
var Table = map[string]Modifier{
	"contains":     {"contains", MatchType, "value occurs anywhere in the field (wildcards around it)"},
	"startswith":   {"startswith", MatchType, "field starts with the value"},
	"endswith":     {"endswith", MatchType, "field ends with the value"},
	"re":           {"re", MatchType, "value is a regular expression (RE2 syntax), unanchored"},
	"cidr":         {"cidr", MatchType, "field is an IP address inside the CIDR network"},
	"lt":           {"lt", MatchType, "field is a number less than the value"},
	"lte":          {"lte", MatchType, "field is a number less than or equal to the value"},
	"gt":           {"gt", MatchType, "field is a number greater than the value"},
	"gte":          {"gte", MatchType, "field is a number greater than or equal to the value"},
	"exists":       {"exists", MatchType, "value true: the field is present; false: absent"},
	"fieldref":     {"fieldref", MatchType, "value names another field whose value must be equal"},
	"all":          {"all", Flag, "every value must match (AND) instead of any (OR)"},
	"neq":          {"neq", Flag, "the field is present and differs from every value (or referenced field)"},
	"minute":       {"minute", Flag, "compare the minute (0-59) of the field's timestamp"},
	"hour":         {"hour", Flag, "compare the hour (0-23) of the field's timestamp"},
	"day":          {"day", Flag, "compare the day of month (1-31) of the field's timestamp"},
	"week":         {"week", Flag, "compare the ISO week (1-53) of the field's timestamp"},
	"month":        {"month", Flag, "compare the month (1-12) of the field's timestamp"},
	"year":         {"year", Flag, "compare the year of the field's timestamp"},
	"cased":        {"cased", Flag, "compare case-sensitively"},
	"i":            {"i", Flag, "regular expression: case-insensitive"},
	"m":            {"m", Flag, "regular expression: ^ and $ match at line breaks"},
	"s":            {"s", Flag, "regular expression: . matches line breaks"},
	"base64":       {"base64", Transform, "value is base64-encoded"},
	"base64offset": {"base64offset", Transform, "value is base64-encoded at each of the three byte offsets"},
	"wide":         {"wide", Transform, "value is UTF-16LE encoded (alias of utf16le)"},
	"utf16le":      {"utf16le", Transform, "value is UTF-16LE encoded"},
	"utf16be":      {"utf16be", Transform, "value is UTF-16BE encoded"},
	"utf16":        {"utf16", Transform, "value is UTF-16 encoded with a byte-order mark"},
	"windash":      {"windash", Transform, "also match - and / command-line flags written with any dash"},
	"expand":       {"expand", Transform, "replace %placeholders% with configured values"},
}

// Spec is a validated modifier chain.
type Spec struct {
	Transforms []string // in order
	Match      string   // "" means equality
	All        bool
	Cased      bool
	ReFlags    string // subset of "ims"
	// Neq negates the comparison (the field must be present).
	Neq bool
	// TimePart is minute, hour, day, week, month or year: the field's
	// timestamp is reduced to that number before comparing.
	TimePart string
}

// Error is a modifier problem; Code is "unknown_modifier" or
// "invalid_modifier".
type Error struct {
	Code string
	Msg  string
}

// Error returns the message.
func (e *Error) Error() string { return e.Msg }

// Parse validates a modifier chain.
func Parse(mods []string) (Spec, error) {
	var s Spec
	for _, m := range mods {
		d, ok := Table[m]
		if !ok {
			return s, &Error{"unknown_modifier", fmt.Sprintf("unknown modifier %q", m)}
		}
		switch d.Kind {
		case Transform:
			s.Transforms = append(s.Transforms, m)
		case MatchType:
			if s.Match != "" {
				return s, &Error{"invalid_modifier", fmt.Sprintf("%q and %q are both match types", s.Match, m)}
			}
			s.Match = m
		case Flag:
			switch m {
			case "all":
				s.All = true
			case "cased":
				s.Cased = true
			case "neq":
				s.Neq = true
			case "minute", "hour", "day", "week", "month", "year":
				if s.TimePart != "" {
					return s, &Error{"invalid_modifier", fmt.Sprintf("%q and %q both select a time part", s.TimePart, m)}
				}
				s.TimePart = m
			default:
				if s.Match != "re" {
					return s, &Error{"invalid_modifier", fmt.Sprintf("%q applies only after \"re\"", m)}
				}
				s.ReFlags += m
			}
		}
	}
	switch s.Match {
	case "re", "cidr", "lt", "lte", "gt", "gte", "exists":
		for _, t := range s.Transforms {
			if t != "expand" {
				return s, &Error{"invalid_modifier", fmt.Sprintf("transform %q cannot be combined with %q", t, s.Match)}
			}
		}
	}
	if s.Match == "exists" && (s.All || s.Neq || s.TimePart != "") {
		return s, &Error{"invalid_modifier", "\"exists\" takes no other modifier"}
	}
	if s.Neq && s.All {
		return s, &Error{"invalid_modifier", "\"neq\" cannot be combined with \"all\""}
	}
	if s.TimePart != "" && len(s.Transforms) > 0 {
		return s, &Error{"invalid_modifier", fmt.Sprintf("%q compares numbers; it takes no transform", s.TimePart)}
	}
	return s, nil
}

// String renders the chain as written in a rule ("|contains|all").
func (s Spec) String() string {
	var b strings.Builder
	for _, t := range s.Transforms {
		b.WriteString("|" + t)
	}
	if s.Match != "" {
		b.WriteString("|" + s.Match)
	}
	for _, f := range s.ReFlags {
		b.WriteString("|" + string(f))
	}
	if s.All {
		b.WriteString("|all")
	}
	if s.Neq {
		b.WriteString("|neq")
	}
	if s.TimePart != "" {
		b.WriteString("|" + s.TimePart)
	}
	if s.Cased {
		b.WriteString("|cased")
	}
	return b.String()
}
