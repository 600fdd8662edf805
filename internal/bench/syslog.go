package bench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
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
}

// SyslogReport is the outcome.
type SyslogReport struct {
	Messages          int     `json:"messages"`
	Connections       int     `json:"connections"`
	SendSeconds       float64 `json:"send_seconds"`
	Seconds           float64 `json:"seconds"`
	MessagesPerSecond float64 `json:"messages_per_second"`
	StoredRows        int64   `json:"stored_rows"`
	PeakRSSBytes      int64   `json:"peak_rss_bytes"`
}

// Syslog sends a mix of RFC 3164 and RFC 5424 messages over TCP (LF framing) to a fresh server and measures the
// rate at which they become queryable in the Syslog table.
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
	_, a, cleanup, err := startServer(ctx, o.Dir, o.Log, func(cfg *config.Config) {
		cfg.Syslog.TCP = "127.0.0.1:0"
		setStoreThreads(cfg, o.StoreThreads)
		if o.NoDetection {
			cfg.Detection.BuiltinRules, cfg.Analytics.NRT = false, false
		}
	})
	if err != nil {
		return nil, err
	}
	defer cleanup()
	addr := a.Syslog.Addrs()["tcp"]
	start := time.Now()
	var wg sync.WaitGroup
	errc := make(chan error, o.Connections)
	per := o.Messages / o.Connections
	for c := 0; c < o.Connections; c++ {
		n := per
		if c == o.Connections-1 {
			n = o.Messages - per*(o.Connections-1)
		}
		wg.Add(1)
		go func(c, n int) {
			defer wg.Done()
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				errc <- err
				return
			}
			defer conn.Close()
			w := bufio.NewWriterSize(conn, 256<<10)
			ts := time.Now().UTC()
			for i := 0; i < n; i++ {
				if i%2 == 0 {
					fmt.Fprintf(w, "<34>%s web-%d sshd[%d]: Failed password for invalid user admin%d from 198.51.100.%d port %d ssh2\n",
						ts.Format(time.Stamp), c, 1000+i%500, i%97, i%250, 40000+i%20000)
				} else {
					fmt.Fprintf(w, "<165>1 %s app-%d.example.com payments %d ID47 [meta@32473 req=\"%d\"] request %d served in %d ms\n",
						ts.Format(time.RFC3339Nano), c, 2000+i%300, i, i, i%250)
				}
			}
			if err := w.Flush(); err != nil {
				errc <- err
			}
		}(c, n)
	}
	wg.Wait()
	sent := time.Since(start)
	close(errc)
	if err := <-errc; err != nil {
		return nil, err
	}
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
		time.Sleep(20 * time.Millisecond)
	}
	total := time.Since(start)
	return &SyslogReport{Messages: o.Messages, Connections: o.Connections, SendSeconds: sent.Seconds(), Seconds: total.Seconds(),
		MessagesPerSecond: float64(stored) / total.Seconds(), StoredRows: stored, PeakRSSBytes: peakRSS()}, nil
}
