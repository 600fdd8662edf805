package ratelimit_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/x/ratelimit"
)

func TestKeyed(t *testing.T) {
	now := time.Unix(1000, 0)
	k := ratelimit.New(1, 3).WithClock(func() time.Time { return now })
	for i := 0; i < 3; i++ {
		ok, _ := k.Allow("a")
		require.True(t, ok, "burst of 3, request %d", i)
	}
	ok, wait := k.Allow("a")
	require.False(t, ok)
	require.InDelta(t, time.Second, wait, float64(10*time.Millisecond))
	ok, _ = k.Allow("b")
	require.True(t, ok, "keys are independent")
	now = now.Add(time.Second)
	ok, _ = k.Allow("a")
	require.True(t, ok, "refilled after a second")
	ok, _ = k.Allow("a")
	require.False(t, ok, "a refused request took nothing, one token came back")

	var none *ratelimit.Keyed = ratelimit.New(0, 0)
	ok, _ = none.Allow("x")
	require.True(t, ok, "no limit configured")
}
