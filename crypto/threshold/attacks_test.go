package threshold

import (
	"errors"
	"slices"
	"testing"

	"github.com/gtank/ristretto255"

	"github.com/urna-vote/urna/crypto/group"
	"github.com/urna-vote/urna/crypto/proof"
)

// Each known attack on the ceremony is a test named after it.

// wantRejected checks that guardian i's message was rejected with class.
func wantRejected(t *testing.T, err error, i int, want string) {
	t.Helper()
	var ge *GuardianError
	if !errors.As(err, &ge) || ge.Guardian != i || class(err) != want {
		t.Fatalf("got %v, want a %s error naming guardian %d", err, want, i)
	}
}

// TestAttackRogueKey: guardian 7 deals last and publishes
// C_{7,0} = Y − Σ_{i<7} C_{i,0} so that the joint key would be Y, whose
// discrete logarithm it chose to know (or that nobody knows). It cannot
// prove knowledge of log C_{7,0}: its deal is rejected, it is disqualified,
// and the key is not Y.
func TestAttackRogueKey(t *testing.T) {
	f := newFixture(t, Default, "rogue key")
	y := group.DeriveGenerator("the key guardian 7 wants")
	var sum *ristretto255.Element
	f.deal(t, func(i int, m *Round1Message) []byte {
		if i == 1 {
			sum = ristretto255.NewIdentityElement()
		}
		if i < 7 {
			sum.Add(sum, m.Commitments[0])
			return nil
		}
		m.Commitments[0] = ristretto255.NewIdentityElement().Subtract(y, sum)
		return f.sign1(m) // a properly signed message: only the PoK can catch it
	})
	wantRejected(t, f.errs1[7], 7, "proof-of-knowledge")
	// Without the proof of knowledge the attack works: the rogue commitment
	// and the honest ones add up to Y.
	if ristretto255.NewIdentityElement().Add(sum, ristretto255.NewIdentityElement().Subtract(y, sum)).Equal(y) != 1 {
		t.Fatal("the test's rogue key is not a rogue key")
	}
	f.complain(t, nil)
	f.finish(t)
	if f.resultErr != nil {
		t.Fatal(f.resultErr)
	}
	if f.result.IsQualified(7) || !errors.Is(reasonOf(f.result, 7), ErrNoDeal) {
		t.Fatalf("guardian 7 qualified or for another reason: %v", f.result.Disqualified)
	}
	if f.result.Key.Equal(y) == 1 {
		t.Fatal("the rogue key became the election key")
	}
}

func reasonOf(r *Result, i int) error {
	for _, d := range r.Disqualified {
		if d.Guardian == i {
			return d.Reason
		}
	}
	return nil
}

// TestAttackInvalidShareJustifiedComplaint: dealer 3 sends guardian 5 a
// share that decrypts but does not match its commitments, and guardian 6 a
// share that does not decrypt. Both complain; anyone can check the
// complaints; dealer 3 is disqualified and everyone else keeps a working
// share.
func TestAttackInvalidShareJustifiedComplaint(t *testing.T) {
	f := newFixture(t, Default, "invalid shares")
	f.deal(t, func(i int, m *Round1Message) []byte {
		if i != 3 {
			return nil
		}
		return f.cheatingDeal(t, 3, dealCheat{wrongValue: []int{5}, garbled: []int{6}})
	})
	if f.errs1[3] != nil {
		t.Fatalf("the cheating deal is well formed and signed, yet: %v", f.errs1[3])
	}
	f.complain(t, nil)
	for j, err := range f.errs2 {
		if err != nil {
			t.Fatalf("round 2 of %d: %v", j, err)
		}
	}
	var accusers []int
	for _, m := range f.c.Round2Messages() {
		for _, cp := range m.Complaints {
			if cp.Dealer != 3 {
				t.Fatalf("guardian %d complained against honest %d", m.Guardian, cp.Dealer)
			}
			accusers = append(accusers, m.Guardian)
		}
	}
	if !slices.Equal(accusers, []int{5, 6}) {
		t.Fatalf("complaints by %v, want 5 and 6", accusers)
	}
	f.finish(t)
	if f.resultErr != nil {
		t.Fatal(f.resultErr)
	}
	if f.result.IsQualified(3) || !errors.Is(reasonOf(f.result, 3), ErrBadShare) || len(f.result.Qualified) != 6 {
		t.Fatalf("qualified %v, disqualified %v", f.result.Qualified, f.result.Disqualified)
	}
	for j := 1; j <= 7; j++ {
		if f.shares[j] == nil || f.shares[j].PublicShare().Equal(f.result.PublicShares[j-1]) != 1 {
			t.Fatalf("guardian %d lacks a working share", j)
		}
	}
}

// TestAttackUnjustifiedComplaint: guardian 2 complains against dealer 4's
// perfectly good share, revealing the true Diffie–Hellman secret with a
// valid proof. Anyone decrypts the share and finds it valid: dealer 4
// stays, guardian 2 is named.
func TestAttackUnjustifiedComplaint(t *testing.T) {
	f := newFixture(t, Default, "unjustified complaint")
	f.deal(t, nil)
	f.complain(t, func(j int, m *Round2Message) []byte {
		if j != 2 {
			return nil
		}
		return f.sign2(withComplaint(f, m, 4, nil))
	})
	if f.errs2[2] != nil {
		t.Fatalf("a well-formed, proven complaint was rejected: %v", f.errs2[2])
	}
	f.finish(t)
	if f.resultErr != nil || !f.result.IsQualified(4) || len(f.result.Qualified) != 7 {
		t.Fatalf("qualified %v: %v", f.result.Qualified, f.resultErr)
	}
	if !slices.Equal(f.result.FalseComplaints, []FalseComplaint{{By: 2, Against: 4}}) {
		t.Fatalf("false complaints %v", f.result.FalseComplaints)
	}
}

// withComplaint adds to guardian j's round-2 message a complaint against
// dealer, revealing the true secret S = y_j·E_i with a valid proof, or
// secret instead if given (with a proof that then cannot hold).
func withComplaint(f *fixture, m *Round2Message, dealer int, secret *ristretto255.Element) *Round2Message {
	d := f.c.round1[dealer-1]
	k := f.keys[m.Guardian-1]
	s := diffieHellman(k, d.Ephemeral)
	pf, err := proof.ProveDLEQ(complaintTranscript(f.setup, dealer, m.Guardian), group.G(), k.pub, d.Ephemeral, s, k.y, f.rnd)
	if err != nil {
		panic(err)
	}
	if secret != nil {
		s = secret
	}
	m.Complaints = append(m.Complaints, Complaint{Dealer: dealer, SharedSecret: s, Proof: pf})
	slices.SortFunc(m.Complaints, func(a, b Complaint) int { return a.Dealer - b.Dealer })
	return m
}

// TestAttackComplaintWithFalseSecret: a complainer that reveals a made-up
// secret (so that an honest dealer's share "does not decrypt") cannot prove
// it: the round-2 message is rejected, and the dealer is untouched.
func TestAttackComplaintWithFalseSecret(t *testing.T) {
	f := newFixture(t, Default, "false secret")
	f.deal(t, nil)
	f.complain(t, func(j int, m *Round2Message) []byte {
		if j != 2 {
			return nil
		}
		return f.sign2(withComplaint(f, m, 4, group.DeriveGenerator("not the secret")))
	})
	wantRejected(t, f.errs2[2], 2, "complaint")
	f.finish(t)
	if f.resultErr != nil || !f.result.IsQualified(4) {
		t.Fatalf("qualified %v: %v", f.result.Qualified, f.resultErr)
	}
}

// TestAttackComplaintAgainstNonDealer: a complaint naming a guardian with no
// recorded deal is rejected.
func TestAttackComplaintAgainstNonDealer(t *testing.T) {
	f := newFixture(t, Params{N: 4, T: 2}, "non-dealer")
	f.deal(t, func(i int, m *Round1Message) []byte {
		if i == 4 {
			return []byte{1} // never recorded
		}
		return nil
	})
	m, _ := f.guardians[0].Round2(f.c.Round1Messages())
	m.Complaints = []Complaint{{Dealer: 4, SharedSecret: group.G(), Proof: mustDLEQ()}}
	wantRejected(t, f.c.AddRound2(1, f.sign2(m)), 1, "complaint")
}

func mustDLEQ() *proof.DLEQ {
	return &proof.DLEQ{A1: group.G(), A2: group.G(), Z: group.ScalarFromUint64(1)}
}

// TestAttackWrongNumberOfCommitments: a deal with t−1 or t+1 commitments
// (a polynomial of the wrong degree) is rejected.
func TestAttackWrongNumberOfCommitments(t *testing.T) {
	for _, delta := range []int{-1, +1} {
		f := newFixture(t, Default, "commitment count")
		f.deal(t, func(i int, m *Round1Message) []byte {
			if i != 2 {
				return nil
			}
			if delta < 0 {
				m.Commitments = m.Commitments[:len(m.Commitments)-1]
			} else {
				m.Commitments = append(m.Commitments, group.G())
			}
			return f.sign1(m)
		})
		wantRejected(t, f.errs1[2], 2, "commitment-count")
	}
}

// TestAttackIdentityCommitment: a deal with an identity commitment (a
// known-zero coefficient; for C_0, a known contribution to the key) is
// rejected.
func TestAttackIdentityCommitment(t *testing.T) {
	for _, k := range []int{0, 3} {
		f := newFixture(t, Default, "identity commitment")
		f.deal(t, func(i int, m *Round1Message) []byte {
			if i != 2 {
				return nil
			}
			m.Commitments[k] = ristretto255.NewIdentityElement()
			return f.sign1(m)
		})
		wantRejected(t, f.errs1[2], 2, "malformed")
		if !errors.Is(f.errs1[2], group.ErrIdentity) {
			t.Fatalf("commitment %d: %v", k, f.errs1[2])
		}
	}
}

// TestAttackReplayFromAnotherCeremony: messages of another ceremony (same
// guardians and keys, another context) are rejected in both rounds: every
// message is signed over the session hash.
func TestAttackReplayFromAnotherCeremony(t *testing.T) {
	other := newFixture(t, Default, "another ceremony").run(t)
	f := newFixture(t, Default, "this ceremony")
	// The same long-term keys in both: only the context differs.
	var pubs [][]byte
	for _, k := range other.keys {
		pubs = append(pubs, k.Public().Bytes())
	}
	setup, err := NewSetup(Default, testContext("this ceremony"), pubs)
	if err != nil {
		t.Fatal(err)
	}
	c := NewCeremony(setup)
	for _, m := range other.c.Round1Messages() {
		wantRejected(t, c.AddRound1(m.Dealer, m.Encode()), m.Dealer, "signature")
	}
	for _, m := range other.c.Round2Messages() {
		wantRejected(t, c.AddRound2(m.Guardian, m.Encode()), m.Guardian, "signature")
	}
	_ = f
}

// TestAttackImpersonation: whoever runs the ledger cannot deal in a
// guardian's name, nor file an empty round 2 for it to pre-empt its
// complaints: the messages are not signed by the guardian's key.
func TestAttackImpersonation(t *testing.T) {
	f := newFixture(t, Default, "impersonation")
	impostor, _ := GenerateLongTermKey(f.rnd)
	f.deal(t, func(i int, m *Round1Message) []byte {
		if i != 5 {
			return nil
		}
		m.Signature, _ = proof.ProveSchnorr(signatureTranscript(f.setup, 5, m.body()), group.G(), impostor.pub, impostor.y, f.rnd)
		return m.Encode()
	})
	wantRejected(t, f.errs1[5], 5, "signature")
	empty := &Round2Message{Guardian: 3, Round1Digest: f.c.Round1Digest()}
	empty.Signature, _ = proof.ProveSchnorr(signatureTranscript(f.setup, 3, empty.body()), group.G(), impostor.pub, impostor.y, f.rnd)
	wantRejected(t, f.c.AddRound2(3, empty.Encode()), 3, "signature")
}

// TestAttackMessageUnderAnotherGuardian: a valid message submitted as
// another guardian's is rejected.
func TestAttackMessageUnderAnotherGuardian(t *testing.T) {
	f := newFixture(t, Default, "other guardian")
	m, _ := f.guardians[1].Round1()
	wantRejected(t, f.c.AddRound1(3, m.Encode()), 3, "wrong-guardian")
	wantRejected(t, f.c.AddRound1(0, m.Encode()), 0, "wrong-guardian")
	wantRejected(t, f.c.AddRound1(8, m.Encode()), 8, "wrong-guardian")
}

// TestAttackEquivocation: a guardian's second deal — even properly signed —
// is rejected; the first one recorded stands. A guardian never signs two:
// Round1 repeats its message.
func TestAttackEquivocation(t *testing.T) {
	f := newFixture(t, Default, "equivocation")
	f.deal(t, nil)
	second := f.cheatingDeal(t, 4, dealCheat{})
	wantRejected(t, f.c.AddRound1(4, second), 4, "duplicate")
	m, _ := f.guardians[3].Round1()
	wantRejected(t, f.c.AddRound1(4, m.Encode()), 4, "duplicate")
	f.complain(t, nil)
	r2, _ := f.guardians[3].Round2(nil)
	wantRejected(t, f.c.AddRound2(4, r2.Encode()), 4, "duplicate")
}

// TestAttackLateDeal: once a round-2 message is recorded, round 1 is closed:
// a dealer cannot deal after seeing the complaints (or others' shares
// judged).
func TestAttackLateDeal(t *testing.T) {
	f := newFixture(t, Default, "late deal")
	for _, g := range f.guardians[:6] {
		m, _ := g.Round1()
		f.c.AddRound1(g.index, m.Encode())
	}
	m2, _ := f.guardians[0].Round2(f.c.Round1Messages())
	if err := f.c.AddRound2(1, m2.Encode()); err != nil {
		t.Fatal(err)
	}
	late, _ := f.guardians[6].Round1()
	wantRejected(t, f.c.AddRound1(7, late.Encode()), 7, "round-closed")
}

// TestAttackSplitView: a round-2 message judging another set of round-1
// messages than the ledger's is rejected, so every recorded verdict is on
// the same deals. (A guardian shown a different round 1 would otherwise
// approve shares it never saw.)
func TestAttackSplitView(t *testing.T) {
	f := newFixture(t, Default, "split view")
	f.deal(t, nil)
	seen := f.c.Round1Messages()[:6] // guardian 1 was shown six deals only
	m, err := f.guardians[0].Round2(seen)
	if err != nil {
		t.Fatal(err)
	}
	wantRejected(t, f.c.AddRound2(1, m.Encode()), 1, "round1-digest")
}

// TestAttackMalformedMessages: decoding is strict for both rounds; every
// case is rejected as malformed (or commitment-count) before any proof is
// looked at.
func TestAttackMalformedMessages(t *testing.T) {
	f := newFixture(t, Default, "malformed").run(t)
	r1 := f.c.Round1Messages()[1].Encode()
	r2m := f.c.Round2Messages()[1]
	r2 := f.sign2(withComplaint(f, r2m, 1, nil))
	nonCanonical := make([]byte, 32)
	for i := range nonCanonical {
		nonCanonical[i] = 0xff
	}
	patch := func(b []byte, off int, v []byte) []byte {
		out := append([]byte(nil), b...)
		copy(out[off:], v)
		return out
	}
	pokZ := 4 + 4*32 + 32
	for _, tc := range []struct {
		name  string
		round int
		b     []byte
		want  string
	}{
		{"round 1 empty", 1, nil, "malformed"},
		{"round 1 truncated", 1, r1[:len(r1)-1], "malformed"},
		{"round 1 trailing byte", 1, append(append([]byte(nil), r1...), 0), "malformed"},
		{"round 1 version 2", 1, patch(r1, 0, []byte{2}), "malformed"},
		{"round 1 of kind 2", 1, patch(r1, 1, []byte{2}), "malformed"},
		{"round 1 dealer 0", 1, patch(r1, 2, []byte{0}), "malformed"},
		{"round 1 dealer 8 of 7", 1, patch(r1, 2, []byte{8}), "malformed"},
		{"round 1 count says 5", 1, patch(r1, 3, []byte{5}), "commitment-count"},
		{"round 1 non-canonical commitment", 1, patch(r1, 4, nonCanonical), "malformed"},
		{"round 1 PoK response ≥ ℓ", 1, patch(r1, pokZ, nonCanonical), "malformed"},
		{"round 1 identity ephemeral key", 1, patch(r1, 4+4*32+64, make([]byte, 32)), "malformed"},
		{"round 2 empty", 2, nil, "malformed"},
		{"round 2 truncated", 2, r2[:len(r2)-1], "malformed"},
		{"round 2 trailing byte", 2, append(append([]byte(nil), r2...), 0), "malformed"},
		{"round 2 count too high", 2, patch(r2, 35, []byte{7}), "malformed"},
		{"round 2 complaint against itself", 2, patch(r2, 36, []byte{2}), "malformed"},
		{"round 2 complaint against guardian 9", 2, patch(r2, 36, []byte{9}), "malformed"},
		{"round 2 identity secret", 2, patch(r2, 37, make([]byte, 32)), "malformed"},
	} {
		var err error
		if tc.round == 1 {
			_, err = DecodeRound1(Default, tc.b)
		} else {
			_, err = DecodeRound2(Default, tc.b)
		}
		if class(err) != tc.want {
			t.Errorf("%s: got %v, want %s", tc.name, err, tc.want)
		}
	}
	// Complaints out of order.
	m := &Round2Message{Guardian: 1, Complaints: []Complaint{
		{Dealer: 3, SharedSecret: group.G(), Proof: mustDLEQ()},
		{Dealer: 2, SharedSecret: group.G(), Proof: mustDLEQ()},
	}}
	if _, err := DecodeRound2(Default, f.sign2(m)); class(err) != "malformed" {
		t.Errorf("complaints out of order: %v", err)
	}
}

// TestAttackCopiedDeal: guardian 6 copies guardian 2's commitments,
// ephemeral key and proof of knowledge (to double 2's contribution
// without knowing it) and signs them as its own: the proof of knowledge is
// bound to the dealer's index, and fails.
func TestAttackCopiedDeal(t *testing.T) {
	f := newFixture(t, Default, "copied deal")
	var second *Round1Message
	f.deal(t, func(i int, m *Round1Message) []byte {
		switch i {
		case 2:
			second = m
		case 6:
			m.Commitments, m.Ephemeral, m.PoK = second.Commitments, second.Ephemeral, second.PoK
			return f.sign1(m)
		}
		return nil
	})
	wantRejected(t, f.errs1[6], 6, "proof-of-knowledge")
}

// TestAttackStolenSigningKey: if someone records a deal in guardian 2's name
// that guardian 2 did not send (its long-term key was stolen), guardian 2
// finds out at its next step and refuses to go on.
func TestAttackStolenSigningKey(t *testing.T) {
	f := newFixture(t, Default, "stolen key")
	g := f.guardians[1]
	g.Round1()
	f.c.AddRound1(1, mustRound1(f.guardians[0]).Encode())
	if err := f.c.AddRound1(2, f.cheatingDeal(t, 2, dealCheat{})); err != nil {
		t.Fatal(err)
	}
	if _, err := g.Round2(f.c.Round1Messages()); !errors.Is(err, ErrSignature) {
		t.Fatalf("guardian 2 judged a ledger with a deal it never sent: %v", err)
	}
}

func mustRound1(g *Guardian) *Round1Message {
	m, err := g.Round1()
	if err != nil {
		panic(err)
	}
	return m
}
