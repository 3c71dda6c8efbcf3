// Package observe is the observer node: it follows a platform's ledger of
// one election live, replays every entry through the election state
// machine as it arrives, keeps its own copy on disk, and raises a loud
// alert — naming the entry — on an invalid entry, a rewritten history, or
// a split view (a history that the platform shows a peer and not this
// node). It is also a witness: it cosigns (C2SP tlog-cosignature) each
// checkpoint that it has itself verified to extend everything it saw, and
// refuses once it has seen the ledger misbehave. It serves its copy as
// tlog-tiles, its dashboard, and the witness endpoint:
//
//	/                         the dashboard (package dashboard)
//	/ledger/                  its copy: checkpoint (with its cosignature), tiles
//	/witness/add-checkpoint   the tlog-witness endpoint the platform calls
//	/alerts                   the alerts, as JSON
package observe

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/urna-vote/urna/dashboard"
	"github.com/urna-vote/urna/election"
	"github.com/urna-vote/urna/ledger"
	"github.com/urna-vote/urna/ledger/tiles"
	"github.com/urna-vote/urna/ledger/witness"
	"github.com/urna-vote/urna/verify"
	"golang.org/x/mod/sumdb/note"
)

// Alert kinds.
const (
	AlertInvalidEntry = "invalid_entry"        // an entry the state machine refuses
	AlertRewritten    = "rewritten_history"    // a new checkpoint does not extend the old one
	AlertSplitView    = "split_view"           // a peer saw a history this node was not shown
	AlertSignature    = "checkpoint_signature" // a checkpoint not signed by the log key
)

// Alert is a finding of the node: the ledger misbehaved.
type Alert = dashboard.Alert

// Config configures a node.
type Config struct {
	// URL is the prefix where the platform serves the election's ledger as
	// tlog-tiles, e.g. https://urna.example/ledger/city-2026/.
	URL string
	// LogKey is the log's verifier key, from the election's publication
	// (never from the server being observed).
	LogKey string
	// Dir holds the node's copy.
	Dir string
	// Witness, if set, makes the node cosign the checkpoints it verified.
	Witness *witness.Signer
	// Peers are other observer nodes' base URLs: their copies are compared
	// with this one's (split-view detection).
	Peers []string
	// Interval between polls (default 1 s).
	Interval time.Duration
	HTTP     *http.Client
	Logger   *slog.Logger
}

// Node is an observer node.
type Node struct {
	cfg      Config
	verifier note.Verifier
	client   *tiles.Client
	rep      *replica
	log      *slog.Logger
	series   dashboard.Series

	pollMu sync.Mutex // one poll at a time

	mu       sync.RWMutex
	state    *election.State
	election string
	alerts   []dashboard.Alert
	halted   bool   // it saw history rewritten or split: it stops following
	cosigned uint64 // the size of the last checkpoint it cosigned
	peerSeen map[string]uint64
	verified string // the full verification's outcome, once the result is signed
}

// Open opens (or starts) the node's copy in cfg.Dir and replays it.
func Open(cfg Config) (*Node, error) {
	if cfg.Interval == 0 {
		cfg.Interval = time.Second
	}
	if cfg.HTTP == nil {
		cfg.HTTP = &http.Client{Timeout: 30 * time.Second}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	v, err := ledger.NewVerifier(cfg.LogKey)
	if err != nil {
		return nil, err
	}
	n := &Node{cfg: cfg, verifier: v, client: tiles.NewClient(cfg.URL, v, cfg.HTTP), log: cfg.Logger,
		state: election.New(), peerSeen: map[string]uint64{}}
	n.rep, err = openReplica(cfg.Dir, func(signed []byte) (ledger.Checkpoint, error) { return ledger.OpenCheckpoint(signed, v) })
	if err != nil {
		return nil, err
	}
	var raws [][]byte
	for e, err := range n.rep.Entries(0, n.rep.size()) {
		if err != nil {
			n.rep.close()
			return nil, err
		}
		raws = append(raws, e)
		if len(raws) == 4096 {
			n.apply(raws)
			raws = nil
		}
	}
	n.apply(raws)
	if cp, _ := n.rep.Checkpoint(); cp.Size > 0 && cfg.Witness != nil {
		n.cosigned = cp.Size // it cosigns from where its copy stands
	}
	return n, nil
}

// Close closes the copy.
func (n *Node) Close() error { return n.rep.close() }

// apply replays entries through the state machine, batch-verifying their
// ballots, and raises an alert for each entry it refuses.
func (n *Node) apply(raws [][]byte) {
	if len(raws) == 0 {
		return
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	s := n.state
	rest := raws
	for len(rest) > 0 && s.BallotContext() == nil {
		if err := s.Apply(rest[0]); err != nil {
			n.alertLocked(AlertInvalidEntry, int64(s.Next), describe(err))
			s.Skip()
		}
		rest = rest[1:]
	}
	for len(rest) > 0 {
		k := min(len(rest), 4096)
		for _, p := range s.Prepare(rand.Reader, s.Next, rest[:k]) {
			if err := s.ApplyPrepared(p); err != nil {
				n.alertLocked(AlertInvalidEntry, int64(p.Index), describe(err))
				s.Skip()
			}
		}
		rest = rest[k:]
	}
	if s.Manifest != nil {
		n.election = s.Manifest.ID
	}
	snap := dashboard.FromState(n.election, s)
	n.series.Record(snap)
}

func describe(err error) string {
	var ce *election.CheckError
	if errors.As(err, &ce) {
		return ce.ID + ": " + ce.Err.Error()
	}
	return err.Error()
}

// alertLocked records an alert and logs it loudly; n.mu is held.
func (n *Node) alertLocked(kind string, entry int64, detail string) {
	for _, a := range n.alerts {
		if a.Kind == kind && a.Entry == entry && a.Detail == detail {
			return
		}
	}
	n.alerts = append(n.alerts, dashboard.Alert{Time: time.Now().UnixMilli(), Kind: kind, Entry: entry, Detail: detail})
	n.log.Error("observe: ALERT", "kind", kind, "entry", entry, "detail", detail)
	if kind == AlertRewritten || kind == AlertSplitView {
		n.halted = true
	}
}

func (n *Node) alert(kind string, entry int64, detail string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.alertLocked(kind, entry, detail)
}

// Alerts returns the alerts raised so far.
func (n *Node) Alerts() []Alert {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return append([]Alert{}, n.alerts...)
}

// Poll fetches the platform's latest checkpoint, checks that it extends
// the node's copy, fetches the new entries (each proven against it),
// stores and replays them. A network failure is returned (and retried by
// Run); misbehaviour of the ledger raises an alert.
func (n *Node) Poll(ctx context.Context) error { return n.poll(ctx, false) }

// poll is Poll; with wait, it long-polls: the platform answers when its
// ledger has grown past the node's copy (or after about 20 seconds).
func (n *Node) poll(ctx context.Context, wait bool) error {
	n.mu.RLock()
	halted := n.halted
	n.mu.RUnlock()
	if halted {
		return nil
	}
	var (
		cp     ledger.Checkpoint
		signed []byte
		err    error
	)
	if wait {
		// The long poll holds no lock: a witness request may poll
		// meanwhile. A checkpoint that it made stale is fetched again.
		cp, signed, err = n.client.WaitCheckpoint(ctx, n.rep.size())
	}
	n.pollMu.Lock()
	defer n.pollMu.Unlock()
	if !wait || (err == nil && cp.Size < n.rep.size()) {
		cp, signed, err = n.client.Checkpoint(ctx)
	}
	if err != nil {
		if errors.Is(err, ledger.ErrSignature) {
			n.alert(AlertSignature, -1, err.Error())
		}
		return err
	}
	size := n.rep.size()
	if cp.Size < size {
		n.alert(AlertRewritten, n.firstDifference(ctx, n.client, cp), fmt.Sprintf("the log shrank from %d to %d entries", size, cp.Size))
		return nil
	}
	if size > 0 {
		old, _ := n.rep.Checkpoint()
		p, err := n.client.ConsistencyProof(ctx, size, cp)
		if err == nil {
			err = ledger.VerifyConsistency(old, cp, p)
		}
		if err != nil {
			if errors.Is(err, ledger.ErrInvalidProof) {
				n.alert(AlertRewritten, n.firstDifference(ctx, n.client, cp),
					fmt.Sprintf("the checkpoint of %d entries does not extend the %d this node holds: history was rewritten", cp.Size, size))
				return nil
			}
			return err
		}
	}
	var fresh [][]byte
	for e, err := range n.client.Entries(ctx, cp, size) {
		if err != nil {
			if errors.Is(err, ledger.ErrInvalidProof) {
				n.alert(AlertRewritten, -1, err.Error())
				return nil
			}
			return err
		}
		fresh = append(fresh, e)
	}
	if err := n.rep.append(fresh, cp, signed); err != nil {
		return err
	}
	n.apply(fresh)
	return nil
}

// firstDifference finds, by bisection on tree roots, the first entry where
// the history the checkpoint commits to (read through c) differs from the
// node's copy; −1 if it cannot tell.
func (n *Node) firstDifference(ctx context.Context, c *tiles.Client, cp ledger.Checkpoint) int64 {
	hi := min(cp.Size, n.rep.size()) // the prefixes of sizes ≤ lo agree; find the first size that does not
	same := func(k uint64) (bool, error) {
		theirs, err := c.Root(ctx, cp, k)
		if err != nil {
			return false, err
		}
		ours, err := n.rep.Root(k)
		return theirs == ours, err
	}
	if ok, err := same(hi); err != nil {
		return -1
	} else if ok {
		return int64(hi) // the prefixes agree: the first difference is past them
	}
	lo := uint64(0)
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		ok, err := same(mid)
		if err != nil {
			return -1
		}
		if ok {
			lo = mid
		} else {
			hi = mid
		}
	}
	return int64(hi - 1)
}

// CheckPeers compares this node's copy with each peer's: a peer's
// checkpoint (signed by the log) must describe a prefix of this node's
// history or extend it. Anything else is a split view.
func (n *Node) CheckPeers(ctx context.Context) {
	for _, peer := range n.cfg.Peers {
		c := tiles.NewClient(strings.TrimSuffix(peer, "/")+"/ledger/", n.verifier, n.cfg.HTTP)
		cp, _, err := c.Checkpoint(ctx)
		if err != nil {
			if errors.Is(err, ledger.ErrSignature) {
				n.alert(AlertSignature, -1, fmt.Sprintf("peer %s shows a checkpoint the log did not sign: %v", peer, err))
			} else {
				n.log.Warn("observe: peer unreachable", "peer", peer, "err", err)
			}
			continue
		}
		size := n.rep.size()
		var consistent bool
		if cp.Size <= size {
			ours, err := n.rep.Root(cp.Size)
			consistent = err == nil && ours == cp.Root
		} else {
			old, _ := n.rep.Checkpoint()
			p, err := c.ConsistencyProof(ctx, size, cp)
			if err != nil && !errors.Is(err, ledger.ErrInvalidProof) {
				n.log.Warn("observe: peer unreachable", "peer", peer, "err", err)
				continue
			}
			consistent = err == nil && ledger.VerifyConsistency(old, cp, p) == nil
		}
		if !consistent {
			n.alert(AlertSplitView, n.firstDifference(ctx, c, cp),
				fmt.Sprintf("peer %s was shown a history of %d entries that differs from the one shown to this node", peer, cp.Size))
			continue
		}
		n.mu.Lock()
		n.peerSeen[peer] = cp.Size
		n.mu.Unlock()
	}
}

// Run follows the ledger until ctx ends: it long-polls the platform's
// checkpoint, so new entries arrive as soon as they are committed, and at
// most every Interval compares with its peers. Against a server that does
// not hold long polls it polls every Interval.
func (n *Node) Run(ctx context.Context) {
	lastPeers := time.Time{}
	for ctx.Err() == nil {
		start := time.Now()
		before := n.rep.size()
		err := n.poll(ctx, true)
		if err != nil && ctx.Err() == nil {
			n.log.Warn("observe: poll", "err", err)
		}
		if time.Since(lastPeers) >= n.cfg.Interval {
			n.CheckPeers(ctx)
			lastPeers = time.Now()
		}
		n.verifyWhenDone()
		if rest := n.cfg.Interval - time.Since(start); (err != nil || n.rep.size() == before) && rest > 0 {
			select {
			case <-ctx.Done():
			case <-time.After(rest):
			}
		}
	}
}

// verifyWhenDone runs the full verification of the node's copy (urna
// verify's checks) once the result is on it with its signatures.
func (n *Node) verifyWhenDone() {
	n.mu.RLock()
	done := n.verified == "" && n.state.Result != nil && n.state.Manifest != nil && len(n.state.Signatures) == len(n.state.Manifest.Commission)
	n.mu.RUnlock()
	if !done {
		return
	}
	cp, signed := n.rep.Checkpoint()
	rep := verify.Entries(n.rep.Entries(0, cp.Size), signed, n.verifier, verify.Options{})
	n.mu.Lock()
	defer n.mu.Unlock()
	if rep.OK {
		n.verified = "ok"
		n.log.Info("observe: the election verifies", "entries", cp.Size, "ballots", rep.Ballots)
		return
	}
	n.verified = rep.Error
	n.alertLocked(AlertInvalidEntry, -1, "the full verification failed: "+rep.Error)
}

// cosign answers a platform's add-checkpoint request: it cosigns only a
// checkpoint that its own copy has reached and matches, that extends the
// last it cosigned, and only while it has raised no alert.
func (n *Node) cosign(ctx context.Context, body []byte) (int, []byte) {
	if n.cfg.Witness == nil {
		return http.StatusNotFound, []byte("this node is not a witness\n")
	}
	old, proof, signed, err := witness.ParseAddCheckpoint(body)
	if err != nil {
		return http.StatusBadRequest, []byte(err.Error() + "\n")
	}
	cp, err := ledger.OpenCheckpoint(signed, n.verifier)
	if err != nil {
		return http.StatusForbidden, []byte(err.Error() + "\n")
	}
	n.mu.RLock()
	cosigned, alerts := n.cosigned, len(n.alerts)
	n.mu.RUnlock()
	if alerts > 0 {
		return http.StatusForbidden, []byte("this node has seen the ledger misbehave and cosigns nothing more; see /alerts\n")
	}
	if old != cosigned {
		return http.StatusConflict, []byte(fmt.Sprintf("%d\n", cosigned))
	}
	if cp.Size < old {
		return http.StatusBadRequest, []byte("the checkpoint is older than the last one cosigned\n")
	}
	if cp.Size > n.rep.size() {
		if err := n.Poll(ctx); err != nil {
			return http.StatusServiceUnavailable, []byte("cannot reach the ledger to check the checkpoint: " + err.Error() + "\n")
		}
	}
	if cp.Size > n.rep.size() {
		return http.StatusForbidden, []byte("this node has not seen the entries of this checkpoint\n")
	}
	ours, err := n.rep.Root(cp.Size)
	if err != nil || ours != cp.Root {
		n.alert(AlertSplitView, n.firstDifference(ctx, n.client, cp), fmt.Sprintf("the platform asked to cosign a tree of %d entries that differs from this node's copy", cp.Size))
		return http.StatusForbidden, []byte("the checkpoint differs from this node's copy of the ledger\n")
	}
	oldRoot, _ := n.rep.Root(old)
	if err := ledger.VerifyConsistency(ledger.Checkpoint{Origin: cp.Origin, Size: old, Root: oldRoot}, cp, proof); err != nil && old > 0 {
		return http.StatusUnprocessableEntity, []byte("the consistency proof does not verify\n")
	}
	out, err := witness.Cosign(signed, n.cfg.Witness)
	if err != nil {
		return http.StatusInternalServerError, []byte(err.Error() + "\n")
	}
	n.mu.Lock()
	if cp.Size >= n.cosigned {
		n.cosigned = cp.Size
	}
	n.mu.Unlock()
	if repCp, repSigned := n.rep.Checkpoint(); repCp == cp {
		if merged, err := witness.Merge(repSigned, out); err == nil {
			n.rep.setSigned(cp, merged)
		}
	}
	_, line, _ := strings.Cut(string(out), string(signed))
	return http.StatusOK, []byte(line)
}

// Snapshot is the dashboard's view of the node.
func (n *Node) Snapshot() dashboard.Snapshot {
	n.mu.RLock()
	s := dashboard.FromState(n.election, n.state)
	s.Alerts = append(s.Alerts, n.alerts...)
	s.Verification = n.verified
	n.mu.RUnlock()
	s.Node = "observer"
	_, signed := n.rep.Checkpoint()
	s.Checkpoint = string(signed)
	if n.cfg.Witness != nil && strings.Contains(s.Checkpoint, "— "+n.cfg.Witness.Name()+" ") {
		s.Cosigners = append(s.Cosigners, n.cfg.Witness.Name())
	}
	s.Series = n.series.Points()
	return s
}

// Entry implements dashboard.Source from the node's copy.
func (n *Node) Entry(i uint64) ([]byte, ledger.Proof, []byte, error) {
	cp, signed := n.rep.Checkpoint()
	if i >= cp.Size {
		return nil, nil, nil, ledger.ErrRange
	}
	var entry []byte
	for e, err := range n.rep.Entries(i, i+1) {
		if err != nil {
			return nil, nil, nil, err
		}
		entry = e
	}
	n.rep.mu.RLock()
	p, err := tlogProve(n.rep, i, cp.Size)
	n.rep.mu.RUnlock()
	return entry, p, signed, err
}

// Handler serves the node.
func (n *Node) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/ledger/", http.StripPrefix("/ledger/", tiles.NewHandler(n.rep, n.log)))
	mux.HandleFunc("POST /witness/add-checkpoint", func(w http.ResponseWriter, r *http.Request) {
		body, err := readLimited(r, witness.MaxRequest)
		if err != nil {
			http.Error(w, err.Error(), http.StatusRequestEntityTooLarge)
			return
		}
		status, out := n.cosign(r.Context(), body)
		if status == http.StatusConflict {
			w.Header().Set("Content-Type", "text/x.tlog.size")
		}
		w.WriteHeader(status)
		w.Write(out)
	})
	mux.HandleFunc("GET /alerts", func(w http.ResponseWriter, r *http.Request) {
		alerts := n.Alerts()
		sort.Slice(alerts, func(i, j int) bool { return alerts[i].Time < alerts[j].Time })
		writeJSON(w, alerts)
	})
	mux.Handle("/", dashboard.Handler(n, dashboard.Options{Prefix: "/", Home: "/", Logger: n.log}))
	return mux
}
