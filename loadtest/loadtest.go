// Package loadtest drives real voters through a running platform over
// HTTP and measures it: each voter logs in (password, then the one-time
// code from a demo server's outbox), lists its ballots, obtains a
// credential and encrypts ballots on its "device"; then the voters cast
// at a fixed rate (an open loop: requests leave on schedule whether or not
// earlier ones have been answered) and every answer is timed.
//
// Preparation (login, credentials, encryption) is done first and reported
// on its own; the figures are those of the casting phase, so that the
// generator's own encryption does not compete with the server for the
// machine while it is measured. A voter casts its ballots in order,
// re-voting; it never has two ballots in flight.
package loadtest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/urna-vote/urna/ballot"
	"github.com/urna-vote/urna/client"
)

// Options configure a run.
type Options struct {
	URL string
	// Voters is how many voters take part; Login(i) and Password give
	// voter i's login (the demo's voters by default).
	Voters   int
	Login    func(i int) string
	Password string
	// Election is the election to vote in; empty means the first open one
	// each voter may vote in.
	Election string
	// Rate is the ballots cast per second; Duration how long.
	Rate     float64
	Duration time.Duration
	// Phases, if set, replace Rate and Duration: the rates and durations
	// of successive phases, e.g. twice the sustainable rate for 20 s and
	// then the sustainable rate for 60 s, to see the server shed the
	// excess and recover. Each phase is reported on its own.
	Phases []Phase
	// Concurrency bounds the voters preparing at once (default the cores).
	Concurrency int
	// Progress, if set, is told what is happening.
	Progress func(format string, args ...any)
}

// A Phase is a rate held for a duration.
type Phase struct {
	Rate     float64
	Duration time.Duration
}

// Report is what a run measured: over the whole run, and by phase.
type Report struct {
	Phases []*Report `json:"phases,omitempty"`
	Rate   float64   `json:"rate"`
	// LastBusySeconds is when, counted from the phase's start, the last
	// busy answer of the phase was sent: the time to recover after
	// overload (0 if none).
	LastBusySeconds float64 `json:"last_busy_seconds"`

	Voters         int     `json:"voters"`
	PrepareSeconds float64 `json:"prepare_seconds"`
	Sent           int     `json:"sent"`
	Accepted       int     `json:"accepted"`
	Busy           int     `json:"busy"`   // refused with a queue position (503)
	Errors         int     `json:"errors"` // any other failure
	Skipped        int     `json:"skipped"`
	BallotsPerSec  float64 `json:"ballots_per_sec"`
	P50ms          float64 `json:"p50_ms"`
	P90ms          float64 `json:"p90_ms"`
	P99ms          float64 `json:"p99_ms"`
	MaxMs          float64 `json:"max_ms"`
	BusyP99ms      float64 `json:"busy_p99_ms"` // how fast refusals came back
	FirstError     string  `json:"first_error,omitempty"`
}

// voter is one prepared voter: a device and its ballots, cast in order.
type voter struct {
	device  *client.Device
	ballots []*ballot.Ballot
	next    int
	busy    atomic.Bool // a ballot in flight
}

// Run prepares the voters, casts at the rate for the duration and reports.
func Run(ctx context.Context, opts Options) (*Report, error) {
	if len(opts.Phases) == 0 {
		opts.Phases = []Phase{{opts.Rate, opts.Duration}}
	}
	total := 1
	for _, ph := range opts.Phases {
		if ph.Rate <= 0 || ph.Duration <= 0 {
			return nil, fmt.Errorf("loadtest: rates and durations must be positive")
		}
		total += int(ph.Rate * ph.Duration.Seconds())
	}
	if opts.Voters < 1 {
		return nil, fmt.Errorf("loadtest: at least one voter")
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = runtime.GOMAXPROCS(0)
	}
	if opts.Progress == nil {
		opts.Progress = func(string, ...any) {}
	}
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		MaxIdleConns:        4096,
		MaxIdleConnsPerHost: 4096,
		IdleConnTimeout:     time.Minute,
	}
	hc := &http.Client{Transport: tr, Timeout: 60 * time.Second}
	perVoter := (total+opts.Voters-1)/opts.Voters + 1
	start := time.Now()
	voters, err := prepare(ctx, hc, opts, perVoter)
	if err != nil {
		return nil, err
	}
	rep := &Report{Voters: len(voters), PrepareSeconds: time.Since(start).Seconds()}
	opts.Progress("prepared %d voters with %d ballots each in %.1f s", len(voters), perVoter, rep.PrepareSeconds)
	var all []time.Duration
	var allBusy []time.Duration
	var secs float64
	for _, ph := range opts.Phases {
		opts.Progress("casting %.0f ballots/s for %s", ph.Rate, ph.Duration)
		pr := &Report{Voters: len(voters), Rate: ph.Rate}
		lat, busyLat, elapsed := cast(ctx, hc, opts.URL, ph, voters, pr)
		rep.Phases = append(rep.Phases, pr)
		rep.Sent += pr.Sent
		rep.Accepted += pr.Accepted
		rep.Busy += pr.Busy
		rep.Errors += pr.Errors
		rep.Skipped += pr.Skipped
		if rep.FirstError == "" {
			rep.FirstError = pr.FirstError
		}
		all, allBusy = append(all, lat...), append(allBusy, busyLat...)
		secs += elapsed
	}
	rep.Rate = opts.Phases[0].Rate
	rep.BallotsPerSec = float64(rep.Accepted) / secs
	rep.P50ms, rep.P90ms, rep.P99ms, rep.MaxMs = pct(all, 0.50), pct(all, 0.90), pct(all, 0.99), pct(all, 1)
	rep.BusyP99ms = pct(allBusy, 0.99)
	if len(rep.Phases) == 1 {
		rep.LastBusySeconds = rep.Phases[0].LastBusySeconds
		rep.Phases = nil
	}
	return rep, nil
}

// prepare logs every voter in, obtains its credential and encrypts its
// ballots.
func prepare(ctx context.Context, hc *http.Client, opts Options, perVoter int) ([]*voter, error) {
	voters := make([]*voter, opts.Voters)
	elections := map[string]*client.Election{}
	var mu sync.Mutex
	election := func(c *client.Client, id string) (*client.Election, error) {
		mu.Lock()
		defer mu.Unlock()
		if e := elections[id]; e != nil {
			return e, nil
		}
		e, err := c.Election(ctx, id)
		if err != nil {
			return nil, err
		}
		elections[id] = e
		return e, nil
	}
	work := make(chan int)
	var wg sync.WaitGroup
	var firstErr error
	var errOnce sync.Once
	var done atomic.Int64
	for w := 0; w < opts.Concurrency; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				v, err := prepareVoter(ctx, hc, opts, i, perVoter, election)
				if err != nil {
					errOnce.Do(func() { firstErr = fmt.Errorf("loadtest: voter %d (%s): %w", i, opts.Login(i), err) })
					continue
				}
				voters[i] = v
				if n := done.Add(1); n%100 == 0 {
					opts.Progress("prepared %d of %d voters", n, opts.Voters)
				}
			}
		}()
	}
	for i := range voters {
		if firstErr != nil {
			break
		}
		work <- i
	}
	close(work)
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	return voters, nil
}

func prepareVoter(ctx context.Context, hc *http.Client, opts Options, i, perVoter int,
	election func(*client.Client, string) (*client.Election, error)) (*voter, error) {
	c := client.New(opts.URL, hc)
	login := opts.Login(i)
	var challenge string
	err := retryBusy(ctx, func() (err error) { challenge, err = c.Login(ctx, login, opts.Password); return })
	if err != nil {
		return nil, err
	}
	code, err := c.DemoCode(ctx, login)
	if err != nil {
		return nil, err
	}
	if err := c.LoginCode(ctx, challenge, code); err != nil {
		return nil, err
	}
	bs, err := c.Ballots(ctx)
	if err != nil {
		return nil, err
	}
	var pick *client.BallotInfo
	for k := range bs {
		if bs[k].Open && !bs[k].Issued && (opts.Election == "" || bs[k].Election == opts.Election) {
			pick = &bs[k]
			break
		}
	}
	if pick == nil {
		return nil, fmt.Errorf("no open ballot left to receive (already voted in this election?)")
	}
	e, err := election(c, pick.Election)
	if err != nil {
		return nil, err
	}
	var dev *client.Device
	if err := retryBusy(ctx, func() (err error) { dev, err = c.Credential(ctx, e, pick.District); return }); err != nil {
		return nil, err
	}
	v := &voter{device: dev}
	rng := rand.New(rand.NewPCG(uint64(i), 7))
	for k := 0; k < perVoter; k++ {
		b, _, err := dev.Encrypt(randomChoices(rng, dev.Style()))
		if err != nil {
			return nil, err
		}
		v.ballots = append(v.ballots, b)
	}
	return v, nil
}

// retryBusy repeats f while the platform answers that it is busy, waiting
// as long as it says.
func retryBusy(ctx context.Context, f func() error) error {
	for {
		err := f()
		var e *client.Error
		if !errors.As(err, &e) || e.Code != "busy" {
			return err
		}
		select {
		case <-time.After(time.Duration(e.WaitSeconds) * time.Second):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// randomChoices picks a valid random choice for every contest.
func randomChoices(rng *rand.Rand, style ballot.Style) ballot.Choices {
	out := make(ballot.Choices, len(style))
	for i, c := range style {
		out[i] = make([]uint8, c.Options)
		k := c.Min
		if c.Max > c.Min {
			k += rng.IntN(c.Max - c.Min + 1)
		}
		for _, j := range rng.Perm(c.Options)[:k] {
			out[i][j] = 1
		}
	}
	return out
}

// cast sends ballots on schedule for one phase and times every answer.
func cast(ctx context.Context, hc *http.Client, url string, ph Phase, voters []*voter, rep *Report) (lat, busyLat []time.Duration, elapsed float64) {
	c := client.New(url, hc)
	interval := time.Duration(float64(time.Second) / ph.Rate)
	var (
		mu        sync.Mutex
		latencies []time.Duration
		wg        sync.WaitGroup
	)
	start := time.Now()
	end := start.Add(ph.Duration)
	next := 0
	for tick := start; tick.Before(end); tick = tick.Add(interval) {
		if d := time.Until(tick); d > 0 {
			time.Sleep(d)
		}
		if ctx.Err() != nil {
			break
		}
		// The next voter with no ballot in flight and one left to cast.
		var v *voter
		for k := 0; k < len(voters); k++ {
			cand := voters[(next+k)%len(voters)]
			if cand.next < len(cand.ballots) && cand.busy.CompareAndSwap(false, true) {
				v, next = cand, (next+k+1)%len(voters)
				break
			}
		}
		rep.Sent++
		if v == nil {
			rep.Skipped++
			continue
		}
		b := v.ballots[v.next]
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer v.busy.Store(false)
			t0 := time.Now()
			rc, err := c.Cast(ctx, v.device.Election.ID, b.Bytes())
			d := time.Since(t0)
			mu.Lock()
			defer mu.Unlock()
			var e *client.Error
			switch {
			case err == nil && rc.TrackingCode == b.TrackingCode():
				rep.Accepted++
				latencies = append(latencies, d)
				v.next++
			case errors.As(err, &e) && e.Code == "busy":
				rep.Busy++
				busyLat = append(busyLat, d)
				rep.LastBusySeconds = max(rep.LastBusySeconds, t0.Sub(start).Seconds())
			default:
				rep.Errors++
				if err == nil {
					err = fmt.Errorf("receipt for another ballot")
				}
				if rep.FirstError == "" {
					rep.FirstError = err.Error()
				}
				v.next++ // do not retry a refused ballot
			}
		}()
	}
	wg.Wait()
	elapsed = time.Since(start).Seconds()
	rep.BallotsPerSec = float64(rep.Accepted) / elapsed
	rep.P50ms, rep.P90ms, rep.P99ms, rep.MaxMs = pct(latencies, 0.50), pct(latencies, 0.90), pct(latencies, 0.99), pct(latencies, 1)
	rep.BusyP99ms = pct(busyLat, 0.99)
	return latencies, busyLat, elapsed
}

// pct is the q-quantile of ds in milliseconds (nearest rank).
func pct(ds []time.Duration, q float64) float64 {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(q*float64(len(s))+0.5) - 1
	i = max(0, min(i, len(s)-1))
	return float64(s[i].Microseconds()) / 1000
}
