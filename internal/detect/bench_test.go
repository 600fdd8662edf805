package detect_test

import (
	"io"
	"log/slog"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/batch"
	"github.com/vigilsec/vigil/internal/detect"
	"github.com/vigilsec/vigil/internal/ruleset"
	"github.com/vigilsec/vigil/internal/schema"
	"github.com/vigilsec/vigil/internal/sigma"
	"github.com/vigilsec/vigil/internal/x/cputime"
)

// BenchmarkEvaluate measures the stream detector's cost per event with the shipped rules, on DeviceProcessEvents
// rows shaped like the ingest benchmark's. cpu-ns/event (process CPU time, so GC counts) is the figure to compare on
// a loaded machine.
func BenchmarkEvaluate(b *testing.B) {
	fieldCheck, err := detect.FieldCheck()
	require.NoError(b, err)
	eng, _, err := ruleset.Sigma(true, nil, []sigma.Option{fieldCheck}...)
	require.NoError(b, err)
	cat := schema.NewCatalog()
	d, err := detect.New(eng, cat, nil, nil, nil, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	require.NoError(b, err)
	t, _ := cat.Table("DeviceProcessEvents")
	const n = 4096
	in := processRows(b, t, n, time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC))
	b.ResetTimer()
	cpu := cputime.Process()
	for i := 0; i < b.N; i++ {
		d.Evaluate(in)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/event")
	b.ReportMetric(float64((cputime.Process()-cpu).Nanoseconds())/float64(b.N*n), "cpu-ns/event")
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
