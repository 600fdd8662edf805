package schema_test

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/schema"
)

// requiredTables must always be in the catalogue: the tables the detection content and the normalisers rely on.
var requiredTables = []string{
	// Defender XDR advanced hunting.
	"DeviceProcessEvents", "DeviceNetworkEvents", "DeviceFileEvents", "DeviceRegistryEvents", "DeviceLogonEvents",
	"DeviceImageLoadEvents", "DeviceEvents", "DeviceInfo", "DeviceNetworkInfo", "DeviceFileCertificateInfo",
	"IdentityLogonEvents", "IdentityInfo", "IdentityDirectoryEvents", "IdentityQueryEvents",
	"EmailEvents", "EmailUrlInfo", "EmailAttachmentInfo", "EmailPostDeliveryEvents", "UrlClickEvents",
	"CloudAppEvents", "AlertInfo", "AlertEvidence",
	// Microsoft Sentinel / Log Analytics.
	"SecurityEvent", "WindowsEvent", "Event", "Syslog", "CommonSecurityLog", "SigninLogs",
	"AADNonInteractiveUserSignInLogs", "AuditLogs", "AzureActivity", "AzureDiagnostics", "OfficeActivity",
	"AWSCloudTrail", "BehaviorAnalytics", "DnsEvents", "W3CIISLog", "Heartbeat", "ThreatIntelligenceIndicator",
	"ThreatIntelIndicators", "SecurityAlert", "SecurityIncident", "Watchlist",
}

func TestCatalogBuilds(t *testing.T) {
	c := schema.NewCatalog()
	tables := c.Tables()
	require.NotEmpty(t, tables)
	require.True(t, sort.SliceIsSorted(tables, func(i, j int) bool { return tables[i].Name < tables[j].Name }))
	for _, tb := range tables {
		require.NotEmpty(t, tb.Description, "table %s has no description", tb.Name)
		require.Contains(t, []string{"defender", "sentinel", "vigil"}, tb.Source, "table %s", tb.Name)
		require.False(t, schema.IsCustom(tb.Name), "built-in table %s has a custom name", tb.Name)
	}
}

func TestRequiredTables(t *testing.T) {
	c := schema.NewCatalog()
	for _, name := range requiredTables {
		t.Run(name, func(t *testing.T) {
			tb, ok := c.Table(name)
			require.True(t, ok, "table %s is missing", name)
			col, _, ok := tb.Column(tb.TimeColumn)
			require.True(t, ok, "time column %s of %s is missing", tb.TimeColumn, name)
			require.Equal(t, schema.TypeDatetime, col.Type, "time column %s of %s", tb.TimeColumn, name)
		})
	}
}

func TestTimeColumns(t *testing.T) {
	for _, tb := range schema.NewCatalog().Tables() {
		switch tb.Source {
		case "defender":
			require.Equal(t, "Timestamp", tb.TimeColumn, "table %s", tb.Name)
			col, _, ok := tb.Column("TimeGenerated")
			require.True(t, ok, "defender table %s has no TimeGenerated", tb.Name)
			require.Equal(t, schema.TypeDatetime, col.Type, "table %s", tb.Name)
		case "sentinel":
			require.Equal(t, "TimeGenerated", tb.TimeColumn, "table %s", tb.Name)
		}
		col, _, ok := tb.Column(tb.TimeColumn)
		require.True(t, ok, "table %s", tb.Name)
		require.Equal(t, schema.TypeDatetime, col.Type, "table %s", tb.Name)
	}
}

func TestColumns(t *testing.T) {
	for _, tb := range schema.NewCatalog().Tables() {
		// Stores such as DuckDB match identifiers case-insensitively, so names must differ by more than case.
		seen := map[string]string{}
		for i, col := range tb.Columns {
			key := strings.ToLower(col.Name)
			prev, dup := seen[key]
			require.False(t, dup, "table %s: column %s clashes with %s", tb.Name, col.Name, prev)
			seen[key] = col.Name
			require.NotEqual(t, schema.TypeInvalid, col.Type, "table %s column %s", tb.Name, col.Name)
			got, pos, ok := tb.Column(col.Name)
			require.True(t, ok)
			require.Equal(t, i, pos)
			require.Equal(t, col, got)
		}
		// The system columns come last, once.
		n := len(tb.Columns)
		require.GreaterOrEqual(t, n, 4, "table %s", tb.Name)
		require.Equal(t, []string{schema.ColItemID, schema.ColTimeReceived, schema.ColExtra},
			[]string{tb.Columns[n-3].Name, tb.Columns[n-2].Name, tb.Columns[n-1].Name}, "table %s", tb.Name)
		if c, _, ok := tb.Column("Type"); ok && tb.Source == "sentinel" {
			require.Equal(t, schema.TypeString, c.Type, "table %s", tb.Name)
		}
	}
}

func TestColumnLookupIsExact(t *testing.T) {
	tb, ok := schema.NewCatalog().Table("DeviceProcessEvents")
	require.True(t, ok)
	_, pos, ok := tb.Column("processcommandline")
	require.False(t, ok)
	require.Equal(t, -1, pos)
	col, _, ok := tb.Column("ProcessCommandLine")
	require.True(t, ok)
	require.Equal(t, schema.TypeString, col.Type)
}

func TestTableLookup(t *testing.T) {
	c := schema.NewCatalog()
	_, ok := c.Table("securityevent")
	require.False(t, ok, "table names are case-sensitive")
	require.Equal(t, "SecurityEvent", c.Suggest("securityevent"))
	require.Empty(t, c.Suggest("NoSuchTable"))
}

func TestTypeRoundTrip(t *testing.T) {
	all := []schema.Type{
		schema.TypeString, schema.TypeInt, schema.TypeLong, schema.TypeReal, schema.TypeDecimal, schema.TypeBool,
		schema.TypeDatetime, schema.TypeTimespan, schema.TypeDynamic, schema.TypeGUID,
	}
	for _, ty := range all {
		t.Run(ty.String(), func(t *testing.T) {
			got, ok := schema.ParseType(ty.String())
			require.True(t, ok)
			require.Equal(t, ty, got)

			b, err := ty.MarshalText()
			require.NoError(t, err)
			var back schema.Type
			require.NoError(t, back.UnmarshalText(b))
			require.Equal(t, ty, back)

			upper, ok := schema.ParseType(" " + strings.ToUpper(ty.String()) + " ")
			require.True(t, ok)
			require.Equal(t, ty, upper)
		})
	}
	synonyms := map[string]schema.Type{
		"int32": schema.TypeInt, "int64": schema.TypeLong, "double": schema.TypeReal, "float": schema.TypeReal,
		"boolean": schema.TypeBool, "date": schema.TypeDatetime, "time": schema.TypeTimespan, "uniqueid": schema.TypeGUID,
	}
	for name, want := range synonyms {
		got, ok := schema.ParseType(name)
		require.True(t, ok, name)
		require.Equal(t, want, got, name)
	}
	for _, bad := range []string{"", "varchar", "invalid", "stringy"} {
		_, ok := schema.ParseType(bad)
		require.False(t, ok, bad)
		var ty schema.Type
		require.Error(t, ty.UnmarshalText([]byte(bad)), bad)
	}
	require.Equal(t, "type(200)", schema.Type(200).String())
}

func TestAddCustom(t *testing.T) {
	t.Run("adds TimeGenerated", func(t *testing.T) {
		c := schema.NewCatalog()
		tb, err := c.AddCustom("Firewall_CL", []schema.Column{{Name: "Action_s", Type: schema.TypeString}})
		require.NoError(t, err)
		require.Equal(t, "custom", tb.Source)
		require.Equal(t, "TimeGenerated", tb.TimeColumn)
		require.Equal(t, "TimeGenerated", tb.Columns[0].Name)
		require.Equal(t, schema.TypeDatetime, tb.Columns[0].Type)
		require.Equal(t, "Action_s", tb.Columns[1].Name)
		_, _, ok := tb.Column(schema.ColExtra)
		require.True(t, ok)
		got, ok := c.Table("Firewall_CL")
		require.True(t, ok)
		require.Same(t, tb, got)
	})
	t.Run("keeps a given TimeGenerated as datetime", func(t *testing.T) {
		c := schema.NewCatalog()
		tb, err := c.AddCustom("App_CL", []schema.Column{
			{Name: "Message", Type: schema.TypeString},
			{Name: "TimeGenerated", Type: schema.TypeString},
		})
		require.NoError(t, err)
		col, pos, ok := tb.Column("TimeGenerated")
		require.True(t, ok)
		require.Equal(t, 1, pos)
		require.Equal(t, schema.TypeDatetime, col.Type)
	})
	t.Run("rejects names without _CL", func(t *testing.T) {
		c := schema.NewCatalog()
		for _, name := range []string{"Firewall", "_CL", "Firewall_cl", "SecurityEvent"} {
			_, err := c.AddCustom(name, nil)
			require.Error(t, err, name)
		}
	})
	t.Run("rejects invalid tables", func(t *testing.T) {
		c := schema.NewCatalog()
		_, err := c.AddCustom("Bad-Name_CL", nil)
		require.Error(t, err)
		_, err = c.AddCustom("Dup_CL", []schema.Column{{Name: "A", Type: schema.TypeString}, {Name: "A", Type: schema.TypeLong}})
		require.Error(t, err)
		_, err = c.AddCustom("NoType_CL", []schema.Column{{Name: "A"}})
		require.Error(t, err)
		_, err = c.AddCustom("Sys_CL", []schema.Column{{Name: schema.ColExtra, Type: schema.TypeDynamic}})
		require.Error(t, err)
		_, ok := c.Table("Dup_CL")
		require.False(t, ok)
	})
	t.Run("returns the existing table", func(t *testing.T) {
		c := schema.NewCatalog()
		first, err := c.AddCustom("Proxy_CL", []schema.Column{{Name: "Url_s", Type: schema.TypeString}})
		require.NoError(t, err)
		second, err := c.AddCustom("Proxy_CL", []schema.Column{{Name: "Other_d", Type: schema.TypeReal}})
		require.NoError(t, err)
		require.Same(t, first, second)
		_, _, ok := second.Column("Other_d")
		require.False(t, ok)
	})
	t.Run("concurrent", func(t *testing.T) {
		c := schema.NewCatalog()
		const workers = 16
		got := make([]*schema.Table, workers)
		var wg sync.WaitGroup
		for i := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				tb, err := c.AddCustom("Shared_CL", []schema.Column{{Name: "N_d", Type: schema.TypeReal}})
				if err != nil {
					panic(err)
				}
				got[i] = tb
				name := fmt.Sprintf("Own%d_CL", i)
				_, err = c.AddCustom(name, nil)
				if err != nil {
					panic(err)
				}
				_, _ = c.Table(name)
				_ = c.Tables()
				_ = c.Suggest("shared_cl")
				_, _, _ = tb.Column("N_d")
			}()
		}
		wg.Wait()
		for _, tb := range got {
			require.Same(t, got[0], tb)
		}
		for i := range workers {
			_, ok := c.Table(fmt.Sprintf("Own%d_CL", i))
			require.True(t, ok)
		}
	})
}

// censusPath is the dev corpus census of the KQL features that public Sentinel content uses.
const censusPath = "../../../shared/corpus/kql/census.tsv"

// readCensus returns the table names of the census with their number of queries, most used first.
func readCensus(t *testing.T) []censusRow {
	t.Helper()
	f, err := os.Open(censusPath)
	if errors.Is(err, fs.ErrNotExist) {
		t.Skipf("census %s not found", censusPath)
	}
	require.NoError(t, err)
	defer f.Close()
	var rows []censusRow
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Split(sc.Text(), "\t")
		if len(fields) != 3 || fields[0] != "table" {
			continue
		}
		n, err := strconv.Atoi(fields[2])
		require.NoError(t, err, "census line %q", sc.Text())
		rows = append(rows, censusRow{name: fields[1], queries: n})
	}
	require.NoError(t, sc.Err())
	return rows
}

type censusRow struct {
	name    string
	queries int
}

func TestCensus(t *testing.T) {
	rows := readCensus(t)
	require.NotEmpty(t, rows)
	c := schema.NewCatalog()
	var missing []string
	for _, r := range rows {
		if _, ok := c.Table(r.name); !ok && r.queries >= 20 {
			missing = append(missing, fmt.Sprintf("%s (%d)", r.name, r.queries))
		}
	}
	for _, name := range requiredTables {
		_, ok := c.Table(name)
		require.True(t, ok, "required table %s is missing", name)
	}
	if len(missing) > 0 {
		// Most of these are parser functions (ASIM, vendor parsers) or connector tables, which are not built-in.
		t.Logf("census tables with >= 20 queries not in the catalogue: %s", strings.Join(missing, ", "))
	}
}

func TestAddIngestTables(t *testing.T) {
	c := schema.NewCatalog()
	_, ok := c.Table(schema.TableOkta)
	require.False(t, ok, "not built in")
	require.NoError(t, c.AddIngestTables())
	require.NoError(t, c.AddIngestTables(), "twice is fine")
	for _, name := range []string{schema.TableOTelLogs, schema.TableOkta, schema.TableGWorkspace} {
		tb, ok := c.Table(name)
		require.True(t, ok, name)
		require.Equal(t, "custom", tb.Source)
		require.Equal(t, "TimeGenerated", tb.TimeColumn)
	}
}
