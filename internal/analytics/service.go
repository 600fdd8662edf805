package analytics

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/vigilsec/vigil/internal/kql"
	"github.com/vigilsec/vigil/internal/state/sqlite"
)

// ErrInvalidRule marks a rule definition that cannot be stored; the error is a *InvalidRuleError with the refusal.
var ErrInvalidRule = errors.New("invalid rule")

// InvalidRuleError is a refused rule definition.
type InvalidRuleError struct {
	Refusal *Refusal
}

func (e *InvalidRuleError) Error() string { return e.Refusal.Reason + ": " + e.Refusal.Detail }

// Unwrap makes errors.Is(err, ErrInvalidRule) hold.
func (e *InvalidRuleError) Unwrap() error { return ErrInvalidRule }

// Service manages rules for the API: create, edit (each change a new version), enable, disable, delete, and
// report each rule with its health.
type Service struct {
	DB      *sqlite.DB
	Catalog kql.Catalog
	// NRT, when set, is told to reload after a change and contributes its counters to the health.
	NRT *NRT
}

// RuleInfo is a stored rule with its state and health.
type RuleInfo struct {
	ID        string     `json:"id"`
	Name      string     `json:"name"`
	Kind      string     `json:"kind"`
	Severity  string     `json:"severity"`
	Enabled   bool       `json:"enabled"`
	Version   int        `json:"version"`
	UpdatedAt time.Time  `json:"updatedAt"`
	Health    RuleHealth `json:"health"`
	Rule      *Rule      `json:"rule,omitempty"`
}

// RuleHealth is how a rule has been doing: Status is ok, failing (its last run or evaluation failed), disabled or
// idle (never evaluated yet).
type RuleHealth struct {
	Status string `json:"status"`
	sqlite.RuleHealth
	// Stream holds the NRT evaluator's counters since the server started (NRT rules).
	Stream *NRTStats `json:"stream,omitempty"`
}

// ParseRule reads one rule definition in Sentinel's YAML or its JSON form (JSON is YAML too), validates it and
// compiles its query. Errors are *InvalidRuleError, with line:column for YAML and KQL errors.
func (s *Service) ParseRule(body []byte) (*Rule, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, &InvalidRuleError{&Refusal{Source: "body", Reason: ReasonMissingField, Detail: "the body holds no rule (Sentinel YAML or JSON)"}}
	}
	var r Rule
	dec := yaml.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&r); err != nil {
		return nil, &InvalidRuleError{&Refusal{Source: "body", Reason: ReasonParse, Detail: strings.TrimPrefix(err.Error(), "yaml: ")}}
	}
	r.Source = "body"
	if r.ID == "" {
		r.ID = newUUID()
	}
	if ref := Validate(&r); ref != nil {
		return nil, &InvalidRuleError{ref}
	}
	if ref := Check(&r, s.Catalog); ref != nil {
		return nil, &InvalidRuleError{ref}
	}
	return &r, nil
}

func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// Create stores a new rule from body; sqlite.ErrRuleExists when its id is taken.
func (s *Service) Create(ctx context.Context, body []byte, by string) (RuleInfo, error) {
	r, err := s.ParseRule(body)
	if err != nil {
		return RuleInfo{}, err
	}
	if _, err := s.DB.CreateRuleDefinition(ctx, r.ID, r.Name, r.Kind, r, by); err != nil {
		return RuleInfo{}, err
	}
	s.changed()
	return s.Get(ctx, r.ID)
}

// Update replaces the definition of rule id with body (a new version when it differs). The body's id, if set,
// must be id.
func (s *Service) Update(ctx context.Context, id string, body []byte, by string) (RuleInfo, error) {
	r, err := s.ParseRule(body)
	if err != nil {
		return RuleInfo{}, err
	}
	if r.ID != id {
		var probe struct {
			ID string `yaml:"id"`
		}
		_ = yaml.Unmarshal(body, &probe)
		if probe.ID != "" {
			return RuleInfo{}, &InvalidRuleError{&Refusal{Source: "body", ID: probe.ID, Reason: "id_mismatch",
				Detail: fmt.Sprintf("the body's id %q is not the rule's id %q", probe.ID, id)}}
		}
		r.ID = id
	}
	if _, _, err := s.DB.UpdateRuleDefinition(ctx, id, r.Name, r.Kind, r, by); err != nil {
		return RuleInfo{}, err
	}
	s.changed()
	return s.Get(ctx, id)
}

// SetEnabled enables or disables rule id.
func (s *Service) SetEnabled(ctx context.Context, id string, enabled bool, by string) (RuleInfo, error) {
	if _, err := s.DB.SetRuleEnabled(ctx, id, enabled, by); err != nil {
		return RuleInfo{}, err
	}
	s.changed()
	return s.Get(ctx, id)
}

// Delete removes rule id.
func (s *Service) Delete(ctx context.Context, id, by string) error {
	if err := s.DB.DeleteRule(ctx, id, by); err != nil {
		return err
	}
	s.changed()
	return nil
}

func (s *Service) changed() {
	if s.NRT != nil {
		s.NRT.Reload()
	}
}

// List returns every rule with its health (definitions left out), sorted by name.
func (s *Service) List(ctx context.Context) ([]RuleInfo, error) {
	recs, err := s.DB.RuleDefinitions(ctx)
	if err != nil {
		return nil, err
	}
	health, err := s.DB.RulesHealth(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]RuleInfo, 0, len(recs))
	for _, rec := range recs {
		info, err := s.info(rec, health[rec.ID])
		if err != nil {
			return nil, err
		}
		info.Rule = nil
		out = append(out, info)
	}
	return out, nil
}

// Get returns one rule with its definition and health, or state.ErrNotFound.
func (s *Service) Get(ctx context.Context, id string) (RuleInfo, error) {
	rec, err := s.DB.RuleDefinition(ctx, id)
	if err != nil {
		return RuleInfo{}, err
	}
	health, err := s.DB.RulesHealth(ctx)
	if err != nil {
		return RuleInfo{}, err
	}
	return s.info(rec, health[id])
}

func (s *Service) info(rec sqlite.RuleRecord, h *sqlite.RuleHealth) (RuleInfo, error) {
	var r Rule
	if err := json.Unmarshal(rec.Definition, &r); err != nil {
		return RuleInfo{}, fmt.Errorf("stored rule %s: %w", rec.ID, err)
	}
	info := RuleInfo{ID: rec.ID, Name: rec.Name, Kind: rec.Kind, Severity: r.Severity, Enabled: rec.Enabled,
		Version: rec.Version, UpdatedAt: rec.UpdatedAt, Rule: &r}
	if h != nil {
		info.Health.RuleHealth = *h
	}
	if s.NRT != nil && rec.Kind == "NRT" {
		if st, ok := s.NRT.Stats()[rec.ID]; ok {
			info.Health.Stream = &st
		}
	}
	hl := &info.Health
	switch {
	case !rec.Enabled:
		hl.Status = "disabled"
	case hl.LastRun != nil && hl.LastRun.Error != "":
		hl.Status = "failing"
	case hl.Stream != nil && hl.Stream.LastErrAt != nil && (hl.Stream.LastMatch == nil || hl.Stream.LastErrAt.After(*hl.Stream.LastMatch)):
		hl.Status = "failing"
	case hl.LastRun == nil && (hl.Stream == nil || hl.Stream.Events == 0):
		hl.Status = "idle"
	default:
		hl.Status = "ok"
	}
	return info, nil
}

// Versions returns rule id's versions and change log, newest first; state.ErrNotFound for an unknown rule with no
// history.
func (s *Service) Versions(ctx context.Context, id string) ([]sqlite.RuleVersion, []sqlite.RuleChange, error) {
	return s.DB.RuleVersions(ctx, id)
}

// Runs returns rule id's most recent runs, newest first.
func (s *Service) Runs(ctx context.Context, id string, limit int) ([]sqlite.RuleRun, error) {
	if _, err := s.DB.RuleDefinition(ctx, id); err != nil {
		return nil, err
	}
	return s.DB.RecentRuleRuns(ctx, id, limit)
}
