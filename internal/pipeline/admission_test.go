package pipeline

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

type admitResult struct {
	name    string
	release func()
	err     error
}

// waitFor polls cond for up to 10 s.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	require.Eventually(t, cond, 10*time.Second, time.Millisecond)
}

func TestAdmissionIsFirstComeFirstServed(t *testing.T) {
	a := NewAdmission(AdmissionConfig{MaxLag: 2, Wait: time.Minute}, NewMetrics(nil))
	a.SetLag(5)
	out := make(chan admitResult, 4)
	for i, name := range []string{"a", "b", "c", "d"} {
		go func() {
			rel, err := a.Admit(context.Background())
			out <- admitResult{name, rel, err}
		}()
		waitFor(t, func() bool { return a.Waiting() == i+1 }) // arrival order is known
	}
	// A new request while others wait queues behind them even when there is room by then.
	a.Committed(4) // lag 1: room for one
	first := <-out
	require.NoError(t, first.err)
	require.Equal(t, "a", first.name)
	select {
	case r := <-out:
		t.Fatalf("%s admitted while a is in flight and the lag is 1 of 2", r.name)
	case <-time.After(50 * time.Millisecond):
	}
	a.Published(1) // a's batch: lag 2
	first.release()
	a.SetLag(0) // the writer caught up: room for two
	var got []string
	for range 2 {
		r := <-out
		require.NoError(t, r.err)
		got = append(got, r.name)
		defer r.release()
	}
	require.ElementsMatch(t, []string{"b", "c"}, got)
	require.Equal(t, 1, a.Waiting(), "d waits")
	a.Committed(0)
	select {
	case r := <-out:
		t.Fatalf("%s admitted with two in flight of two", r.name)
	case <-time.After(50 * time.Millisecond):
	}
}

func TestAdmissionWaitIsBounded(t *testing.T) {
	m := NewMetrics(nil)
	a := NewAdmission(AdmissionConfig{MaxLag: 1, Wait: 150 * time.Millisecond}, m)
	a.SetLag(3)
	start := time.Now()
	_, err := a.Admit(context.Background())
	require.ErrorIs(t, err, ErrBackpressure)
	require.GreaterOrEqual(t, time.Since(start), 150*time.Millisecond)
	require.Equal(t, 0, a.Waiting(), "a refused request leaves the queue")

	// No wait configured: refused at once.
	now := NewAdmission(AdmissionConfig{MaxLag: 1}, m)
	now.SetLag(1)
	_, err = now.Admit(context.Background())
	require.ErrorIs(t, err, ErrBackpressure)

	// A full queue refuses at once.
	full := NewAdmission(AdmissionConfig{MaxLag: 1, Wait: time.Minute, MaxWaiting: 1}, m)
	full.SetLag(1)
	go func() { _, _ = full.Admit(context.Background()) }()
	waitFor(t, func() bool { return full.Waiting() == 1 })
	start = time.Now()
	_, err = full.Admit(context.Background())
	require.ErrorIs(t, err, ErrBackpressure)
	require.Less(t, time.Since(start), 5*time.Second)
	full.SetLag(0)
	waitFor(t, func() bool { return full.Waiting() == 0 })
}

func TestAdmissionLeavesWithItsContext(t *testing.T) {
	a := NewAdmission(AdmissionConfig{MaxLag: 1, Wait: time.Minute}, nil)
	a.SetLag(1)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := a.Admit(ctx)
		done <- err
	}()
	waitFor(t, func() bool { return a.Waiting() == 1 })
	cancel()
	err := <-done
	require.True(t, errors.Is(err, context.Canceled), "%v", err)
	require.Equal(t, 0, a.Waiting())
	// The place it left is not held: the next request goes on when there is room.
	a.SetLag(0)
	rel, err := a.Admit(context.Background())
	require.NoError(t, err)
	rel()
	rel() // a second release is harmless
	rel2, err := a.Admit(context.Background())
	require.NoError(t, err, "one release frees one place, however often it is called")
	rel2()
}

func TestAdmissionOffWithoutMaxLag(t *testing.T) {
	a := NewAdmission(AdmissionConfig{}, nil)
	a.SetLag(1 << 40)
	rel, err := a.Admit(context.Background())
	require.NoError(t, err)
	rel()
}
