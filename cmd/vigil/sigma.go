package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/vigilsec/vigil/internal/analytics"
	"github.com/vigilsec/vigil/internal/detect"
	"github.com/vigilsec/vigil/internal/hunt"
	"github.com/vigilsec/vigil/internal/kql"
	"github.com/vigilsec/vigil/internal/kql/external"
	"github.com/vigilsec/vigil/internal/schema"
	"github.com/vigilsec/vigil/internal/sigma"
	"github.com/vigilsec/vigil/internal/sigma/conformance"
	"github.com/vigilsec/vigil/internal/sigma/rule"
	"github.com/vigilsec/vigil/internal/state/sqlite"
)

func init() {
	register(&command{name: "sigma", summary: "Sigma rules: conformance, convert to KQL", run: runSigma})
	register(&command{name: "rules", summary: "detection rules: test (rules as code), import (Sentinel analytics rules)", run: runRules})
}

// stringList is a repeatable flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

func runSigma(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: vigil sigma conformance --rules DIR --regression DIR [--json]", errUsage)
	}
	switch args[0] {
	case "conformance":
		return sigmaConformance(args[1:], out)
	case "convert":
		return sigmaConvert(args[1:], out)
	}
	return fmt.Errorf("%w: unknown sigma command %q (conformance, convert)", errUsage, args[0])
}

func sigmaConformance(args []string, out io.Writer) error {
	fs := flagSet("sigma conformance", "--rules DIR [--rules DIR2] --regression DIR [--json]")
	var rules stringList
	fs.Var(&rules, "rules", "rule directory (repeatable)")
	regression := fs.String("regression", "", "SigmaHQ regression_data directory")
	asJSON := fs.Bool("json", false, "print one JSON object")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if len(rules) == 0 {
		return fmt.Errorf("%w: --rules is required", errUsage)
	}
	root := *regression
	// The suite names samples relative to the repository root that holds regression_data/.
	if filepath.Base(filepath.Clean(root)) == "regression_data" {
		root = filepath.Dir(filepath.Clean(root))
	}
	// Rules are checked against the stream detection's field mappings, as the server loads them.
	fieldCheck, err := detect.FieldCheck()
	if err != nil {
		return err
	}
	rep, err := sigma.Conformance(conformance.Options{RuleDirs: rules, RegressionRoot: root, EngineOptions: []sigma.Option{fieldCheck}})
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(out).Encode(rep)
	}
	fmt.Fprintf(out, "rules: %d total, %d loaded, %d refused\n", rep.RulesTotal, rep.RulesLoaded, rep.RulesTotal-rep.RulesLoaded)
	reasons := make([]string, 0, len(rep.RulesRefused))
	for r := range rep.RulesRefused {
		reasons = append(reasons, r)
	}
	sort.Slice(reasons, func(i, j int) bool { return rep.RulesRefused[reasons[i]] > rep.RulesRefused[reasons[j]] })
	for _, r := range reasons {
		fmt.Fprintf(out, "  %6d  %s\n", rep.RulesRefused[r], r)
	}
	if len(rep.LogsourcesUnsupported) > 0 {
		fmt.Fprintf(out, "unsupported logsources (product/category/service: rules, why):\n")
		for _, g := range rep.LogsourcesUnsupported {
			fmt.Fprintf(out, "  %s/%s/%s: %d, %s\n", g.Product, g.Category, g.Service, g.Rules, g.Reason)
		}
	}
	if root != "" {
		fmt.Fprintf(out, "regression: %d of %d passed\n", rep.RegressionPassed, rep.RegressionTotal)
		fmt.Fprintf(out, "  %d tests ran a rule loaded from its regression path (not under --rules)\n", rep.RegressionLocated)
		for _, f := range rep.Failures {
			b, _ := json.Marshal(f)
			fmt.Fprintf(out, "  FAIL %s\n", b)
		}
	}
	return nil
}

func runRules(ctx context.Context, args []string, out io.Writer) error {
	if len(args) > 0 && args[0] == "import" {
		return rulesImport(ctx, args[1:], out)
	}
	if len(args) == 0 || args[0] != "test" {
		return fmt.Errorf("%w: vigil rules test DIR [--json] | vigil rules import --data DIR --format sentinel PATH [--json]", errUsage)
	}
	fs := flagSet("rules test", "DIR [--json]")
	asJSON := fs.Bool("json", false, "print one JSON object")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("%w: vigil rules test DIR", errUsage)
	}
	rep, err := sigma.TestRules(fs.Arg(0))
	if err != nil {
		return err
	}
	if *asJSON {
		if err := json.NewEncoder(out).Encode(rep); err != nil {
			return err
		}
	} else {
		for _, r := range rep.Rules {
			b, _ := json.Marshal(r)
			fmt.Fprintf(out, "%s\n", b)
		}
		for _, e := range rep.Errors {
			b, _ := json.Marshal(e)
			fmt.Fprintf(out, "error: %s\n", b)
		}
		fmt.Fprintf(out, "%d passed, %d failed\n", rep.Passed, rep.Failed)
	}
	if rep.Failed > 0 || len(rep.Errors) > 0 {
		return fmt.Errorf("%d rule tests failed, %d files had errors", rep.Failed, len(rep.Errors))
	}
	return nil
}

// sigmaConvert prints each rule of the files as a KQL query, checked by the KQL engine.
func sigmaConvert(args []string, out io.Writer) error {
	fs := flagSet("sigma convert", "RULE.yml...")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return fmt.Errorf("%w: vigil sigma convert needs at least one RULE.yml", errUsage)
	}
	m, err := detect.LoadMappings()
	if err != nil {
		return err
	}
	cat := schema.NewCatalog()
	if err := cat.AddIngestTables(); err != nil { // Okta_CL, GWorkspace_CL: tables the mappings route to
		return err
	}
	failed := 0
	for _, path := range fs.Args() {
		rules, issues := rule.ParseFile(path)
		for _, is := range issues {
			fmt.Fprintf(os.Stderr, "%s\n", is)
		}
		for _, r := range rules {
			q, err := m.ToKQL(r, cat)
			if err == nil {
				if errs := kql.Check(q, cat); errs != nil {
					err = fmt.Errorf("the KQL engine refuses the conversion: %s", errs.Render(q))
				}
			}
			if err != nil {
				failed++
				fmt.Fprintf(os.Stderr, "%s: %s: %v\n", path, r.Title, err)
				continue
			}
			fmt.Fprintln(out, q)
			fmt.Fprintln(out)
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d rules not converted", failed)
	}
	return nil
}

// rulesImport imports Sentinel analytics rules into the state store, each query checked by the KQL engine.
func rulesImport(ctx context.Context, args []string, out io.Writer) error {
	var format string
	var asJSON bool
	cfg, paths, err := parseConfigArgs("rules import", "--data DIR --format sentinel PATH... [--json]", args, func(fs *flag.FlagSet) {
		fs.StringVar(&format, "format", "sentinel", "rule format (sentinel)")
		fs.BoolVar(&asJSON, "json", false, "print one JSON object")
	})
	if err != nil {
		return err
	}
	if format != "sentinel" {
		return fmt.Errorf("%w: --format must be sentinel", errUsage)
	}
	if len(paths) == 0 {
		return fmt.Errorf("%w: give a rule file, directory or JSONL file", errUsage)
	}
	st, err := sqlite.Open(ctx, cfg.StatePath())
	if err != nil {
		return err
	}
	defer st.Close()
	cat := schema.NewCatalog()
	if custom, err := st.CustomTables(ctx); err == nil {
		for name, cols := range custom {
			_, _ = cat.AddCustom(name, cols)
		}
	}
	if err := external.Configure(cfg.KQL.ExternalData); err != nil {
		return err
	}
	// The functions the server would load: built-in (ASIM parsers), functions_dir files, stored through the API.
	fns := hunt.NewFunctions()
	if _, errs := hunt.LoadFunctions(ctx, fns, cfg.KQL.FunctionsDir, st); len(errs) > 0 {
		for _, e := range errs {
			fmt.Fprintf(os.Stderr, "stored function refused: %v\n", e)
		}
	}
	total := &analytics.Report{Refused: map[string]int{}}
	for _, p := range paths {
		rules, refused, err := analytics.ReadPath(p)
		if err != nil {
			return err
		}
		rep, err := analytics.Import(ctx, rules, refused, kql.WithFunctions(cat, fns), analytics.SQLiteStore{DB: st})
		if err != nil {
			return err
		}
		total.Total += rep.Total
		total.Imported += rep.Imported
		for k, v := range rep.Refused {
			total.Refused[k] += v
		}
		total.Refusals = append(total.Refusals, rep.Refusals...)
	}
	if asJSON {
		return json.NewEncoder(out).Encode(total)
	}
	fmt.Fprintf(out, "%d rules: %d imported, %d refused\n", total.Total, total.Imported, total.Total-total.Imported)
	reasons := make([]string, 0, len(total.Refused))
	for r := range total.Refused {
		reasons = append(reasons, r)
	}
	sort.Slice(reasons, func(i, j int) bool { return total.Refused[reasons[i]] > total.Refused[reasons[j]] })
	for _, r := range reasons {
		fmt.Fprintf(out, "  %6d  %s\n", total.Refused[r], r)
	}
	return nil
}
