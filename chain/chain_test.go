package chain

import (
	"bytes"
	"context"
	"crypto/ed25519"
	crand "crypto/rand"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/cometbft/cometbft/node"
	rpclocal "github.com/cometbft/cometbft/rpc/client/local"
	"github.com/urna-vote/urna/election"
	"github.com/urna-vote/urna/internal/simtest"
	"github.com/urna-vote/urna/ledger"
	"github.com/urna-vote/urna/ledger/tiles"
	"github.com/urna-vote/urna/simulate"
	"github.com/urna-vote/urna/verify"
)

var simulated = sync.OnceValues(func() ([][]byte, error) {
	e, err := simtest.Run(simulate.Options{Voters: 30, Guardians: 3, Threshold: 2, RevoteShare: 0.2, SpoilShare: 0.1})
	if err != nil {
		return nil, err
	}
	return e.Entries, nil
})

// entriesOf is a whole small election's entries.
func entriesOf(t *testing.T) [][]byte {
	t.Helper()
	entries, err := simulated()
	if err != nil {
		t.Fatal(err)
	}
	return entries
}

func rootOf(t *testing.T, entries [][]byte) ledger.Hash {
	t.Helper()
	_, root, err := ledger.RootFromEntries(func(yield func([]byte, error) bool) {
		for _, e := range entries {
			if !yield(e, nil) {
				return
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// TestDeterminism feeds the same entries through the embedded replay and
// through the CometBFT application, in blocks: the same state, the same
// Merkle root.
func TestDeterminism(t *testing.T) {
	entries := entriesOf(t)
	embedded := election.New()
	for _, e := range entries {
		if err := embedded.Apply(e); err != nil {
			t.Fatal(err)
		}
	}
	app := NewApp()
	ctx := context.Background()
	for h, lo := int64(1), 0; lo < len(entries); h, lo = h+1, lo+7 {
		hi := min(lo+7, len(entries))
		res, err := app.FinalizeBlock(ctx, &abci.RequestFinalizeBlock{Height: h, Txs: entries[lo:hi]})
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range res.TxResults {
			if r.Code != CodeOK {
				t.Fatalf("entry %d refused: %s", lo+i, r.Log)
			}
		}
	}
	size, root := app.Size()
	if size != uint64(len(entries)) || root != rootOf(t, entries) {
		t.Fatalf("application: %d entries, root %s; want %d, %s", size, root, len(entries), rootOf(t, entries))
	}
	app.View(func(st *election.State) {
		if st.Counts != embedded.Counts || st.Phase != embedded.Phase || st.Result == nil ||
			fmt.Sprint(st.Result) != fmt.Sprint(embedded.Result) {
			t.Errorf("application state %+v %v, embedded %+v %v", st.Counts, st.Phase, embedded.Counts, embedded.Phase)
		}
	})
}

// TestProposals: validators vote against a block that repeats a
// transaction, carries a tampered ballot, or replays an entry already on
// the ledger; a refused entry in a finalized block is left out.
func TestProposals(t *testing.T) {
	entries := entriesOf(t)
	var ballots []int
	for i, raw := range entries {
		e, _ := election.DecodeEntry(raw)
		if e.Type == election.TypeBallot {
			ballots = append(ballots, i)
		}
	}
	first := ballots[0]
	app := NewApp()
	ctx := context.Background()
	if _, err := app.FinalizeBlock(ctx, &abci.RequestFinalizeBlock{Height: 1, Txs: entries[:first+1]}); err != nil {
		t.Fatal(err)
	}
	next := entries[first+1 : first+4]
	propose := func(txs [][]byte) abci.ResponseProcessProposal_ProposalStatus {
		res, err := app.ProcessProposal(ctx, &abci.RequestProcessProposal{Height: 2, Txs: txs})
		if err != nil {
			t.Fatal(err)
		}
		return res.Status
	}
	if got := propose(next); got != abci.ResponseProcessProposal_ACCEPT {
		t.Fatalf("a valid block: %v", got)
	}
	dup := [][]byte{next[0], next[1], next[0]}
	if got := propose(dup); got != abci.ResponseProcessProposal_REJECT {
		t.Errorf("a block with a transaction twice: %v", got)
	}
	if got := propose([][]byte{entries[first]}); got != abci.ResponseProcessProposal_REJECT {
		t.Errorf("a ballot already on the ledger, proposed again: %v", got)
	}
	tampered := bytes.Clone(entries[ballots[1]])
	tampered[len(tampered)/2] ^= 0x01
	if got := propose([][]byte{tampered}); got != abci.ResponseProcessProposal_REJECT {
		t.Errorf("a tampered ballot: %v", got)
	}
	// Finalized anyway (a faulty majority), the repeat is refused and left
	// out; the rest apply.
	res, err := app.FinalizeBlock(ctx, &abci.RequestFinalizeBlock{Height: 2, Txs: [][]byte{entries[first], next[0]}})
	if err != nil {
		t.Fatal(err)
	}
	if res.TxResults[0].Code != CodeRefused || res.TxResults[1].Code != CodeOK {
		t.Errorf("results %v", res.TxResults)
	}
	if size, _ := app.Size(); size != uint64(first+2) {
		t.Errorf("%d entries accepted, want %d", size, first+2)
	}
}

func freePort(t *testing.T) int { return freePortTB(t) }

// freePortTB is a base port for a network of four.
func freePortTB(t testing.TB) int {
	base, err := FreeBasePort(4)
	if err != nil {
		t.Fatal(err)
	}
	return base
}

// TestFourValidators runs four validators on loopback: entries submitted
// to one are committed by all with one application hash; a stopped
// validator catches up; with two of four stopped nothing is committed and
// nothing is lost, and the network resumes when one returns.
func TestFourValidators(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a network")
	}
	entries := entriesOf(t)
	base := freePort(t)
	homes, err := Testnet(t.TempDir(), "urna-test", 4, 0, base)
	if err != nil {
		t.Fatal(err)
	}
	nodes := make([]*Node, 4)
	for i, home := range homes {
		if nodes[i], err = Start(home, nil); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		for _, n := range nodes {
			if n != nil {
				n.Stop()
			}
		}
	})
	client := rpclocal.New(nodes[0].Node)
	ctx := context.Background()
	submit := func(txs [][]byte) {
		t.Helper()
		for _, tx := range txs {
			res, err := client.BroadcastTxSync(ctx, tx)
			if err != nil || res.Code != CodeOK {
				t.Fatalf("broadcast: %v %v", err, res)
			}
		}
	}
	waitAll := func(size int, which ...int) {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		for _, i := range which {
			for {
				got, _ := nodes[i].App.Size()
				if got >= uint64(size) {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("node %d has %d entries after 60 s, want %d", i, got, size)
				}
				time.Sleep(50 * time.Millisecond)
			}
		}
	}
	third := len(entries) / 3
	submit(entries[:third])
	waitAll(third, 0, 1, 2, 3)

	// One of four stops: voting goes on.
	nodes[3].Stop()
	nodes[3] = nil
	submit(entries[third : 2*third])
	waitAll(2*third, 0, 1, 2)

	// Two of four stopped: no progress, nothing lost.
	nodes[2].Stop()
	nodes[2] = nil
	submit(entries[2*third:])
	time.Sleep(2 * time.Second)
	if got, _ := nodes[0].App.Size(); got != uint64(2*third) {
		t.Fatalf("with two of four validators down, %d entries committed (want %d: none)", got, 2*third)
	}
	// One returns (replaying the chain it stored): the rest is committed.
	if nodes[3], err = Start(homes[3], nil); err != nil {
		t.Fatal(err)
	}
	waitAll(len(entries), 0, 1, 3)
	if nodes[2], err = Start(homes[2], nil); err != nil {
		t.Fatal(err)
	}
	waitAll(len(entries), 2)
	want := rootOf(t, entries)
	for i, n := range nodes {
		if _, root := n.App.Size(); root != want {
			t.Errorf("node %d: root %s, want %s", i, root, want)
		}
	}
	// Any node serves its copy, signed with its own key, and urna verify
	// checks the whole election against it.
	srv := httptest.NewServer(http.StripPrefix("/ledger", tiles.NewHandler(nodes[2].App, nil)))
	defer srv.Close()
	vkey, err := os.ReadFile(filepath.Join(homes[2], "config", "ledger.pub"))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := verify.URL(ctx, srv.URL+"/ledger/", verify.Options{Key: strings.TrimSpace(string(vkey))})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK || rep.Ballots == 0 {
		t.Fatalf("urna verify against node 2: %s", rep.Error)
	}
}

// byzantine is a validator that adds to each block it proposes a copy of
// a transaction already in it (or, in a block without any, a replay of
// one the network committed before), a tampered copy of it, and an
// issuance of its own making that the operator did not sign (check O1). CometBFT
// makes a block without transactions after each block that changed the
// application hash, so half of a validator's turns may fall on those.
type byzantine struct {
	*App
	mu        sync.Mutex
	committed []byte // a transaction of an earlier block
	proposed  int    // blocks proposed with bad transactions
}

func (b *byzantine) FinalizeBlock(ctx context.Context, req *abci.RequestFinalizeBlock) (*abci.ResponseFinalizeBlock, error) {
	if len(req.Txs) > 0 {
		b.mu.Lock()
		b.committed = bytes.Clone(req.Txs[0])
		b.mu.Unlock()
	}
	return b.App.FinalizeBlock(ctx, req)
}

func (b *byzantine) PrepareProposal(ctx context.Context, req *abci.RequestPrepareProposal) (*abci.ResponsePrepareProposal, error) {
	res, err := b.App.PrepareProposal(ctx, req)
	if err != nil {
		return res, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	tx := b.committed
	if len(res.Txs) > 0 {
		tx = res.Txs[0]
	}
	if tx == nil {
		return res, nil
	}
	b.proposed++
	bad := bytes.Clone(tx)
	bad[len(bad)/2] ^= 1
	res.Txs = append(res.Txs, tx, bad)
	// And an issuance of its own making, signed with a key of its own.
	var district string
	b.App.View(func(st *election.State) { district = st.Manifest.Districts[0].ID })
	forged := &election.Entry{Type: election.TypeCredential, Time: time.Now().UnixMilli(),
		Credential: &election.CredentialEntry{Pseudonym: make([]byte, 32), District: district}}
	crand.Read(forged.Credential.Pseudonym)
	_, key, _ := ed25519.GenerateKey(crand.Reader)
	var context [32]byte
	if err := forged.SignAsOperator(context, key); err != nil {
		return nil, err
	}
	raw, err := forged.Encode()
	if err != nil {
		return nil, err
	}
	res.Txs = append(res.Txs, raw)
	return res, nil
}

// TestFaultyProposer: one validator of four proposes blocks with a
// repeated (or replayed) and a tampered transaction; the others vote them down, the
// network goes on with the honest proposers, and no bad entry is
// committed.
func TestFaultyProposer(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a network")
	}
	entries := entriesOf(t)
	homes, err := Testnet(t.TempDir(), "urna-test", 4, 0, freePort(t))
	if err != nil {
		t.Fatal(err)
	}
	faulty := &byzantine{App: NewApp()}
	var stops []func() error
	apps := []*App{faulty.App}
	n0, err := StartWith(homes[0], faulty, nil)
	if err != nil {
		t.Fatal(err)
	}
	stops = append(stops, func() error { n0.Stop(); n0.Wait(); return nil })
	cnodes := []*node.Node{n0}
	for _, home := range homes[1:] {
		n, err := Start(home, nil)
		if err != nil {
			t.Fatal(err)
		}
		stops = append(stops, n.Stop)
		apps = append(apps, n.App)
		cnodes = append(cnodes, n.Node)
	}
	// state tells where each node is, for a failure's message.
	state := func() string {
		var b strings.Builder
		for i, n := range cnodes {
			size, _ := apps[i].Size()
			cs, err := rpclocal.New(n).ConsensusState(context.Background())
			if err != nil {
				fmt.Fprintf(&b, "\nnode %d: %d entries, %v", i, size, err)
				continue
			}
			fmt.Fprintf(&b, "\nnode %d: %d entries, consensus %s, mempool %d", i, size, cs.RoundState, n.Mempool().Size())
		}
		return b.String()
	}
	t.Cleanup(func() {
		for _, s := range stops {
			s()
		}
	})
	// Entries arrive in waves, a block's worth at a time, each once every
	// validator has committed the last: all are then at the same height,
	// the proposer rotates among them height by height, and the faulty
	// one, which receives the entries first, proposes at its turns.
	client := rpclocal.New(n0)
	deadline := time.Now().Add(90 * time.Second)
	for lo := 0; lo < len(entries); lo += 6 {
		hi := min(lo+6, len(entries))
		for _, tx := range entries[lo:hi] {
			if res, err := client.BroadcastTxSync(context.Background(), tx); err != nil || res.Code != CodeOK {
				t.Fatalf("broadcast: %v %v", err, res)
			}
		}
		for i, a := range apps {
			for {
				if size, _ := a.Size(); size >= uint64(hi) {
					break
				}
				if time.Now().After(deadline) {
					size, _ := a.Size()
					t.Fatalf("node %d: %d of the first %d entries committed after 90 s%s", i, size, hi, state())
				}
				time.Sleep(20 * time.Millisecond)
			}
		}
	}
	want := rootOf(t, entries)
	for i, a := range apps {
		if size, root := a.Size(); size != uint64(len(entries)) || root != want {
			t.Errorf("node %d: %d entries, root %s; want %d, %s", i, size, root, len(entries), want)
		}
	}
	// Nor does a node take such an entry into its mempool.
	forged := &election.Entry{Type: election.TypeClose, Time: time.Now().UnixMilli()}
	raw, err := forged.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if res, err := client.BroadcastTxSync(context.Background(), raw); err != nil || res.Code == CodeOK || !strings.Contains(res.Log, election.CheckOperator) {
		t.Errorf("an unsigned close entry offered to a node: %v %+v, want refused by O1", err, res)
	}
	faulty.mu.Lock()
	defer faulty.mu.Unlock()
	t.Logf("faulty proposed %d times, %d entries", faulty.proposed, len(entries))
	if faulty.proposed == 0 {
		t.Error("the faulty validator never proposed: the test proved nothing")
	}
}
