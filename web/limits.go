package web

import (
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/urna-vote/urna/registry"
)

// A gate admits at most slots expensive requests at once; up to waiting
// more wait their turn in order of arrival. A request beyond that is
// turned away at once with its position and the expected wait, measured
// from how fast requests have been leaving the gate: a saturated server
// sheds load in microseconds rather than letting requests time out.
type gate struct {
	slots   chan struct{}
	waiting atomic.Int64
	max     int64
	mu      sync.Mutex
	avg     float64 // seconds a request held a slot, moving average
}

func newGate(slots, waiting int) *gate {
	if slots <= 0 {
		slots = 4
	}
	if waiting <= 0 {
		waiting = 256
	}
	return &gate{slots: make(chan struct{}, slots), max: int64(waiting), avg: 0.05}
}

// maxGateWait bounds how long a request waits for a slot.
const maxGateWait = 10 * time.Second

// enter waits for a slot; release must be called after. If the queue is
// full or the wait would be too long, ok is false and position and wait
// say where the request would have stood.
func (g *gate) enter(r *http.Request) (release func(), position int, wait time.Duration, ok bool) {
	n := g.waiting.Add(1)
	defer g.waiting.Add(-1)
	if n > g.max || g.expected(int(n)) > maxGateWait {
		return nil, int(n), g.expected(int(n)), false
	}
	t := time.NewTimer(maxGateWait)
	defer t.Stop()
	select {
	case g.slots <- struct{}{}:
	case <-t.C:
		return nil, int(n), g.expected(int(n)), false
	case <-r.Context().Done():
		return nil, int(n), g.expected(int(n)), false
	}
	start := time.Now()
	return func() {
		<-g.slots
		d := time.Since(start).Seconds()
		g.mu.Lock()
		g.avg = 0.9*g.avg + 0.1*d
		g.mu.Unlock()
	}, 0, 0, true
}

// expected is the wait of the request at position n.
func (g *gate) expected(n int) time.Duration {
	g.mu.Lock()
	avg := g.avg
	g.mu.Unlock()
	return time.Duration(float64(n) / float64(cap(g.slots)) * avg * float64(time.Second))
}

// gated runs h through the gate.
func (s *Server) gated(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		release, pos, wait, ok := s.gate.enter(r)
		if !ok {
			busy(w, pos, wait)
			return
		}
		defer release()
		h(w, r)
	}
}

// An ipLimiter is a token bucket per client address.
type ipLimiter struct {
	rate          rate.Limit
	burst         int
	exemptLoopack bool
	mu            sync.Mutex
	m             map[string]*ipEntry
	sweep         time.Time
}

type ipEntry struct {
	l    *rate.Limiter
	seen time.Time
}

func newIPLimiter(r float64, burst int, exemptLoopback bool) *ipLimiter {
	if r == 0 {
		r = 5
	}
	if burst <= 0 {
		burst = 50
	}
	return &ipLimiter{rate: rate.Limit(r), burst: burst, exemptLoopack: exemptLoopback, m: map[string]*ipEntry{}}
}

func (l *ipLimiter) allow(ip string) bool {
	if l.rate < 0 {
		return true
	}
	if l.exemptLoopack {
		if a := net.ParseIP(ip); a != nil && a.IsLoopback() {
			return true
		}
	}
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.sweep) > time.Minute {
		for k, e := range l.m {
			if now.Sub(e.seen) > 10*time.Minute {
				delete(l.m, k)
			}
		}
		l.sweep = now
	}
	e := l.m[ip]
	if e == nil {
		e = &ipEntry{l: rate.NewLimiter(l.rate, l.burst)}
		l.m[ip] = e
	}
	e.seen = now
	return e.l.AllowN(now, 1)
}

// ipLimited refuses requests beyond the client address's rate.
func (s *Server) ipLimited(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.ips.allow(clientIP(r)) {
			writeError(w, http.StatusTooManyRequests, apiError{Code: "rate_limited", WaitSeconds: 1,
				Message: registry.Text{RU: "Слишком много запросов с вашего адреса. Подождите немного.", EN: "Too many requests from your address. Please wait a little."}})
			return
		}
		h(w, r)
	}
}
