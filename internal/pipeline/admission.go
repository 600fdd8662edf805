package pipeline

import (
	"context"
	"sync"
	"time"
)

// Admission decides when an ingest request may start reading its body. While the store writer is more than
// MaxLag batches behind, requests wait in arrival order (first come, first admitted) for at most Wait; a request
// still waiting then is refused with ErrBackpressure, which HTTP receivers answer 429 with Retry-After. At most
// MaxWaiting requests wait at once; more are refused at once. A waiting request holds its connection and its
// headers, never its body, so waiting costs no memory that grows with the data.
//
// Without a queue, a receiver refusing every request the moment the writer lags lets requests that arrive later
// slip in before ones that were refused and retry, and the unlucky ones wait many retries (the tail of
// ingest-to-queryable latency; docs/ingest-performance.md).
//
// The lag it compares is the stream's own count of unwritten batches, polled ([Admission.SetLag]), kept current
// between polls from what the receivers publish and what the writer commits, plus the admitted requests that
// have not finished publishing: each of them adds at least one batch.
type Admission struct {
	maxLag     uint64
	wait       time.Duration
	maxWaiting int
	metrics    *Metrics

	mu       sync.Mutex
	lag      uint64
	inflight uint64
	queue    []*admitWaiter
}

type admitWaiter struct {
	ready    chan struct{}
	admitted bool
}

// AdmissionConfig configures an [Admission].
type AdmissionConfig struct {
	// MaxLag is how many unwritten batches the stream may hold before requests wait (0: never wait).
	MaxLag uint64
	// Wait is how long a request waits for the lag to fall before it is refused (0: refused at once).
	Wait time.Duration
	// MaxWaiting caps the requests waiting at once (0: 256).
	MaxWaiting int
}

// NewAdmission returns an Admission; m may be nil.
func NewAdmission(cfg AdmissionConfig, m *Metrics) *Admission {
	if cfg.MaxWaiting <= 0 {
		cfg.MaxWaiting = 256
	}
	return &Admission{maxLag: cfg.MaxLag, wait: cfg.Wait, maxWaiting: cfg.MaxWaiting, metrics: m}
}

// Admit waits until the request may go on and returns the function to call once it has published what it read
// (or failed). It returns ErrBackpressure when the lag stayed over the limit for the whole wait or too many
// requests are waiting, and ctx's error when ctx ends first.
func (a *Admission) Admit(ctx context.Context) (release func(), err error) {
	if a == nil || a.maxLag == 0 {
		return func() {}, nil
	}
	a.mu.Lock()
	if len(a.queue) == 0 && a.open() {
		a.inflight++
		a.mu.Unlock()
		return a.releaser(), nil
	}
	if a.wait <= 0 || len(a.queue) >= a.maxWaiting {
		a.mu.Unlock()
		a.throttled()
		return nil, ErrBackpressure
	}
	w := &admitWaiter{ready: make(chan struct{})}
	a.queue = append(a.queue, w)
	a.setWaiting()
	a.mu.Unlock()

	start := time.Now()
	timer := time.NewTimer(a.wait)
	defer timer.Stop()
	select {
	case <-w.ready:
		a.observeWait(time.Since(start))
		return a.releaser(), nil
	case <-timer.C:
		err = ErrBackpressure
	case <-ctx.Done():
		err = ctx.Err()
	}
	a.mu.Lock()
	if w.admitted { // admitted while the timer fired: go on
		a.mu.Unlock()
		a.observeWait(time.Since(start))
		return a.releaser(), nil
	}
	for i, q := range a.queue {
		if q == w {
			a.queue = append(a.queue[:i], a.queue[i+1:]...)
			break
		}
	}
	a.setWaiting()
	a.mu.Unlock()
	if err == ErrBackpressure {
		a.throttled()
	}
	return nil, err
}

// open reports whether one more request may go on. a.mu is held.
func (a *Admission) open() bool { return a.lag+a.inflight < a.maxLag }

// dispatch admits waiting requests, oldest first, while there is room. a.mu is held.
func (a *Admission) dispatch() {
	n := 0
	for n < len(a.queue) && a.open() {
		w := a.queue[n]
		w.admitted = true
		close(w.ready)
		a.inflight++
		n++
	}
	if n > 0 {
		a.queue = append(a.queue[:0], a.queue[n:]...)
		a.setWaiting()
	}
}

func (a *Admission) releaser() func() {
	var once sync.Once
	return func() {
		once.Do(func() {
			a.mu.Lock()
			a.inflight--
			a.dispatch()
			a.mu.Unlock()
		})
	}
}

// SetLag records the stream's count of batches the writer has not committed.
func (a *Admission) SetLag(n uint64) {
	if a == nil {
		return
	}
	a.mu.Lock()
	a.lag = n
	a.dispatch()
	a.mu.Unlock()
}

// Published counts n batches made durable on the stream since the last SetLag.
func (a *Admission) Published(n int) {
	if a == nil || n <= 0 {
		return
	}
	a.mu.Lock()
	a.lag += uint64(n)
	a.mu.Unlock()
}

// Committed counts n batches the writer committed (or skipped as already written) since the last SetLag.
func (a *Admission) Committed(n int) {
	if a == nil || n <= 0 {
		return
	}
	a.mu.Lock()
	a.lag -= min(a.lag, uint64(n))
	a.dispatch()
	a.mu.Unlock()
}

// Waiting returns how many requests wait.
func (a *Admission) Waiting() int {
	if a == nil {
		return 0
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.queue)
}

func (a *Admission) setWaiting() {
	if a.metrics != nil {
		a.metrics.AdmissionWaiting.Set(float64(len(a.queue)))
	}
}

func (a *Admission) observeWait(d time.Duration) {
	if a.metrics != nil {
		a.metrics.AdmissionWait.Observe(d.Seconds())
	}
}

func (a *Admission) throttled() {
	if a.metrics != nil {
		a.metrics.Throttled.Inc()
	}
}
