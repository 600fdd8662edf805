package api

import (
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/vigilsec/vigil/internal/auth"
	"github.com/vigilsec/vigil/internal/detect"
	"github.com/vigilsec/vigil/internal/state"
)

// SigmaRules serves the Sigma rules loaded for stream detection with their statistics (*detect.Detector).
type SigmaRules interface {
	RuleStats() ([]detect.RuleStats, detect.StatsSummary)
	RuleStat(id string) (detect.RuleStats, bool)
}

// mountSigma registers the Sigma rule routes.
func (s *Server) mountSigma(r chi.Router) {
	r.With(s.require(auth.PermReadData)).Get("/sigma/rules", handle(s.listSigmaRules))
	r.With(s.require(auth.PermReadData)).Get("/sigma/rules/{id}", handle(s.getSigmaRule))
}

// sigmaSorts orders the rule list; ties go by title.
var sigmaSorts = map[string]func(a, b detect.RuleStats) bool{
	"matches": func(a, b detect.RuleStats) bool { return a.Matches > b.Matches },
	"alerts":  func(a, b detect.RuleStats) bool { return a.Alerts > b.Alerts },
	"cost":    func(a, b detect.RuleStats) bool { return a.TotalEvalNanosEstimate > b.TotalEvalNanosEstimate },
	"lastMatch": func(a, b detect.RuleStats) bool {
		return a.LastMatch != nil && (b.LastMatch == nil || a.LastMatch.After(*b.LastMatch))
	},
	"title": func(a, b detect.RuleStats) bool { return false },
}

func (s *Server) listSigmaRules(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	limit, offset := 100, 0
	for name, dst := range map[string]*int{"limit": &limit, "offset": &offset} {
		if v := q.Get(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return &Error{Status: http.StatusBadRequest, Code: "bad_request", Message: name + " must be a non-negative integer"}
			}
			*dst = n
		}
	}
	limit = min(max(limit, 1), 1000)
	sortBy := q.Get("sort")
	if sortBy == "" {
		sortBy = "matches"
	}
	less, ok := sigmaSorts[sortBy]
	if !ok {
		return &Error{Status: http.StatusBadRequest, Code: "bad_request", Message: "sort must be one of matches, alerts, cost, lastMatch, title"}
	}
	kind := q.Get("kind")
	if kind != "" && kind != "detection" && kind != "correlation" {
		return &Error{Status: http.StatusBadRequest, Code: "bad_request", Message: "kind must be detection or correlation"}
	}
	var all []detect.RuleStats
	var sum detect.StatsSummary
	if s.d.Sigma != nil {
		all, sum = s.d.Sigma.RuleStats()
	}
	level, text := strings.ToLower(q.Get("level")), strings.ToLower(q.Get("q"))
	rules := make([]detect.RuleStats, 0, len(all))
	for _, rs := range all {
		if kind != "" && string(rs.Kind) != kind {
			continue
		}
		if level != "" && strings.ToLower(rs.Level) != level {
			continue
		}
		if text != "" && !strings.Contains(strings.ToLower(rs.Title), text) && !strings.EqualFold(rs.ID, text) {
			continue
		}
		rules = append(rules, rs)
	}
	sort.SliceStable(rules, func(i, j int) bool {
		if less(rules[i], rules[j]) {
			return true
		}
		if less(rules[j], rules[i]) {
			return false
		}
		return rules[i].Title < rules[j].Title
	})
	total := len(rules)
	rules = rules[min(offset, total):min(offset+limit, total)]
	return writeJSON(w, http.StatusOK, map[string]any{"rules": rules, "total": total, "summary": sum})
}

func (s *Server) getSigmaRule(w http.ResponseWriter, r *http.Request) error {
	if s.d.Sigma == nil {
		return state.ErrNotFound
	}
	rs, ok := s.d.Sigma.RuleStat(chi.URLParam(r, "id"))
	if !ok {
		return state.ErrNotFound
	}
	return writeJSON(w, http.StatusOK, rs)
}
