package proof

import (
	"io"
	"testing"

	"github.com/gtank/ristretto255"

	"github.com/urna-vote/urna/crypto/elgamal"
	"github.com/urna-vote/urna/crypto/group"
	"github.com/urna-vote/urna/crypto/transcript"
)

// The forgers of range proofs. Each returns its proof taken apart, with
// every branch's challenge, so that a test can check it against a
// weakened verifier as well as submit its encoding to the real one.

// forgeSimulatedRange "proves" that ct encrypts a value of [lo, hi],
// whatever it encrypts, by simulating every branch with random challenges.
func forgeSimulatedRange(t testing.TB, rand io.Reader, pk *elgamal.PublicKey, ct *elgamal.Ciphertext, lo, hi uint64) *rangeParts {
	rp := newRangeParts(lo, hi)
	for d := range rp.a {
		rp.simulateBranch(d, pk, ct, group.G(), randomScalar(t, rand), randomScalar(t, rand))
	}
	return rp
}

// A retargetedRange is a valid proof moved to a false statement.
type retargetedRange struct {
	rp       *rangeParts
	ct       *elgamal.Ciphertext // encrypts hi + 1 or lo − 1
	honest   *Range              // the valid proof it was made from
	honestCt *elgamal.Ciphertext // encrypts hi or lo
	oldC     *ristretto255.Scalar
}

// forgeRetargetedRange makes a valid proof for m = hi (shift +1) or m = lo
// (shift −1) and moves it to m + shift by adding an encryption of shift
// with nonce δ. Branch j of the new statement is branch j − shift of the
// old one with z + c·δ; the branch left over is simulated with the
// challenge that keeps the old sum, so every branch equation holds and the
// challenges add up to the old challenge.
func forgeRetargetedRange(t testing.TB, rand io.Reader, tr func() *transcript.Transcript, pk *elgamal.PublicKey, lo, hi uint64, shift int64) *retargetedRange {
	t.Helper()
	m := hi
	if shift < 0 {
		m = lo
	}
	r := randomSecret(t, rand)
	ct0 := elgamal.Encrypt(pk, m, r)
	p0, err := ProveRange(tr(), pk, ct0, ct0.Bytes(), lo, hi, m, r, rand)
	if err != nil {
		t.Fatal(err)
	}
	old := partsOf(p0, tr(), pk, ct0.Bytes(), lo, hi)
	f := &retargetedRange{honest: p0, honestCt: ct0, oldC: old.challengeSum()}
	delta := randomScalar(t, rand)
	f.ct = ct0.Add(encryptScalar(pk, sInt(shift), delta))
	f.rp = newRangeParts(lo, hi)
	kept := ristretto255.NewScalar()
	left := -1
	for d := range f.rp.a {
		od := d - int(shift)
		if od < 0 || od >= old.n() {
			left = d
			continue
		}
		f.rp.a[d], f.rp.b[d], f.rp.c[d] = old.a[od], old.b[od], old.c[od]
		f.rp.z[d] = sAdd(old.z[od], sMul(old.c[od], delta))
		kept.Add(kept, old.c[od])
	}
	f.rp.simulateBranch(left, pk, f.ct, group.G(), sSub(f.oldC, kept), randomScalar(t, rand))
	return f
}

// forgeGroundRange simulates every branch with chosen challenges, then
// re-draws the first branch's commitments (z_0 + 1 gives a_0 + G and
// b_0 + K, and the branch still holds) until the real Fiat–Shamir
// challenge, which it returns, agrees with the challenges' sum on 4 bits.
func forgeGroundRange(t testing.TB, rand io.Reader, tr func() *transcript.Transcript, pk *elgamal.PublicKey, ct *elgamal.Ciphertext, lo, hi uint64) (*rangeParts, *ristretto255.Scalar) {
	t.Helper()
	rp := forgeSimulatedRange(t, rand, pk, ct, lo, hi)
	want := low4(rp.challengeSum())
	ctEnc, enc := ct.Bytes(), rp.encode()
	one, G := sInt(1), group.G()
	for k := 0; k < 4096; k++ {
		c := rangeChallenge(tr(), pk, ctEnc, lo, hi, enc)
		if low4(c) == want {
			return rp, c
		}
		rp.z[0] = sAdd(rp.z[0], one)
		rp.a[0] = add(rp.a[0], G)
		rp.b[0] = add(rp.b[0], pk.K)
		copy(enc[0:], rp.a[0].Bytes())
		copy(enc[32:], rp.b[0].Bytes())
	}
	t.Fatal("grinding found no 4-bit match in 4096 tries")
	return nil, nil
}

// forgeWeakRange forges against the weak Fiat–Shamir transform: the
// commitments come first, then the challenge c of a verifier that hashes
// them without the statement, then a statement that fits. With
// a_d = α_d·G, b_0 = β·G + α_0·K, b_1 = β·G + α_1·K and b_d = α_d·K
// (d ≥ 2), take c_0 a root of c_0² + (2β − c)·c_0 − β·c (half of all
// commitments give one), c_1 = c − c_0, c_d = 0 (d ≥ 2), u = −β/c_0, and
// the ciphertext (t·G, (lo + u)·G + t·K) with z_d = α_d + c_d·t: every
// branch equation holds, and lo + u is a random scalar, not in [lo, hi].
// It needs at least two branches.
func forgeWeakRange(t testing.TB, rand io.Reader, tr func() *transcript.Transcript, pk *elgamal.PublicKey, lo, hi uint64) (*rangeParts, *elgamal.Ciphertext) {
	t.Helper()
	rp := newRangeParts(lo, hi)
	n := rp.n()
	if n < 2 {
		t.Fatal("forgeWeakRange needs two branches")
	}
	var c0, c1, beta *ristretto255.Scalar
	alpha := make([]*ristretto255.Scalar, n)
	for {
		beta = randomScalar(t, rand)
		for d := 0; d < n; d++ {
			alpha[d] = randomScalar(t, rand)
			rp.a[d] = baseMul(alpha[d])
			rp.b[d] = mul(alpha[d], pk.K)
		}
		rp.b[0] = add(rp.b[0], baseMul(beta))
		rp.b[1] = add(rp.b[1], baseMul(beta))
		c := weakRangeChallenge(tr(), rp)
		root, ok := sqrtScalar(sAdd(sMul(sInt(4), sMul(beta, beta)), sMul(c, c)))
		if !ok {
			continue
		}
		c0 = sMul(sAdd(sSub(c, sMul(sInt(2), beta)), root), sInv(sInt(2)))
		c1 = sSub(c, c0)
		if c0.Equal(sInt(0)) != 1 && c1.Equal(sInt(0)) != 1 {
			break
		}
	}
	u := sNeg(sMul(beta, sInv(c0)))
	tA := randomScalar(t, rand)
	ct := encryptScalar(pk, sAdd(group.ScalarFromUint64(lo), u), tA)
	for d := 0; d < n; d++ {
		rp.c[d] = sInt(0)
	}
	rp.c[0], rp.c[1] = c0, c1
	for d := 0; d < n; d++ {
		rp.z[d] = sAdd(alpha[d], sMul(rp.c[d], tA))
	}
	return rp, ct
}

// proveRangeWith is the honest range prover with the message generator a
// parameter: ct = (r·G, m·gen + r·K). Only an attacker who substitutes gen
// for G needs it.
func proveRangeWith(t testing.TB, tr *transcript.Transcript, pk *elgamal.PublicKey, ct *elgamal.Ciphertext, lo, hi, m uint64, r *ristretto255.Scalar, gen *ristretto255.Element, rand io.Reader) *rangeParts {
	t.Helper()
	rp := newRangeParts(lo, hi)
	real := int(m - lo)
	w := randomScalar(t, rand)
	others := ristretto255.NewScalar()
	for d := range rp.a {
		if d == real {
			rp.a[d], rp.b[d] = baseMul(w), mul(w, pk.K)
			rp.z[d], rp.c[d] = sInt(0), sInt(0)
			continue
		}
		rp.simulateBranch(d, pk, ct, gen, randomScalar(t, rand), randomScalar(t, rand))
		others.Add(others, rp.c[d])
	}
	c := rangeChallenge(tr, pk, ct.Bytes(), lo, hi, rp.encode())
	rp.c[real] = sSub(c, others)
	rp.z[real] = sAdd(w, sMul(rp.c[real], r))
	return rp
}
