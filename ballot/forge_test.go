package ballot

import (
	"encoding/hex"
	"fmt"
	"io"
	"math/big"
	"testing"

	"github.com/gtank/ristretto255"

	"github.com/urna-vote/urna/crypto/elgamal"
	"github.com/urna-vote/urna/crypto/group"
	"github.com/urna-vote/urna/crypto/proof"
	"github.com/urna-vote/urna/crypto/transcript"
)

// The attacker's tools: everything here uses only public values and the
// attacker's own secrets (its credential key, the nonces of its own
// ciphertexts), and produces what an attacker can submit: bytes.

// signedBytes re-encodes b from its fields under the credential key of key
// and signs it, as anyone holding a credential key can. Re-signing with the
// ballot's own signer after changing a field leaves only the proofs'
// binding to check.
func signedBytes(t testing.TB, rand io.Reader, b *Ballot, key *group.Secret) []byte {
	t.Helper()
	pub := group.G().ScalarBaseMult(key.Scalar())
	pub.Encode(b.CredentialKey[:0])
	body := b.encodeBody()
	sig, err := proof.ProveSchnorr(signatureTranscript(bodyHash(body)), group.G(), pub, key, rand)
	if err != nil {
		t.Fatal(err)
	}
	return append(body, sig.Bytes()...)
}

// resign is signedBytes, decoded: the ballot a ballot box receives.
func resign(t testing.TB, rand io.Reader, b *Ballot, key *group.Secret) *Ballot {
	t.Helper()
	d, err := Decode(signedBytes(t, rand, b, key))
	if err != nil {
		t.Fatalf("forged ballot does not even decode: %v", err)
	}
	return d
}

// copyOf returns an independent copy of b, by its encoding.
func copyOf(t testing.TB, b *Ballot) *Ballot {
	t.Helper()
	d, err := Decode(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func setCiphertext(s *Selection, ct *elgamal.Ciphertext) {
	s.Ciphertext, s.ctEnc = ct, ct.Bytes()
}

func randomScalar(t testing.TB, rand io.Reader) *ristretto255.Scalar {
	t.Helper()
	s, err := group.RandomScalar(rand)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// encryptInt encrypts any integer, negative ones and ones above 1 included.
func encryptInt(key *elgamal.PublicKey, m int64, r *ristretto255.Scalar) *elgamal.Ciphertext {
	return elgamal.EncryptScalar(key, group.ScalarFromInt64(m), group.NewSecret(r))
}

func mustDecodeRange(t testing.TB, enc []byte, lo, hi uint64) *proof.Range {
	t.Helper()
	p, err := proof.DecodeRange(enc, lo, hi)
	if err != nil {
		t.Fatalf("forged proof does not even decode: %v", err)
	}
	return p
}

// A range proof as crypto/proof specifies it (range.go), written out again
// here so that attacks can take proofs apart: for each branch d (value
// j = lo + d) commitments a_d, b_d and response z_d, then the challenges
// c_0 … c_{n−2}; the last challenge is c − Σ others with
// c = H(context, lo, hi, K, A, B, a_0, b_0, …), and every branch satisfies
// z_d·G = a_d + c_d·A and z_d·K = b_d + c_d·(B − j·G).

// rangeChallengeSpec is the Fiat–Shamir challenge c.
func rangeChallengeSpec(tr *transcript.Transcript, key *elgamal.PublicKey, ctEnc []byte, lo, hi uint64, enc []byte) *ristretto255.Scalar {
	tr.Uint("range/lo", lo).Uint("range/hi", hi).ElementBytes("range/K", key.Bytes()).
		ElementBytes("range/A", ctEnc[:32]).ElementBytes("range/B", ctEnc[32:64])
	for d := 0; d < int(hi-lo+1); d++ {
		tr.ElementBytes("range/a", enc[d*96:d*96+32]).ElementBytes("range/b", enc[d*96+32:d*96+64])
	}
	return tr.Challenge("range/c")
}

// rangeChallenges returns every branch's challenge, the last derived from c.
func rangeChallenges(t testing.TB, enc []byte, lo, hi uint64, c *ristretto255.Scalar) []*ristretto255.Scalar {
	t.Helper()
	n := int(hi - lo + 1)
	cs := make([]*ristretto255.Scalar, n)
	last := ristretto255.NewScalar().Set(c)
	for d := 0; d < n-1; d++ {
		off := n*96 + d*32
		s, err := group.DecodeScalar(enc[off : off+32])
		if err != nil {
			t.Fatal(err)
		}
		cs[d] = s
		last.Subtract(last, s)
	}
	cs[n-1] = last
	return cs
}

// rangeBranchesHold is a deliberately weakened verifier: the branch
// equations with the given challenges, no hash. Attacks use it as a
// control that their forgery is what they meant it to be.
func rangeBranchesHold(t testing.TB, key *elgamal.PublicKey, ct *elgamal.Ciphertext, lo uint64, enc []byte, cs []*ristretto255.Scalar) bool {
	t.Helper()
	for d, c := range cs {
		a, err1 := group.DecodeElement(enc[d*96 : d*96+32])
		b, err2 := group.DecodeElement(enc[d*96+32 : d*96+64])
		z, err3 := group.DecodeScalar(enc[d*96+64 : d*96+96])
		if err1 != nil || err2 != nil || err3 != nil {
			t.Fatal("undecodable proof")
		}
		j := group.ScalarFromUint64(lo + uint64(d))
		negC := ristretto255.NewScalar().Negate(c)
		if ristretto255.NewIdentityElement().VarTimeDoubleScalarBaseMult(negC, ct.A, z).Equal(a) != 1 {
			return false
		}
		rhs := ristretto255.NewIdentityElement().VarTimeMultiScalarMult(
			[]*ristretto255.Scalar{z, negC, ristretto255.NewScalar().Multiply(c, j)},
			[]*ristretto255.Element{key.K, ct.B, group.G()})
		if rhs.Equal(b) != 1 {
			return false
		}
	}
	return true
}

// adjustResponses returns the proof with every z_d replaced by z_d + c_d·δ:
// with the same challenges, it fits the ciphertext re-randomised by an
// encryption of 0 with nonce δ.
func adjustResponses(t testing.TB, enc []byte, cs []*ristretto255.Scalar, delta *ristretto255.Scalar) []byte {
	t.Helper()
	out := append([]byte(nil), enc...)
	for d, c := range cs {
		z, err := group.DecodeScalar(out[d*96+64 : d*96+96])
		if err != nil {
			t.Fatal(err)
		}
		z.Add(z, ristretto255.NewScalar().Multiply(c, delta))
		copy(out[d*96+64:], z.Bytes())
	}
	return out
}

// proveRangeWith proves that ct = (r·G, m·gen + r·K) encrypts m in
// [lo, hi] "with message generator gen": the honest prover with G replaced
// by gen. With gen = G it is the honest prover.
func proveRangeWith(t testing.TB, rand io.Reader, tr *transcript.Transcript, key *elgamal.PublicKey, ct *elgamal.Ciphertext, lo, hi, m uint64, r *ristretto255.Scalar, gen *ristretto255.Element) []byte {
	t.Helper()
	n := int(hi - lo + 1)
	real := int(m - lo)
	enc := make([]byte, n*96+(n-1)*32)
	cs := make([]*ristretto255.Scalar, n)
	zs := make([]*ristretto255.Scalar, n)
	w := randomScalar(t, rand)
	others := ristretto255.NewScalar()
	for d := 0; d < n; d++ {
		var a, b *ristretto255.Element
		if d == real {
			a = ristretto255.NewIdentityElement().ScalarBaseMult(w)
			b = ristretto255.NewIdentityElement().ScalarMult(w, key.K)
		} else {
			cs[d], zs[d] = randomScalar(t, rand), randomScalar(t, rand)
			negC := ristretto255.NewScalar().Negate(cs[d])
			cj := ristretto255.NewScalar().Multiply(cs[d], group.ScalarFromUint64(lo+uint64(d)))
			a = ristretto255.NewIdentityElement().VarTimeDoubleScalarBaseMult(negC, ct.A, zs[d])
			b = ristretto255.NewIdentityElement().VarTimeMultiScalarMult(
				[]*ristretto255.Scalar{zs[d], negC, cj}, []*ristretto255.Element{key.K, ct.B, gen})
			others.Add(others, cs[d])
		}
		copy(enc[d*96:], a.Bytes())
		copy(enc[d*96+32:], b.Bytes())
	}
	c := rangeChallengeSpec(tr, key, ct.Bytes(), lo, hi, enc)
	cs[real] = ristretto255.NewScalar().Subtract(c, others)
	zs[real] = ristretto255.NewScalar().Multiply(cs[real], r)
	zs[real].Add(zs[real], w)
	for d := 0; d < n; d++ {
		copy(enc[d*96+64:], zs[d].Bytes())
		if d < n-1 {
			copy(enc[n*96+d*32:], cs[d].Bytes())
		}
	}
	return enc
}

// simulateRange "proves" that ct encrypts a value of [lo, hi], whatever it
// encrypts: every branch simulated with random challenges. It is the only
// proof an attacker can make of a false statement, and it fails the
// Fiat–Shamir check.
func simulateRange(t testing.TB, rand io.Reader, key *elgamal.PublicKey, ct *elgamal.Ciphertext, lo, hi uint64) *proof.Range {
	t.Helper()
	n := int(hi - lo + 1)
	var enc, tail []byte
	for d := 0; d < n; d++ {
		c, z := randomScalar(t, rand), randomScalar(t, rand)
		negC := ristretto255.NewScalar().Negate(c)
		cj := ristretto255.NewScalar().Multiply(c, group.ScalarFromUint64(lo+uint64(d)))
		a := ristretto255.NewIdentityElement().VarTimeDoubleScalarBaseMult(negC, ct.A, z)
		b := ristretto255.NewIdentityElement().VarTimeMultiScalarMult(
			[]*ristretto255.Scalar{z, negC, cj}, []*ristretto255.Element{key.K, ct.B, group.G()})
		enc = append(append(append(enc, a.Bytes()...), b.Bytes()...), z.Bytes()...)
		if d < n-1 {
			tail = append(tail, c.Bytes()...)
		}
	}
	return mustDecodeRange(t, append(enc, tail...), lo, hi)
}

// forgeContest builds a contest whose options encrypt values (any
// integers) with fresh nonces, written with the limits lo and hi. Every
// proof is honest where its statement is true (the attacker knows all the
// nonces) and simulated where it is false.
func forgeContest(t testing.TB, rand io.Reader, ctx *Context, credKey []byte, index uint16, values []int64, lo, hi int) *ContestBallot {
	t.Helper()
	base := proofTranscript(ctx, credKey, index)
	cb := &ContestBallot{Index: index, Min: lo, Max: hi}
	sumR := ristretto255.NewScalar()
	total := int64(0)
	for o, v := range values {
		r := randomScalar(t, rand)
		ct := encryptInt(ctx.Key, v, r)
		s := &Selection{}
		setCiphertext(s, ct)
		if v == 0 || v == 1 {
			p, err := proof.ProveRange(optionTranscript(base, o), ctx.Key, ct, s.ctEnc, 0, 1, uint64(v), group.NewSecret(r), rand)
			if err != nil {
				t.Fatal(err)
			}
			s.Proof = p
		} else {
			s.Proof = simulateRange(t, rand, ctx.Key, ct, 0, 1)
		}
		cb.Selections = append(cb.Selections, s)
		sumR.Add(sumR, r)
		total += v
	}
	sum := cb.SumCiphertext()
	if total >= int64(lo) && total <= int64(hi) {
		p, err := proof.ProveRange(sumTranscript(base), ctx.Key, sum, sum.Bytes(), uint64(lo), uint64(hi), uint64(total), group.NewSecret(sumR), rand)
		if err != nil {
			t.Fatal(err)
		}
		cb.Sum = p
	} else {
		cb.Sum = simulateRange(t, rand, ctx.Key, sum, uint64(lo), uint64(hi))
	}
	return cb
}

// forgedRow is one contest of a forged ballot: the values its options
// encrypt and the limits written into it.
type forgedRow struct {
	index  uint16
	values []int64
	lo, hi int
}

// forgeBallot builds and signs a ballot of forged contests.
func forgeBallot(t testing.TB, rand io.Reader, ctx *Context, key *group.Secret, credential []byte, rows ...forgedRow) *Ballot {
	t.Helper()
	b := &Ballot{Election: ctx.Election, Credential: credential, Seq: 1}
	group.G().ScalarBaseMult(key.Scalar()).Encode(b.CredentialKey[:0])
	for _, r := range rows {
		b.Contests = append(b.Contests, forgeContest(t, rand, ctx, b.CredentialKey[:], r.index, r.values, r.lo, r.hi))
	}
	return resign(t, rand, b, key)
}

// The encodings a strict decoder refuses.

// A badEncoding is a 32-byte string in place of an element or scalar.
type badEncoding struct {
	name string
	enc  []byte
}

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// The group order ℓ = 2^252 + 27742317777372353535851937790883648493.
var groupOrder, _ = new(big.Int).SetString("7237005577332262213973186563042994240857116359379907606001950938285454250989", 10)

func le32(n *big.Int) []byte {
	b := n.FillBytes(make([]byte, 32))
	for i, j := 0, 31; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	return b
}

// plusOrder returns the encoding of the scalar s + ℓ: the same scalar,
// not reduced.
func plusOrder(s []byte) []byte {
	b := append([]byte(nil), s...)
	for i, j := 0, 31; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	return le32(new(big.Int).Add(new(big.Int).SetBytes(b), groupOrder))
}

// nonCanonical are invalid element encodings from RFC 9496, Appendix A.2,
// one or two of each class.
var nonCanonical = []badEncoding{
	{"non-canonical field encoding", mustHex("00ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff")},
	{"field element p (the identity, non-canonically)", mustHex("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f")},
	{"negative field element", mustHex("0100000000000000000000000000000000000000000000000000000000000000")},
	{"non-square x^2", mustHex("26948d35ca62e643e26a83177332e6b6afeb9d08e4268b650f1f5bbd8d81d371")},
	{"negative xy", mustHex("3eb858e78f5a7254d8c9731174a94f76755fd3941c0ac93735c07ba14579630e")},
	{"s = -1", mustHex("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f")},
}

var identityEncoding = make([]byte, 32)

var badScalars = []badEncoding{
	{"scalar l", le32(groupOrder)},
	{"scalar l+1", le32(new(big.Int).Add(groupOrder, big.NewInt(1)))},
	{"scalar 2^255-1", le32(new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 255), big.NewInt(1)))},
	{"scalar 2^256-1", le32(new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 256), big.NewInt(1)))},
}

// Kinds of 32-byte fields in a ballot's encoding.
const (
	fieldElement  = iota // a non-identity element
	fieldIdentity        // an element that may be the identity (ciphertext B)
	fieldScalar
)

// A field is one 32-byte field of an encoded ballot.
type field struct {
	name string
	off  int
	kind int
}

// fieldsOf lists every element and scalar of b's encoding, with its offset.
func fieldsOf(b *Ballot) []field {
	var out []field
	off := 1 + 32 + 2 + len(b.Credential)
	out = append(out, field{"credential key", off, fieldElement})
	off += 32 + 4 + 1
	rangeFields := func(prefix string, off int, lo, hi int) {
		n := hi - lo + 1
		for d := 0; d < n; d++ {
			out = append(out,
				field{fmt.Sprintf("%s commitment a[%d]", prefix, d), off + d*96, fieldElement},
				field{fmt.Sprintf("%s commitment b[%d]", prefix, d), off + d*96 + 32, fieldElement},
				field{fmt.Sprintf("%s response z[%d]", prefix, d), off + d*96 + 64, fieldScalar})
		}
		for d := 0; d < n-1; d++ {
			out = append(out, field{fmt.Sprintf("%s challenge c[%d]", prefix, d), off + n*96 + d*32, fieldScalar})
		}
	}
	for i, c := range b.Contests {
		off += 8
		for o := range c.Selections {
			p := fmt.Sprintf("contest %d option %d", i, o)
			out = append(out, field{p + " ciphertext A", off, fieldElement}, field{p + " ciphertext B", off + 32, fieldIdentity})
			rangeFields(p+" proof", off+64, 0, 1)
			off += 64 + proof.RangeSize(0, 1)
		}
		rangeFields(fmt.Sprintf("contest %d sum proof", i), off, c.Min, c.Max)
		off += proof.RangeSize(uint64(c.Min), uint64(c.Max))
	}
	out = append(out, field{"signature commitment R", off, fieldElement}, field{"signature response z", off + 32, fieldScalar})
	return out
}

// replaced returns a copy of b with b[off:off+len(v)] replaced by v.
func replaced(b []byte, off int, v []byte) []byte {
	out := append([]byte(nil), b...)
	copy(out[off:], v)
	return out
}

func cat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}
