package stream_test

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/batch"
	"github.com/vigilsec/vigil/internal/schema"
	"github.com/vigilsec/vigil/internal/stream"
)

func oneRow(id, table string) *batch.Batch {
	return &batch.Batch{ID: id, Table: table, Len: 1, Columns: []*batch.Column{
		{Name: "TimeGenerated", Type: schema.TypeDatetime, Ints: []int64{1}}}}
}

// openStream opens a stream in a fresh directory, closed when the test ends.
func openStream(ctx context.Context, t *testing.T) *stream.Stream {
	t.Helper()
	s, err := stream.Open(ctx, stream.Config{Dir: t.TempDir(), MaxBytes: 64 << 20}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	require.NoError(t, err)
	t.Cleanup(s.Close)
	return s
}

// TestWantPassesOverTables checks that a consumer's Want declines tables before the handler: declined batches are
// acknowledged (the consumer has no lag left) and never reach the handler; the others arrive in stream order.
func TestWantPassesOverTables(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := openStream(ctx, t)

	var mu sync.Mutex
	var asked, got []string
	cc := stream.ConsumerConfig{Name: "picky", MaxMessages: 4, MaxWait: 50 * time.Millisecond,
		Want: func(table string) bool {
			mu.Lock()
			defer mu.Unlock()
			asked = append(asked, table)
			return table == "Syslog"
		}}
	_, err := s.EnsureConsumer(ctx, cc)
	require.NoError(t, err)
	for i, table := range []string{"Syslog", "DeviceEvents", "Syslog", "Heartbeat", "DeviceEvents", "Syslog"} {
		require.NoError(t, s.Publish(ctx, oneRow(string(rune('a'+i)), table)))
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = s.Consume(ctx, cc, func(_ context.Context, msgs []stream.Msg) error {
			mu.Lock()
			defer mu.Unlock()
			for _, m := range msgs {
				got = append(got, m.Batch.ID+":"+m.Batch.Table)
			}
			return nil
		})
	}()
	require.Eventually(t, func() bool {
		lag, err := s.Lag(ctx, "picky")
		require.NoError(t, err)
		mu.Lock()
		defer mu.Unlock()
		return lag == 0 && len(got) == 3
	}, 30*time.Second, 20*time.Millisecond)
	cancel()
	<-done
	require.Equal(t, []string{"a:Syslog", "c:Syslog", "f:Syslog"}, got)
	require.ElementsMatch(t, []string{"Syslog", "DeviceEvents", "Syslog", "Heartbeat", "DeviceEvents", "Syslog"}, asked,
		"Want sees the table each subject names")
}
