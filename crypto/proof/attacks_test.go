package proof

import (
	"errors"
	"fmt"
	"testing"

	"github.com/gtank/ristretto255"

	"github.com/urna-vote/urna/crypto/elgamal"
	"github.com/urna-vote/urna/crypto/group"
	"github.com/urna-vote/urna/crypto/transcript"
	"github.com/urna-vote/urna/internal/seeded"
)

// forgeryAttempts is how many times each forger tries, per proof type and
// per strategy.
const forgeryAttempts = 1000

// Every forger below tries forgeryAttempts times to have a false statement
// accepted, with four strategies per attempt:
//
//   - simulated: every branch simulated with random challenges, as the
//     honest prover does for the branches it does not know;
//   - re-targeted: a valid proof of a true statement moved to a false one by
//     adjusting its responses (or, where responses cannot absorb the change,
//     its commitments) and keeping its challenges;
//   - ground: commitments re-drawn until the Fiat–Shamir challenge agrees
//     with the forger's chosen challenges on 4 bits;
//   - weak Fiat–Shamir: commitments first, then the challenge of a verifier
//     that does not hash the statement, then a statement that fits it.
//
// Each strategy's output passes a deliberately weakened check written here
// (the equations with the proof's own challenges, a 4-bit challenge, a
// challenge without the statement): that control shows the forger produced
// what it meant to, so counting 0 accepted forgeries is a test that can
// fail. The real verifier, one by one and batched, must accept none.

// forgeryTally counts, per strategy, the attempts whose output passed the
// weakened control and those the real verifier accepted.
type forgeryTally struct {
	order    []string
	control  map[string]int
	accepted map[string]int
}

func newForgeryTally(strategies ...string) *forgeryTally {
	return &forgeryTally{order: strategies, control: map[string]int{}, accepted: map[string]int{}}
}

func (f *forgeryTally) record(strategy string, control, accepted bool) {
	if control {
		f.control[strategy]++
	}
	if accepted {
		f.accepted[strategy]++
	}
}

func (f *forgeryTally) check(t *testing.T) {
	t.Helper()
	for _, s := range f.order {
		if f.control[s] != forgeryAttempts {
			t.Errorf("%s: only %d of %d forgeries pass the weakened control check: the forger is broken and the test proves nothing",
				s, f.control[s], forgeryAttempts)
		}
		if f.accepted[s] != 0 {
			t.Errorf("%s: %d of %d forgeries of a false statement ACCEPTED", s, f.accepted[s], forgeryAttempts)
		}
	}
}

// outsideRange reports whether ct decrypts (under x) to no value of [lo, hi]:
// the statement of a range proof for ct is false.
func outsideRange(ct *elgamal.Ciphertext, x *group.Secret, lo, hi uint64) bool {
	m := sub(ct.B, mul(x.Scalar(), ct.A))
	for j := lo; j <= hi; j++ {
		if m.Equal(baseMul(group.ScalarFromUint64(j))) == 1 {
			return false
		}
	}
	return true
}

func TestAttackAdaptiveForgeryRangeBit(t *testing.T) { testRangeForgery(t, 0, 1) }

// The contest sum's proof: between 1 and 3 selections.
func TestAttackAdaptiveForgeryRangeSum(t *testing.T) { testRangeForgery(t, 1, 3) }

func testRangeForgery(t *testing.T, lo, hi uint64) {
	t.Parallel()
	rand := seeded.Reader(fmt.Sprintf("range forgery [%d, %d]", lo, hi))
	x, pk := electionKey(t, rand)
	context := []byte("election 1, ballot of the attacker, contest 0")
	tr := func() *transcript.Transcript { return testTranscript(context) }
	G := group.G()
	// outside returns a value the ciphertexts of false statements encrypt.
	outside := func(i int) *ristretto255.Scalar {
		if i%2 == 0 {
			return group.ScalarFromUint64(hi + 1 + uint64(i%5))
		}
		return sInt(int64(lo) - 1 - int64(i%5))
	}

	tally := newForgeryTally("simulated", "re-targeted", "ground", "weak Fiat–Shamir")
	batches := map[string]*Batch{}
	for _, s := range tally.order {
		batches[s] = newTestBatch(t, pk)
	}
	honest := newTestBatch(t, pk)
	submit := func(strategy string, rp *rangeParts, ct *elgamal.Ciphertext, control bool) {
		t.Helper()
		if !outsideRange(ct, x, lo, hi) {
			t.Fatalf("%s: the forged statement is true", strategy)
		}
		p := rp.decode(t)
		accepted := p.Verify(tr(), pk, ct, ct.Bytes(), lo, hi) == nil
		tally.record(strategy, control, accepted)
		addRangeToBatch(t, batches[strategy], p, tr(), pk, ct, lo, hi)
	}

	for i := 0; i < forgeryAttempts; i++ {
		{
			ct := encryptScalar(pk, outside(i), randomScalar(t, rand))
			rp := forgeSimulatedRange(t, rand, pk, ct, lo, hi)
			submit("simulated", rp, ct, rp.branchesHold(pk, ct, G))
		}
		{
			shift := int64(1 - 2*(i%2))
			f := forgeRetargetedRange(t, rand, tr, pk, lo, hi, shift)
			addRangeToBatch(t, honest, f.honest, tr(), pk, f.honestCt, lo, hi)
			control := f.rp.branchesHold(pk, f.ct, G) && f.rp.challengeSum().Equal(f.oldC) == 1
			submit("re-targeted", f.rp, f.ct, control)
		}
		{
			ct := encryptScalar(pk, outside(i), randomScalar(t, rand))
			rp, c := forgeGroundRange(t, rand, tr, pk, ct, lo, hi)
			control := rp.branchesHold(pk, ct, G) && low4(c) == low4(rp.challengeSum())
			submit("ground", rp, ct, control)
		}
		{
			rp, ct := forgeWeakRange(t, rand, tr, pk, lo, hi)
			control := rp.branchesHold(pk, ct, G) && rp.challengeSum().Equal(weakRangeChallenge(tr(), rp)) == 1
			submit("weak Fiat–Shamir", rp, ct, control)
		}
	}
	tally.check(t)
	if !honest.Verify() {
		t.Error("a batch of honest proofs fails: the batch check below proves nothing")
	}
	for _, s := range tally.order {
		if batches[s].Verify() {
			t.Errorf("%s: a batch of %d forgeries verifies", s, forgeryAttempts)
		}
	}
}

func newTestBatch(t testing.TB, pk *elgamal.PublicKey) *Batch {
	t.Helper()
	b, err := NewBatch(seeded.Reader("batch weights"), pk)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// addRangeToBatch adds a range proof for ct to b, with ct's own terms.
func addRangeToBatch(t testing.TB, b *Batch, p *Range, tr *transcript.Transcript, pk *elgamal.PublicKey, ct *elgamal.Ciphertext, lo, hi uint64) {
	t.Helper()
	coefA, coefB := ristretto255.NewScalar(), ristretto255.NewScalar()
	if err := p.AddToBatch(b, tr, pk, ct.Bytes(), lo, hi, coefA, coefB); err != nil {
		t.Fatal(err)
	}
	b.Add(coefA, ct.A)
	b.Add(coefB, ct.B)
}

// weakSchnorrChallenge hashes the base and the commitment but not the
// public key: the weak Fiat–Shamir transform.
func weakSchnorrChallenge(tr *transcript.Transcript, R *ristretto255.Element) *ristretto255.Scalar {
	return tr.ElementBytes("schnorr/base", gEnc).Element("schnorr/R", R).Challenge("schnorr/c")
}

func schnorrOf(t testing.TB, R *ristretto255.Element, z *ristretto255.Scalar) *Schnorr {
	t.Helper()
	p, err := DecodeSchnorr(cat(R.Bytes(), z.Bytes()))
	if err != nil {
		t.Fatalf("forged proof does not even decode: %v", err)
	}
	return p
}

// schnorrHolds is the weakened check: z·G == R + c·X with the forger's c.
func schnorrHolds(R *ristretto255.Element, z, c *ristretto255.Scalar, X *ristretto255.Element) bool {
	return baseMul(z).Equal(add(R, mul(c, X))) == 1
}

// TestAttackAdaptiveForgerySchnorr: the forger does not know the victim's
// secret key (a ballot signature: the victim's credential key) and tries
// to prove knowledge of it, or of a key related to it, on its own message.
func TestAttackAdaptiveForgerySchnorr(t *testing.T) {
	t.Parallel()
	rand := seeded.Reader("schnorr forgery")
	G := group.G()
	victimKey := randomSecret(t, rand)
	victim := baseMul(victimKey.Scalar())
	victimMsg, attackerMsg := []byte("ballot hash of the victim"), []byte("ballot hash of the attacker")
	tally := newForgeryTally("simulated", "re-targeted", "ground", "weak Fiat–Shamir")
	batches := map[string]*Batch{}
	for _, s := range tally.order {
		batches[s] = newTestBatch(t, elgamal.NewPublicKey(G))
	}
	honest := newTestBatch(t, elgamal.NewPublicKey(G))
	submit := func(strategy string, R *ristretto255.Element, z *ristretto255.Scalar, msg []byte, X *ristretto255.Element, control bool) {
		p := schnorrOf(t, R, z)
		accepted := p.Verify(testTranscript(msg), G, X) == nil
		tally.record(strategy, control, accepted)
		p.AddToBatch(batches[strategy], testTranscript(msg), X, X.Bytes())
	}
	for i := 0; i < forgeryAttempts; i++ {
		{
			c, z := randomScalar(t, rand), randomScalar(t, rand)
			R := sub(baseMul(z), mul(c, victim))
			submit("simulated", R, z, attackerMsg, victim, schnorrHolds(R, z, c, victim))
		}
		// Re-targeted: the victim's signature on its own message, moved to
		// the attacker's message as it is (even attempts), or to the related
		// key X + δ·G with z + c·δ (odd attempts).
		{
			pv, err := ProveSchnorr(testTranscript(victimMsg), G, victim, victimKey, rand)
			if err != nil {
				t.Fatal(err)
			}
			pv.AddToBatch(honest, testTranscript(victimMsg), victim, victim.Bytes())
			cv := schnorrChallenge(testTranscript(victimMsg), gEnc, victim.Bytes(), pv.R.Bytes())
			if i%2 == 0 {
				submit("re-targeted", pv.R, pv.Z, attackerMsg, victim, schnorrHolds(pv.R, pv.Z, cv, victim))
			} else {
				delta := randomScalar(t, rand)
				X := add(victim, baseMul(delta))
				z := sAdd(pv.Z, sMul(cv, delta))
				submit("re-targeted", pv.R, z, victimMsg, X, schnorrHolds(pv.R, z, cv, X))
			}
		}
		{
			c, z := randomScalar(t, rand), randomScalar(t, rand)
			R := sub(baseMul(z), mul(c, victim))
			xEnc := victim.Bytes()
			one := sInt(1)
			var h *ristretto255.Scalar
			for k := 0; ; k++ {
				if k == 4096 {
					t.Fatal("grinding found no 4-bit match in 4096 tries")
				}
				h = schnorrChallenge(testTranscript(attackerMsg), gEnc, xEnc, R.Bytes())
				if low4(h) == low4(c) {
					break
				}
				z, R = sAdd(z, one), add(R, G)
			}
			submit("ground", R, z, attackerMsg, victim, schnorrHolds(R, z, c, victim) && low4(h) == low4(c))
		}
		// Weak Fiat–Shamir: R = α·X + β·G, c over R alone, then the key
		// X' = ((z − β)/c)·G − (α/c)·X, whose secret the forger does not know.
		{
			alpha, beta, z := randomScalar(t, rand), randomScalar(t, rand), randomScalar(t, rand)
			R := add(mul(alpha, victim), baseMul(beta))
			c := weakSchnorrChallenge(testTranscript(attackerMsg), R)
			ci := sInv(c)
			X := sub(baseMul(sMul(sSub(z, beta), ci)), mul(sMul(alpha, ci), victim))
			control := schnorrHolds(R, z, c, X) && c.Equal(weakSchnorrChallenge(testTranscript(attackerMsg), R)) == 1
			submit("weak Fiat–Shamir", R, z, attackerMsg, X, control)
		}
	}
	tally.check(t)
	if !honest.Verify() {
		t.Error("a batch of honest signatures fails: the batch check below proves nothing")
	}
	for _, s := range tally.order {
		if batches[s].Verify() {
			t.Errorf("%s: a batch of %d forgeries verifies", s, forgeryAttempts)
		}
	}
}

// weakDLEQChallenge hashes the generators and commitments but not X1, X2.
func weakDLEQChallenge(tr *transcript.Transcript, g1, g2, a1, a2 *ristretto255.Element) *ristretto255.Scalar {
	return tr.Element("dleq/G1", g1).Element("dleq/G2", g2).
		Element("dleq/A1", a1).Element("dleq/A2", a2).Challenge("dleq/c")
}

// dleqHolds is the weakened check: both equations with the forger's c.
func dleqHolds(g1, x1, g2, x2, a1, a2 *ristretto255.Element, z, c *ristretto255.Scalar) bool {
	return mul(z, g1).Equal(add(a1, mul(c, x1))) == 1 && mul(z, g2).Equal(add(a2, mul(c, x2))) == 1
}

// TestAttackAdaptiveForgeryDLEQ: a guardian with share x publishes a wrong
// decryption share X2 = y·A (y ≠ x) for the ciphertext component A and
// tries to prove it correct.
func TestAttackAdaptiveForgeryDLEQ(t *testing.T) {
	t.Parallel()
	rand := seeded.Reader("dleq forgery")
	G := group.G()
	context := []byte("decryption share of guardian 2 for the tally")
	tr := func() *transcript.Transcript { return testTranscript(context) }
	tally := newForgeryTally("simulated", "re-targeted", "ground", "weak Fiat–Shamir")
	submit := func(strategy string, x1Log *ristretto255.Scalar, x1, g2, x2, a1, a2 *ristretto255.Element, z *ristretto255.Scalar, control bool) {
		if mul(x1Log, g2).Equal(x2) == 1 {
			t.Fatalf("%s: the forged statement is true", strategy)
		}
		p, err := DecodeDLEQ(cat(a1.Bytes(), a2.Bytes(), z.Bytes()))
		if err != nil {
			t.Fatalf("forged proof does not even decode: %v", err)
		}
		tally.record(strategy, control, p.Verify(tr(), G, x1, g2, x2) == nil)
	}
	for i := 0; i < forgeryAttempts; i++ {
		x := randomScalar(t, rand)
		X1 := baseMul(x)
		A := randomElement(t, rand)
		X2 := mul(randomScalar(t, rand), A) // the wrong share
		{
			c, z := randomScalar(t, rand), randomScalar(t, rand)
			a1, a2 := sub(baseMul(z), mul(c, X1)), sub(mul(z, A), mul(c, X2))
			submit("simulated", x, X1, A, X2, a1, a2, z, dleqHolds(G, X1, A, X2, a1, a2, z, c))
		}
		// Re-targeted: the proof of the right share x·A moved to the wrong
		// share x·A + δ·A. The common response cannot absorb δ on one side
		// only, so A2 absorbs it: A2 − c·δ·A, with the old challenge kept.
		{
			right := mul(x, A)
			p, err := ProveDLEQ(tr(), G, X1, A, right, group.NewSecret(x), rand)
			if err != nil {
				t.Fatal(err)
			}
			if err := p.Verify(tr(), G, X1, A, right); err != nil {
				t.Fatalf("honest proof rejected: %v", err)
			}
			c := dleqChallenge(tr(), G, X1, A, right, p.A1, p.A2)
			delta := randomScalar(t, rand)
			wrong := add(right, mul(delta, A))
			a2 := sub(p.A2, mul(sMul(c, delta), A))
			submit("re-targeted", x, X1, A, wrong, p.A1, a2, p.Z, dleqHolds(G, X1, A, wrong, p.A1, a2, p.Z, c))
		}
		{
			c, z := randomScalar(t, rand), randomScalar(t, rand)
			a1, a2 := sub(baseMul(z), mul(c, X1)), sub(mul(z, A), mul(c, X2))
			// The statement's encodings are fixed: hash them once.
			stmt := testTranscript(context).Element("dleq/G1", G).Element("dleq/X1", X1).
				Element("dleq/G2", A).Element("dleq/X2", X2)
			one := sInt(1)
			var h *ristretto255.Scalar
			for k := 0; ; k++ {
				if k == 4096 {
					t.Fatal("grinding found no 4-bit match in 4096 tries")
				}
				h = stmt.Clone().Element("dleq/A1", a1).Element("dleq/A2", a2).Challenge("dleq/c")
				if low4(h) == low4(c) {
					break
				}
				z, a1, a2 = sAdd(z, one), add(a1, G), add(a2, A)
			}
			if h.Equal(dleqChallenge(tr(), G, X1, A, X2, a1, a2)) != 1 {
				t.Fatal("the grinding oracle is not the DLEQ challenge")
			}
			submit("ground", x, X1, A, X2, a1, a2, z, dleqHolds(G, X1, A, X2, a1, a2, z, c) && low4(h) == low4(c))
		}
		// Weak Fiat–Shamir: A1 = α·G, A2 = β·A, c over them only, then
		// X1 = ((z − α)/c)·G and X2 = ((z − β)/c)·A: different logarithms.
		{
			alpha, beta, z := randomScalar(t, rand), randomScalar(t, rand), randomScalar(t, rand)
			a1, a2 := baseMul(alpha), mul(beta, A)
			c := weakDLEQChallenge(tr(), G, A, a1, a2)
			ci := sInv(c)
			x1 := sMul(sSub(z, alpha), ci)
			fx1, fx2 := baseMul(x1), mul(sMul(sSub(z, beta), ci), A)
			control := dleqHolds(G, fx1, A, fx2, a1, a2, z, c) && c.Equal(weakDLEQChallenge(tr(), G, A, a1, a2)) == 1
			submit("weak Fiat–Shamir", x1, fx1, A, fx2, a1, a2, z, control)
		}
	}
	tally.check(t)
}

// TestAttackRangeProofMovedElsewhere: a valid range proof is bound to its
// context, key, ciphertext and limits; moved to any other, it is rejected,
// also when its responses are adjusted to a re-randomised ciphertext.
func TestAttackRangeProofMovedElsewhere(t *testing.T) {
	rand := seeded.Reader("range proof moved")
	_, pk := electionKey(t, rand)
	_, otherPK := electionKey(t, rand)
	context := []byte("election 1, credential key X, contest 0, option 3")
	r := randomSecret(t, rand)
	ct := elgamal.Encrypt(pk, 1, r)
	p, err := ProveRange(testTranscript(context), pk, ct, ct.Bytes(), 0, 1, 1, r, rand)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Verify(testTranscript(context), pk, ct, ct.Bytes(), 0, 1); err != nil {
		t.Fatalf("honest proof rejected: %v", err)
	}
	sameValue := elgamal.Encrypt(pk, 1, randomSecret(t, rand))
	delta := randomScalar(t, rand)
	rerand := ct.Add(encryptScalar(pk, sInt(0), delta))
	parts := partsOf(p, testTranscript(context), pk, ct.Bytes(), 0, 1)
	for d := range parts.z {
		parts.z[d] = sAdd(parts.z[d], sMul(parts.c[d], delta))
	}
	if !parts.branchesHold(pk, rerand, group.G()) {
		t.Fatal("control: the adjusted responses do not fit the re-randomised ciphertext")
	}
	adjusted := parts.decode(t)
	for _, tc := range []struct {
		name   string
		p      *Range
		ctx    []byte
		pk     *elgamal.PublicKey
		ct     *elgamal.Ciphertext
		lo, hi uint64
	}{
		{"another context", p, []byte("election 1, credential key X, contest 0, option 4"), pk, ct, 0, 1},
		{"another election key", p, context, otherPK, ct, 0, 1},
		{"another ciphertext of the same value", p, context, pk, sameValue, 0, 1},
		{"re-randomised ciphertext, proof unchanged", p, context, pk, rerand, 0, 1},
		{"re-randomised ciphertext, responses adjusted", adjusted, context, pk, rerand, 0, 1},
		{"limits [1, 2]", p, context, pk, ct, 1, 2},
		{"limits [1000, 1001]", p, context, pk, ct, 1000, 1001},
	} {
		q, err := DecodeRange(tc.p.Bytes(), tc.lo, tc.hi)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		err = q.Verify(testTranscript(tc.ctx), tc.pk, tc.ct, tc.ct.Bytes(), tc.lo, tc.hi)
		if !errors.Is(err, ErrInvalidProof) {
			t.Errorf("%s: got %v, want ErrInvalidProof", tc.name, err)
		}
		b := newTestBatch(t, tc.pk)
		addRangeToBatch(t, b, q, testTranscript(tc.ctx), tc.pk, tc.ct, tc.lo, tc.hi)
		if b.Verify() {
			t.Errorf("%s: accepted in a batch", tc.name)
		}
	}
	// Other limits with another number of branches do not even decode.
	if _, err := DecodeRange(p.Bytes(), 0, 2); !errors.Is(err, ErrMalformed) {
		t.Errorf("limits [0, 2]: got %v, want ErrMalformed", err)
	}
}

// TestAttackSchnorrMovedElsewhere: a signature is bound to its message, key
// and base.
func TestAttackSchnorrMovedElsewhere(t *testing.T) {
	rand := seeded.Reader("schnorr moved")
	G := group.G()
	x := randomSecret(t, rand)
	X := baseMul(x.Scalar())
	msg := []byte("ballot hash 1")
	p, err := ProveSchnorr(testTranscript(msg), G, X, x, rand)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Verify(testTranscript(msg), G, X); err != nil {
		t.Fatalf("honest signature rejected: %v", err)
	}
	H := group.DeriveGenerator("another base")
	for _, tc := range []struct {
		name      string
		msg       []byte
		base, X   *ristretto255.Element
		batchable bool
	}{
		{"another message", []byte("ballot hash 2"), G, X, true},
		{"another key", msg, G, baseMul(randomScalar(t, rand)), true},
		{"the key's negation", msg, G, sub(ristretto255.NewIdentityElement(), X), true},
		{"another base", msg, H, mul(x.Scalar(), H), false},
	} {
		if err := p.Verify(testTranscript(tc.msg), tc.base, tc.X); !errors.Is(err, ErrInvalidProof) {
			t.Errorf("%s: got %v, want ErrInvalidProof", tc.name, err)
		}
		if tc.batchable {
			b := newTestBatch(t, elgamal.NewPublicKey(G))
			p.AddToBatch(b, testTranscript(tc.msg), tc.X, tc.X.Bytes())
			if b.Verify() {
				t.Errorf("%s: accepted in a batch", tc.name)
			}
		}
	}
}

// TestAttackDLEQMovedElsewhere: a Chaum–Pedersen proof is bound to its
// context and to the order and values of its statement.
func TestAttackDLEQMovedElsewhere(t *testing.T) {
	rand := seeded.Reader("dleq moved")
	G := group.G()
	x := randomSecret(t, rand)
	A := randomElement(t, rand)
	X1, X2 := baseMul(x.Scalar()), mul(x.Scalar(), A)
	ctx := []byte("guardian 1, tally")
	p, err := ProveDLEQ(testTranscript(ctx), G, X1, A, X2, x, rand)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Verify(testTranscript(ctx), G, X1, A, X2); err != nil {
		t.Fatalf("honest proof rejected: %v", err)
	}
	otherA := randomElement(t, rand)
	for _, tc := range []struct {
		name           string
		ctx            []byte
		g1, x1, g2, x2 *ristretto255.Element
	}{
		{"another context", []byte("guardian 2, tally"), G, X1, A, X2},
		{"another ciphertext, the right share of it", ctx, G, X1, otherA, mul(x.Scalar(), otherA)},
		{"pairs swapped", ctx, A, X2, G, X1},
		{"the share of another guardian", ctx, G, baseMul(randomScalar(t, rand)), A, X2},
	} {
		if err := p.Verify(testTranscript(tc.ctx), tc.g1, tc.x1, tc.g2, tc.x2); !errors.Is(err, ErrInvalidProof) {
			t.Errorf("%s: got %v, want ErrInvalidProof", tc.name, err)
		}
	}
}

// TestAttackTrapdoorGenerator: a prover who may choose the generator,
// choosing one whose logarithm it knows, proves false statements; urna's
// verifiers take G and the election key from their context, never from the
// proof. Each proof here is accepted by a verifier that uses the
// attacker's generator (the control) and rejected by the real one.
func TestAttackTrapdoorGenerator(t *testing.T) {
	rand := seeded.Reader("trapdoor generator")
	G := group.G()

	// The encodings have no room for a generator: commitments, responses
	// and challenges only.
	for _, n := range []uint64{1, 2, 3, 256} {
		if got, want := RangeSize(0, n-1), int(n)*3*32+int(n-1)*32; got != want {
			t.Errorf("RangeSize(0, %d) = %d, want %d", n-1, got, want)
		}
	}
	if SchnorrSize != 64 || DLEQSize != 96 {
		t.Errorf("SchnorrSize %d, DLEQSize %d", SchnorrSize, DLEQSize)
	}

	t.Run("range", func(t *testing.T) {
		// With H = v·G, the ciphertext (r·G, 1·H + r·K) encrypts v under G;
		// an honest proof that it encrypts 1 "under H" makes it pass as 0
		// or 1.
		x, pk := electionKey(t, rand)
		tr := func() *transcript.Transcript { return testTranscript([]byte("trapdoor range")) }
		for _, v := range []int64{2, 3, 5, 100, -1} {
			H := baseMul(sInt(v))
			r := randomScalar(t, rand)
			ct := &elgamal.Ciphertext{A: baseMul(r), B: add(H, mul(r, pk.K))}
			if !outsideRange(ct, x, 0, 1) {
				t.Fatalf("v = %d: ciphertext encrypts 0 or 1", v)
			}
			rp := proveRangeWith(t, tr(), pk, ct, 0, 1, 1, r, H, rand)
			c := rangeChallenge(tr(), pk, ct.Bytes(), 0, 1, rp.encode())
			if !rp.branchesHold(pk, ct, H) || rp.challengeSum().Equal(c) != 1 {
				t.Fatalf("v = %d: control: a verifier using H rejects the proof", v)
			}
			p := rp.decode(t)
			if err := p.Verify(tr(), pk, ct, ct.Bytes(), 0, 1); !errors.Is(err, ErrInvalidProof) {
				t.Errorf("v = %d: got %v, want ErrInvalidProof", v, err)
			}
			b := newTestBatch(t, pk)
			addRangeToBatch(t, b, p, tr(), pk, ct, 0, 1)
			if b.Verify() {
				t.Errorf("v = %d: accepted in a batch", v)
			}
		}
		// A proof under a key K' = x'·G the attacker knows, presented under
		// the election key.
		_, attackerPK := electionKey(t, rand)
		r := randomSecret(t, rand)
		ct := elgamal.Encrypt(attackerPK, 1, r)
		p, err := ProveRange(tr(), attackerPK, ct, ct.Bytes(), 0, 1, 1, r, rand)
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Verify(tr(), attackerPK, ct, ct.Bytes(), 0, 1); err != nil {
			t.Fatalf("control: rejected under the attacker's own key: %v", err)
		}
		if err := p.Verify(tr(), pk, ct, ct.Bytes(), 0, 1); !errors.Is(err, ErrInvalidProof) {
			t.Errorf("proof under another key: got %v, want ErrInvalidProof", err)
		}
	})

	t.Run("schnorr", func(t *testing.T) {
		// With H = X/k, the forger knows X = k·H and proves it, for a key X
		// whose secret it does not know.
		X := baseMul(randomScalar(t, rand))
		k := randomScalar(t, rand)
		H := mul(sInv(k), X)
		msg := []byte("ballot hash")
		p, err := ProveSchnorr(testTranscript(msg), H, X, group.NewSecret(k), rand)
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Verify(testTranscript(msg), H, X); err != nil {
			t.Fatalf("control: a verifier using H rejects the proof: %v", err)
		}
		if err := p.Verify(testTranscript(msg), G, X); !errors.Is(err, ErrInvalidProof) {
			t.Errorf("got %v, want ErrInvalidProof", err)
		}
		b := newTestBatch(t, elgamal.NewPublicKey(G))
		p.AddToBatch(b, testTranscript(msg), X, X.Bytes())
		if b.Verify() {
			t.Error("accepted in a batch")
		}
	})

	t.Run("dleq", func(t *testing.T) {
		// A guardian with share x publishes the wrong share y·A and proves
		// it with G1 = (x/y)·G, for which X1 = x·G = y·G1.
		x, y := randomScalar(t, rand), randomScalar(t, rand)
		A := randomElement(t, rand)
		X1, X2 := baseMul(x), mul(y, A)
		H := baseMul(sMul(x, sInv(y)))
		ctx := []byte("decryption share")
		p, err := ProveDLEQ(testTranscript(ctx), H, X1, A, X2, group.NewSecret(y), rand)
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Verify(testTranscript(ctx), H, X1, A, X2); err != nil {
			t.Fatalf("control: a verifier using H rejects the proof: %v", err)
		}
		if err := p.Verify(testTranscript(ctx), G, X1, A, X2); !errors.Is(err, ErrInvalidProof) {
			t.Errorf("got %v, want ErrInvalidProof", err)
		}
	})
}

// TestBadEncodingTables checks the tables the decoding tests use: every
// entry is refused by package group itself.
func TestBadEncodingTables(t *testing.T) {
	if len(nonCanonicalElements) != 29 {
		t.Fatalf("%d invalid encodings, RFC 9496 lists 29", len(nonCanonicalElements))
	}
	for _, e := range nonCanonicalElements {
		if _, err := group.DecodeElementOrIdentity(e.enc); err == nil {
			t.Errorf("%s: decodes", e.name)
		}
	}
	if _, err := group.DecodeElement(identityEncoding); !errors.Is(err, group.ErrIdentity) {
		t.Errorf("identity: %v", err)
	}
	for _, s := range badScalars {
		if _, err := group.DecodeScalar(s.enc); err == nil {
			t.Errorf("%s: decodes", s.name)
		}
	}
	// ℓ − 1 is the largest canonical scalar: the table's edge is right.
	if _, err := group.DecodeScalar(le32(groupOrderMinus(1))); err != nil {
		t.Errorf("l-1: %v", err)
	}
}

// field is one 32-byte field of an encoded proof.
type field struct {
	name   string
	off    int
	scalar bool
}

// rangeFields lists every field of a proof for [lo, hi].
func rangeFields(lo, hi uint64) []field {
	n := int(hi - lo + 1)
	var out []field
	for d := 0; d < n; d++ {
		out = append(out,
			field{fmt.Sprintf("commitment a[%d]", d), d * 96, false},
			field{fmt.Sprintf("commitment b[%d]", d), d*96 + 32, false},
			field{fmt.Sprintf("response z[%d]", d), d*96 + 64, true})
	}
	for d := 0; d < n-1; d++ {
		out = append(out, field{fmt.Sprintf("challenge c[%d]", d), n*96 + d*32, true})
	}
	return out
}

var (
	schnorrFields = []field{{"commitment R", 0, false}, {"response z", 32, true}}
	dleqFields    = []field{{"commitment A1", 0, false}, {"commitment A2", 32, false}, {"response z", 64, true}}
)

// checkBadFields replaces every field of a valid encoding in turn by every
// bad encoding of its kind, and by its own value plus ℓ for scalars (the
// same scalar, not reduced: a malleable copy of a valid proof), and checks
// decode refuses each with ErrMalformed.
func checkBadFields(t *testing.T, valid []byte, fields []field, decode func([]byte) error) {
	t.Helper()
	if err := decode(valid); err != nil {
		t.Fatalf("valid encoding: %v", err)
	}
	for _, f := range fields {
		bad := badElements
		if f.scalar {
			bad = badScalars
			s, err := group.DecodeScalar(valid[f.off : f.off+32])
			if err != nil {
				t.Fatal(err)
			}
			bad = append(append([]badEncoding(nil), bad...), badEncoding{"the same scalar + l", scalarPlusOrder(s)})
		}
		for _, b := range bad {
			if err := decode(replaced(valid, f.off, b.enc)); !errors.Is(err, ErrMalformed) {
				t.Errorf("%s = %s: got %v, want ErrMalformed", f.name, b.name, err)
			}
		}
	}
	for _, n := range []int{0, len(valid) - 1, len(valid) + 1, len(valid) + 32} {
		b := make([]byte, n)
		copy(b, valid)
		if err := decode(b); !errors.Is(err, ErrMalformed) {
			t.Errorf("length %d: got %v, want ErrMalformed", n, err)
		}
	}
}

func TestDecodeRejectsBadEncodings(t *testing.T) {
	rand := seeded.Reader("bad encodings")
	_, pk := electionKey(t, rand)
	for _, lim := range [][2]uint64{{0, 1}, {1, 3}, {2, 2}} {
		lo, hi := lim[0], lim[1]
		t.Run(fmt.Sprintf("range [%d, %d]", lo, hi), func(t *testing.T) {
			r := randomSecret(t, rand)
			ct := elgamal.Encrypt(pk, hi, r)
			p, err := ProveRange(testTranscript(nil), pk, ct, ct.Bytes(), lo, hi, hi, r, rand)
			if err != nil {
				t.Fatal(err)
			}
			checkBadFields(t, p.Bytes(), rangeFields(lo, hi), func(b []byte) error {
				_, err := DecodeRange(b, lo, hi)
				return err
			})
		})
	}
	t.Run("schnorr", func(t *testing.T) {
		x := randomSecret(t, rand)
		p, err := ProveSchnorr(testTranscript(nil), group.G(), baseMul(x.Scalar()), x, rand)
		if err != nil {
			t.Fatal(err)
		}
		checkBadFields(t, p.Bytes(), schnorrFields, func(b []byte) error {
			_, err := DecodeSchnorr(b)
			return err
		})
	})
	t.Run("dleq", func(t *testing.T) {
		x := randomSecret(t, rand)
		A := randomElement(t, rand)
		p, err := ProveDLEQ(testTranscript(nil), group.G(), baseMul(x.Scalar()), A, mul(x.Scalar(), A), x, rand)
		if err != nil {
			t.Fatal(err)
		}
		checkBadFields(t, p.Bytes(), dleqFields, func(b []byte) error {
			_, err := DecodeDLEQ(b)
			return err
		})
	})
	t.Run("unsupported limits", func(t *testing.T) {
		for _, lim := range [][2]uint64{{1, 0}, {0, 256}, {0, 1 << 40}, {1<<31 - 1, 1<<31 + 1}, {0, ^uint64(0)}} {
			if _, err := DecodeRange(make([]byte, 224), lim[0], lim[1]); !errors.Is(err, ErrMalformed) {
				t.Errorf("[%d, %d]: got %v, want ErrMalformed", lim[0], lim[1], err)
			}
		}
	})
}
