package syslog_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/batch"
	"github.com/vigilsec/vigil/internal/ingest/source/syslog"
	"github.com/vigilsec/vigil/internal/pipeline"
	"github.com/vigilsec/vigil/internal/schema"
)

// collector is a Publisher that keeps what it is given (the pipeline behind it is tested elsewhere).
type collector struct {
	mu       sync.Mutex
	rows     map[string][]map[string]any
	rejected int
}

func (c *collector) PublishBatch(_ context.Context, b *batch.Batch) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := 0; i < b.Len; i++ {
		row := map[string]any{}
		for _, col := range b.Columns {
			if v := col.Value(i); v != nil {
				row[col.Name] = v
			}
		}
		c.rows[b.Table] = append(c.rows[b.Table], row)
	}
	return nil
}

func (c *collector) CountRejected(_ string, n int) { c.mu.Lock(); c.rejected += n; c.mu.Unlock() }

func (c *collector) KeepRejects(context.Context, string, string, []pipeline.RejectedRecord) {}

func (c *collector) count(table string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.rows[table])
}

func TestListenersNormaliseEveryFraming(t *testing.T) {
	col := &collector{rows: map[string][]map[string]any{}}
	srv := syslog.New(syslog.Config{UDP: "127.0.0.1:0", TCP: "127.0.0.1:0", FlushInterval: 50 * time.Millisecond},
		schema.NewCatalog(), col, slog.New(slog.NewTextHandler(io.Discard, nil)))
	require.NoError(t, srv.Start(context.Background()))
	addrs := srv.Addrs()

	tcp, err := net.Dial("tcp", addrs["tcp"])
	require.NoError(t, err)
	msgs := []string{
		"<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8",
		"<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut=\"3\"] An application event",
		"<13>Feb  5 17:32:18 10.0.0.99 sshd[1234]: Accepted password for alice from 10.1.2.3 port 52144 ssh2",
		"CEF:0|Security|threatmanager|1.0|100|worm successfully stopped|10|src=10.0.0.1 dst=2.1.2.2 spt=1232",
	}
	for _, m := range msgs[:2] {
		_, err = fmt.Fprintf(tcp, "%s\n", m) // LF framing
		require.NoError(t, err)
	}
	for _, m := range msgs[2:] {
		_, err = fmt.Fprintf(tcp, "%d %s", len(m), m) // octet counting
		require.NoError(t, err)
	}
	require.NoError(t, tcp.Close())
	udp, err := net.Dial("udp", addrs["udp"])
	require.NoError(t, err)
	_, err = udp.Write([]byte("<14>Mar  1 10:00:00 host1 app[7]: over udp\n"))
	require.NoError(t, err)
	require.NoError(t, udp.Close())

	require.Eventually(t, func() bool {
		return col.count("Syslog") == 4 && col.count("CommonSecurityLog") == 1 && col.count("DeviceLogonEvents") == 1
	}, 10*time.Second, 20*time.Millisecond)
	srv.Close()
	col.mu.Lock()
	defer col.mu.Unlock()
	byMsg := map[string]map[string]any{}
	for _, r := range col.rows["Syslog"] {
		byMsg[fmt.Sprint(r["SyslogMessage"])] = r
	}
	require.Equal(t, "mymachine", byMsg["'su root' failed for lonvick on /dev/pts/8"]["Computer"])
	require.Equal(t, "over udp", fmt.Sprint(byMsg["over udp"]["SyslogMessage"]))
	cef := col.rows["CommonSecurityLog"][0]
	require.Equal(t, "10.0.0.1", cef["SourceIP"])
	require.Equal(t, "alice", col.rows["DeviceLogonEvents"][0]["AccountName"])
	require.Zero(t, col.rejected)
}

// TestLongAndEmptyFrames sends, between good messages, an LF-framed line longer than the limit (rejected and
// counted), an octet-counted frame holding only a line end, and an empty line (neither is a message): the good messages around them all
// arrive.
func TestLongAndEmptyFrames(t *testing.T) {
	col := &collector{rows: map[string][]map[string]any{}}
	srv := syslog.New(syslog.Config{TCP: "127.0.0.1:0", FlushInterval: 50 * time.Millisecond, MaxMessageBytes: 100},
		schema.NewCatalog(), col, slog.New(slog.NewTextHandler(io.Discard, nil)))
	require.NoError(t, srv.Start(context.Background()))
	tcp, err := net.Dial("tcp", srv.Addrs()["tcp"])
	require.NoError(t, err)
	long := "<14>Mar  1 10:00:00 host1 app: " + strings.Repeat("x", 200)
	_, err = fmt.Fprintf(tcp, "<14>Mar  1 10:00:00 host1 app: one\n%s\n\n1 \n<14>Mar  1 10:00:01 host1 app: two\n", long)
	require.NoError(t, err)
	require.NoError(t, tcp.Close())
	require.Eventually(t, func() bool {
		col.mu.Lock()
		defer col.mu.Unlock()
		return col.rejected == 1 && len(col.rows["Syslog"]) == 2
	}, 10*time.Second, 20*time.Millisecond)
	srv.Close()
	require.Equal(t, "one", col.rows["Syslog"][0]["SyslogMessage"])
	require.Equal(t, "two", col.rows["Syslog"][1]["SyslogMessage"])
}
