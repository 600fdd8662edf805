package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/vigilsec/vigil/internal/hunt"
	"github.com/vigilsec/vigil/internal/kql"
	"github.com/vigilsec/vigil/internal/kql/asim"
	"github.com/vigilsec/vigil/internal/schema"
	"github.com/vigilsec/vigil/internal/state/sqlite"
	"github.com/vigilsec/vigil/internal/store"
	"github.com/vigilsec/vigil/internal/store/duckdb"
)

func init() {
	register(&command{name: "hunt", summary: "run a KQL query over the events", run: runHunt})
	register(&command{name: "kql", summary: "KQL engine: conformance on public queries and documentation examples", run: runKQL})
}

func runHunt(ctx context.Context, args []string, out io.Writer) error {
	var format, server, token, timespan string
	var limit int
	cfg, rest, err := parseConfigArgs("hunt", "[--data DIR | --server URL --token T] [--format table|json|csv] [--timespan 1d] 'QUERY'", args, func(fs *flag.FlagSet) {
		fs.StringVar(&format, "format", "table", "output: table, json or csv")
		fs.StringVar(&server, "server", "", "query a running server at this URL instead of opening the data directory")
		fs.StringVar(&token, "token", os.Getenv("VIGIL_TOKEN"), "API token for --server (env VIGIL_TOKEN)")
		fs.StringVar(&timespan, "timespan", "", "only events within this long before now, such as 1d")
		fs.IntVar(&limit, "limit", 0, "row cap (default 10000)")
	})
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return fmt.Errorf("%w: give the query as one argument", errUsage)
	}
	req := hunt.Request{Query: rest[0], Timespan: timespan, Limit: limit}
	var res *hunt.Result
	if server != "" {
		res, err = huntRemote(ctx, server, token, req)
	} else {
		res, err = huntLocal(ctx, cfg.EventsPath(), cfg.StatePath(), cfg.KQL.FunctionsDir, req)
	}
	if err != nil {
		return err
	}
	return printResult(out, format, res)
}

func huntLocal(ctx context.Context, eventsPath, statePath, functionsDir string, req hunt.Request) (*hunt.Result, error) {
	if _, err := os.Stat(eventsPath); err != nil {
		return nil, fmt.Errorf("no event store at %s (use --data DIR)", eventsPath)
	}
	cat := schema.NewCatalog()
	fns := hunt.NewFunctions()
	if err := loadDataDir(ctx, statePath, functionsDir, cat, fns); err != nil {
		return nil, err
	}
	db, err := duckdb.Open(ctx, eventsPath, duckdb.Options{})
	if err != nil {
		return nil, fmt.Errorf("%w (is a server running on this data directory? use --server)", err)
	}
	defer db.Close()
	for _, t := range cat.Tables() {
		if err := db.EnsureTable(ctx, t); err != nil {
			return nil, err
		}
	}
	h := hunt.New(hunt.Config{}, cat, db)
	for _, n := range fns.Names() {
		if body, ok := fns.User(n); ok {
			_ = h.Functions().Add(n, body)
		}
	}
	return h.Run(ctx, req)
}

// loadDataDir reads what a data directory's state store adds to queries: its custom tables into cat and, after the
// functions_dir files, its stored functions into fns. A missing state store adds nothing.
func loadDataDir(ctx context.Context, statePath, functionsDir string, cat *schema.Catalog, fns *kql.Functions) error {
	var fs hunt.FunctionStore
	if _, err := os.Stat(statePath); err == nil {
		st, err := sqlite.Open(ctx, statePath)
		if err != nil {
			return err
		}
		defer st.Close()
		custom, _ := st.CustomTables(ctx)
		for name, cols := range custom {
			_, _ = cat.AddCustom(name, cols)
		}
		fs = st
	}
	_, errs := hunt.LoadFunctions(ctx, fns, functionsDir, fs)
	for _, e := range errs {
		fmt.Fprintf(os.Stderr, "stored function refused: %v\n", e)
	}
	return nil
}

func huntRemote(ctx context.Context, server, token string, req hunt.Request) (*hunt.Result, error) {
	body, _ := json.Marshal(req)
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(server, "/")+"/api/v1/hunt", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	hreq.Header.Set("Authorization", "Bearer "+token)
	hreq.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(hreq)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error struct{ Message string } `json:"error"`
		}
		_ = json.Unmarshal(raw, &e)
		return nil, fmt.Errorf("%s: %s", resp.Status, e.Error.Message)
	}
	var res hunt.Result
	if err := json.Unmarshal(raw, &res); err != nil {
		return nil, err
	}
	return &res, nil
}

func cell(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case time.Time:
		return x.UTC().Format("2006-01-02T15:04:05.0000000Z")
	case string:
		return x
	case map[string]any, []any:
		b, _ := json.Marshal(x)
		return string(b)
	}
	return fmt.Sprint(v)
}

func printResult(out io.Writer, format string, res *hunt.Result) error {
	switch format {
	case "json":
		return json.NewEncoder(out).Encode(res)
	case "csv":
		w := csv.NewWriter(out)
		head := make([]string, len(res.Columns))
		for i, c := range res.Columns {
			head[i] = c.Name
		}
		_ = w.Write(head)
		for _, row := range res.Rows {
			rec := make([]string, len(row))
			for i, v := range row {
				rec[i] = cell(v)
			}
			_ = w.Write(rec)
		}
		w.Flush()
		return w.Error()
	case "table":
		tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
		for i, c := range res.Columns {
			if i > 0 {
				fmt.Fprint(tw, "\t")
			}
			fmt.Fprint(tw, c.Name)
		}
		fmt.Fprintln(tw)
		for _, row := range res.Rows {
			for i, v := range row {
				if i > 0 {
					fmt.Fprint(tw, "\t")
				}
				fmt.Fprint(tw, strings.ReplaceAll(cell(v), "\n", " "))
			}
			fmt.Fprintln(tw)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		more := ""
		if res.Truncated {
			more = " (truncated: raise --limit)"
		}
		fmt.Fprintf(out, "\n%d rows%s, compiled in %.1f ms, ran in %.1f ms\n", len(res.Rows), more, res.Stats.CompileMS, res.Stats.ExecuteMS)
		return nil
	}
	return fmt.Errorf("%w: --format is table, json or csv", errUsage)
}

// emptyStore creates a temporary DuckDB with every catalogue table, for running queries "on an empty store".
func emptyStore(ctx context.Context, cat *schema.Catalog) (*duckdb.DB, func(), error) {
	dir, err := os.MkdirTemp("", "vigil-kql-")
	if err != nil {
		return nil, nil, err
	}
	db, err := duckdb.Open(ctx, filepath.Join(dir, "events.duckdb"), duckdb.Options{})
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, nil, err
	}
	for _, t := range cat.Tables() {
		if err := db.EnsureTable(ctx, t); err != nil {
			_ = db.Close()
			_ = os.RemoveAll(dir)
			return nil, nil, err
		}
	}
	return db, func() { _ = db.Close(); _ = os.RemoveAll(dir) }, nil
}

var _ store.Events = (*duckdb.DB)(nil)

func runKQL(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 || args[0] != "conformance" {
		return fmt.Errorf("%w: vigil kql conformance (--corpus PATH | --examples FILE) [--json] [--failures]", errUsage)
	}
	fs := flagSet("kql conformance", "(--corpus PATH | --examples FILE) [--data DIR] [--functions PATH] [--json] [--failures]")
	corpus := fs.String("corpus", "", "JSONL file or directory of records with a query field")
	examples := fs.String("examples", "", "documentation examples JSONL (kql-docs/examples.jsonl)")
	var functions stringList
	fs.Var(&functions, "functions", "stored functions: a directory of NAME.kql files or a JSONL file of records with function_name and query (repeatable)")
	data := fs.String("data", "", "data directory whose custom tables and stored functions (saved through the API) queries see")
	asJSON := fs.Bool("json", false, "print one JSON object")
	failures := fs.Bool("failures", false, "also print every in-catalogue corpus failure (code, path, message) to standard error")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if (*corpus == "") == (*examples == "") {
		return fmt.Errorf("%w: give exactly one of --corpus and --examples", errUsage)
	}
	cat := schema.NewCatalog()
	fns := hunt.NewFunctions()
	if *data != "" {
		if err := loadDataDir(ctx, filepath.Join(*data, "state.db"), "", cat, fns); err != nil {
			return err
		}
	}
	db, cleanup, err := emptyStore(ctx, cat)
	if err != nil {
		return err
	}
	defer cleanup()
	for _, p := range functions {
		var n int
		var errs []error
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			n, errs = fns.LoadDir(p)
		} else {
			n, errs = fns.LoadJSONL(p)
		}
		fmt.Fprintf(os.Stderr, "%s: %d functions loaded, %d refused\n", p, n, len(errs))
	}
	kcat := kql.WithFunctions(cat, fns)
	if *corpus != "" {
		rep, err := kql.RunCorpus(ctx, *corpus, kcat, db, kql.WithParserParams(asim.ParameterLets))
		if err != nil {
			return err
		}
		if *failures {
			for _, l := range rep.Log {
				fmt.Fprintln(os.Stderr, l)
			}
		}
		if *asJSON {
			return json.NewEncoder(out).Encode(struct {
				kql.CorpusStage
				*kql.CorpusReport
			}{rep.All, rep})
		}
		fmt.Fprint(out, rep.String())
		return nil
	}
	rep, err := kql.RunExamples(ctx, *examples, kcat, db)
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(out).Encode(rep)
	}
	fmt.Fprint(out, rep.String())
	return nil
}
