package api

import (
	"context"
	"fmt"
	"net/http"

	"gopkg.in/yaml.v3"

	"github.com/vigilsec/vigil/internal/analytics"
	"github.com/vigilsec/vigil/internal/auth"
	"github.com/vigilsec/vigil/internal/schema"
	"github.com/vigilsec/vigil/internal/state"
)

// The routes that show event data apply the caller's table groups through auth.Scope (see internal/auth/scope.go
// for the rule); the helpers here adapt it to the answers' shapes.

// scope returns the data the request's principal may read.
func (s *Server) scope(r *http.Request) auth.Scope {
	p, _ := PrincipalFrom(r.Context())
	return auth.ScopeOf(p, s.d.Catalog)
}

// requireGroup refuses a limited scope that lacks group (403 table_group).
func requireGroup(sc auth.Scope, group, what string) error {
	if !sc.Limited() {
		return nil
	}
	for _, g := range sc.Groups() {
		if g == group {
			return nil
		}
	}
	return &Error{Status: http.StatusForbidden, Code: "table_group",
		Message: what + " is in the " + group + " table group, which your role's table groups leave out"}
}

// ruleNames looks up analytics rule names for withheld alerts' titles, once per rule per request.
func (s *Server) ruleNames(ctx context.Context) auth.RuleNamer {
	cache := map[string]string{}
	return func(id string) (string, bool) {
		if n, ok := cache[id]; ok {
			return n, n != ""
		}
		n := ""
		if s.d.Rules != nil {
			if info, err := s.d.Rules.Get(ctx, id); err == nil {
				n = info.Name
			}
		}
		cache[id] = n
		return n, n != ""
	}
}

// alertView is an alert as a caller sees it: Withheld says what its table groups left out.
type alertView struct {
	state.Alert
	Withheld *auth.Withheld `json:"withheld,omitempty"`
}

// incidentView is an incident's detail as a caller sees it.
type incidentView struct {
	state.IncidentDetail
	Withheld *auth.Withheld `json:"withheld,omitempty"`
}

// incidentRecord is an incident (without its alerts) as a caller sees it.
type incidentRecord struct {
	state.Incident
	Withheld *auth.Withheld `json:"withheld,omitempty"`
}

// scopeIncident applies sc to an incident record: its title and description may have been copied from an alert
// whose content the caller may not read, so a limited caller's record is checked against the incident's alerts.
func (s *Server) scopeIncident(ctx context.Context, sc auth.Scope, names auth.RuleNamer, in state.Incident) (incidentRecord, error) {
	if !sc.Limited() || s.d.Incidents == nil {
		return incidentRecord{Incident: in}, nil
	}
	d, err := s.d.Incidents.Get(ctx, in.ID)
	if err != nil {
		if ctx.Err() != nil {
			return incidentRecord{}, err
		}
		// The alerts cannot be read to decide: fail closed on the texts that may come from them.
		in.Title, in.Description = fmt.Sprintf("Incident #%d", in.Number), ""
		return incidentRecord{Incident: in, Withheld: &auth.Withheld{Reason: "the incident's alerts could not be read to check them", Groups: []string{}}}, nil
	}
	d.Incident = in
	w := sc.Incident(&d, names)
	return incidentRecord{Incident: d.Incident, Withheld: w}, nil
}

// scopedTables returns the catalogue's tables the scope may read.
func scopedTables(sc auth.Scope, tables []*schema.Table) []*schema.Table {
	out := make([]*schema.Table, 0, len(tables))
	for _, t := range tables {
		if sc.Table(t) {
			out = append(out, t)
		}
	}
	return out
}

// wholeData refuses callers whose role limits reading to table groups (403 table_group): for answers that count or
// describe every table and cannot be cut by group, such as the Prometheus metrics.
func (s *Server) wholeData(what string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if sc := s.scope(r); sc.Limited() {
				writeError(w, &Error{Status: http.StatusForbidden, Code: "table_group",
					Message: what + " cover every table group; your role's table groups leave some out"}, s.d.Log)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// checkRuleScope refuses a rule whose query reads tables outside a limited caller's groups (400 with the query's
// diagnostics, as a hunt would answer): a rule runs with the server's rights, so its alerts, run counts and errors
// would tell its author about rows it may not read. A body that is not YAML is left to the rule service to refuse.
func (s *Server) checkRuleScope(r *http.Request, body []byte) error {
	sc := s.scope(r)
	if !sc.Limited() || s.d.Hunt == nil {
		return nil
	}
	var def struct {
		Query string `yaml:"query"`
	}
	if err := yaml.Unmarshal(body, &def); err != nil || def.Query == "" {
		return nil
	}
	res := s.d.Hunt.CheckScoped(def.Query, sc.Allow())
	if res.Valid || len(res.Diagnostics) == 0 {
		return nil
	}
	d := res.Diagnostics[0]
	return &Error{Status: http.StatusBadRequest, Code: d.Code, Message: fmt.Sprintf("query %d:%d: %s", d.Line, d.Col, d.Message),
		Extra: map[string]any{"diagnostics": res.Diagnostics}}
}

// withheldRuleError replaces the error texts of a rule whose query reads tables outside a limited caller's groups:
// a query's errors may quote the values of the rows it read.
const withheldRuleError = "withheld: the rule reads tables outside the table groups of your role"

// readsOutside reports whether the rule query reads tables the scope may not read.
func (s *Server) readsOutside(sc auth.Scope, query string) bool {
	if !sc.Limited() {
		return false
	}
	if s.d.Hunt == nil {
		return true
	}
	return !s.d.Hunt.CheckScoped(query, sc.Allow()).Valid
}

// scopeRule withholds the error texts of info's health from a limited caller whose tables the rule reaches beyond
// (a rule whose definition cannot be read counts as reaching beyond).
func (s *Server) scopeRule(ctx context.Context, sc auth.Scope, info *analytics.RuleInfo) {
	h := &info.Health
	if !sc.Limited() || (h.LastError == "" && (h.LastRun == nil || h.LastRun.Error == "") && (h.Stream == nil || h.Stream.LastError == "")) {
		return
	}
	def := info.Rule
	if def == nil && s.d.Rules != nil {
		if full, err := s.d.Rules.Get(ctx, info.ID); err == nil {
			def = full.Rule
		}
	}
	if def != nil && !s.readsOutside(sc, def.Query) {
		return
	}
	if h.LastError != "" {
		h.LastError = withheldRuleError
	}
	if h.LastRun != nil && h.LastRun.Error != "" {
		run := *h.LastRun
		run.Error = withheldRuleError
		h.LastRun = &run
	}
	if h.Stream != nil && h.Stream.LastError != "" {
		st := *h.Stream
		st.LastError = withheldRuleError
		h.Stream = &st
	}
}
