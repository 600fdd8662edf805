// Package syslog is the network syslog receiver: UDP, TCP (LF or octet-counting framing, RFC 6587) and TLS
// listeners whose messages — RFC 3164, RFC 5424, and CEF or LEEF carried over syslog — are normalised into the
// Syslog and CommonSecurityLog tables (sshd and sudo lines into DeviceLogonEvents too) and published on the stream.
//
// Messages are gathered per listener and published every FlushRows rows or FlushInterval, whichever comes first.
// When the stream is behind, a TCP connection's reading waits (the sender sees a slowed socket); UDP has no way to
// push back, so its reads wait too and the kernel's socket buffer absorbs, then drops, what does not fit.
package syslog

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/vigilsec/vigil/internal/batch"
	"github.com/vigilsec/vigil/internal/ingest/file"
	"github.com/vigilsec/vigil/internal/ingest/normalize/tables"
	psyslog "github.com/vigilsec/vigil/internal/ingest/parse/syslog"
	"github.com/vigilsec/vigil/internal/pipeline"
	"github.com/vigilsec/vigil/internal/schema"
)

// Publisher makes batches durable; *pipeline.Receiver implements it.
type Publisher interface {
	PublishBatch(ctx context.Context, b *batch.Batch) error
	CountRejected(source string, n int)
	KeepRejects(ctx context.Context, source, target string, rejects []pipeline.RejectedRecord)
}

// Config configures the listeners; an empty address disables that listener.
type Config struct {
	UDP string `yaml:"udp"`
	TCP string `yaml:"tcp"`
	TLS string `yaml:"tls"`
	// CertFile and KeyFile are the TLS listener's certificate.
	CertFile string `yaml:"cert_file"`
	KeyFile  string `yaml:"key_file"`
	// MaxMessageBytes is the longest message; longer TCP frames are cut and counted as rejected.
	MaxMessageBytes int           `yaml:"max_message_bytes"`
	FlushRows       int           `yaml:"flush_rows"`
	FlushInterval   time.Duration `yaml:"flush_interval"`
}

// Server runs the listeners.
type Server struct {
	cfg     Config
	catalog *schema.Catalog
	pub     Publisher
	log     *slog.Logger

	mu        sync.Mutex
	cancel    context.CancelFunc
	listeners []net.Listener
	conns     []net.PacketConn
	wg        sync.WaitGroup
}

// New returns a Server; Start opens the listeners.
func New(cfg Config, catalog *schema.Catalog, pub Publisher, log *slog.Logger) *Server {
	if cfg.MaxMessageBytes <= 0 {
		cfg.MaxMessageBytes = 64 << 10
	}
	if cfg.FlushRows <= 0 {
		cfg.FlushRows = 4096
	}
	if cfg.FlushInterval <= 0 {
		cfg.FlushInterval = 250 * time.Millisecond
	}
	return &Server{cfg: cfg, catalog: catalog, pub: pub, log: log}
}

// Start opens the configured listeners and serves until ctx ends or Close is called.
func (s *Server) Start(ctx context.Context) error {
	ctx, s.cancel = context.WithCancel(ctx)
	if s.cfg.UDP != "" {
		pc, err := net.ListenPacket("udp", s.cfg.UDP)
		if err != nil {
			return fmt.Errorf("syslog udp: %w", err)
		}
		s.conns = append(s.conns, pc)
		s.goRun(func() { s.serveUDP(ctx, pc) })
		s.log.Info("syslog listening", "proto", "udp", "addr", pc.LocalAddr().String())
	}
	if s.cfg.TCP != "" {
		ln, err := net.Listen("tcp", s.cfg.TCP)
		if err != nil {
			return fmt.Errorf("syslog tcp: %w", err)
		}
		s.listeners = append(s.listeners, ln)
		s.goRun(func() { s.serveTCP(ctx, ln, "tcp") })
		s.log.Info("syslog listening", "proto", "tcp", "addr", ln.Addr().String())
	}
	if s.cfg.TLS != "" {
		cert, err := tls.LoadX509KeyPair(s.cfg.CertFile, s.cfg.KeyFile)
		if err != nil {
			return fmt.Errorf("syslog tls certificate: %w", err)
		}
		ln, err := tls.Listen("tcp", s.cfg.TLS, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
		if err != nil {
			return fmt.Errorf("syslog tls: %w", err)
		}
		s.listeners = append(s.listeners, ln)
		s.goRun(func() { s.serveTCP(ctx, ln, "tls") })
		s.log.Info("syslog listening", "proto", "tls", "addr", ln.Addr().String())
	}
	return nil
}

// Addrs returns the bound addresses by protocol (for tests with port 0).
func (s *Server) Addrs() map[string]string {
	out := map[string]string{}
	for _, pc := range s.conns {
		out["udp"] = pc.LocalAddr().String()
	}
	for i, ln := range s.listeners {
		if i == 0 && s.cfg.TCP != "" {
			out["tcp"] = ln.Addr().String()
		} else {
			out["tls"] = ln.Addr().String()
		}
	}
	return out
}

func (s *Server) goRun(f func()) {
	s.wg.Add(1)
	go func() { defer s.wg.Done(); f() }()
}

// Close stops the listeners and waits for the connections to publish what they hold.
func (s *Server) Close() {
	if s.cancel != nil {
		s.cancel()
	}
	s.mu.Lock()
	for _, ln := range s.listeners {
		_ = ln.Close()
	}
	for _, pc := range s.conns {
		_ = pc.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

// gatherer normalises messages into a table set and publishes it in batches.
type gatherer struct {
	s     *Server
	ctx   context.Context
	set   *tables.Set
	lines *file.Lines
	last  time.Time
	rej   int
	kept  []pipeline.RejectedRecord
	proto string
}

func (s *Server) newGatherer(ctx context.Context, proto string) *gatherer {
	return &gatherer{s: s, ctx: ctx, set: tables.NewSet(s.catalog), lines: file.NewLines(), last: time.Now(), proto: proto}
}

// add normalises one message that arrived at received (Unix µs); the rows keep substrings of msg.
func (g *gatherer) add(msg string, sender string, received int64) {
	if len(msg) == 0 {
		return
	}
	meta := psyslog.Meta{SenderIP: sender, Received: received}
	if err := g.lines.Normalize(msg, meta, g.set); err != nil {
		g.rej++
		if len(g.kept) < 1000 {
			g.kept = append(g.kept, pipeline.RejectedRecord{Reason: "from " + sender + ": " + err.Error(), Raw: string(msg)})
		}
		g.s.log.Debug("syslog message rejected", "proto", g.proto, "sender", sender, "err", err)
	}
	if g.set.Rows() >= g.s.cfg.FlushRows {
		g.flush()
	}
}

// due reports whether the interval has passed since the last flush.
func (g *gatherer) due() bool { return time.Since(g.last) >= g.s.cfg.FlushInterval }

// flush publishes what was gathered, waiting while the stream is behind.
func (g *gatherer) flush() {
	g.last = time.Now()
	if g.rej > 0 {
		g.s.pub.CountRejected("syslog/"+g.proto, g.rej)
		g.s.pub.KeepRejects(g.ctx, "syslog/"+g.proto, "", g.kept)
		g.rej, g.kept = 0, nil
	}
	if err := g.lines.Flush(g.set); err != nil {
		g.s.log.Error("writing waiting audit events failed", "err", err)
	}
	if g.set.Rows() == 0 {
		return
	}
	err := g.set.Flush(func(b *batch.Batch) error {
		for {
			err := g.s.pub.PublishBatch(context.WithoutCancel(g.ctx), b)
			if err == nil {
				return nil
			}
			g.s.log.Warn("syslog batch not yet accepted; retrying", "proto", g.proto, "err", err)
			time.Sleep(200 * time.Millisecond)
		}
	}, nil)
	if err != nil {
		g.s.log.Error("syslog flush failed", "err", err)
	}
}

func (s *Server) serveUDP(ctx context.Context, pc net.PacketConn) {
	g := s.newGatherer(ctx, "udp")
	defer g.flush()
	buf := make([]byte, 64<<10)
	for {
		_ = pc.SetReadDeadline(time.Now().Add(s.cfg.FlushInterval))
		n, addr, err := pc.ReadFrom(buf)
		if n > 0 {
			host, _, _ := net.SplitHostPort(addr.String())
			g.add(string(trimMsg(buf[:n])), host, time.Now().UnixMicro())
		}
		if g.due() {
			g.flush()
		}
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return
		}
	}
}

func (s *Server) serveTCP(ctx context.Context, ln net.Listener, proto string) {
	for {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		s.goRun(func() { s.serveConn(ctx, conn, proto) })
	}
}

func (s *Server) serveConn(ctx context.Context, conn net.Conn, proto string) {
	defer conn.Close()
	host, _, _ := net.SplitHostPort(conn.RemoteAddr().String())
	g := s.newGatherer(ctx, proto)
	defer g.flush()
	// The scanner reads frames on its own goroutine so that a quiet connection still flushes on time. It hands them
	// over in groups: as many as were already read, up to frameGroup, so a busy connection costs one channel
	// operation per group and a quiet one still passes on each message as it comes. Each message is copied once,
	// by the scanner, into the memory its string and the rows' substrings share.
	// Groups handed back through free are reused, so a connection whose messages come one at a time does not
	// allocate a group for each.
	groups := make(chan []frame, 16)
	free := make(chan []frame, 18)
	done := make(chan error, 1)
	go func() {
		sc := psyslog.NewScanner(conn, s.cfg.MaxMessageBytes)
		newGroup := func() []frame {
			select {
			case g := <-free:
				return g
			default:
				return make([]frame, 0, frameGroup)
			}
		}
		group := newGroup()
		for sc.Scan() {
			if sc.Truncated() {
				group = append(group, frame{cut: true}) // counted below as a reject
			} else {
				group = append(group, frame{msg: sc.Text()})
			}
			if len(group) == frameGroup || sc.Buffered() == 0 {
				groups <- group
				group = newGroup()
			}
		}
		if len(group) > 0 {
			groups <- group
		}
		done <- sc.Err()
		close(groups)
	}()
	tick := time.NewTicker(s.cfg.FlushInterval)
	defer tick.Stop()
	stop := ctx.Done()
	for {
		select {
		case group, ok := <-groups:
			if !ok {
				if err := <-done; err != nil && !errors.Is(err, net.ErrClosed) {
					s.log.Debug("syslog connection ended", "sender", host, "err", err)
				}
				return
			}
			received := time.Now().UnixMicro()
			for _, f := range group {
				if f.cut {
					g.rej++
					continue
				}
				g.add(f.msg, host, received)
			}
			clear(group) // the strings are the rows' now
			select {
			case free <- group[:0]:
			default:
			}
		case <-tick.C:
			if g.due() {
				g.flush()
			}
		case <-stop:
			_ = conn.Close() // the reader ends, then groups closes
			stop = nil
		}
	}
}

// frameGroup is the most frames a TCP connection's reader hands over at once.
const frameGroup = 256

// frame is one message read from a TCP connection; cut marks one longer than the limit.
type frame struct {
	msg string
	cut bool
}

func trimMsg(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r' || b[len(b)-1] == 0) {
		b = b[:len(b)-1]
	}
	return b
}
