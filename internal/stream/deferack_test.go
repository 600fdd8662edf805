package stream_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/stream"
)

// TestDeferAckLeavesAcknowledgingToTheHandler: with DeferAck a delivery the handler took stays unacknowledged (the
// consumer's lag counts it) until [Stream.Ack] acknowledges its receipts, and MaxAckPending caps how many the
// server hands out meanwhile.
func TestDeferAckLeavesAcknowledgingToTheHandler(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := openStream(ctx, t)
	cc := stream.ConsumerConfig{Name: "later", MaxMessages: 4, MaxWait: 100 * time.Millisecond, DeferAck: true, MaxAckPending: 6}
	_, err := s.EnsureConsumer(ctx, cc)
	require.NoError(t, err)
	for i := 0; i < 10; i++ {
		require.NoError(t, s.Publish(ctx, sizedBatch("b"+string(rune('a'+i)), 100)))
	}
	var mu sync.Mutex
	var held []stream.Receipt
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = s.Consume(ctx, cc, func(_ context.Context, msgs []stream.Msg) error {
			mu.Lock()
			defer mu.Unlock()
			for _, m := range msgs {
				held = append(held, m.Receipt())
			}
			return nil
		})
	}()
	taken := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(held)
	}
	require.Eventually(t, func() bool { return taken() == 6 }, 10*time.Second, 10*time.Millisecond)
	time.Sleep(400 * time.Millisecond)
	require.Equal(t, 6, taken(), "no more than MaxAckPending before any acknowledgement")
	lag, err := s.Lag(ctx, "later")
	require.NoError(t, err)
	require.Equal(t, uint64(10), lag, "nothing acknowledged by Consume")

	mu.Lock()
	first := held
	held = nil
	mu.Unlock()
	require.NoError(t, s.Ack(ctx, first))
	require.Eventually(t, func() bool { return taken() == 4 }, 10*time.Second, 10*time.Millisecond, "the rest comes once acknowledged")
	mu.Lock()
	rest := held
	mu.Unlock()
	require.NoError(t, s.Ack(ctx, rest))
	require.Eventually(t, func() bool {
		lag, err := s.Lag(ctx, "later")
		return err == nil && lag == 0
	}, 10*time.Second, 10*time.Millisecond)
	seqs := map[uint64]bool{}
	for _, r := range append(first, rest...) {
		seqs[r.Seq] = true
	}
	require.Len(t, seqs, 10, "each message once")
	cancel()
	<-done
}
