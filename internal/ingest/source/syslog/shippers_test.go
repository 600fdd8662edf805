package syslog_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/batch"
	"github.com/vigilsec/vigil/internal/ingest/source/syslog"
	"github.com/vigilsec/vigil/internal/pipeline"
	"github.com/vigilsec/vigil/internal/schema"
)

// seqCounter is a Publisher that counts, per sequence number carried in the message text ("seq=N"), how often
// each message arrived. It stands where the pipeline is (tested on its own engines elsewhere), so these tests
// measure the listener and the daemons, not the event store.
type seqCounter struct {
	mu       sync.Mutex
	seen     []uint8
	distinct atomic.Int64
	dupes    atomic.Int64
	foreign  atomic.Int64
	rejected atomic.Int64
}

func (c *seqCounter) PublishBatch(_ context.Context, b *batch.Batch) error {
	if b.Table != "Syslog" {
		c.foreign.Add(int64(b.Len))
		return nil
	}
	var col *batch.Column
	for i := range b.Columns {
		if b.Columns[i].Name == "SyslogMessage" {
			col = b.Columns[i]
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := 0; i < b.Len; i++ {
		msg, _ := col.Value(i).(string)
		_, after, ok := strings.Cut(msg, "seq=")
		if !ok {
			c.foreign.Add(1)
			continue
		}
		digits := after
		if j := strings.IndexByte(after, ' '); j >= 0 {
			digits = after[:j]
		}
		n, err := strconv.Atoi(digits)
		if err != nil || n < 0 || n >= len(c.seen) {
			c.foreign.Add(1)
			continue
		}
		if c.seen[n] > 0 {
			c.dupes.Add(1)
		} else {
			c.distinct.Add(1)
		}
		c.seen[n]++
	}
	return nil
}

func (c *seqCounter) CountRejected(_ string, n int) { c.rejected.Add(int64(n)) }

func (c *seqCounter) KeepRejects(context.Context, string, string, []pipeline.RejectedRecord) {}

// shipperMessages is how many messages each daemon forwards (fewer with -short).
func shipperMessages() int {
	if testing.Short() {
		return 100_000
	}
	return 1_000_000
}

// findDaemon returns the path of a daemon, or fails under CI (where scripts/test-deps.sh installs it) and skips
// elsewhere.
func findDaemon(t *testing.T, name string, alternatives ...string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, p := range alternatives {
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p
		}
	}
	msg := fmt.Sprintf("%s is not installed (scripts/test-deps.sh installs it)", name)
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

func freePort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := ln.Addr().(*net.TCPAddr).Port
	require.NoError(t, ln.Close())
	return port
}

// message renders message n of the generated stream: RFC 3164 and RFC 5424 alternately.
func message(n int) string {
	ts := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC).Add(time.Duration(n) * time.Millisecond)
	if n%2 == 0 {
		return fmt.Sprintf("<%d>%s gen-%d app%d[%d]: vigil shipper test seq=%d rfc3164", 8+n%8, ts.Format(time.Stamp), n%16, n%5, 1000+n%300, n)
	}
	return fmt.Sprintf("<%d>1 %s gen-%d app%d %d ID%d [meta@32473 n=\"%d\"] vigil shipper test seq=%d rfc5424", 8+n%8, ts.Format(time.RFC3339Nano), n%16, n%5, 1000+n%300, n%7, n, n)
}

// runShipper starts Vigil's TCP listener, the daemon (start gets the port to listen on and Vigil's port), sends
// the stream to the daemon over TCP and waits until every message arrived at Vigil.
func runShipper(t *testing.T, start func(inPort, vigilPort int) *exec.Cmd) {
	total := shipperMessages()
	col := &seqCounter{seen: make([]uint8, total)}
	srv := syslog.New(syslog.Config{TCP: "127.0.0.1:0", FlushRows: 8192, FlushInterval: 100 * time.Millisecond},
		schema.NewCatalog(), col, slog.New(slog.NewTextHandler(io.Discard, nil)))
	require.NoError(t, srv.Start(context.Background()))
	defer srv.Close()
	_, vp, _ := net.SplitHostPort(srv.Addrs()["tcp"])
	vigilPort, _ := strconv.Atoi(vp)
	inPort := freePort(t)

	cmd := start(inPort, vigilPort)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	require.NoError(t, cmd.Start())
	defer func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("daemon output:\n%s", out.String())
		}
	}()

	// The daemon's input opens once it is up.
	var conn net.Conn
	require.Eventually(t, func() bool {
		c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", inPort))
		if err == nil {
			conn = c
		}
		return err == nil
	}, 20*time.Second, 50*time.Millisecond, "the daemon did not open its input")
	start0 := time.Now()
	w := bufio.NewWriterSize(conn, 256<<10)
	for n := 0; n < total; n++ {
		_, err := w.WriteString(message(n) + "\n")
		require.NoError(t, err)
	}
	require.NoError(t, w.Flush())
	require.NoError(t, conn.Close())
	deadline := time.Now().Add(3 * time.Minute)
	for col.distinct.Load() < int64(total) && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	// A little longer, so a duplicate sent after the last new message is seen too.
	time.Sleep(500 * time.Millisecond)
	t.Logf("%d messages forwarded in %s", total, time.Since(start0).Round(time.Millisecond))
	if got := col.distinct.Load(); got != int64(total) {
		col.mu.Lock()
		var missing []int
		for n, k := range col.seen {
			if k == 0 && len(missing) < 10 {
				missing = append(missing, n)
			}
		}
		col.mu.Unlock()
		t.Logf("first missing: %v", missing)
	}
	require.Equal(t, int64(total), col.distinct.Load(), "every message arrives")
	require.Zero(t, col.dupes.Load(), "no message arrives twice")
	require.Zero(t, col.rejected.Load(), "no message is rejected")
	require.Zero(t, col.foreign.Load(), "nothing else arrives")
}

// TestRsyslogForwarding runs rsyslogd: it receives the stream on imtcp and forwards it with omfwd over TCP (LF
// framing) in RFC 5424 (RSYSLOG_SyslogProtocol23Format). Its queues wait instead of discarding when full
// (queue.timeoutEnqueue; rsyslog's default drops a message after 2s of a full queue), as a loss-free rsyslog
// forwarding set-up must.
func TestRsyslogForwarding(t *testing.T) {
	bin := findDaemon(t, "rsyslogd", "/usr/sbin/rsyslogd")
	dir := t.TempDir()
	runShipper(t, func(inPort, vigilPort int) *exec.Cmd {
		conf := fmt.Sprintf(`global(workDirectory=%q maxMessageSize="64k")
module(load="imtcp")
main_queue(queue.type="FixedArray" queue.size="100000" queue.timeoutEnqueue="600000")
input(type="imtcp" address="127.0.0.1" port="%d")
action(type="omfwd" target="127.0.0.1" port="%d" protocol="tcp" template="RSYSLOG_SyslogProtocol23Format"
       action.resumeRetryCount="-1" queue.type="LinkedList" queue.size="100000" queue.timeoutEnqueue="600000")
`, dir, inPort, vigilPort)
		p := filepath.Join(dir, "rsyslog.conf")
		require.NoError(t, os.WriteFile(p, []byte(conf), 0o600))
		return exec.Command(bin, "-n", "-f", p, "-i", filepath.Join(dir, "rsyslog.pid"))
	})
}

// TestSyslogNGForwarding runs syslog-ng: it receives the stream on a network() source and forwards it with the
// syslog() destination over TCP (RFC 5424 with octet-counting framing, RFC 6587).
func TestSyslogNGForwarding(t *testing.T) {
	deps := os.Getenv("VIGIL_TEST_DEPS")
	if deps == "" {
		deps = "/opt/vigil-test-deps"
	}
	bin := findDaemon(t, "syslog-ng", "/usr/sbin/syslog-ng", filepath.Join(deps, "syslog-ng/usr/sbin/syslog-ng"))
	dir := t.TempDir()
	runShipper(t, func(inPort, vigilPort int) *exec.Cmd {
		conf := fmt.Sprintf(`@version: 3.38
options { log_msg_size(65536); keep_hostname(yes); chain_hostnames(no); stats_freq(0); };
source s_in { network(ip("127.0.0.1") port(%d) transport("tcp") log_iw_size(100000) max_connections(4)); };
destination d_vigil { syslog("127.0.0.1" port(%d) transport("tcp") log_fifo_size(200000)); };
log { source(s_in); destination(d_vigil); flags(flow-control); };
`, inPort, vigilPort)
		p := filepath.Join(dir, "syslog-ng.conf")
		require.NoError(t, os.WriteFile(p, []byte(conf), 0o600))
		args := []string{"--foreground", "--no-caps", "-f", p, "--persist-file", filepath.Join(dir, "persist"),
			"--pidfile", filepath.Join(dir, "pid"), "--control", filepath.Join(dir, "ctl")}
		libdir := filepath.Join(filepath.Dir(filepath.Dir(bin)), "lib", "syslog-ng")
		cmd := exec.Command(bin, args...)
		if st, err := os.Stat(libdir); err == nil && st.IsDir() && !strings.HasPrefix(bin, "/usr/") {
			// Unpacked by scripts/test-deps.sh rather than installed.
			cmd.Args = append(cmd.Args, "--module-path", filepath.Join(libdir, "3.38"))
			cmd.Env = append(os.Environ(), "LD_LIBRARY_PATH="+libdir)
		}
		return cmd
	})
}
