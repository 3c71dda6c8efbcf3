package witness

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/urna-vote/urna/ledger"
)

// A Log is what a Collector gathers cosignatures for; *ledger.Ledger is
// one.
type Log interface {
	Checkpoint() (ledger.Checkpoint, []byte)
	ConsistencyProof(older, newer uint64) (ledger.Proof, error)
}

// A Collector is the platform's side: whenever the log's checkpoint
// changes it sends it to every witness of the policy that has a URL, and
// keeps the latest checkpoint with the cosignatures it got.
type Collector struct {
	policy *Policy
	log    Log
	hc     *http.Client
	lg     *slog.Logger

	mu      sync.Mutex
	changed chan struct{}     // closed when latest changes
	sizes   map[string]uint64 // the size each witness last cosigned
	cp      ledger.Checkpoint
	signed  []byte
	names   []string
}

// NewCollector returns a collector for log under policy.
func NewCollector(policy *Policy, log Log, hc *http.Client, lg *slog.Logger) *Collector {
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Second}
	}
	if lg == nil {
		lg = slog.Default()
	}
	return &Collector{policy: policy, log: log, hc: hc, lg: lg, changed: make(chan struct{}), sizes: map[string]uint64{}}
}

// Run collects until ctx ends, checking the log every interval. A
// checkpoint some witness did not cosign (it was starting, or could not be
// reached) is sent again after interval, then twice as long each time up
// to a minute, until all cosign or the log grows: the last checkpoint of
// an election, after which nothing is appended, must not stay without
// cosignatures because of one failed request.
func (c *Collector) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	var (
		last    ledger.Checkpoint
		retryAt time.Time // zero: nothing to retry
		wait    = interval
	)
	for {
		cp, signed := c.log.Checkpoint()
		if cp.Size > 0 && (cp != last || !retryAt.IsZero() && !time.Now().Before(retryAt)) {
			if c.collect(ctx, cp, signed) {
				retryAt, wait = time.Time{}, interval
			} else {
				retryAt, wait = time.Now().Add(wait), min(2*wait, time.Minute)
			}
			last = cp
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// collect asks every witness to cosign cp, and tells whether every one
// with an address did.
func (c *Collector) collect(ctx context.Context, cp ledger.Checkpoint, signed []byte) bool {
	type answer struct {
		name string
		line []byte
	}
	answers := make(chan answer, len(c.policy.Witnesses))
	var wg sync.WaitGroup
	asked := 0
	for _, w := range c.policy.Witnesses {
		url := c.policy.URLs[w.Name()]
		if url == "" {
			continue
		}
		asked++
		wg.Add(1)
		go func(name, url string) {
			defer wg.Done()
			for attempt := 0; attempt < 2; attempt++ {
				c.mu.Lock()
				old := c.sizes[name]
				c.mu.Unlock()
				if old > cp.Size {
					return
				}
				proof, err := c.log.ConsistencyProof(old, cp.Size)
				if err != nil && old > 0 {
					c.lg.Warn("witness: consistency proof", "witness", name, "err", err)
					return
				}
				ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
				line, err := Send(ctx, c.hc, url, AddCheckpoint(old, proof, signed))
				cancel()
				var conflict *ConflictError
				switch {
				case err == nil:
					c.mu.Lock()
					c.sizes[name] = cp.Size
					c.mu.Unlock()
					answers <- answer{name, line}
					return
				case asConflict(err, &conflict):
					c.mu.Lock()
					c.sizes[name] = conflict.Size
					c.mu.Unlock()
				default:
					c.lg.Warn("witness: did not cosign", "witness", name, "size", cp.Size, "err", err)
					return
				}
			}
		}(w.Name(), url)
	}
	wg.Wait()
	close(answers)
	out := append([]byte(nil), signed...)
	answered := 0
	for a := range answers {
		out = append(out, a.line...)
		answered++
	}
	names := make([]string, 0)
	for name := range Signatures(out, c.policy.Witnesses) {
		names = append(names, name)
	}
	c.mu.Lock()
	c.cp, c.signed, c.names = cp, out, names
	close(c.changed)
	c.changed = make(chan struct{})
	c.mu.Unlock()
	return answered == asked
}

// Latest returns the latest checkpoint sent to the witnesses, with the
// cosignatures collected, and the names of the witnesses that cosigned.
func (c *Collector) Latest() (ledger.Checkpoint, []byte, []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cp, c.signed, append([]string(nil), c.names...)
}

// Wait waits until a checkpoint of at least size entries has been sent to
// the witnesses, and returns it as Latest does.
func (c *Collector) Wait(ctx context.Context, size uint64) (ledger.Checkpoint, []byte, []string, error) {
	for {
		c.mu.Lock()
		cp, signed, names, ch := c.cp, c.signed, append([]string(nil), c.names...), c.changed
		c.mu.Unlock()
		if cp.Size >= size && cp.Size > 0 {
			return cp, signed, names, nil
		}
		select {
		case <-ctx.Done():
			return ledger.Checkpoint{}, nil, nil, ctx.Err()
		case <-ch:
		}
	}
}
