package threshold

import (
	"errors"
	"slices"
	"testing"

	"github.com/gtank/ristretto255"

	"github.com/urna-vote/urna/crypto/elgamal"
	"github.com/urna-vote/urna/crypto/group"
	"github.com/urna-vote/urna/crypto/proof"
)

// TestThreeOfSevenMalicious: guardians 5, 6 and 7 of a 4-of-7 ceremony
// cheat throughout, each in several ways. Every misbehaviour is detected
// and its guardian named; the honest four qualify; and every one of the
// C(7,4) = 35 quorums — the cheaters' own valid shares included, their
// invalid ones mixed in — decrypts the tally to the identical m·G, which is
// the decryption under the dealer-free reference key.
func TestThreeOfSevenMalicious(t *testing.T) {
	f := newFixture(t, Default, "three of seven malicious")

	// Key generation.
	//   5: a rogue key (rejected: proof of knowledge), and no other deal.
	//   6: a share to guardian 1 that does not match its commitments, and one
	//      to guardian 2 that does not decrypt (justified complaints).
	//   7: an honest deal, but then a complaint with a made-up secret
	//      (rejected), a forged empty round 2 for guardian 4 (rejected), and
	//      a complaint against honest guardian 3 (unjustified, named).
	f.deal(t, func(i int, m *Round1Message) []byte {
		switch i {
		case 5:
			m.Commitments[0] = group.DeriveGenerator("rogue")
			return f.sign1(m)
		case 6:
			return f.cheatingDeal(t, 6, dealCheat{wrongValue: []int{1}, garbled: []int{2}})
		}
		return nil
	})
	wantRejected(t, f.errs1[5], 5, "proof-of-knowledge")
	forged := &Round2Message{Guardian: 4, Round1Digest: f.c.Round1Digest()}
	forged.Signature, _ = proof.ProveSchnorr(signatureTranscript(f.setup, 4, forged.body()), group.G(), f.keys[6].pub, f.keys[6].y, f.rnd)
	wantRejected(t, f.c.AddRound2(4, forged.Encode()), 4, "signature")
	f.complain(t, func(j int, m *Round2Message) []byte {
		if j != 7 {
			return nil
		}
		lie := withComplaint(f, &Round2Message{Guardian: 7, Round1Digest: m.Round1Digest}, 4, group.DeriveGenerator("lie"))
		wantRejected(t, f.c.AddRound2(7, f.sign2(lie)), 7, "complaint")
		return f.sign2(withComplaint(f, m, 3, nil))
	})
	for j, err := range f.errs2 {
		if err != nil {
			t.Fatalf("round 2 of guardian %d: %v", j, err)
		}
	}
	f.finish(t)
	if f.resultErr != nil {
		t.Fatal(f.resultErr)
	}
	if !slices.Equal(f.result.Qualified, []int{1, 2, 3, 4, 7}) {
		t.Fatalf("qualified %v", f.result.Qualified)
	}
	if !errors.Is(reasonOf(f.result, 5), ErrNoDeal) || !errors.Is(reasonOf(f.result, 6), ErrBadShare) {
		t.Fatalf("disqualified %v", f.result.Disqualified)
	}
	if !slices.Equal(f.result.FalseComplaints, []FalseComplaint{{By: 7, Against: 3}}) {
		t.Fatalf("false complaints %v", f.result.FalseComplaints)
	}

	// Decryption of a 5-option tally. Each cheater first publishes an
	// invalid share — a wrong D, a share bound to another election, a share
	// with proofs for other ciphertexts — then, since the ledger would
	// otherwise leave it out, also a valid one.
	counts := []uint64{12, 0, 7, 1, 30}
	want := countsAsElements(counts)
	ctx := testContext("election of three of seven")
	cts := encryptCounts(t, f.result.Key, counts, f.rnd)
	x := group.NewSecret(f.referenceKey())
	for k, ct := range cts {
		if elgamal.DecryptToElement(ct, x).Equal(want[k]) != 1 {
			t.Fatal("the reference key does not decrypt the tally")
		}
	}
	bad5 := f.partials(t, cts, ctx, []int{5})[0]
	bad5.D[2] = ristretto255.NewIdentityElement().Add(bad5.D[2], group.G())
	bad6 := f.partials(t, cts, testContext("another election"), []int{6})[0]
	bad7 := f.partials(t, encryptCounts(t, f.result.Key, counts, f.rnd), ctx, []int{7})[0]
	invalid := []*DecryptionShare{bad5, bad6, bad7}
	for _, ds := range invalid {
		err := VerifyDecryptionShare(ds, f.result.PublicShares[ds.Guardian-1], cts, ctx)
		var ge *GuardianError
		if !errors.As(err, &ge) || ge.Guardian != ds.Guardian {
			t.Fatalf("guardian %d's invalid share: %v", ds.Guardian, err)
		}
	}
	valid := f.partials(t, cts, ctx, []int{1, 2, 3, 4, 5, 6, 7})

	qs := quorums(7, 4)
	if len(qs) != 35 {
		t.Fatalf("%d quorums", len(qs))
	}
	for _, q := range qs {
		shares := slices.Clone(invalid)
		for _, j := range q {
			shares = append(shares, valid[j-1])
		}
		got, err := Combine(Default, f.result.PublicShares, cts, ctx, shares)
		if !equalElements(got, want) {
			t.Fatalf("quorum %v: the tally differs", q)
		}
		if named := namedGuardians(err); !slices.Equal(named, []int{5, 6, 7}) {
			t.Fatalf("quorum %v: named %v (%v), want 5, 6, 7", q, named, err)
		}
	}
}

// namedGuardians returns the guardians named by the *GuardianErrors joined
// in err, in order.
func namedGuardians(err error) []int {
	var out []int
	var walk func(error)
	walk = func(e error) {
		var ge *GuardianError
		if errors.As(e, &ge) && ge == e {
			out = append(out, ge.Guardian)
			return
		}
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			for _, x := range j.Unwrap() {
				walk(x)
			}
		}
	}
	if err != nil {
		walk(err)
	}
	return out
}
