package proof

import (
	"crypto/subtle"
	"fmt"
	"io"

	"github.com/gtank/ristretto255"
	"github.com/urna-vote/urna/crypto/elgamal"
	"github.com/urna-vote/urna/crypto/group"
	"github.com/urna-vote/urna/crypto/transcript"
)

// MaxBranches bounds the number of values a range proof can cover.
const MaxBranches = 256

// A Range proof (disjunctive Chaum–Pedersen) shows that a ciphertext
// (A, B) under key K encrypts some integer m in [lo, hi], without telling
// which. For every j in [lo, hi] there is a branch claiming
// (A, B − j·G) = (r·G, r·K); the branch of the true m is proven, the others
// are simulated, and the branch challenges must add up to the Fiat–Shamir
// challenge, which the prover cannot choose: so it can simulate all branches
// but one, and that one must be true.
//
// For each branch d = j − lo the proof carries commitments a_d, b_d, a
// response z_d and a challenge c_d; the last challenge is not encoded but
// derived as c − Σ others. The verifier checks, for every branch,
//
//	z_d·G == a_d + c_d·A
//	z_d·K == b_d + c_d·(B − j·G)
//
// with c = H(context, lo, hi, K, A, B, a_0, b_0, …, a_n, b_n).
type Range struct {
	a, b []*ristretto255.Element
	c, z []*ristretto255.Scalar
	enc  []byte
}

// RangeSize returns the encoded length of a proof for [lo, hi].
func RangeSize(lo, hi uint64) int {
	n := int(hi - lo + 1)
	return n*3*group.Size + (n-1)*group.Size
}

func checkBounds(lo, hi uint64) error {
	if hi < lo || hi-lo+1 > MaxBranches || hi > 1<<31 {
		return fmt.Errorf("%w: range [%d, %d] not supported", ErrMalformed, lo, hi)
	}
	return nil
}

// rangeChallenge hashes the statement and the commitments (as encoded in
// enc) and returns the challenge.
func rangeChallenge(t *transcript.Transcript, pk *elgamal.PublicKey, ctEnc []byte, lo, hi uint64, enc []byte) *ristretto255.Scalar {
	t.Uint("range/lo", lo).Uint("range/hi", hi).ElementBytes("range/K", pk.Bytes()).
		ElementBytes("range/A", ctEnc[:32]).ElementBytes("range/B", ctEnc[32:64])
	n := int(hi - lo + 1)
	for d := 0; d < n; d++ {
		off := d * 3 * group.Size
		t.ElementBytes("range/a", enc[off:off+32]).ElementBytes("range/b", enc[off+32:off+64])
	}
	return t.Challenge("range/c")
}

// ProveRange proves that ct, encoded as ctEnc, encrypts m in [lo, hi] under
// pk with nonce r. It runs in time independent of m.
func ProveRange(t *transcript.Transcript, pk *elgamal.PublicKey, ct *elgamal.Ciphertext, ctEnc []byte, lo, hi, m uint64, r *group.Secret, rand io.Reader) (*Range, error) {
	if err := checkBounds(lo, hi); err != nil {
		return nil, err
	}
	if m < lo || m > hi {
		return nil, fmt.Errorf("proof: value out of range [%d, %d]", lo, hi)
	}
	n := int(hi - lo + 1)
	p := &Range{
		a: make([]*ristretto255.Element, n), b: make([]*ristretto255.Element, n),
		c: make([]*ristretto255.Scalar, n), z: make([]*ristretto255.Scalar, n),
	}
	w, err := group.RandomSecret(rand)
	if err != nil {
		return nil, err
	}
	defer w.Zero()
	bits := make([]*ristretto255.Scalar, n)
	mS := group.ScalarFromUint64(m)
	for d := 0; d < n; d++ {
		j := lo + uint64(d)
		// Simulated branch: random c_d, z_d; a_d = z_d·G − c_d·A,
		// b_d = z_d·K − c_d·(B − j·G). Real branch: a_d = w·G, b_d = w·K.
		// Both are u·G + v·A and u·K + v·(B − j·G), with (u, v) chosen in
		// constant time. Since A = r·G and B − j·G = (m − j)·G + r·K, the
		// prover computes them as (u + v·r)·G and (u + v·r)·K + v·(m − j)·G.
		if p.c[d], err = group.RandomScalar(rand); err != nil {
			return nil, err
		}
		if p.z[d], err = group.RandomScalar(rand); err != nil {
			return nil, err
		}
		bit := uint64(subtle.ConstantTimeEq(int32(j), int32(m)))
		bits[d] = group.ScalarFromUint64(bit)
		u := ctSelect(bits[d], w.Scalar(), p.z[d])
		v := ctSelect(bits[d], ristretto255.NewScalar(), ristretto255.NewScalar().Negate(p.c[d]))
		uvr := ristretto255.NewScalar().Multiply(v, r.Scalar())
		uvr.Add(uvr, u)
		vmj := ristretto255.NewScalar().Subtract(mS, group.ScalarFromUint64(j))
		vmj.Multiply(vmj, v)
		p.a[d] = ristretto255.NewIdentityElement().ScalarBaseMult(uvr)
		p.b[d] = pk.MultK(uvr)
		p.b[d].Add(p.b[d], ristretto255.NewIdentityElement().ScalarBaseMult(vmj))
	}
	p.enc = make([]byte, 0, RangeSize(lo, hi))
	for d := 0; d < n; d++ {
		p.enc = p.a[d].Encode(p.enc)
		p.enc = p.b[d].Encode(p.enc)
		p.enc = append(p.enc, make([]byte, group.Size)...) // z_d, filled below
	}
	c := rangeChallenge(t, pk, ctEnc, lo, hi, p.enc)
	// c_real = c − Σ_{simulated} c_d; z_real = w + c_real·r.
	cReal := ristretto255.NewScalar().Set(c)
	for d := 0; d < n; d++ {
		notBit := ristretto255.NewScalar().Subtract(group.ScalarFromUint64(1), bits[d])
		cReal.Subtract(cReal, ristretto255.NewScalar().Multiply(notBit, p.c[d]))
	}
	zReal := ristretto255.NewScalar().Multiply(cReal, r.Scalar())
	zReal.Add(zReal, w.Scalar())
	for d := 0; d < n; d++ {
		p.c[d] = ctSelect(bits[d], cReal, p.c[d])
		p.z[d] = ctSelect(bits[d], zReal, p.z[d])
	}
	for d := 0; d < n; d++ {
		off := d*3*group.Size + 2*group.Size
		p.z[d].Encode(p.enc[off:off])
	}
	for d := 0; d < n-1; d++ {
		p.enc = p.c[d].Encode(p.enc)
	}
	return p, nil
}

// ctSelect returns x if bit == 1 and y if bit == 0, as y + bit·(x − y),
// in constant time.
func ctSelect(bit, x, y *ristretto255.Scalar) *ristretto255.Scalar {
	s := ristretto255.NewScalar().Subtract(x, y)
	s.Multiply(s, bit)
	return s.Add(s, y)
}

// Bytes returns the canonical encoding: for each branch a_d || b_d || z_d,
// then c_0 … c_{n−2}.
func (p *Range) Bytes() []byte { return p.enc }

// DecodeRange decodes a proof for [lo, hi] strictly: exact length, canonical
// non-identity commitments, canonical scalars. The derived last challenge is
// not checked here: it is computed by Verify.
func DecodeRange(b []byte, lo, hi uint64) (*Range, error) {
	if err := checkBounds(lo, hi); err != nil {
		return nil, err
	}
	if len(b) != RangeSize(lo, hi) {
		return nil, fmt.Errorf("%w: range: length %d, want %d", ErrMalformed, len(b), RangeSize(lo, hi))
	}
	n := int(hi - lo + 1)
	p := &Range{
		a: make([]*ristretto255.Element, n), b: make([]*ristretto255.Element, n),
		c: make([]*ristretto255.Scalar, n), z: make([]*ristretto255.Scalar, n),
		enc: append([]byte(nil), b...),
	}
	b = p.enc
	var err error
	for d := 0; d < n; d++ {
		off := d * 3 * group.Size
		if p.a[d], err = group.DecodeElement(b[off : off+32]); err != nil {
			return nil, fmt.Errorf("%w: range a[%d]: %w", ErrMalformed, d, err)
		}
		if p.b[d], err = group.DecodeElement(b[off+32 : off+64]); err != nil {
			return nil, fmt.Errorf("%w: range b[%d]: %w", ErrMalformed, d, err)
		}
		if p.z[d], err = group.DecodeScalar(b[off+64 : off+96]); err != nil {
			return nil, fmt.Errorf("%w: range z[%d]: %w", ErrMalformed, d, err)
		}
	}
	off := n * 3 * group.Size
	for d := 0; d < n-1; d++ {
		if p.c[d], err = group.DecodeScalar(b[off+d*32 : off+d*32+32]); err != nil {
			return nil, fmt.Errorf("%w: range c[%d]: %w", ErrMalformed, d, err)
		}
	}
	return p, nil
}

// challenges returns every branch's challenge: the encoded ones and the
// last, c_{n−1} = c − Σ_{d<n−1} c_d. It leaves the proof unchanged, so one
// proof may be verified in several contexts at once.
func (p *Range) challenges(c *ristretto255.Scalar) []*ristretto255.Scalar {
	n := len(p.a)
	cs := make([]*ristretto255.Scalar, n)
	copy(cs, p.c[:n-1])
	last := ristretto255.NewScalar().Set(c)
	for _, cd := range p.c[:n-1] {
		last.Subtract(last, cd)
	}
	cs[n-1] = last
	return cs
}

// Verify checks the proof that ct (encoded as ctEnc) encrypts a value in
// [lo, hi] under pk. Variable time: inputs are public.
func (p *Range) Verify(t *transcript.Transcript, pk *elgamal.PublicKey, ct *elgamal.Ciphertext, ctEnc []byte, lo, hi uint64) error {
	if err := p.checkShape(lo, hi); err != nil {
		return err
	}
	cs := p.challenges(rangeChallenge(t, pk, ctEnc, lo, hi, p.enc))
	for d := range p.a {
		j := group.ScalarFromUint64(lo + uint64(d))
		negC := ristretto255.NewScalar().Negate(cs[d])
		// a_d == z_d·G − c_d·A
		lhs := ristretto255.NewIdentityElement().VarTimeDoubleScalarBaseMult(negC, ct.A, p.z[d])
		if lhs.Equal(p.a[d]) != 1 {
			return fmt.Errorf("%w: range branch %d (A)", ErrInvalidProof, d)
		}
		// b_d == z_d·K − c_d·B + c_d·j·G
		cj := ristretto255.NewScalar().Multiply(cs[d], j)
		rhs := ristretto255.NewIdentityElement().VarTimeMultiScalarMult(
			[]*ristretto255.Scalar{p.z[d], negC, cj},
			[]*ristretto255.Element{pk.K, ct.B, group.G()})
		if rhs.Equal(p.b[d]) != 1 {
			return fmt.Errorf("%w: range branch %d (B)", ErrInvalidProof, d)
		}
	}
	return nil
}

func (p *Range) checkShape(lo, hi uint64) error {
	if err := checkBounds(lo, hi); err != nil {
		return err
	}
	if len(p.a) != int(hi-lo+1) || len(p.enc) != RangeSize(lo, hi) {
		return fmt.Errorf("%w: range proof has %d branches, statement needs %d", ErrInvalidProof, len(p.a), hi-lo+1)
	}
	return nil
}

// AddToBatch adds the proof's equations to b with fresh random weights. The
// coefficients of the ciphertext's A and B are not added as terms but
// accumulated into coefA and coefB, so that a caller who also proves
// something about sums of ciphertexts can emit one term per point.
//
// For branch d with weights ρ_d, σ_d the equations contribute
//
//	(Σ ρ_d z_d + σ_d c_d j)·G + (Σ σ_d z_d)·K − ρ_d·a_d − σ_d·b_d
//	− (Σ ρ_d c_d)·A − (Σ σ_d c_d)·B
func (p *Range) AddToBatch(b *Batch, t *transcript.Transcript, pk *elgamal.PublicKey, ctEnc []byte, lo, hi uint64, coefA, coefB *ristretto255.Scalar) error {
	if err := p.checkShape(lo, hi); err != nil {
		return err
	}
	cs := p.challenges(rangeChallenge(t, pk, ctEnc, lo, hi, p.enc))
	tmp := ristretto255.NewScalar()
	for d := range p.a {
		rho, sigma := b.weight(), b.weight()
		b.g.Add(b.g, tmp.Multiply(rho, p.z[d]))
		j := lo + uint64(d)
		if j != 0 {
			cj := ristretto255.NewScalar().Multiply(cs[d], group.ScalarFromUint64(j))
			b.g.Add(b.g, tmp.Multiply(sigma, cj))
		}
		b.k.Add(b.k, tmp.Multiply(sigma, p.z[d]))
		coefA.Subtract(coefA, tmp.Multiply(rho, cs[d]))
		coefB.Subtract(coefB, tmp.Multiply(sigma, cs[d]))
		b.Add(ristretto255.NewScalar().Negate(rho), p.a[d])
		b.Add(ristretto255.NewScalar().Negate(sigma), p.b[d])
	}
	return nil
}
