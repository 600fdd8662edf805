package stream_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/batch"
	"github.com/vigilsec/vigil/internal/schema"
	"github.com/vigilsec/vigil/internal/stream"
)

// sizedBatch is a one-row Syslog batch whose message holds about size bytes.
func sizedBatch(id string, size int) *batch.Batch {
	return &batch.Batch{ID: id, Table: "Syslog", Len: 1, Columns: []*batch.Column{
		{Name: "TimeGenerated", Type: schema.TypeDatetime, Ints: []int64{1}},
		{Name: "SyslogMessage", Type: schema.TypeString, Strs: []string{strings.Repeat(id[:1], size)}}}}
}

// TestMaxBytesBoundsDeliveries checks that MaxBytes bounds each delivery by the size of its messages, that
// MaxMessages still bounds the count, and that a message larger than MaxBytes is delivered all the same (it would
// otherwise block the consumer for ever), everything once and in order.
func TestMaxBytesBoundsDeliveries(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := openStream(ctx, t)

	const small, big, limit = 10_000, 300_000, 45_000
	cc := stream.ConsumerConfig{Name: "bytes", MaxMessages: 8, MaxWait: 300 * time.Millisecond, MaxBytes: limit}
	_, err := s.EnsureConsumer(ctx, cc)
	require.NoError(t, err)
	var want []string
	publish := func(id string, size int) {
		require.NoError(t, s.Publish(ctx, sizedBatch(id, size)))
		want = append(want, id)
	}
	for i := 0; i < 12; i++ { // small ones: 4 fit under the limit
		publish("s"+string(rune('a'+i)), small)
	}
	publish("B1", big) // larger than the limit
	for i := 0; i < 3; i++ {
		publish("t"+string(rune('a'+i)), small)
	}
	publish("B2", big)

	var mu sync.Mutex
	var got []string
	var sizes [][]string
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = s.Consume(ctx, cc, func(_ context.Context, msgs []stream.Msg) error {
			mu.Lock()
			defer mu.Unlock()
			var ids []string
			for _, m := range msgs {
				got = append(got, m.Batch.ID)
				ids = append(ids, m.Batch.ID)
			}
			sizes = append(sizes, ids)
			return nil
		})
	}()
	require.Eventually(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(got) == len(want)
	}, 30*time.Second, 20*time.Millisecond)
	lag, err := s.Lag(ctx, "bytes")
	require.NoError(t, err)
	require.Zero(t, lag)
	cancel()
	<-done
	require.Equal(t, want, got, "every batch once, in stream order")
	for _, ids := range sizes {
		require.LessOrEqual(t, len(ids), cc.MaxMessages)
		total := 0
		for _, id := range ids {
			if id[0] == 'B' {
				total += big
			} else {
				total += small
			}
		}
		if len(ids) > 1 {
			require.LessOrEqual(t, total, limit, "delivery %v", ids)
		}
	}
	require.Contains(t, sizes, []string{"B1"}, "a message over the limit comes alone")
	require.Contains(t, sizes, []string{"B2"}, "a message over the limit comes alone")
	require.Contains(t, sizes, []string{"sa", "sb", "sc", "sd"}, "the first delivery fills the byte limit")
}
