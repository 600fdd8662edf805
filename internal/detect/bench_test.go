package detect_test

import (
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/batch"
	"github.com/vigilsec/vigil/internal/detect"
	"github.com/vigilsec/vigil/internal/ingest/normalize/tables"
	"github.com/vigilsec/vigil/internal/ingest/parse/syslog"
	"github.com/vigilsec/vigil/internal/ruleset"
	"github.com/vigilsec/vigil/internal/schema"
	"github.com/vigilsec/vigil/internal/sigma"
	"github.com/vigilsec/vigil/internal/x/cputime"
)

// BenchmarkEvaluate measures the stream detector's cost per event with the shipped rules, on DeviceProcessEvents
// rows shaped like the ingest benchmark's and on the rows the syslog benchmark's messages become (Syslog, and
// DeviceLogonEvents for sshd's failed logons). cpu-ns/event (process CPU time, so GC counts) is the figure to compare
// on a loaded machine.
func BenchmarkEvaluate(b *testing.B) {
	fieldCheck, err := detect.FieldCheck()
	require.NoError(b, err)
	eng, _, err := ruleset.Sigma(true, nil, []sigma.Option{fieldCheck}...)
	require.NoError(b, err)
	cat := schema.NewCatalog()
	t, _ := cat.Table("DeviceProcessEvents")
	base := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name string
		in   []*batch.Batch
	}{
		{"DeviceProcessEvents", []*batch.Batch{processRows(b, t, 4096, base)}},
		{"Syslog", syslogRows(b, cat, 4096, base)},
	} {
		b.Run(c.name, func(b *testing.B) {
			d, err := detect.New(eng, cat, nil, nil, nil, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
			require.NoError(b, err)
			n := 0
			for _, in := range c.in {
				n += in.Len
			}
			b.ResetTimer()
			cpu := cputime.Process()
			for i := 0; i < b.N; i++ {
				for _, in := range c.in {
					d.Evaluate(in)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/event")
			b.ReportMetric(float64((cputime.Process()-cpu).Nanoseconds())/float64(b.N*n), "cpu-ns/event")
		})
	}
}

// syslogRows parses n messages shaped like the syslog benchmark's (sshd failed logons in RFC 3164, application
// lines with structured data in RFC 5424, alternately) into the batches the syslog listener would publish.
func syslogRows(tb testing.TB, cat *schema.Catalog, n int, base time.Time) []*batch.Batch {
	set := tables.NewSet(cat)
	for i := 0; i < n; i++ {
		var line string
		if i%2 == 0 {
			line = fmt.Sprintf("<34>%s web-%d sshd[%d]: Failed password for invalid user admin%d from 198.51.100.%d port %d ssh2",
				base.Format(time.Stamp), i%4, 1000+i%500, i%97, i%250, 40000+i%20000)
		} else {
			line = fmt.Sprintf("<165>1 %s app-%d.example.com payments %d ID47 [meta@32473 req=\"%d\"] request %d served in %d ms",
				base.Format(time.RFC3339Nano), i%4, 2000+i%300, i, i, i%250)
		}
		m, err := syslog.Parse(line)
		require.NoError(tb, err)
		require.NoError(tb, syslog.Write(&m, syslog.Meta{SenderIP: "192.0.2.1", Received: base.UnixMicro()}, set))
	}
	var out []*batch.Batch
	require.NoError(tb, set.Flush(func(b *batch.Batch) error {
		out = append(out, b)
		return nil
	}, map[string]int{}))
	return out
}

func processRows(tb testing.TB, t *schema.Table, n int, base time.Time) *batch.Batch {
	bl := batch.NewBuilder(t)
	p := func(name string) int {
		_, pos, ok := t.Column(name)
		require.True(tb, ok, name)
		return pos
	}
	ts, dev, act, file, folder, pid, cmd := p("Timestamp"), p("DeviceName"), p("ActionType"), p("FileName"), p("FolderPath"), p("ProcessId"), p("ProcessCommandLine")
	sha, dom, acct, ipf, ipid, ipcmd := p("SHA256"), p("AccountDomain"), p("AccountName"), p("InitiatingProcessFileName"), p("InitiatingProcessId"), p("InitiatingProcessCommandLine")
	procs := [...]string{"powershell.exe", "cmd.exe", "svchost.exe", "chrome.exe", "outlook.exe", "rundll32.exe", "python.exe"}
	for i := 0; i < n; i++ {
		pr := procs[i%len(procs)]
		bl.Begin()
		bl.SetInt(ts, base.Add(time.Duration(i)*time.Millisecond).UnixMicro())
		bl.SetString(dev, "ws-"+strconv.Itoa(i%500)+".corp.example.com")
		bl.SetString(act, "ProcessCreated")
		bl.SetString(file, pr)
		bl.SetString(folder, `C:\Windows\System32\`+pr)
		bl.SetInt(pid, int64(i%60000))
		bl.SetString(cmd, pr+` -NoProfile -ExecutionPolicy Bypass -File C:\Users\user`+strconv.Itoa(i%100)+`\AppData\Local\Temp\script`+strconv.Itoa(i)+".ps1")
		bl.SetString(sha, strconv.FormatUint(uint64(i)*2654435761|1<<63, 16)+strconv.FormatUint(uint64(i)*40503|1<<63, 16))
		bl.SetString(dom, "corp")
		bl.SetString(acct, "user"+strconv.Itoa(i%100))
		bl.SetString(ipf, "explorer.exe")
		bl.SetInt(ipid, int64((i*7)%60000))
		bl.SetString(ipcmd, `C:\Windows\explorer.exe`)
		bl.Commit()
	}
	return bl.Finish("bench", base.UnixMicro())
}
