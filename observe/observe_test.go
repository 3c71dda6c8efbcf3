package observe

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/urna-vote/urna/election"
	"github.com/urna-vote/urna/internal/simtest"
	"github.com/urna-vote/urna/ledger"
	"github.com/urna-vote/urna/ledger/tiles"
	"github.com/urna-vote/urna/ledger/witness"
	"github.com/urna-vote/urna/simulate"
)

// An election simulated once for the tamper tests: its entries and the
// operator's log keys, with which a test plays a malicious operator.
var simulatedElection = sync.OnceValues(func() (*simtest.Election, error) {
	return simtest.Run(simulate.Options{Voters: 30, Guardians: 3, Threshold: 2, RevoteShare: 0.2})
})

func simulated(t *testing.T) ([][]byte, string, string) {
	t.Helper()
	e, err := simulatedElection()
	if err != nil {
		t.Fatal(err)
	}
	return e.Entries, e.SignerKey, e.VerifierKey
}

// server plays a platform that serves a ledger as tlog-tiles and may
// switch to another history (signed with the same key) at any time.
type server struct {
	t   *testing.T
	mu  sync.Mutex
	log tiles.Log
	srv *httptest.Server
}

func newServer(t *testing.T, entries [][]byte, skey string) *server {
	s := &server{t: t}
	s.show(entries, skey)
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		log := s.log
		s.mu.Unlock()
		tiles.NewHandler(log, nil).ServeHTTP(w, r)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

// show makes the server serve exactly these entries, under a checkpoint
// it signs with skey: what an operator holding the log key can do.
func (s *server) show(entries [][]byte, skey string) {
	s.t.Helper()
	signer, err := ledger.NewSigner(skey)
	if err != nil {
		s.t.Fatal(err)
	}
	r, err := openReplica(s.t.TempDir(), nil)
	if err != nil {
		s.t.Fatal(err)
	}
	s.t.Cleanup(func() { r.close() })
	size, root, err := ledger.RootFromEntries(func(yield func([]byte, error) bool) {
		for _, e := range entries {
			if !yield(e, nil) {
				return
			}
		}
	})
	if err != nil {
		s.t.Fatal(err)
	}
	cp := ledger.Checkpoint{Origin: signer.Name(), Size: size, Root: root}
	signed, err := ledger.SignCheckpoint(cp, signer)
	if err != nil {
		s.t.Fatal(err)
	}
	if err := r.append(entries, cp, signed); err != nil {
		s.t.Fatal(err)
	}
	s.mu.Lock()
	s.log = r
	s.mu.Unlock()
}

func newNode(t *testing.T, url, vkey string, w *witness.Signer, peers ...string) (*Node, string) {
	t.Helper()
	n, err := Open(Config{URL: url, LogKey: vkey, Dir: t.TempDir(), Witness: w, Peers: peers, Interval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	srv := httptest.NewServer(n.Handler())
	t.Cleanup(srv.Close)
	return n, srv.URL
}

func witnessSigner(t *testing.T, name string) (*witness.Signer, string) {
	t.Helper()
	skey, vkey, err := witness.GenerateKey(nil, name)
	if err != nil {
		t.Fatal(err)
	}
	s, err := witness.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	return s, vkey
}

// ballotIndexes returns the indexes of the ballot entries.
func ballotIndexes(t *testing.T, entries [][]byte) []int {
	var out []int
	for i, raw := range entries {
		e, err := election.DecodeEntry(raw)
		if err != nil {
			t.Fatal(err)
		}
		if e.Type == election.TypeBallot {
			out = append(out, i)
		}
	}
	return out
}

func without(entries [][]byte, i int) [][]byte {
	out := append([][]byte{}, entries[:i]...)
	return append(out, entries[i+1:]...)
}

// askCosign sends the node an add-checkpoint request for the server's
// current checkpoint, as a platform would.
func askCosign(t *testing.T, nodeURL string, s *server, old uint64) (int, string) {
	t.Helper()
	s.mu.Lock()
	cp, signed := s.log.Checkpoint()
	s.mu.Unlock()
	var proof ledger.Proof
	if old > 0 {
		r := s.log.(*replica)
		r.mu.RLock()
		p, err := tlogConsistency(r, old, cp.Size)
		r.mu.RUnlock()
		if err == nil {
			proof = p
		}
	}
	resp, err := http.Post(nodeURL+"/witness/add-checkpoint", "text/plain", bytes.NewReader(witness.AddCheckpoint(old, proof, signed)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func alertOf(n *Node, kind string) (Alert, bool) {
	for _, a := range n.Alerts() {
		if a.Kind == kind {
			return a, true
		}
	}
	return Alert{}, false
}

// TestFollowAndCosign: the node follows a growing ledger, replays it to
// the same state, and cosigns each checkpoint it reached.
func TestFollowAndCosign(t *testing.T) {
	entries, skey, vkey := simulated(t)
	half := len(entries) / 2
	s := newServer(t, entries[:half], skey)
	w, wkey := witnessSigner(t, "observer.test")
	n, url := newNode(t, s.srv.URL, vkey, w)
	ctx := context.Background()
	if err := n.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	if code, body := askCosign(t, url, s, 0); code != http.StatusOK {
		t.Fatalf("cosigning a checkpoint the node reached: %d %s", code, body)
	}
	s.show(entries, skey) // the ledger grows
	if code, body := askCosign(t, url, s, 0); code != http.StatusConflict || strings.TrimSpace(body) != fmt.Sprint(half) {
		t.Fatalf("a request from the wrong old size: %d %q, want 409 with %d", code, body, half)
	}
	code, line := askCosign(t, url, s, uint64(half)) // the node polls to reach it
	if code != http.StatusOK {
		t.Fatalf("cosigning the grown ledger: %d %s", code, line)
	}
	_, signed := s.log.Checkpoint()
	p, _ := witness.ParsePolicy([]byte("witness observer.test " + wkey + "\nquorum 1\n"))
	if _, err := p.Check(append(bytes.Clone(signed), line...)); err != nil {
		t.Fatalf("the cosignature does not verify: %v", err)
	}
	snap := n.Snapshot()
	if snap.Entries != uint64(len(entries)) || len(snap.Alerts) != 0 {
		t.Fatalf("node at %d entries with alerts %v, want %d and none", snap.Entries, snap.Alerts, len(entries))
	}
	if snap.Phase != "decided" {
		t.Errorf("phase %q after the whole ledger", snap.Phase)
	}
	n.verifyWhenDone()
	if got := n.Snapshot().Verification; got != "ok" {
		t.Errorf("full verification of the copy: %q", got)
	}
	// Its copy is a ledger anyone can verify, and it survives a restart.
	n.Close()
	n2, err := Open(Config{URL: s.srv.URL, LogKey: vkey, Dir: n.cfg.Dir})
	if err != nil {
		t.Fatal(err)
	}
	defer n2.Close()
	if got := n2.Snapshot(); got.Entries != uint64(len(entries)) || got.Counts != snap.Counts {
		t.Errorf("reopened: %d entries, counts %+v; want %d, %+v", got.Entries, got.Counts, len(entries), snap.Counts)
	}
}

// TestRewrittenHistory: the operator drops a ballot it had already
// published and re-signs: the node names the entry and cosigns nothing.
func TestRewrittenHistory(t *testing.T) {
	entries, skey, vkey := simulated(t)
	ballots := ballotIndexes(t, entries)
	dropped := ballots[len(ballots)/2]
	s := newServer(t, entries[:dropped+5], skey)
	w, _ := witnessSigner(t, "observer.test")
	n, url := newNode(t, s.srv.URL, vkey, w)
	if err := n.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	s.show(without(entries, dropped), skey)
	if err := n.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	a, ok := alertOf(n, AlertRewritten)
	if !ok || a.Entry != int64(dropped) {
		t.Fatalf("alerts %+v, want %s naming entry %d", n.Alerts(), AlertRewritten, dropped)
	}
	if code, body := askCosign(t, url, s, 0); code != http.StatusForbidden {
		t.Fatalf("cosigning after the rewrite: %d %s, want 403", code, body)
	}
	// The copy keeps the history it saw, as evidence.
	if got, _ := n.rep.Checkpoint(); got.Size != uint64(dropped+5) {
		t.Errorf("the copy has %d entries, want the %d it verified", got.Size, dropped+5)
	}
}

// TestSplitView: the operator shows two observers two histories, each
// consistent in itself. Comparing with each other, both name the entry.
func TestSplitView(t *testing.T) {
	entries, skey, vkey := simulated(t)
	ballots := ballotIndexes(t, entries)
	dropped := ballots[len(ballots)/3]
	entries = entries[:ballots[len(ballots)-1]+1] // voting still open: both views are valid ledgers
	viewA := newServer(t, entries, skey)
	viewB := newServer(t, without(entries, dropped), skey)
	wa, _ := witnessSigner(t, "observer.a")
	wb, _ := witnessSigner(t, "observer.b")
	// Each node learns the other's URL once both are up.
	a, urlA := newNode(t, viewA.srv.URL, vkey, wa)
	b, urlB := newNode(t, viewB.srv.URL, vkey, wb)
	a.cfg.Peers, b.cfg.Peers = []string{urlB}, []string{urlA}
	ctx := context.Background()
	for _, n := range []*Node{a, b} {
		if err := n.Poll(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if len(a.Alerts())+len(b.Alerts()) != 0 {
		t.Fatalf("each view alone looks fine, but: %v %v", a.Alerts(), b.Alerts())
	}
	a.CheckPeers(ctx)
	b.CheckPeers(ctx)
	for name, n := range map[string]*Node{"a": a, "b": b} {
		al, ok := alertOf(n, AlertSplitView)
		if !ok || al.Entry != int64(dropped) {
			t.Errorf("node %s: alerts %+v, want %s naming entry %d", name, n.Alerts(), AlertSplitView, dropped)
		}
	}
	if code, _ := askCosign(t, urlA, viewA, 0); code != http.StatusForbidden {
		t.Errorf("node a cosigns after seeing a split view: %d", code)
	}
}

// TestInvalidEntry: an entry the state machine refuses (a ballot appended
// twice) under a validly signed checkpoint is named.
func TestInvalidEntry(t *testing.T) {
	entries, skey, vkey := simulated(t)
	ballots := ballotIndexes(t, entries)
	dup := ballots[0]
	cut := ballots[len(ballots)-1]
	bad := append(append([][]byte{}, entries[:cut]...), entries[dup])
	s := newServer(t, bad, skey)
	w, _ := witnessSigner(t, "observer.test")
	n, url := newNode(t, s.srv.URL, vkey, w)
	if err := n.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	a, ok := alertOf(n, AlertInvalidEntry)
	if !ok || a.Entry != int64(cut) {
		t.Fatalf("alerts %+v, want %s naming entry %d", n.Alerts(), AlertInvalidEntry, cut)
	}
	if code, _ := askCosign(t, url, s, 0); code != http.StatusForbidden {
		t.Errorf("cosigning a ledger with an invalid entry: %d", code)
	}
	// The dashboard shows the alert.
	resp, err := http.Get(url + "/status")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var snap struct{ Alerts []Alert }
	json.NewDecoder(resp.Body).Decode(&snap)
	if len(snap.Alerts) == 0 {
		t.Error("the dashboard's status has no alert")
	}
}
