package engine

import (
	"fmt"
	"sort"
	"strings"

	"github.com/vigilsec/vigil/internal/sigma/logsource"
	"github.com/vigilsec/vigil/internal/sigma/rule"
)

// FieldCoverage tells which Sigma fields the events of a logsource route can carry. The stream detection's
// mappings implement it (internal/detect).
type FieldCoverage interface {
	// Covers reports whether events routed to r can carry field (compared case-insensitively), and names the
	// mapping consulted, for messages ("" when the route's events keep their source's own fields).
	Covers(r *logsource.Route, field string) (ok bool, source string)
}

// FieldReasons is implemented by a [FieldCoverage] that knows fields no mapping will ever cover on a route, and
// why; a rule naming one is refused with code field_unsupported and that reason.
type FieldReasons interface {
	Unsupported(r *logsource.Route, field string) (reason string, ok bool)
}

// WithFieldCoverage makes [Compile] refuse, with code field_unmapped, a rule that names a field none of its
// logsource's routes can carry: such a rule could never match on it (or, negated, would always match).
func WithFieldCoverage(fc FieldCoverage) Option { return func(c *config) { c.fields = fc } }

// unmappedFields returns an issue for every distinct field of r's detection that no route covers.
func unmappedFields(r *rule.Rule, routes []*logsource.Route, fc FieldCoverage) rule.Issues {
	var issues rule.Issues
	seen := map[string]bool{}
	for _, s := range r.Detection.Searches {
		for _, alt := range s.Alternatives {
			for _, fm := range alt {
				if fm.Field == "" || seen[strings.ToLower(fm.Field)] {
					continue
				}
				seen[strings.ToLower(fm.Field)] = true
				covered := false
				var sources []string
				for _, rt := range routes {
					ok, src := fc.Covers(rt, fm.Field)
					if ok {
						covered = true
						break
					}
					if src != "" && !contains(sources, src) {
						sources = append(sources, src)
					}
				}
				if covered {
					continue
				}
				sort.Strings(sources)
				ls := r.Logsource
				if fr, ok := fc.(FieldReasons); ok {
					var whys []string
					for _, rt := range routes {
						if why, ok := fr.Unsupported(rt, fm.Field); ok && !contains(whys, why) {
							whys = append(whys, why)
						}
					}
					if len(whys) > 0 {
						sort.Strings(whys)
						issues = append(issues, &rule.Issue{Code: rule.CodeFieldUnsupported, Severity: rule.SeverityError,
							File: r.File, Line: fm.Line, Col: fm.Col, Doc: r.Doc, Field: fm.Field, RuleID: r.ID,
							Message: fmt.Sprintf("field %q is unsupported for logsource product=%q category=%q service=%q: %s",
								fm.Field, ls.Product, ls.Category, ls.Service, strings.Join(whys, "; "))})
						continue
					}
				}
				issues = append(issues, &rule.Issue{Code: rule.CodeFieldUnmapped, Severity: rule.SeverityError,
					File: r.File, Line: fm.Line, Col: fm.Col, Doc: r.Doc, Field: fm.Field, RuleID: r.ID,
					Message: fmt.Sprintf("field %q is not mapped for logsource product=%q category=%q service=%q (mapping consulted: %s)",
						fm.Field, ls.Product, ls.Category, ls.Service, strings.Join(sources, "; "))})
			}
		}
	}
	return issues
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
