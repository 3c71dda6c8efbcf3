package ballot

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/gtank/ristretto255"

	"github.com/urna-vote/urna/crypto/elgamal"
	"github.com/urna-vote/urna/crypto/group"
	"github.com/urna-vote/urna/crypto/proof"
	"github.com/urna-vote/urna/internal/seeded"
)

// Each known attack on the encrypted ballot is a test named TestAttack…:
// the forged ballot is built from bytes an attacker can produce, decoded as
// a ballot box would, and must be rejected by Verify and by VerifyBatch.
// Where it matters, a control shows the forgery is what the attack needs
// (it passes a weakened check, or verifies in the attacker's own context),
// so that each test can fail.

// batchRand keys the weights of the batch verifications of these tests.
func batchRand() io.Reader { return seeded.Reader("ballot attack tests: batch weights") }

// rejected checks that Verify and VerifyBatch both reject b with ErrInvalid,
// and that Verify's error contains want.
func rejected(t *testing.T, name string, ctx *Context, style Style, b *Ballot, want string) {
	t.Helper()
	err := b.Verify(ctx, style)
	if !errors.Is(err, ErrInvalid) {
		t.Errorf("%s: Verify: got %v, want ErrInvalid", name, err)
	} else if !strings.Contains(err.Error(), want) {
		t.Errorf("%s: Verify: %q does not say %q", name, err, want)
	}
	errs, err := VerifyBatch(batchRand(), ctx, []Item{{b, style}})
	if err != nil {
		t.Fatal(err)
	}
	if !errors.Is(errs[0], ErrInvalid) {
		t.Errorf("%s: VerifyBatch: got %v, want ErrInvalid", name, errs[0])
	}
}

// accepted is the control: b verifies under ctx and style, one by one and
// batched.
func accepted(t *testing.T, name string, ctx *Context, style Style, b *Ballot) {
	t.Helper()
	if err := b.Verify(ctx, style); err != nil {
		t.Fatalf("%s: control: Verify: %v", name, err)
	}
	errs, err := VerifyBatch(batchRand(), ctx, []Item{{b, style}})
	if err != nil || errs[0] != nil {
		t.Fatalf("%s: control: VerifyBatch: %v %v", name, err, errs)
	}
}

// twinStyle has two contests of the same shape, so that one contest's
// encryptions and proofs fit the other's place.
var twinStyle = Style{
	{Index: 0, Options: 3, Min: 1, Max: 1},
	{Index: 1, Options: 3, Min: 1, Max: 1},
}
var twinChoices = Choices{{1, 0, 0}, {0, 0, 1}}

// TestAttackProofMovedToAnotherCiphertext: an option's valid proof, next to
// another valid ciphertext of the same credential, election, contest and
// option (the same voter's other ballot).
func TestAttackProofMovedToAnotherCiphertext(t *testing.T) {
	f := newFixture(t, "attack: moved to another ciphertext")
	signer := newSigner(t, f.rand)
	b1, _ := f.encrypt(t, signer, 1, f.choices())
	b2, _ := f.encrypt(t, signer, 2, f.choices())
	accepted(t, "the voter's second ballot", f.ctx, f.style, b2)
	forged := copyOf(t, b2)
	forged.Contests[0].Selections[0].Proof = b1.Contests[0].Selections[0].Proof
	rejected(t, "option 0's proof of the first ballot", f.ctx, f.style, resign(t, f.rand, forged, signer), "contest 0 option 0")
}

// TestAttackProofMovedToAnotherOption: options swapped, with their proofs
// (which changes the vote but not the contest's sum) or without them.
func TestAttackProofMovedToAnotherOption(t *testing.T) {
	f := newFixture(t, "attack: moved to another option")
	signer := newSigner(t, f.rand)
	b, _ := f.encrypt(t, signer, 1, f.choices())
	accepted(t, "the ballot as made", f.ctx, f.style, b)

	swapped := copyOf(t, b)
	sel := swapped.Contests[0].Selections
	sel[0], sel[2] = sel[2], sel[0]
	rejected(t, "options 0 and 2 swapped with their proofs", f.ctx, f.style, resign(t, f.rand, swapped, signer), "contest 0 option 0")

	proofs := copyOf(t, b)
	sel = proofs.Contests[1].Selections
	sel[1].Proof, sel[3].Proof = sel[3].Proof, sel[1].Proof
	rejected(t, "the proofs of options 1 and 3 swapped", f.ctx, f.style, resign(t, f.rand, proofs, signer), "contest 1 option 1")
}

// TestAttackProofMovedToAnotherContest: two contests of one shape swap
// their encryptions and proofs, keeping their indices.
func TestAttackProofMovedToAnotherContest(t *testing.T) {
	f := newFixture(t, "attack: moved to another contest")
	f.style = twinStyle
	signer := newSigner(t, f.rand)
	b, _ := f.encrypt(t, signer, 1, twinChoices)
	accepted(t, "the ballot as made", f.ctx, f.style, b)
	forged := copyOf(t, b)
	c0, c1 := forged.Contests[0], forged.Contests[1]
	c0.Selections, c1.Selections = c1.Selections, c0.Selections
	c0.Sum, c1.Sum = c1.Sum, c0.Sum
	forged = resign(t, f.rand, forged, signer)
	if err := forged.CheckShape(f.ctx, f.style); err != nil {
		t.Fatalf("control: the swapped ballot has the district's shape: %v", err)
	}
	rejected(t, "contests 0 and 1 swapped", f.ctx, f.style, forged, "contest 0 option 0")
}

// TestAttackReplayUnderAnotherCredential is Cortier and Smyth's attack on
// ballot privacy: the attacker copies a voter's encrypted choices into a
// ballot of its own credential, so that the tally's effect reveals how the
// voter voted. Every proof names the credential key, so the copy is
// rejected: as it is, re-randomised (an encryption of 0 added to each
// ciphertext, with or without the responses adjusted to it), with options
// permuted, or with contests swapped.
func TestAttackReplayUnderAnotherCredential(t *testing.T) {
	f := newFixture(t, "attack: Cortier-Smyth replay")
	f.style = twinStyle
	victim, _ := f.encrypt(t, newSigner(t, f.rand), 1, twinChoices)
	accepted(t, "the victim's ballot", f.ctx, f.style, victim)
	attacker := newSigner(t, f.rand)
	own := func(b *Ballot) *Ballot {
		c := copyOf(t, b)
		c.Credential = []byte("the attacker's own credential")
		return c
	}

	rejected(t, "copied", f.ctx, f.style, resign(t, f.rand, own(victim), attacker), "contest 0 option 0")

	// Re-randomised: (A + δ·G, B + δ·K) encrypts the same, looks fresh.
	rerand := own(victim)
	adjusted := own(victim)
	for i, c := range rerand.Contests {
		base := proofTranscript(f.ctx, victim.CredentialKey[:], c.Index)
		sumDelta := ristretto255.NewScalar()
		for o, s := range c.Selections {
			delta := randomScalar(t, f.rand)
			sumDelta.Add(sumDelta, delta)
			ct := s.Ciphertext.Add(encryptInt(f.ctx.Key, 0, delta))
			// The responses adjusted to δ with the victim's challenges: the
			// branch equations hold for the new ciphertext.
			vs := victim.Contests[i].Selections[o]
			cs := rangeChallenges(t, vs.Proof.Bytes(), 0, 1,
				rangeChallengeSpec(optionTranscript(base, o), f.ctx.Key, vs.ctEnc, 0, 1, vs.Proof.Bytes()))
			if !rangeBranchesHold(t, f.ctx.Key, vs.Ciphertext, 0, vs.Proof.Bytes(), cs) {
				t.Fatal("the specification of range proofs written here does not match crypto/proof")
			}
			enc := adjustResponses(t, vs.Proof.Bytes(), cs, delta)
			if !rangeBranchesHold(t, f.ctx.Key, ct, 0, enc, cs) {
				t.Fatal("control: the adjusted responses do not fit the re-randomised ciphertext")
			}
			setCiphertext(s, ct)
			as := adjusted.Contests[i].Selections[o]
			setCiphertext(as, ct)
			as.Proof = mustDecodeRange(t, enc, 0, 1)
		}
		vc := victim.Contests[i]
		vsum := vc.SumCiphertext()
		cs := rangeChallenges(t, vc.Sum.Bytes(), uint64(vc.Min), uint64(vc.Max),
			rangeChallengeSpec(sumTranscript(base), f.ctx.Key, vsum.Bytes(), uint64(vc.Min), uint64(vc.Max), vc.Sum.Bytes()))
		enc := adjustResponses(t, vc.Sum.Bytes(), cs, sumDelta)
		if !rangeBranchesHold(t, f.ctx.Key, adjusted.Contests[i].SumCiphertext(), uint64(vc.Min), enc, cs) {
			t.Fatal("control: the adjusted sum proof does not fit the re-randomised sum")
		}
		adjusted.Contests[i].Sum = mustDecodeRange(t, enc, uint64(vc.Min), uint64(vc.Max))
	}
	rejected(t, "re-randomised", f.ctx, f.style, resign(t, f.rand, rerand, attacker), "contest 0 option 0")
	rejected(t, "re-randomised, responses adjusted", f.ctx, f.style, resign(t, f.rand, adjusted, attacker), "contest 0 option 0")

	permuted := own(victim)
	sel := permuted.Contests[0].Selections
	sel[0], sel[1], sel[2] = sel[1], sel[2], sel[0]
	rejected(t, "options permuted", f.ctx, f.style, resign(t, f.rand, permuted, attacker), "contest 0 option 0")

	contests := own(victim)
	c0, c1 := contests.Contests[0], contests.Contests[1]
	c0.Selections, c1.Selections, c0.Sum, c1.Sum = c1.Selections, c0.Selections, c1.Sum, c0.Sum
	rejected(t, "contests swapped", f.ctx, f.style, resign(t, f.rand, contests, attacker), "contest 0 option 0")
}

// TestAttackProofMovedToAnotherElection: a ballot made for election 2
// (same key) relabelled as a ballot of election 1 and re-signed: its
// shape and signature pass, its proofs do not.
func TestAttackProofMovedToAnotherElection(t *testing.T) {
	f := newFixture(t, "attack: moved to another election")
	signer := newSigner(t, f.rand)
	other := &Context{Key: f.ctx.Key}
	copy(other.Election[:], "another election's context hash!")
	b, _, err := Encrypt(f.rand, other, f.style, []byte("credential"), signer, 1, f.choices())
	if err != nil {
		t.Fatal(err)
	}
	accepted(t, "the ballot in its own election", other, f.style, b)
	moved := copyOf(t, b)
	moved.Election = f.ctx.Election
	moved = resign(t, f.rand, moved, signer)
	if err := moved.CheckShape(f.ctx, f.style); err != nil {
		t.Fatalf("control: %v", err)
	}
	if err := moved.VerifySignature(); err != nil {
		t.Fatalf("control: %v", err)
	}
	rejected(t, "relabelled and re-signed", f.ctx, f.style, moved, "contest 0 option 0")
}

// TestAttackReplayIntoAnotherElection: a ballot is bound to its election;
// another election's context rejects it as it is.
//
// The ballot package sees one ballot at a time. That a ballot (or its
// tracking code) is already on the ledger, that a credential votes again
// with a sequence number that is not higher, that the credential is valid
// for the district: those are the election state machine's checks, on the
// ledger it replays.
func TestAttackReplayIntoAnotherElection(t *testing.T) {
	f := newFixture(t, "attack: replay into another election")
	b, _ := f.encrypt(t, newSigner(t, f.rand), 1, f.choices())
	accepted(t, "in its election", f.ctx, f.style, b)
	other := &Context{Key: f.ctx.Key}
	copy(other.Election[:], "another election's context hash!")
	rejected(t, "in another election", other, f.style, copyOf(t, b), "another election")
}

// TestAttackTrapdoorKey: a ballot made under a key the attacker chose
// (whose secret it knows, so it could decrypt every ballot) is valid there
// and rejected under the election's key, and so is one whose proofs treat
// another generator H = v·G as the message generator: verifiers take G and
// the key from their context, never from the ballot.
func TestAttackTrapdoorKey(t *testing.T) {
	f := newFixture(t, "attack: trapdoor key")
	signer := newSigner(t, f.rand)
	x := randomScalar(t, f.rand)
	trapdoor := &Context{Election: f.ctx.Election, Key: elgamal.NewPublicKey(group.G().ScalarBaseMult(x))}
	b, _, err := Encrypt(f.rand, trapdoor, f.style, []byte("credential"), signer, 1, f.choices())
	if err != nil {
		t.Fatal(err)
	}
	accepted(t, "under the attacker's key", trapdoor, f.style, b)
	rejected(t, "under the election key", f.ctx, f.style, copyOf(t, b), "contest 0 option 0")

	// With H = 3·G, (r·G, 1·H + r·K) encrypts 3; proven "to encrypt 1" with
	// H in place of G.
	style := Style{{Index: 0, Options: 2, Min: 0, Max: 2}}
	forged := forgeBallot(t, f.rand, f.ctx, signer, []byte("credential"), forgedRow{0, []int64{0, 0}, 0, 2})
	H := group.G().ScalarBaseMult(group.ScalarFromUint64(3))
	r := randomScalar(t, f.rand)
	ct := &elgamal.Ciphertext{
		A: ristretto255.NewIdentityElement().ScalarBaseMult(r),
		B: ristretto255.NewIdentityElement().Add(H, ristretto255.NewIdentityElement().ScalarMult(r, f.ctx.Key.K)),
	}
	base := proofTranscript(f.ctx, forged.CredentialKey[:], 0)
	enc := proveRangeWith(t, f.rand, optionTranscript(base, 0), f.ctx.Key, ct, 0, 1, 1, r, H)
	s := forged.Contests[0].Selections[0]
	setCiphertext(s, ct)
	s.Proof = mustDecodeRange(t, enc, 0, 1)
	cs := rangeChallenges(t, enc, 0, 1, rangeChallengeSpec(optionTranscript(base, 0), f.ctx.Key, ct.Bytes(), 0, 1, enc))
	if rangeBranchesHold(t, f.ctx.Key, ct, 0, enc, cs) {
		t.Fatal("the proof made with H holds with G")
	}
	if !holdsWithGenerator(f.ctx.Key, ct, enc, cs, H) {
		t.Fatal("control: a verifier using H rejects the proof")
	}
	rejected(t, "proof with H as the message generator", f.ctx, style, resign(t, f.rand, forged, signer), "contest 0 option 0")
}

// holdsWithGenerator checks a [0, 1] proof's branch equations with gen in
// place of G as the message generator: what a verifier that took the
// generator from the ballot would check.
func holdsWithGenerator(key *elgamal.PublicKey, ct *elgamal.Ciphertext, enc []byte, cs []*ristretto255.Scalar, gen *ristretto255.Element) bool {
	for d, c := range cs {
		a, _ := group.DecodeElement(enc[d*96 : d*96+32])
		b, _ := group.DecodeElement(enc[d*96+32 : d*96+64])
		z, _ := group.DecodeScalar(enc[d*96+64 : d*96+96])
		lhsA := ristretto255.NewIdentityElement().ScalarBaseMult(z)
		rhsA := ristretto255.NewIdentityElement().Add(a, ristretto255.NewIdentityElement().ScalarMult(c, ct.A))
		bj := ristretto255.NewIdentityElement().Subtract(ct.B, ristretto255.NewIdentityElement().ScalarMult(group.ScalarFromUint64(uint64(d)), gen))
		lhsB := ristretto255.NewIdentityElement().ScalarMult(z, key.K)
		rhsB := ristretto255.NewIdentityElement().Add(b, ristretto255.NewIdentityElement().ScalarMult(c, bj))
		if lhsA.Equal(rhsA) != 1 || lhsB.Equal(rhsB) != 1 {
			return false
		}
	}
	return true
}

// TestAttackSelectionsOutsideLimits: the honest device refuses choices
// outside a contest's limits; an attacker who encrypts them anyway, with
// its own nonces, cannot prove them.
func TestAttackSelectionsOutsideLimits(t *testing.T) {
	f := newFixture(t, "attack: outside limits")
	signer := newSigner(t, f.rand)
	cred := []byte("credential")
	style := Style{{Index: 0, Options: 3, Min: 1, Max: 1}}
	for _, ch := range []Choices{{{1, 1, 0}}, {{0, 0, 0}}, {{2, 0, 0}}} {
		if _, _, err := Encrypt(f.rand, f.ctx, style, cred, signer, 1, ch); !errors.Is(err, ErrChoice) {
			t.Errorf("Encrypt(%v): got %v, want ErrChoice", ch, err)
		}
	}
	accepted(t, "one selection", f.ctx, style, forgeBallot(t, f.rand, f.ctx, signer, cred, forgedRow{0, []int64{0, 1, 0}, 1, 1}))

	for _, tc := range []struct {
		name    string
		values  []int64
		options bool // whether every option proof is valid
		sum     bool // whether the sum proof is valid
		want    string
	}{
		// Every option proof honest, the sum's simulated.
		{"two selections in a one-of-three", []int64{1, 1, 0}, true, false, "contest 0 selection count"},
		{"no selection in a one-of-three", []int64{0, 0, 0}, true, false, "contest 0 selection count"},
		// The sum is 1 and its proof honest; the option proofs of 2 and
		// -1 simulated.
		{"2 for option 0, -1 for option 1", []int64{2, -1, 0}, false, true, "contest 0 option 0"},
		{"option 0 encrypts 2, no other", []int64{2, 0, 0}, false, false, "contest 0 option 0"},
	} {
		b := forgeBallot(t, f.rand, f.ctx, signer, cred, forgedRow{0, tc.values, 1, 1})
		options, sum := proofsValid(f.ctx, b)
		if options != tc.options || sum != tc.sum {
			t.Fatalf("%s: control: option proofs valid %v, sum proof valid %v", tc.name, options, sum)
		}
		rejected(t, tc.name, f.ctx, style, b, tc.want)
	}

	// Two selections, proven honestly under the limits [0, 2] written into
	// the ballot: valid for those limits, rejected by the shape check
	// against the district's [1, 1].
	changed := forgeBallot(t, f.rand, f.ctx, signer, cred, forgedRow{0, []int64{1, 1, 0}, 0, 2})
	accepted(t, "under the attacker's limits", f.ctx, Style{{Index: 0, Options: 3, Min: 0, Max: 2}}, changed)
	rejected(t, "limits changed to [0, 2]", f.ctx, style, changed, "does not match the district's ballot")
	// The same with limits [2, 2].
	two := forgeBallot(t, f.rand, f.ctx, signer, cred, forgedRow{0, []int64{1, 1, 0}, 2, 2})
	rejected(t, "limits changed to [2, 2]", f.ctx, style, two, "does not match the district's ballot")
}

// proofsValid verifies the proofs of b's first contest one by one: whether
// every option proof holds, and whether the sum proof does.
func proofsValid(ctx *Context, b *Ballot) (options, sum bool) {
	c := b.Contests[0]
	base := proofTranscript(ctx, b.CredentialKey[:], c.Index)
	options = true
	for o, s := range c.Selections {
		if s.Proof.Verify(optionTranscript(base, o), ctx.Key, s.Ciphertext, s.ctEnc, 0, 1) != nil {
			options = false
		}
	}
	total := c.SumCiphertext()
	sum = c.Sum.Verify(sumTranscript(base), ctx.Key, total, total.Bytes(), uint64(c.Min), uint64(c.Max)) == nil
	return options, sum
}

// TestAttackSignatureMalleability: the ballot hash leaves the signature
// out, so a second valid signature over the same ballot would give a second
// encoding with the same hash and tracking code. Only the credential key's
// holder can sign; a signature's z + ℓ, the same scalar, does not decode.
func TestAttackSignatureMalleability(t *testing.T) {
	f := newFixture(t, "attack: signature malleability")
	b, _ := f.encrypt(t, newSigner(t, f.rand), 1, f.choices())
	data := b.Bytes()
	n := len(data)
	if _, err := Decode(replaced(data, n-32, plusOrder(data[n-32:]))); !errors.Is(err, ErrMalformed) {
		t.Errorf("z + l: got %v, want ErrMalformed", err)
	}
	// A signature by another key over the same hash is a wrong signature.
	other := newSigner(t, f.rand)
	sig, err := proof.ProveSchnorr(signatureTranscript(b.Hash()), group.G(), b.credKey, other, f.rand)
	if err != nil {
		t.Fatal(err)
	}
	d, err := Decode(cat(data[:n-64], sig.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	rejected(t, "signature by another key", f.ctx, f.style, d, "signature")
}

// TestAttackNonCanonicalEncodings puts, in every element and scalar of a
// ballot's encoding, RFC 9496's invalid encodings, the identity, and
// scalars ℓ, ℓ + 1, 2^255 − 1, 2^256 − 1 and the field's own value + ℓ:
// Decode refuses each with ErrMalformed. The one exception is a
// ciphertext's B, which may be the identity (elgamal.DecodeCiphertext); such
// a ballot decodes and is invalid.
func TestAttackNonCanonicalEncodings(t *testing.T) {
	f := newFixture(t, "attack: non-canonical encodings")
	style := Style{{Index: 0, Options: 2, Min: 0, Max: 2}, {Index: 1, Options: 1, Min: 1, Max: 1}}
	b, _, err := Encrypt(f.rand, f.ctx, style, []byte("c"), newSigner(t, f.rand), 1, Choices{{1, 0}, {1}})
	if err != nil {
		t.Fatal(err)
	}
	data := b.Bytes()
	fields := fieldsOf(b)
	if len(fields) != 1+2*(2+7)+(9+2)+1*(2+7)+3+2 {
		t.Fatalf("%d fields", len(fields))
	}
	for _, fl := range fields {
		// The field map is right: each field decodes as its kind.
		v := data[fl.off : fl.off+32]
		var bad []badEncoding
		switch fl.kind {
		case fieldScalar:
			if _, err := group.DecodeScalar(v); err != nil {
				t.Fatalf("%s: %v", fl.name, err)
			}
			bad = append(append(bad, badScalars...), badEncoding{"the same scalar + l", plusOrder(v)})
		default:
			if _, err := group.DecodeElement(v); err != nil {
				t.Fatalf("%s: %v", fl.name, err)
			}
			bad = append(bad, nonCanonical...)
			if fl.kind == fieldElement {
				bad = append(bad, badEncoding{"identity", identityEncoding})
			}
		}
		for _, e := range bad {
			if _, err := Decode(replaced(data, fl.off, e.enc)); !errors.Is(err, ErrMalformed) {
				t.Errorf("%s = %s: got %v, want ErrMalformed", fl.name, e.name, err)
			}
		}
		if fl.kind == fieldIdentity {
			d, err := Decode(replaced(data, fl.off, identityEncoding))
			if err != nil {
				t.Fatalf("%s = identity: %v", fl.name, err)
			}
			rejected(t, fl.name+" = identity", f.ctx, style, resign(t, f.rand, d, newSigner(t, f.rand)), "option")
		}
	}
}

// TestDecodeRejectsMalformedStructure: every length, count and limit of the
// encoding out of bounds, truncation at every byte, a trailing byte.
func TestDecodeRejectsMalformedStructure(t *testing.T) {
	f := newFixture(t, "malformed structure")
	style := Style{{Index: 0, Options: 2, Min: 0, Max: 2}}
	b, _, err := Encrypt(f.rand, f.ctx, style, []byte("cred"), newSigner(t, f.rand), 1, Choices{{1, 0}})
	if err != nil {
		t.Fatal(err)
	}
	data := b.Bytes()
	const credLen, credOff = 33, 35 // offsets in the encoding
	seq, count := credOff+4+32, credOff+4+32+4
	contest := count + 1
	u16 := func(v uint16) []byte { return []byte{byte(v >> 8), byte(v)} }
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"version 0", replaced(data, 0, []byte{0})},
		{"version 2", replaced(data, 0, []byte{2})},
		{"credential length 0", replaced(data, credLen, u16(0))},
		{"credential length 1025", replaced(data, credLen, u16(1025))},
		{"credential length longer than the ballot", replaced(data, credLen, u16(1024))},
		{"credential length one more", replaced(data, credLen, u16(5))},
		{"sequence number 0", replaced(data, seq, []byte{0, 0, 0, 0})},
		{"no contests", replaced(data, count, []byte{0})},
		{"65 contests", replaced(data, count, []byte{65})},
		{"2 contests, 1 encoded", replaced(data, count, []byte{2})},
		{"0 options", replaced(data, contest+2, u16(0))},
		{"256 options", replaced(data, contest+2, u16(256))},
		{"3 options, 2 encoded", replaced(data, contest+2, u16(3))},
		{"min above max", replaced(data, contest+4, u16(3))},
		{"max above the options", replaced(data, contest+6, u16(3))},
		{"limits [1, 2]: a sum proof of another length", replaced(data, contest+4, u16(1))},
		{"trailing byte", cat(data, []byte{0})},
		{"longer than MaxSize", cat(data, make([]byte, MaxSize))},
	} {
		if _, err := Decode(tc.data); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: got %v, want ErrMalformed", tc.name, err)
		}
	}
	for n := 0; n < len(data); n++ {
		if _, err := Decode(data[:n]); !errors.Is(err, ErrMalformed) {
			t.Fatalf("truncated to %d bytes: got %v, want ErrMalformed", n, err)
		}
	}
	if _, err := Decode(data); err != nil {
		t.Fatalf("control: %v", err)
	}
}

// TestDecodeCopiesItsInput: a decoded ballot does not change when the
// buffer it was decoded from is reused.
func TestDecodeCopiesItsInput(t *testing.T) {
	f := newFixture(t, "decode copies")
	b, _ := f.encrypt(t, newSigner(t, f.rand), 1, f.choices())
	buf := b.Bytes()
	want := append([]byte(nil), buf...)
	d, err := Decode(buf)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := f.encrypt(t, newSigner(t, f.rand), 1, f.choices())
	copy(buf, other.Bytes())
	if !bytes.Equal(d.Bytes(), want) || d.Hash() != b.Hash() {
		t.Fatal("the decoded ballot changed with its input buffer")
	}
	if err := d.Verify(f.ctx, f.style); err != nil {
		t.Fatal(err)
	}
}

// batchStyle keeps the batch tests fast: one one-of-three contest.
var batchStyle = Style{{Index: 0, Options: 3, Min: 1, Max: 1}}

// TestAttackBatchNamesInvalidBallots: VerifyBatch over 100 ballots finds an
// invalid one wherever it is (first, middle, last), finds two, and finds a
// ballot whose proofs are valid and whose signature is not; every other
// ballot is reported valid.
func TestAttackBatchNamesInvalidBallots(t *testing.T) {
	f := newFixture(t, "attack: batch")
	f.style = batchStyle
	const n = 100
	valid := make([][]byte, n)
	signers := make([]*group.Secret, n)
	for i := range valid {
		signers[i] = newSigner(t, f.rand)
		b, _ := f.encrypt(t, signers[i], 1, Choices{{0, 1, 0}})
		valid[i] = b.Bytes()
	}
	// badProof moves option 1's proof to option 2 and back, re-signed by
	// the ballot's own key: only the proofs' binding is wrong.
	badProof := func(i int) *Ballot {
		b := decoded(t, valid[i])
		s := b.Contests[0].Selections
		s[1], s[2] = s[2], s[1]
		return resign(t, f.rand, b, signers[i])
	}
	// badSignature signs the ballot's hash with another key.
	badSignature := func(i int) *Ballot {
		b := decoded(t, valid[i])
		sig, err := proof.ProveSchnorr(signatureTranscript(b.Hash()), group.G(), b.credKey, newSigner(t, f.rand), f.rand)
		if err != nil {
			t.Fatal(err)
		}
		return decoded(t, cat(valid[i][:len(valid[i])-64], sig.Bytes()))
	}
	for _, tc := range []struct {
		name string
		bad  map[int]func(int) *Ballot
		want string
	}{
		{"none", nil, ""},
		{"first", map[int]func(int) *Ballot{0: badProof}, "contest 0 option 1"},
		{"middle", map[int]func(int) *Ballot{50: badProof}, "contest 0 option 1"},
		{"last", map[int]func(int) *Ballot{99: badProof}, "contest 0 option 1"},
		{"two", map[int]func(int) *Ballot{17: badProof, 83: badProof}, "contest 0 option 1"},
		{"signature", map[int]func(int) *Ballot{42: badSignature}, "signature"},
	} {
		items := make([]Item, n)
		for i := range items {
			if bad := tc.bad[i]; bad != nil {
				items[i] = Item{bad(i), f.style}
				if err := items[i].Ballot.CheckShape(f.ctx, f.style); err != nil {
					t.Fatalf("%s: control: %v", tc.name, err)
				}
				continue
			}
			items[i] = Item{decoded(t, valid[i]), f.style}
		}
		errs, err := VerifyBatch(batchRand(), f.ctx, items)
		if err != nil {
			t.Fatal(err)
		}
		if len(errs) != n {
			t.Fatalf("%s: %d results for %d ballots", tc.name, len(errs), n)
		}
		for i, e := range errs {
			switch {
			case tc.bad[i] == nil && e != nil:
				t.Errorf("%s: valid ballot %d reported: %v", tc.name, i, e)
			case tc.bad[i] != nil && !errors.Is(e, ErrInvalid):
				t.Errorf("%s: invalid ballot %d: got %v, want ErrInvalid", tc.name, i, e)
			case tc.bad[i] != nil && !strings.Contains(e.Error(), tc.want):
				t.Errorf("%s: ballot %d: %q does not say %q", tc.name, i, e, tc.want)
			}
		}
	}
}

func decoded(t testing.TB, data []byte) *Ballot {
	t.Helper()
	b, err := Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestAttackBatchShapeErrorsNamed: a ballot of the wrong shape in a batch
// is named by its shape error and does not hide the others.
func TestAttackBatchShapeErrorsNamed(t *testing.T) {
	f := newFixture(t, "attack: batch shape")
	f.style = batchStyle
	var items []Item
	for i := 0; i < 5; i++ {
		b, _ := f.encrypt(t, newSigner(t, f.rand), 1, Choices{{1, 0, 0}})
		items = append(items, Item{b, f.style})
	}
	items[3].Style = Style{{Index: 0, Options: 3, Min: 0, Max: 1}}
	errs, err := VerifyBatch(batchRand(), f.ctx, items)
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range errs {
		if (i == 3) != (e != nil) {
			t.Errorf("ballot %d: %v", i, e)
		}
	}
	if !errors.Is(errs[3], ErrInvalid) {
		t.Errorf("got %v, want ErrInvalid", errs[3])
	}
}
