package chain_test

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cometbft/cometbft/abci/types"
	rpclocal "github.com/cometbft/cometbft/rpc/client/local"
	"github.com/urna-vote/urna/ballot"
	"github.com/urna-vote/urna/ballotbox"
	"github.com/urna-vote/urna/chain"
	"github.com/urna-vote/urna/client"
	"github.com/urna-vote/urna/demo"
	"github.com/urna-vote/urna/election"
	"github.com/urna-vote/urna/internal/storetest"
	"github.com/urna-vote/urna/notify"
	"github.com/urna-vote/urna/platform"
	"github.com/urna-vote/urna/web"
)

var _ types.Application = (*chain.App)(nil)

func port(t *testing.T) int {
	base, err := chain.FreeBasePort(4)
	if err != nil {
		t.Fatal(err)
	}
	return base
}

// TestServerOnTheNetwork runs the demo with one election's ledger on four
// validators: the server acknowledges a ballot only once the network
// committed it, its own ledger mirrors the network's exactly, voting goes
// on with a validator stopped, and a server that restarts mirrors what
// the network committed while it was away.
func TestServerOnTheNetwork(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a network")
	}
	homes, err := chain.Testnet(t.TempDir(), "urna-test", 4, 0, port(t))
	if err != nil {
		t.Fatal(err)
	}
	nodes, err := chain.StartAll(homes, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, n := range nodes {
			if n != nil {
				n.Stop()
			}
		}
	})
	replica := chain.NewReplica(rpclocal.New(nodes[0].Node))
	data, dsn := t.TempDir(), storetest.DSN(t)
	outbox := notify.NewOutbox(8)
	cfg := platform.Config{Data: data, DB: dsn, SMS: outbox, Replica: func(id string) (ballotbox.Replica, error) {
		if id == "demo-park" {
			return replica, nil
		}
		return nil, nil
	}}
	ctx := context.Background()
	p, err := platform.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := demo.Setup(ctx, p, demo.Options{Voters: 6, Guardians: 3, Threshold: 2}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(web.New(p, web.Options{Demo: true, Outbox: outbox, InsecureCookies: true, ExemptLoopback: true}))
	defer srv.Close()

	// same checks that the server's ledger is the network's. The
	// platform's conductor posts entries of its own (the key test, …), so
	// one may be committed on the network and not yet mirrored: the check
	// allows a few seconds for the two to meet.
	same := func(p *platform.Platform) {
		t.Helper()
		e, _ := p.Election("demo-park")
		deadline := time.Now().Add(5 * time.Second)
		for {
			cp, _ := e.Box.Ledger().Checkpoint()
			size, root := nodes[0].App.Size()
			if size == cp.Size && root == cp.Root {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("the server's ledger has %d entries (root %s), the network %d (%s)", cp.Size, cp.Root, size, root)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	same(p)

	vote := func(i int) {
		t.Helper()
		c := client.New(srv.URL, nil)
		if err := c.DemoLogin(ctx, demo.Voter(i), demo.Password); err != nil {
			t.Fatal(err)
		}
		el, err := c.Election(ctx, "demo-park")
		if err != nil {
			t.Fatal(err)
		}
		dev, err := c.Credential(ctx, el, "77-01")
		if err != nil {
			t.Fatal(err)
		}
		b, _, err := dev.Encrypt(ballot.Choices{{1, 0, 0}})
		if err != nil {
			t.Fatal(err)
		}
		rc, err := c.Cast(ctx, "demo-park", b.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		// Acknowledged means committed by the network.
		size, _ := nodes[0].App.Size()
		if rc.Entry >= size {
			t.Fatalf("ballot acknowledged at entry %d, the network has %d", rc.Entry, size)
		}
		if err := el.CheckReceipt(rc, b); err != nil {
			t.Fatal(err)
		}
	}
	vote(0)
	same(p)

	// One validator of four stops: voting goes on.
	nodes[3].Stop()
	nodes[3] = nil
	vote(3)
	same(p)

	// The server stops; the network commits an entry it did not see (as
	// after a crash between the network's commit and the mirror's append);
	// restarted, the server mirrors it.
	p.Close()
	var (
		closes    int64
		opContext [32]byte
	)
	nodes[0].App.View(func(st *election.State) {
		closes = st.Manifest.Voting.Closes
		_, opContext = st.Operator()
	})
	// Signed with the platform's key, as the platform would (check O1).
	seed, err := os.ReadFile(filepath.Join(cfg.Data, "operator.key"))
	if err != nil {
		t.Fatal(err)
	}
	seed, err = hex.DecodeString(strings.TrimSpace(string(seed)))
	if err != nil {
		t.Fatal(err)
	}
	closing := &election.Entry{Type: election.TypeClose, Time: closes}
	if err := closing.SignAsOperator(opContext, ed25519.NewKeyFromSeed(seed)); err != nil {
		t.Fatal(err)
	}
	e, err := closing.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if _, errs, err := replica.Commit(ctx, [][]byte{e}); err != nil || errs[0] != nil {
		t.Fatalf("committing behind the server's back: %v %v", err, errs)
	}
	p2, err := platform.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer p2.Close()
	same(p2)
}
