package threshold

import (
	"bytes"
	"errors"
	"testing"

	"github.com/gtank/ristretto255"

	"github.com/urna-vote/urna/internal/seeded"
)

func TestParams(t *testing.T) {
	for _, tc := range []struct {
		p  Params
		ok bool
	}{
		{Params{N: 7, T: 4}, true},
		{Params{N: 1, T: 1}, true},
		{Params{N: 255, T: 255}, true},
		{Params{N: 255, T: 1}, true},
		{Params{N: 0, T: 0}, false},
		{Params{N: 3, T: 0}, false},
		{Params{N: 3, T: 4}, false},
		{Params{N: 256, T: 4}, false},
		{Params{N: -1, T: -2}, false},
	} {
		if err := tc.p.Check(); (err == nil) != tc.ok || (err != nil && !errors.Is(err, ErrParams)) {
			t.Errorf("%+v: %v", tc.p, err)
		}
	}
}

func TestNewSetupRejects(t *testing.T) {
	k1, _ := GenerateLongTermKey(seeded.Reader("setup 1"))
	k2, _ := GenerateLongTermKey(seeded.Reader("setup 2"))
	good := [][]byte{k1.Public().Bytes(), k2.Public().Bytes()}
	for name, keys := range map[string][][]byte{
		"too few keys":  good[:1],
		"duplicate key": {good[0], good[0]},
		"identity key":  {good[0], make([]byte, 32)},
		"short key":     {good[0], good[1][:31]},
		"non-canonical": {good[0], bytes.Repeat([]byte{0xff}, 32)},
	} {
		if _, err := NewSetup(Params{N: 2, T: 2}, [32]byte{}, keys); !errors.Is(err, ErrParams) {
			t.Errorf("%s: got %v, want ErrParams", name, err)
		}
	}
	s, err := NewSetup(Params{N: 2, T: 2}, [32]byte{1}, good)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewGuardian(s, 1, k2, seeded.Reader("x")); !errors.Is(err, ErrParams) {
		t.Errorf("guardian 1 with guardian 2's key: %v", err)
	}
	if _, err := NewGuardian(s, 3, k1, seeded.Reader("x")); !errors.Is(err, ErrParams) {
		t.Errorf("guardian 3 of 2: %v", err)
	}
}

// TestHonestCeremony: everyone qualifies; the key is (Σ a_{i,0})·G; every
// guardian's share matches its public share; the messages have the sizes
// SPEC.md gives.
func TestHonestCeremony(t *testing.T) {
	for _, p := range []Params{{1, 1}, {2, 1}, {3, 2}, {7, 4}, {7, 7}, {10, 3}} {
		f := newFixture(t, p, "honest ceremony").run(t)
		if len(f.result.Qualified) != p.N || len(f.result.Disqualified) != 0 || len(f.result.FalseComplaints) != 0 {
			t.Fatalf("%+v: qualified %v, disqualified %v", p, f.result.Qualified, f.result.Disqualified)
		}
		want := ristretto255.NewIdentityElement().ScalarBaseMult(f.referenceKey())
		if f.result.Key.Equal(want) != 1 {
			t.Fatalf("%+v: the key is not (Σ a_{i,0})·G", p)
		}
		for j := 1; j <= p.N; j++ {
			if f.shares[j].PublicShare().Equal(f.result.PublicShares[j-1]) != 1 {
				t.Fatalf("%+v: guardian %d's share does not match X_%d", p, j, j)
			}
		}
		for _, m := range f.c.Round1Messages() {
			if got := len(m.Encode()); got != p.Round1Size() || got != 164+32*p.T+48*p.N {
				t.Fatalf("round 1 is %d bytes", got)
			}
		}
		for _, m := range f.c.Round2Messages() {
			if got := len(m.Encode()); got != Round2Size(0) || got != 100 {
				t.Fatalf("round 2 is %d bytes", got)
			}
		}
	}
}

// TestRecover: a guardian that lost everything but its long-term key
// recovers its share from the public messages alone.
func TestRecover(t *testing.T) {
	f := newFixture(t, Default, "recover").run(t)
	for j := 1; j <= Default.N; j++ {
		s, res, err := Recover(f.setup, j, f.keys[j-1], f.c.Round1Messages(), f.c.Round2Messages())
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(s.SecretForStorage(), f.shares[j].SecretForStorage()) || res.Key.Equal(f.result.Key) != 1 {
			t.Fatalf("guardian %d recovered another share", j)
		}
	}
	if _, _, err := Recover(f.setup, 1, f.keys[1], f.c.Round1Messages(), f.c.Round2Messages()); !errors.Is(err, ErrParams) {
		t.Fatalf("recovering guardian 1's share with guardian 2's key: %v", err)
	}
}

// TestShareStorage: a stored share comes back only as the share of its own
// guardian.
func TestShareStorage(t *testing.T) {
	f := newFixture(t, Params{N: 3, T: 2}, "storage").run(t)
	b := f.shares[2].SecretForStorage()
	s, err := ShareFromStorage(2, b, f.result.PublicShares[1])
	if err != nil || s.Index() != 2 || s.PublicShare().Equal(f.result.PublicShares[1]) != 1 {
		t.Fatalf("restore: %v", err)
	}
	if _, err := ShareFromStorage(3, b, f.result.PublicShares[2]); err == nil {
		t.Fatal("guardian 2's share restored as guardian 3's")
	}
	if _, err := ShareFromStorage(2, b[:31], f.result.PublicShares[1]); err == nil {
		t.Fatal("a truncated share restored")
	}
}

// TestGuardianSteps: the state machine refuses steps out of order and
// repeats a step's message rather than making a second one.
func TestGuardianSteps(t *testing.T) {
	f := newFixture(t, Params{N: 3, T: 2}, "steps")
	g := f.guardians[0]
	if _, err := g.Round2(nil); !errors.Is(err, ErrState) {
		t.Errorf("round 2 before round 1: %v", err)
	}
	if _, err := g.Finish(nil, nil); !errors.Is(err, ErrState) {
		t.Errorf("finish before round 2: %v", err)
	}
	if _, err := g.Share(); !errors.Is(err, ErrState) {
		t.Errorf("share before finish: %v", err)
	}
	m1, _ := g.Round1()
	again, err := g.Round1()
	if err != nil || !bytes.Equal(m1.Encode(), again.Encode()) {
		t.Fatalf("a second Round1 made another deal: %v", err)
	}
	if g.poly != nil {
		t.Fatal("the polynomial survived round 1")
	}
	f.deal(t, nil)
	f.complain(t, nil)
	m2, _ := g.Round2(f.c.Round1Messages())
	again2, _ := g.Round2(nil)
	if !bytes.Equal(m2.Encode(), again2.Encode()) {
		t.Fatal("a second Round2 made another message")
	}
	f.finish(t)
	if f.resultErr != nil {
		t.Fatal(f.resultErr)
	}
}

// TestDealersOfflineStillQualify: guardians that never deal are
// disqualified (no-deal); with t dealers left the key is still made, and
// even the absent guardians can recover a valid share.
func TestDealersOffline(t *testing.T) {
	f := newFixture(t, Default, "offline")
	for _, g := range f.guardians[:4] {
		m, _ := g.Round1()
		if err := f.c.AddRound1(g.index, m.Encode()); err != nil {
			t.Fatal(err)
		}
	}
	for _, g := range f.guardians {
		if g.step == 0 {
			g.Round1() // absent from the ledger, but it can still judge
		}
		m, err := g.Round2(f.c.Round1Messages())
		if err != nil {
			t.Fatal(err)
		}
		if err := f.c.AddRound2(g.index, m.Encode()); err != nil {
			t.Fatal(err)
		}
	}
	f.finish(t)
	if f.resultErr != nil {
		t.Fatal(f.resultErr)
	}
	if q := f.result.Qualified; len(q) != 4 || q[3] != 4 {
		t.Fatalf("qualified %v", q)
	}
	for _, d := range f.result.Disqualified {
		if !errors.Is(d.Reason, ErrNoDeal) {
			t.Fatalf("guardian %d: %v", d.Guardian, d.Reason)
		}
	}
	for j := 5; j <= 7; j++ {
		if f.shares[j] == nil {
			t.Fatalf("guardian %d has no share", j)
		}
	}
}

// TestTooFewQualified: with fewer than t dealers the ceremony fails with a
// clear error and still says who is out and why.
func TestTooFewQualified(t *testing.T) {
	f := newFixture(t, Default, "too few")
	for _, g := range f.guardians[:3] {
		m, _ := g.Round1()
		f.c.AddRound1(g.index, m.Encode())
	}
	res, err := f.c.Result()
	if !errors.Is(err, ErrQuorum) {
		t.Fatalf("3 dealers of 4 needed: %v", err)
	}
	if len(res.Disqualified) != 4 || res.Key != nil {
		t.Fatalf("partial result %+v", res)
	}
}
