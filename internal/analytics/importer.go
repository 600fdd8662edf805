package analytics

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/vigilsec/vigil/internal/kql"
	"github.com/vigilsec/vigil/internal/state"
	"github.com/vigilsec/vigil/internal/state/sqlite"
)

// Store keeps rules, versioned.
type Store interface {
	// SaveRule stores r, creating version 1 or adding a new version when the definition changed; it returns the
	// rule's version.
	SaveRule(ctx context.Context, r *Rule) (int, error)
}

// Report is what an import did; it marshals to the JSON `vigil rules import --json` prints.
type Report struct {
	Total    int            `json:"total"`
	Imported int            `json:"imported"`
	Refused  map[string]int `json:"refused"`
	// Kept counts rules Sync left as they are because someone changed or deleted them since.
	Kept int `json:"kept,omitempty"`
	// Refusals lists every refused rule with its reason.
	Refusals []*Refusal `json:"refusals,omitempty"`
}

// Import validates each rule, compiles its query against cat, and saves the ones that pass.
func Import(ctx context.Context, rules []*Rule, parseRefusals []*Refusal, cat kql.Catalog, st Store) (*Report, error) {
	rep := &Report{Refused: map[string]int{}}
	refuse := func(r *Refusal) {
		rep.Refused[r.Reason]++
		rep.Refusals = append(rep.Refusals, r)
	}
	rep.Total = len(rules) + len(parseRefusals)
	for _, r := range parseRefusals {
		refuse(r)
	}
	for _, r := range rules {
		if ref := Validate(r); ref != nil {
			refuse(ref)
			continue
		}
		if ref := Check(r, cat); ref != nil {
			refuse(ref)
			continue
		}
		if _, err := st.SaveRule(ctx, r); err != nil {
			return rep, err
		}
		rep.Imported++
	}
	return rep, nil
}

// Check compiles a validated rule's query against cat and checks that the columns its alert details read are in the
// query's output. A Scheduled query must translate to SQL; an NRT query must run on the row evaluator. KQL errors
// are refused with their code and line:column.
func Check(r *Rule, cat kql.Catalog) *Refusal {
	ref := func(reason, detail string) *Refusal {
		return &Refusal{Source: r.Source, ID: r.ID, Name: r.Name, Reason: reason, Detail: detail}
	}
	q, errs := kql.Compile(r.Query, cat)
	if errs != nil {
		out := ref(errs[0].Code, fmt.Sprintf("%d:%d: %s", errs[0].Line, errs[0].Col, errs[0].Message))
		out.Line, out.Column = errs[0].Line, errs[0].Col
		return out
	}
	if r.Kind == "NRT" {
		if _, err := compileStream(r.Query, cat, time.Now()); err != nil {
			return ref(ReasonNRTUnsupported, err.Error())
		}
	} else if _, err := q.DuckDB(); err != nil {
		// The error's own code groups the refusal: kql_refused (externaldata off or outside the allowed
		// prefixes), kql_unsupported, or kql_internal (a generator bug).
		var ke *kql.Error
		if errors.As(err, &ke) {
			out := ref(ke.Code, fmt.Sprintf("%d:%d: %s", ke.Line, ke.Col, ke.Message))
			out.Line, out.Column = ke.Line, ke.Col
			return out
		}
		return ref(kql.CodeUnsupported, err.Error())
	}
	out := map[string]int{}
	for i, c := range q.Schema() {
		out[c.Name] = i
	}
	for _, c := range referencedColumns(r) {
		if len(detailColumns(out, c[0])) == 0 {
			return ref(ReasonBadMapping, fmt.Sprintf("%s reads column %q, which the query does not return", c[1], c[0]))
		}
	}
	return nil
}

// SQLiteStore adapts the SQLite state store to Store.
type SQLiteStore struct {
	DB interface {
		SaveRuleDefinition(ctx context.Context, id, name, kind string, def any) (int, error)
	}
}

// SaveRule implements [Store].
func (s SQLiteStore) SaveRule(ctx context.Context, r *Rule) (int, error) {
	return s.DB.SaveRuleDefinition(ctx, r.ID, r.Name, r.Kind, r)
}

// Sync validates and stores rules that come from files on every start (the shipped rule set, rule directories):
// a new rule is created, a changed one gets a new version, but a rule someone has since changed through the API
// (its last change is not by author) is left as it is. It reports like Import.
func Sync(ctx context.Context, rules []*Rule, parseRefusals []*Refusal, cat kql.Catalog, db *sqlite.DB, author string) (*Report, error) {
	rep := &Report{Refused: map[string]int{}, Total: len(rules) + len(parseRefusals)}
	refuse := func(r *Refusal) {
		rep.Refused[r.Reason]++
		rep.Refusals = append(rep.Refusals, r)
	}
	for _, r := range parseRefusals {
		refuse(r)
	}
	for _, r := range rules {
		if ref := Validate(r); ref != nil {
			refuse(ref)
			continue
		}
		if ref := Check(r, cat); ref != nil {
			refuse(ref)
			continue
		}
		last, err := db.LastDefinitionChange(ctx, r.ID)
		if err != nil && !errors.Is(err, state.ErrNotFound) {
			return rep, err
		}
		if err == nil && last.Change == "deleted" {
			rep.Kept++ // deleted through the API: stays deleted
			continue
		}
		if err == nil && last.By != author {
			rep.Kept++ // changed through the API: the change wins
			continue
		}
		if _, _, err := db.SaveRule(ctx, r.ID, r.Name, r.Kind, r, author); err != nil {
			return rep, err
		}
		rep.Imported++
	}
	return rep, nil
}
