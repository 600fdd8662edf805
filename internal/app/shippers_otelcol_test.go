package app_test

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/config"
)

// shipLines is how many syslog lines each shipper test sends.
const shipLines = 20_000

// shipFacilities are the facilities the generated lines use (codes and the names the Syslog table writes).
var shipFacilities = []struct {
	code int
	name string
}{{1, "user"}, {3, "daemon"}, {4, "auth"}, {10, "authpriv"}, {16, "local0"}, {23, "local7"}}

var shipSeverities = []string{"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"}

// shipLine renders line n of the generated file: RFC 3164 and RFC 5424 alternately, each naming its host,
// program, process id, facility and severity, and carrying seq=n in its message.
func shipLine(n int) string {
	ts := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC).Add(time.Duration(n) * 7 * time.Millisecond)
	pri := shipFacilities[n%len(shipFacilities)].code*8 + n%8
	if n%2 == 0 {
		return fmt.Sprintf("<%d>%s host-%d app%d[%d]: vigil shipper test seq=%d rfc3164 user=u%d", pri, ts.Format(time.Stamp), n%13, n%5, 1000+n%300, n, n%17)
	}
	return fmt.Sprintf(`<%d>1 %s host-%d app%d %d ID%d [meta@32473 n="%d"] vigil shipper test seq=%d rfc5424 user=u%d`, pri, ts.Format("2006-01-02T15:04:05.000Z"), n%13, n%5, 1000+n%300, n%7, n, n, n%17)
}

// shipExpect is the Syslog row line n must become: Computer, ProcessName, ProcessID, Facility, SeverityLevel,
// SyslogMessage.
func shipExpect(n int) []any {
	proto := "rfc3164"
	if n%2 == 1 {
		proto = "rfc5424"
	}
	return []any{fmt.Sprintf("host-%d", n%13), fmt.Sprintf("app%d", n%5), int64(1000 + n%300),
		shipFacilities[n%len(shipFacilities)].name, shipSeverities[n%8],
		fmt.Sprintf("vigil shipper test seq=%d %s user=u%d", n, proto, n%17)}
}

// writeShipFile writes the generated lines to a file in dir and returns its path.
func writeShipFile(t *testing.T, dir string, n int) string {
	p := filepath.Join(dir, "messages.log")
	f, err := os.Create(p)
	require.NoError(t, err)
	w := bufio.NewWriter(f)
	for i := 0; i < n; i++ {
		_, err := w.WriteString(shipLine(i) + "\n")
		require.NoError(t, err)
	}
	require.NoError(t, w.Flush())
	require.NoError(t, f.Close())
	return p
}

var seqRE = regexp.MustCompile(`seq=(\d+) `)

// checkShipped waits until the Syslog table holds n rows (or the shipper exited), then checks that every line
// arrived exactly once with the columns it must have.
func checkShipped(t *testing.T, s *server, n int, p *shipperProc) {
	t.Helper()
	deadline := time.Now().Add(4 * time.Minute)
	var got int64
	exited := p.exited
	for time.Now().Before(deadline) {
		if got = s.count("Syslog"); got >= int64(n) {
			break
		}
		select {
		case <-exited:
			// A shipper that sends a file and exits (the Docker driver) is done; what it sent may still be on
			// its way into the store. One that fails is not.
			if p.err != nil {
				t.Fatalf("the shipper exited (%v) after %d of %d rows:\n%s", p.err, got, n, p.out)
			}
			exited = nil
		case <-time.After(250 * time.Millisecond):
		}
	}
	// A little longer, so a duplicate sent after the last new line is seen too.
	time.Sleep(time.Second)
	rows := s.rows(`SELECT Computer, ProcessName, ProcessID, Facility, SeverityLevel, SyslogMessage FROM Syslog`)
	seen := make([]int, n)
	bad := 0
	for _, r := range rows {
		m := seqRE.FindStringSubmatch(fmt.Sprint(r[5]))
		if m == nil {
			t.Errorf("a row without seq: %v", r)
			continue
		}
		i, _ := strconv.Atoi(m[1])
		if i >= n {
			t.Errorf("a row with seq %d out of range: %v", i, r)
			continue
		}
		seen[i]++
		if want := shipExpect(i); fmt.Sprint(want) != fmt.Sprint(r) && bad < 5 {
			bad++
			t.Errorf("line %d %q\n  want %v\n  got  %v", i, shipLine(i), want, r)
		}
	}
	var missing, twice []int
	for i, k := range seen {
		if k == 0 && len(missing) < 10 {
			missing = append(missing, i)
		}
		if k > 1 && len(twice) < 10 {
			twice = append(twice, i)
		}
	}
	require.Empty(t, missing, "every line arrives (%d rows of %d); first missing shown; shipper output:\n%s", len(rows), n, p.out)
	require.Empty(t, twice, "no line arrives twice")
	require.Len(t, rows, n)
	require.Zero(t, s.count("VigilIngestErrors"), "nothing is rejected")
}

// syncBuffer is a strings.Builder safe for the writes of a child process's two streams.
type syncBuffer struct {
	ch chan struct{}
	b  strings.Builder
}

func newSyncBuffer() *syncBuffer { return &syncBuffer{ch: make(chan struct{}, 1)} }

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.ch <- struct{}{}
	defer func() { <-s.ch }()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.ch <- struct{}{}
	defer func() { <-s.ch }()
	return s.b.String()
}

// shipperProc is a running shipper: exited is closed when it ends, with err.
type shipperProc struct {
	exited chan struct{}
	err    error
	out    *syncBuffer
}

// runShipperProcess starts cmd; the process is killed at cleanup.
func runShipperProcess(t *testing.T, cmd *exec.Cmd) *shipperProc {
	p := &shipperProc{exited: make(chan struct{}), out: newSyncBuffer()}
	cmd.Stdout, cmd.Stderr = p.out, p.out
	require.NoError(t, cmd.Start())
	go func() { p.err = cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.exited
		if t.Failed() {
			t.Logf("shipper output:\n%s", p.out.String())
		}
	})
	return p
}

// TestOTelCollectorOTLP runs a real OpenTelemetry collector (test/shippers/otelcol: the filelog receiver with
// its syslog parser, the batch processor and the otlphttp exporter, built from the collector's own modules). It
// tails a file of mixed RFC 3164 and RFC 5424 lines and exports them to /v1/logs as protobuf with gzip, and as
// JSON without compression; every line must land once in Syslog with its host, program, process id, facility,
// severity and message.
func TestOTelCollectorOTLP(t *testing.T) {
	bin := buildShipper(t, "otelcol")
	for _, tc := range []struct{ encoding, compression string }{{"proto", "gzip"}, {"json", "none"}} {
		t.Run(tc.encoding+"-"+tc.compression, func(t *testing.T) {
			s := start(t, func(c *config.Config) { c.Detection.BuiltinRules = false })
			tok := s.token("ingest")
			dir := t.TempDir()
			file := writeShipFile(t, dir, shipLines)
			conf := fmt.Sprintf(`receivers:
  file_log:
    include: [%q]
    start_at: beginning
    operators:
      - type: router
        routes:
          - expr: 'body matches "^<[0-9]{1,3}>1 "'
            output: rfc5424
        default: rfc3164
      - {type: syslog_parser, id: rfc5424, protocol: rfc5424, output: parsed}
      - {type: syslog_parser, id: rfc3164, protocol: rfc3164, location: UTC, output: parsed}
      - {type: noop, id: parsed}
processors:
  batch:
    send_batch_size: 2000
    timeout: 200ms
exporters:
  otlp_http:
    logs_endpoint: %s/v1/logs
    encoding: %s
    compression: %s
    headers:
      Authorization: "Bearer %s"
service:
  telemetry:
    metrics: {level: none}
    logs: {level: warn}
  pipelines:
    logs:
      receivers: [file_log]
      processors: [batch]
      exporters: [otlp_http]
`, file, s.base, tc.encoding, tc.compression, tok)
			cp := filepath.Join(dir, "collector.yaml")
			require.NoError(t, os.WriteFile(cp, []byte(conf), 0o600))
			t0 := time.Now()
			p := runShipperProcess(t, exec.Command(bin, "--config", "file:"+cp))
			checkShipped(t, s, shipLines, p)
			// RFC 5424 MSGID and structured data are kept in _Extra, as the syslog listeners keep them.
			require.Equal(t, [][]any{{`{"SyslogFormat":"rfc5424","MsgID":"ID1","StructuredData":{"meta@32473":{"n":"1"}}}`}},
				s.rows(`SELECT CAST(_Extra AS VARCHAR) FROM Syslog WHERE SyslogMessage LIKE '%seq=1 %'`))
			t.Logf("%d lines shipped by the collector (otlphttp %s, %s) in %s (under load)", shipLines, tc.encoding, tc.compression, time.Since(t0).Round(time.Millisecond))
		})
	}
}
