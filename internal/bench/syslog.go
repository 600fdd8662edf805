package bench

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/vigilsec/vigil/internal/config"
)

// SyslogOptions configure the syslog benchmark.
type SyslogOptions struct {
	Messages    int // total messages
	Connections int // concurrent TCP senders
	Dir         string
	Log         io.Writer
	// NoDetection turns off the shipped rules and the NRT consumer, to measure the listener and pipeline alone.
	NoDetection bool
	// StoreThreads sets the server's DuckDB threads (store.threads; 0: the server's default, see app.defaultStoreThreads).
	StoreThreads int
	// WAL runs the server's store with DuckDB's write-ahead log (store.wal).
	WAL bool
	// CheckpointRows sets store.checkpoint_rows (0: the server's default; -1: none of the writer's own).
	CheckpointRows int
}

// SyslogReport is the outcome.
type SyslogReport struct {
	Messages    int `json:"messages"`
	Connections int `json:"connections"`
	// SentBytes is the size of the streams sent, framing included.
	SentBytes         int64   `json:"sent_bytes"`
	SendSeconds       float64 `json:"send_seconds"`
	Seconds           float64 `json:"seconds"`
	MessagesPerSecond float64 `json:"messages_per_second"`
	StoredRows        int64   `json:"stored_rows"`
	// DistinctRows counts the distinct (HostName, ProcessID, SyslogMessage) rows: every message sent differs from the
	// others in them (see syslogUniquePerConn), so it equals Messages only when each arrived exactly once.
	DistinctRows int64 `json:"distinct_rows"`
	PeakRSSBytes int64 `json:"peak_rss_bytes"`
}

// syslogUniquePerConn is how many messages one connection sends before its (host, pid, text) triples repeat: an
// RFC 3164 line (even i) repeats one when i%97 and i%20000 both do, first at i = lcm(97, 20000) = 1,940,000, and
// the RFC 5424 lines carry i itself.
const syslogUniquePerConn = 1_940_000

// Syslog sends a mix of RFC 3164 and RFC 5424 messages over TCP (LF framing) to a fresh server and measures the
// rate at which they become queryable in the Syslog table.
//
// The load generator costs the server as little CPU as a separate one would: every connection's stream is rendered
// to a file before the clock starts and sent from there with sendfile (io.Copy from the file to the socket), so
// during the measured window the process spends nothing on making messages. The rows are then counted, and counted
// distinct, to check that every message arrived exactly once.
func Syslog(ctx context.Context, o SyslogOptions) (*SyslogReport, error) {
	if o.Messages <= 0 {
		o.Messages = 1_000_000
	}
	if o.Connections <= 0 {
		o.Connections = 4
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	dir, a, cleanup, err := startServer(ctx, o.Dir, o.Log, func(cfg *config.Config) {
		cfg.Syslog.TCP = "127.0.0.1:0"
		setStoreThreads(cfg, o.StoreThreads)
		cfg.Store.WAL = o.WAL
		setCheckpointRows(cfg, o.CheckpointRows)
		if o.NoDetection {
			cfg.Detection.BuiltinRules, cfg.Analytics.NRT = false, false
		}
	})
	if err != nil {
		return nil, err
	}
	defer cleanup()
	genDir, err := os.MkdirTemp(dir, "syslog-load-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(genDir)
	ts := time.Now().UTC()
	files := make([]string, o.Connections)
	var sentBytes int64
	per := o.Messages / o.Connections
	for c := range files {
		n := per
		if c == o.Connections-1 {
			n = o.Messages - per*(o.Connections-1)
		}
		files[c] = filepath.Join(genDir, "conn-"+strconv.Itoa(c)+".log")
		size, err := renderSyslogFile(files[c], c, n, ts)
		if err != nil {
			return nil, err
		}
		sentBytes += size
	}

	addr := a.Syslog.Addrs()["tcp"]
	start := time.Now()
	var wg sync.WaitGroup
	errc := make(chan error, o.Connections)
	for _, name := range files {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errc <- sendFile(addr, name)
		}()
	}
	wg.Wait()
	sent := time.Since(start)
	close(errc)
	for err := range errc {
		if err != nil {
			return nil, err
		}
	}
	// Poll the store the way a hunter would, sparing it while many rows are still to come: the pause is half the
	// time the rest should take at the rate so far, between 20 ms and 500 ms, so the end is seen within 20 ms.
	var stored int64
	deadline := time.Now().Add(10 * time.Minute)
	for time.Now().Before(deadline) {
		res, err := a.Events.Query(ctx, `SELECT count(*) FROM "Syslog"`, 0)
		if err == nil {
			stored = res.Rows[0][0].(int64)
			if stored >= int64(o.Messages) {
				break
			}
		}
		time.Sleep(syslogPollPause(stored, int64(o.Messages), time.Since(start)))
	}
	total := time.Since(start)
	rep := &SyslogReport{Messages: o.Messages, Connections: o.Connections, SentBytes: sentBytes, SendSeconds: sent.Seconds(),
		Seconds: total.Seconds(), MessagesPerSecond: float64(stored) / total.Seconds(), StoredRows: stored, PeakRSSBytes: peakRSS()}
	if err := a.WaitWritten(ctx); err != nil {
		return rep, err
	}
	res, err := a.Events.Query(ctx, `SELECT count(*), count(DISTINCT (HostName, ProcessID, SyslogMessage)) FROM "Syslog"`, 0)
	if err != nil {
		return rep, fmt.Errorf("counting the stored messages: %w", err)
	}
	rep.StoredRows, rep.DistinctRows = res.Rows[0][0].(int64), res.Rows[0][1].(int64)
	if rep.StoredRows != int64(o.Messages) {
		return rep, fmt.Errorf("sent %d messages, the Syslog table holds %d rows", o.Messages, rep.StoredRows)
	}
	if per+o.Messages%o.Connections <= syslogUniquePerConn && rep.DistinctRows != rep.StoredRows {
		return rep, fmt.Errorf("sent %d distinct messages, the Syslog table holds %d distinct among %d rows",
			o.Messages, rep.DistinctRows, rep.StoredRows)
	}
	return rep, nil
}

// syslogPollPause is how long to wait before counting the stored rows again.
func syslogPollPause(stored, want int64, elapsed time.Duration) time.Duration {
	pause := 500 * time.Millisecond
	if stored > 0 {
		pause = time.Duration(float64(elapsed) * float64(want-stored) / float64(stored) / 2)
	}
	return min(max(pause, 20*time.Millisecond), 500*time.Millisecond)
}

// sendFile sends the file called name over a new TCP connection to addr.
func sendFile(addr, name string) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	// io.Copy hands a file to a TCP socket with sendfile: no copy through this process.
	if _, err := io.Copy(conn, f); err != nil {
		_ = conn.Close()
		return err
	}
	return conn.Close()
}

// renderSyslogFile writes connection c's n messages to a new file called name and returns its size.
func renderSyslogFile(name string, c, n int, ts time.Time) (int64, error) {
	f, err := os.Create(name)
	if err != nil {
		return 0, err
	}
	var size int64
	r := newSyslogRender(c, ts)
	buf := make([]byte, 0, 1<<20)
	for i := 0; i < n; i++ {
		buf = r.append(buf, i)
		if len(buf) > cap(buf)-4096 || i == n-1 {
			if _, err := f.Write(buf); err != nil {
				_ = f.Close()
				return 0, err
			}
			size += int64(len(buf))
			buf = buf[:0]
		}
	}
	return size, f.Close()
}

// syslogRender renders the messages of one connection: even ones are RFC 3164 sshd lines (each also a
// DeviceLogonEvents row), odd ones RFC 5424 lines with structured data, all stamped ts.
type syslogRender struct {
	head3164, head5424 []byte
}

func newSyslogRender(c int, ts time.Time) *syslogRender {
	cs := strconv.Itoa(c)
	return &syslogRender{
		head3164: []byte("<34>" + ts.Format(time.Stamp) + " web-" + cs + " sshd["),
		head5424: []byte("<165>1 " + ts.Format(time.RFC3339Nano) + " app-" + cs + ".example.com payments "),
	}
}

// append adds message i, LF-terminated, to dst.
func (r *syslogRender) append(dst []byte, i int) []byte {
	if i%2 == 0 {
		// <34>STAMP web-C sshd[PID]: Failed password for invalid user adminU from 198.51.100.H port P ssh2
		dst = append(dst, r.head3164...)
		dst = strconv.AppendInt(dst, int64(1000+i%500), 10)
		dst = append(dst, "]: Failed password for invalid user admin"...)
		dst = strconv.AppendInt(dst, int64(i%97), 10)
		dst = append(dst, " from 198.51.100."...)
		dst = strconv.AppendInt(dst, int64(i%250), 10)
		dst = append(dst, " port "...)
		dst = strconv.AppendInt(dst, int64(40000+i%20000), 10)
		return append(dst, " ssh2\n"...)
	}
	// <165>1 TIME app-C.example.com payments PROCID ID47 [meta@32473 req="I"] request I served in M ms
	dst = append(dst, r.head5424...)
	dst = strconv.AppendInt(dst, int64(2000+i%300), 10)
	dst = append(dst, ` ID47 [meta@32473 req="`...)
	dst = strconv.AppendInt(dst, int64(i), 10)
	dst = append(dst, `"] request `...)
	dst = strconv.AppendInt(dst, int64(i), 10)
	dst = append(dst, " served in "...)
	dst = strconv.AppendInt(dst, int64(i%250), 10)
	return append(dst, " ms\n"...)
}
