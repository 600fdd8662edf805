package detect

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/valyala/fastjson"

	"github.com/vigilsec/vigil/internal/batch"
	"github.com/vigilsec/vigil/internal/ingest/file"
	"github.com/vigilsec/vigil/internal/ingest/normalize/tables"
	"github.com/vigilsec/vigil/internal/ingest/parse/auditd"
	"github.com/vigilsec/vigil/internal/ingest/parse/cef"
	"github.com/vigilsec/vigil/internal/ingest/parse/cloud"
	"github.com/vigilsec/vigil/internal/ingest/parse/syslog"
	"github.com/vigilsec/vigil/internal/schema"
	"github.com/vigilsec/vigil/internal/sigma/event"
)

const sigmaSamples = "../../../shared/corpus/sigma/samples"

type field struct {
	name  string // lower case
	value any
	data  bool
}

// fieldsOf lists an event's fields in its own order, and the names of its data fields as written.
func fieldsOf(m *event.Map) ([]field, []string) {
	var out []field
	m.RangeID(func(id int32, v any, data bool) bool {
		out = append(out, field{name: event.NameOf(id), value: v, data: data})
		return true
	})
	var names []string
	m.Range(func(name string, v any) bool {
		names = append(names, name)
		return true
	})
	return out, names
}

// differ builds every row of the batches it is given both ways, with rowEvent and event.FromJSON and with a row
// plan, and requires the same event.
type differ struct {
	t     testing.TB
	m     *Mappings
	cat   *schema.Catalog
	rb    rowBuilder
	rows  int
	fast  int            // rows the plan built (the others it left to rowEvent)
	dyn   int            // rows with fields from JSON or XML
	table map[string]int // rows by table
	// names only compares field names, not values: for inputs where rowEvent's result depends on map order.
	names bool
	// prunes also build every row with only the fields an engine reads (prune_test.go).
	prunes []*pruneDiffer
}

func newDiffer(t testing.TB) *differ {
	m, err := LoadMappings()
	require.NoError(t, err)
	cat := schema.NewCatalog()
	require.NoError(t, cat.AddIngestTables())
	return &differ{t: t, m: m, cat: cat, table: map[string]int{}}
}

func (df *differ) batch(b *batch.Batch) error {
	t := df.t
	p := df.m.newRowPlan(b, df.cat, nil)
	df.rb.reset(p, b)
	ts := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	for _, pd := range df.prunes {
		pd.full.reset(p, b)
		pd.pruned.reset(df.m.newRowPlan(b, df.cat, pd.eng.Reads()), b)
	}
	for i := 0; i < b.Len; i++ {
		for _, pd := range df.prunes {
			pd.row(t, i, ts, df.names, fmt.Sprintf("%s row %d", b.Table, i))
		}
		obj, err := df.m.rowEvent(b, i)
		require.NoError(t, err)
		want, wantNames := fieldsOf(sigmaEvent(obj).WithTime(ts))
		ev, ok := df.rb.row(i, ts)
		df.rows++
		df.table[b.Table]++
		if !ok {
			continue
		}
		df.fast++
		if len(df.rb.dyn) > 0 {
			df.dyn++
		}
		require.Equal(t, ts, ev.Time())
		got, gotNames := fieldsOf(ev)
		require.Equal(t, wantNames, gotNames, "%s row %d", b.Table, i)
		if df.names {
			require.Equal(t, len(want), len(got), "%s row %d", b.Table, i)
			for k := range want {
				require.Equal(t, want[k].name, got[k].name, "%s row %d", b.Table, i)
			}
		} else {
			require.Equal(t, want, got, "%s row %d", b.Table, i)
		}
		for _, name := range gotNames {
			v, ok := ev.Field(name)
			require.True(t, ok, name)
			if !df.names {
				w := obj[name]
				if _, nested := w.(map[string]any); !nested && w != nil {
					require.Equal(t, w, v, name)
				}
			}
		}
		_, ok = ev.Field("no such field here")
		require.False(t, ok)
	}
	return nil
}

// TestRowPlanOnCorpus builds the event of every row Vigil's importers make of the Windows event samples of the
// corpus (Security, Sysmon and other channels into SecurityEvent, WindowsEvent, Event and the Device* tables) both
// ways and requires the same fields in the same order with the same values.
func TestRowPlanOnCorpus(t *testing.T) {
	df := newDiffer(t)
	df.prunes = newPruneDiffers(t)
	var files []string
	for _, dir := range []string{"evtx-attack-samples", "sigmahq-regression-velocidex"} {
		require.NoError(t, filepath.WalkDir(filepath.Join(sigmaSamples, dir), func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && (strings.HasSuffix(p, ".json") || strings.HasSuffix(p, ".jsonl")) {
				files = append(files, p)
			}
			return err
		}))
	}
	require.NotEmpty(t, files)
	for _, deviceTables := range []bool{false, true} {
		for _, p := range files {
			f, err := os.Open(p)
			require.NoError(t, err)
			_, err = file.ImportWith(context.Background(), f, file.Options{DeviceTables: deviceTables}, df.cat, df.batch)
			require.NoError(t, f.Close())
			require.NoError(t, err, p)
		}
	}
	t.Logf("%d files, %d rows (%d built from the columns, %d with JSON or XML fields): %v", len(files), df.rows, df.fast, df.dyn, df.table)
	all, some := df.prunes[0], df.prunes[1]
	t.Logf("pruned with all rules: %v; without keyword rules: %v", all, some)
	require.Positive(t, all.every)
	require.Positive(t, all.dropped)
	require.Positive(t, some.dropped)
	require.Greater(t, some.matches, 100)
	require.Greater(t, df.rows, 10000)
	require.Equal(t, df.rows, df.fast)
	for _, table := range []string{"SecurityEvent", "DeviceProcessEvents", "DeviceNetworkEvents", "DeviceFileEvents", "DeviceRegistryEvents"} {
		require.Positive(t, df.table[table], table)
	}
}

// TestRowPlanOnNormalisedRows does the same for the rows of the syslog (RFC 3164 and RFC 5424 with structured data),
// sshd, sudo, CEF, auditd and Okta normalisers, and for rows that set every column of every mapped table.
func TestRowPlanOnNormalisedRows(t *testing.T) {
	df := newDiffer(t)
	df.prunes = newPruneDiffers(t)
	set := tables.NewSet(df.cat)
	for _, line := range []string{
		`<34>Nov 27 10:00:00 web-1 sshd[1001]: Failed password for invalid user admin7 from 198.51.100.7 port 40007 ssh2`,
		`<86>Nov 27 10:00:01 web-1 sshd[1002]: Accepted publickey for alice from 198.51.100.8 port 40008 ssh2: RSA SHA256:x`,
		`<165>1 2026-11-27T10:00:00.123Z app-1.example.com payments 2001 ID47 [meta@32473 req="17" k="v"][x@1 a="b"] request 17 served`,
		`<165>1 2026-11-27T10:00:00.123Z app-1.example.com payments worker-3 - - started`,
		`<85>Nov 27 10:00:02 lin-1 sudo:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/id`,
		`no header at all`,
	} {
		m, err := syslog.Parse(line)
		require.NoError(t, err)
		require.NoError(t, syslog.Write(&m, syslog.Meta{SenderIP: "192.0.2.1", Received: 1714557600000000}, set))
	}
	for _, line := range []string{
		`CEF:0|Zscaler|NSSWeblog|5.0|Allowed|Allowed|3|act=Allowed request=https://gw.example/oauth/a.exe?x=1 requestMethod=GET outcome=200 dhost=gw.example cs1=one cs1Label=first`,
		`CEF:0|Palo Alto Networks|PAN-OS|9.0|TRAFFIC|end|3|src=10.0.0.1 dst=10.0.0.2 dpt=21 act=allow`,
	} {
		e, err := cef.Parse(line)
		require.NoError(t, err)
		require.NoError(t, cef.Write(e, syslog.Meta{Received: 1714557600000000}, set))
	}
	j := auditd.NewJoiner()
	for _, rec := range []string{
		`type=SYSCALL msg=audit(1714557600.123:100): arch=c000003e syscall=59 success=yes exit=0 ppid=1 pid=4242 auid=0 uid=0 gid=0 euid=0 ses=0 tty=(none) comm="sh" exe="/bin/sh" key=(null)` + "\x1d" + `AUID="root" UID="root" EUID="root"`,
		`type=EXECVE msg=audit(1714557600.123:100): argc=3 a0="/bin/sh" a1="-c" a2="id"`,
		`type=CWD msg=audit(1714557600.123:100): cwd="/root"`,
		`type=EOE msg=audit(1714557600.123:100):`,
	} {
		r, err := auditd.Parse(rec)
		require.NoError(t, err, rec)
		require.NoError(t, j.Add(r, "lin-1", set))
	}
	for _, ev := range []string{
		`{"eventType":"iam.resourceset.bindings.add","published":"2024-05-01T10:06:00.123Z","uuid":"u1","actor":{"alternateId":"a@example.com","detail":{"x":{"y":1}}}}`,
		`{"eventType":"user.session.start","published":"2024-05-01T10:07:00.123Z","uuid":"u2"}`,
	} {
		v, err := fastjson.Parse(ev)
		require.NoError(t, err)
		require.NoError(t, cloud.Normalizers[cloud.FormatOkta](v, set))
	}
	require.NoError(t, set.Flush(df.batch, map[string]int{}))
	for _, table := range []string{"Syslog", "DeviceLogonEvents", "CommonSecurityLog", "DeviceProcessEvents", "Okta_CL"} {
		require.Positive(t, df.table[table], table)
	}
	require.Positive(t, df.dyn)

	// Every column of every mapped table set: strings hold a JSON object with nested members (so JSON columns and
	// kept records are flattened), a URL and key=value pairs.
	names := make([]string, 0, len(df.m.Tables))
	for name := range df.m.Tables {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		tb, ok := df.cat.Table(name)
		if !ok {
			continue
		}
		for _, text := range []string{
			`{"Member":"m","Cwd":"/tmp","cs(Content-Type)":"text/x","nested":{"a":1,"b":{"c":[1,"x"]}},"Image":"C:\\x.exe"}`,
			`http://h.example/p/a.php?q=1`, `USER=root ; TTY=pts/1;outcome=500`, `/usr/bin/id`, ``,
			`<Data Name="Image">C:\y.exe</Data><Data Name="B"/>`,
		} {
			b := batch.NewBuilder(tb)
			b.Begin()
			for p, c := range tb.Columns {
				switch batch.KindOf(c.Type) {
				case batch.KindInt:
					b.SetInt(p, int64(p)*1000)
				case batch.KindFloat:
					b.SetFloat(p, float64(p)/2)
				case batch.KindBool:
					b.SetBool(p, p%2 == 0)
				default:
					b.SetString(p, text)
				}
			}
			b.Commit()
			b.Begin() // a row of nulls but the time
			_, p, _ := tb.Column(tb.TimeColumn)
			b.SetInt(p, 1714557600000000)
			b.Commit()
			require.NoError(t, df.batch(b.Finish("all-"+name, 1714557600000000)))
		}
	}
	t.Logf("%d rows (%d with JSON or XML fields): %v", df.rows, df.dyn, df.table)
	all, some := df.prunes[0], df.prunes[1]
	t.Logf("pruned with all rules: %v; without keyword rules: %v", all, some)
	require.Positive(t, all.every)
	require.Positive(t, all.dropped)
	require.Positive(t, some.dropped)
	require.Positive(t, some.matches)
}

// FuzzRowPlan sets fuzzed text in every string column of a few mapped tables and requires the plan's event to be
// rowEvent's. Where the text makes rowEvent's result depend on map order (a dotted member name meeting a flattened
// one), only the names are compared.
func FuzzRowPlan(f *testing.F) {
	for _, s := range []string{``, `{}`, `{"a":{"b":1},"a.b":2}`, `{"System":{"EventID":1}}`, `{"Event":{"System":{}}}`,
		`<Data Name="CommandLine">x</Data>`, `{"User":"u","Hashes":"h"}`, `not json`, `[1,2]`, `{"Channel":null}`,
		`{"":{"":0}}`} { // a nested empty name: "." in both flatteners

		f.Add(s)
	}
	df := newDiffer(f)
	df.prunes = newPruneDiffers(f)
	f.Fuzz(func(t *testing.T, text string) {
		df.t = t
		df.names = strings.Contains(text, ".")
		for _, name := range []string{"DeviceProcessEvents", "Syslog", "SecurityEvent", "AWSCloudTrail", "AuditLogs", "CommonSecurityLog"} {
			tb, ok := df.cat.Table(name)
			require.True(t, ok)
			b := batch.NewBuilder(tb)
			b.Begin()
			for p, c := range tb.Columns {
				if batch.KindOf(c.Type) == batch.KindString {
					b.SetString(p, text)
				}
			}
			b.Commit()
			require.NoError(t, df.batch(b.Finish(fmt.Sprint("fz-", name), 1714557600000000)))
		}
	})
}
