// Package ratelimit limits request rates per key (a token, a source address) with token buckets, forgetting keys
// that have been idle so memory stays bounded.
package ratelimit

import (
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Keyed is a set of token buckets, one per key. It is safe for concurrent use. A nil *Keyed allows everything.
type Keyed struct {
	limit rate.Limit
	burst int
	now   func() time.Time

	mu        sync.Mutex
	buckets   map[string]*bucket
	lastSweep time.Time
}

type bucket struct {
	lim  *rate.Limiter
	last time.Time
}

// maxIdle is how long an unused key is remembered; maxKeys triggers a sweep of idle keys.
const (
	maxIdle = 10 * time.Minute
	maxKeys = 50_000
)

// New returns buckets refilled at perSecond with room for burst requests. perSecond <= 0 returns nil: no limit.
func New(perSecond float64, burst int) *Keyed {
	if perSecond <= 0 {
		return nil
	}
	if burst < 1 {
		burst = int(math.Max(1, math.Ceil(perSecond)))
	}
	return &Keyed{limit: rate.Limit(perSecond), burst: burst, now: time.Now, buckets: map[string]*bucket{}}
}

// WithClock sets the clock (for tests) and returns k.
func (k *Keyed) WithClock(now func() time.Time) *Keyed {
	k.now = now
	return k
}

// Allow takes one request from key's bucket. When the bucket is empty it returns false and how long until a
// request would be allowed.
func (k *Keyed) Allow(key string) (bool, time.Duration) {
	if k == nil {
		return true, 0
	}
	now := k.now()
	k.mu.Lock()
	defer k.mu.Unlock()
	if len(k.buckets) > maxKeys && now.Sub(k.lastSweep) > time.Second {
		for key, b := range k.buckets {
			if now.Sub(b.last) > maxIdle {
				delete(k.buckets, key)
			}
		}
		if len(k.buckets) > 4*maxKeys {
			// A flood of distinct keys (spoofed or many addresses): start afresh rather than grow without bound.
			k.buckets = map[string]*bucket{}
		}
		k.lastSweep = now
	}
	b := k.buckets[key]
	if b == nil {
		b = &bucket{lim: rate.NewLimiter(k.limit, k.burst)}
		k.buckets[key] = b
	}
	b.last = now
	r := b.lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}
