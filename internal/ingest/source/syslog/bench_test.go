package syslog_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/vigilsec/vigil/internal/batch"
	"github.com/vigilsec/vigil/internal/ingest/source/syslog"
	"github.com/vigilsec/vigil/internal/pipeline"
	"github.com/vigilsec/vigil/internal/schema"
)

// encoder is a Publisher that encodes each batch as the stream does and counts its Syslog rows.
type encoder struct {
	rows  atomic.Int64
	bytes atomic.Int64
}

func (e *encoder) PublishBatch(_ context.Context, b *batch.Batch) error {
	e.bytes.Add(int64(len(batch.Encode(nil, b))))
	if b.Table == "Syslog" {
		e.rows.Add(int64(b.Len))
	}
	return nil
}

func (e *encoder) CountRejected(string, int) {}

func (e *encoder) KeepRejects(context.Context, string, string, []pipeline.RejectedRecord) {}

// BenchmarkTCPListener sends b.N messages (the mix vigil bench syslog sends: RFC 3164 sshd lines, which also fill
// DeviceLogonEvents, and RFC 5424 lines with structured data) over one TCP connection and waits until every one is
// published. It reports the process's CPU per message: framing, parsing, the batch columns and their encoding,
// and the sender's writes.
func BenchmarkTCPListener(b *testing.B) {
	stream := make([]byte, 0, b.N*128)
	ts := time.Now().UTC()
	for i := 0; i < b.N; i++ {
		if i%2 == 0 {
			stream = fmt.Appendf(stream, "<34>%s web-1 sshd[%d]: Failed password for invalid user admin%d from 198.51.100.%d port %d ssh2\n",
				ts.Format(time.Stamp), 1000+i%500, i%97, i%250, 40000+i%20000)
		} else {
			stream = fmt.Appendf(stream, "<165>1 %s app-1.example.com payments %d ID47 [meta@32473 req=\"%d\"] request %d served in %d ms\n",
				ts.Format(time.RFC3339Nano), 2000+i%300, i, i, i%250)
		}
	}
	pub := &encoder{}
	srv := syslog.New(syslog.Config{TCP: "127.0.0.1:0"}, schema.NewCatalog(), pub, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err := srv.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	b.SetBytes(int64(len(stream) / max(b.N, 1)))
	b.ResetTimer()
	cpu := processCPU()
	conn, err := net.Dial("tcp", srv.Addrs()["tcp"])
	if err != nil {
		b.Fatal(err)
	}
	if _, err := conn.Write(stream); err != nil {
		b.Fatal(err)
	}
	_ = conn.Close()
	for pub.rows.Load() < int64(b.N) {
		time.Sleep(time.Millisecond)
	}
	b.StopTimer()
	if d := processCPU() - cpu; d > 0 {
		b.ReportMetric(float64(d.Nanoseconds())/float64(b.N), "cpu-ns/msg")
	}
}

// processCPU returns the CPU time (user and system) the process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
