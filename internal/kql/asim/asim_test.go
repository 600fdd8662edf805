package asim_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/batch"
	"github.com/vigilsec/vigil/internal/hunt"
	"github.com/vigilsec/vigil/internal/kql"
	"github.com/vigilsec/vigil/internal/kql/asim"
	"github.com/vigilsec/vigil/internal/kql/kqltest"
	"github.com/vigilsec/vigil/internal/schema"
	"github.com/vigilsec/vigil/internal/store/duckdb"
)

// TestEveryParserCompilesAndRuns checks and compiles every name of every built-in parser, as a table and with its
// documented parameters, and runs each on an empty DuckDB store.
func TestEveryParserCompilesAndRuns(t *testing.T) {
	ps, err := asim.Parsers()
	require.NoError(t, err)
	require.Len(t, ps, 10)
	fns := kql.NewFunctions()
	require.NoError(t, asim.Register(fns))
	cat := schema.NewCatalog()
	kcat := kql.WithFunctions(cat, fns)
	db := kqltest.EmptyStore(t, cat)
	calls := map[string]string{
		"Dns": `(starttime=ago(1d), endtime=now(), srcipaddr="10.0.0.1", domain_has_any=dynamic(["example.com"]),
			responsecodename="NXDOMAIN", response_has_ipv4="1.2.3.4", response_has_any_prefix=dynamic(["10."]), eventtype="Query")`,
		"NetworkSession": `(starttime=ago(1d), srcipaddr_has_any_prefix=dynamic(["10."]), dstipaddr_has_any_prefix=dynamic(["192.168."]),
			ipaddr_has_any_prefix=dynamic(["172.16."]), dstportnumber=443, hostname_has_any=dynamic(["web"]), dvcaction=dynamic(["Deny"]), eventresult="Failure")`,
		"WebSession": `(starttime=ago(1d), srcipaddr_has_any_prefix=dynamic(["10."]), url_has_any=dynamic(["evil"]),
			httpuseragent_has_any=dynamic(["curl"]), eventresultdetails_in=dynamic(["403"]), eventresult="Failure")`,
		"Authentication": `(starttime=ago(1d), targetusername_has="alice", actorusername_has="*", srcipaddr_has_any_prefix=dynamic(["10."]),
			srchostname_has="*", eventtype_in=dynamic(["Logon"]), eventresultdetails_in=dynamic(["Incorrect password"]), eventresult="Failure")`,
		"ProcessEvent": `(starttime=ago(1d), commandline_has_any=dynamic(["whoami"]), commandline_has_all=dynamic(["net", "user"]),
			actingprocess_has_any=dynamic(["cmd.exe"]), targetprocess_has_any=dynamic(["net.exe"]), targetusername_has="bob",
			dvchostname_has_any=dynamic(["ws1"]), eventtype="ProcessCreated", hashes_has_any=dynamic(["abc"]))`,
		"ProcessCreate":    `(starttime=ago(1d), commandline_has_any=dynamic(["whoami"]))`,
		"ProcessTerminate": `(starttime=ago(1d), targetprocess_has_any=dynamic(["net.exe"]))`,
		"FileEvent": `(starttime=ago(1d), eventtype_in=dynamic(["FileCreated"]), actorusername_has_any=dynamic(["bob"]),
			targetfilepath_has_any=dynamic(["temp"]), srcfilepath_has_any=dynamic(["x"]), hashes_has_any=dynamic(["abc"]), dvchostname_has_any=dynamic(["ws1"]))`,
		"RegistryEvent": `(starttime=ago(1d), eventtype_in=dynamic(["RegistryValueSet"]), registrykey_has_any=dynamic(["Run"]),
			registryvalue_has_any=dynamic(["x"]), registryvaluedata_has_any=dynamic(["y"]), actorusername_has_any=dynamic(["bob"]))`,
		"AuditEvent": `(starttime=ago(1d), eventtype_in=dynamic(["Create"]), eventresult="Success", actorusername_has_any=dynamic(["alice"]),
			operation_has_any=dynamic(["role"]), object_has_any=dynamic(["x"]), newvalue_has_any=dynamic(["y"]), srcipaddr_has_any_prefix=dynamic(["10."]))`,
	}
	for _, p := range ps {
		require.Contains(t, calls, p.Schema, "a parameterised call for every parser")
		for i, name := range p.Names {
			for _, q := range []string{name, name + calls[p.Schema], name + "() | count"} {
				t.Run(q, func(t *testing.T) {
					cq, errs := kql.Compile(q, kcat)
					require.Nil(t, errs, "%s", errs.Render(q))
					sql, err := cq.DuckDB()
					require.NoError(t, err)
					if i == 0 { // the aliases share the body: run the first name's queries only
						_, err = db.Query(context.Background(), sql, 10)
						require.NoError(t, err)
					}
				})
			}
		}
	}
}

// TestUserFunctionHidesBuiltin: a user's function of the same name wins, and removing it shows the built-in again.
func TestUserFunctionHidesBuiltin(t *testing.T) {
	fns := kql.NewFunctions()
	require.NoError(t, asim.Register(fns))
	cat := schema.NewCatalog()
	require.NoError(t, fns.Add("imDns", "DnsEvents | project Mine = Name"))
	q, errs := kql.Compile("imDns", kql.WithFunctions(cat, fns))
	require.Nil(t, errs)
	require.Equal(t, []kql.Column{{Name: "Mine", Type: schema.TypeString}}, q.Schema())
	require.True(t, fns.Remove("imDns"))
	q, errs = kql.Compile("imDns | project DnsQuery", kql.WithFunctions(cat, fns))
	require.Nil(t, errs)
	require.Equal(t, "DnsQuery", q.Schema()[0].Name)
}

// store is a real DuckDB event store with rows seeded through the batch path, queried through hunting.
type store struct {
	t   *testing.T
	cat *schema.Catalog
	db  *duckdb.DB
	h   *hunt.Service
	now time.Time
	n   int
}

func newStore(t *testing.T) *store {
	ctx := context.Background()
	cat := schema.NewCatalog()
	db, err := duckdb.Open(ctx, filepath.Join(t.TempDir(), "events.duckdb"), duckdb.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	for _, tab := range cat.Tables() {
		require.NoError(t, db.EnsureTable(ctx, tab))
	}
	return &store{t: t, cat: cat, db: db, h: hunt.New(hunt.Config{}, cat, db), now: time.Now().UTC().Add(-time.Hour)}
}

// add appends one row to table; values are strings (JSON text for dynamic columns), ints, floats or bools. Both time
// columns (Timestamp and TimeGenerated) are set to the store's now.
func (s *store) add(table string, row map[string]any) {
	tab, ok := s.cat.Table(table)
	require.True(s.t, ok, table)
	b := batch.NewBuilder(tab)
	b.Begin()
	for _, tc := range []string{"TimeGenerated", "Timestamp"} {
		if _, i, ok := tab.Column(tc); ok {
			b.SetInt(i, s.now.UnixMicro())
		}
	}
	for name, v := range row {
		_, i, ok := tab.Column(name)
		require.True(s.t, ok, "%s.%s", table, name)
		switch x := v.(type) {
		case string:
			b.SetString(i, x)
		case int:
			b.SetInt(i, int64(x))
		case float64:
			b.SetFloat(i, x)
		case bool:
			b.SetBool(i, x)
		default:
			s.t.Fatalf("%s.%s: unsupported %T", table, name, v)
		}
	}
	b.Commit()
	s.n++
	_, err := s.db.Append(context.Background(), []*batch.Batch{b.Finish(fmt.Sprintf("b%d", s.n), s.now.UnixMicro())})
	require.NoError(s.t, err)
}

// rows runs a query and returns each row as "col=value" pairs joined by "|", sorted.
func (s *store) rows(q string) []string {
	res, err := s.h.Run(context.Background(), hunt.Request{Query: q})
	require.NoError(s.t, err, q)
	var out []string
	for _, r := range res.Rows {
		parts := make([]string, len(r))
		for i, v := range r {
			if v == nil {
				v = ""
			}
			parts[i] = fmt.Sprintf("%s=%v", res.Columns[i].Name, v)
		}
		out = append(out, strings.Join(parts, "|"))
	}
	sort.Strings(out)
	return out
}

func TestParameterLets(t *testing.T) {
	lets := asim.ParameterLets("vimProcessCreateMicrosoftSysmon")
	require.Contains(t, lets, "let starttime = datetime(null); ")
	require.Contains(t, lets, "let commandline_has_any = dynamic([]); ")
	require.Contains(t, lets, "let targetusername_has = '*'; ")
	require.True(t, strings.HasSuffix(lets, "let disabled = false; let pack = false; "), lets)
	require.NotContains(t, lets, "\n")
	// Process create and terminate parsers take the process event schema's documented parameters: eventtype, and the
	// names of the schema's 0.1.0 parsers (targetusername, actorusername, dvcname_has_any).
	for _, name := range []string{"vimProcessCreateLinuxSysmon", "vimProcessTerminateMicrosoftSysmon", "vimProcessEventMD4IoT"} {
		lets := asim.ParameterLets(name)
		for _, want := range []string{"let eventtype = '*'; ", "let targetusername_has = '*'; ", "let actorusername_has = '*'; ",
			"let targetusername = '*'; ", "let actorusername = '*'; ", "let dvcname_has_any = dynamic([]); "} {
			require.Contains(t, lets, want, name)
		}
	}
	require.NotContains(t, asim.ParameterLets("vimDnsMicrosoftOMS"), "targetusername")
	// A parameterless parser still takes disabled and pack; the schema comes from the longest name that fits.
	require.Contains(t, asim.ParameterLets("ASimDnsMicrosoftOMS"), "let domain_has_any = ")
	require.Contains(t, asim.ParameterLets("vimRegistryEventMicrosoft365D"), "let starttime = ")
	require.Equal(t, "let disabled = false; let pack = false; ", asim.ParameterLets("vimDhcpEventNative"))
	require.Empty(t, asim.ParameterLets("Sysmon"))
	// The lets compile in front of a body that reads the parameters.
	cat := kql.WithFunctions(schema.NewCatalog(), kql.NewFunctions())
	_, errs := kql.Compile(asim.ParameterLets("vimProcessCreateMicrosoftSysmon")+
		"DeviceProcessEvents | where not(disabled) and (isnull(starttime) or Timestamp >= starttime) | where array_length(commandline_has_any) == 0 or ProcessCommandLine has_any (commandline_has_any)", cat)
	require.Empty(t, errs)
}
