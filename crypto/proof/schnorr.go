package proof

import (
	"fmt"
	"io"

	"github.com/gtank/ristretto255"
	"github.com/urna-vote/urna/crypto/group"
	"github.com/urna-vote/urna/crypto/transcript"
)

// SchnorrSize is the length of an encoded Schnorr proof.
const SchnorrSize = 2 * group.Size

// A Schnorr proof shows knowledge of x with X = x·Base.
//
//	prover:   w random, R = w·Base, c = H(…, Base, X, R), z = w + c·x
//	verifier: z·Base == R + c·X
type Schnorr struct {
	R *ristretto255.Element
	Z *ristretto255.Scalar
}

func schnorrChallenge(t *transcript.Transcript, base, x, r *ristretto255.Element) *ristretto255.Scalar {
	return t.Element("schnorr/base", base).Element("schnorr/X", x).Element("schnorr/R", r).Challenge("schnorr/c")
}

// ProveSchnorr proves knowledge of x with X = x·base.
func ProveSchnorr(t *transcript.Transcript, base, X *ristretto255.Element, x *group.Secret, rand io.Reader) (*Schnorr, error) {
	w, err := group.RandomSecret(rand)
	if err != nil {
		return nil, err
	}
	r := ristretto255.NewIdentityElement().ScalarMult(w.Scalar(), base)
	c := schnorrChallenge(t, base, X, r)
	z := ristretto255.NewScalar().Multiply(c, x.Scalar())
	z.Add(z, w.Scalar())
	w.Zero()
	return &Schnorr{R: r, Z: z}, nil
}

// Verify checks the proof for X = x·base. Variable time: inputs are public.
func (p *Schnorr) Verify(t *transcript.Transcript, base, X *ristretto255.Element) error {
	c := schnorrChallenge(t, base, X, p.R)
	// z·Base − c·X must equal R.
	check := ristretto255.NewIdentityElement().VarTimeMultiScalarMult(
		[]*ristretto255.Scalar{p.Z, ristretto255.NewScalar().Negate(c)},
		[]*ristretto255.Element{base, X})
	if check.Equal(p.R) != 1 {
		return fmt.Errorf("%w: schnorr", ErrInvalidProof)
	}
	return nil
}

// Bytes returns R || z.
func (p *Schnorr) Bytes() []byte {
	b := p.R.Encode(make([]byte, 0, SchnorrSize))
	return p.Z.Encode(b)
}

// DecodeSchnorr decodes R || z strictly (R canonical and not the identity, z
// canonical).
func DecodeSchnorr(b []byte) (*Schnorr, error) {
	if len(b) != SchnorrSize {
		return nil, fmt.Errorf("%w: schnorr: length %d, want %d", ErrMalformed, len(b), SchnorrSize)
	}
	r, err := group.DecodeElement(b[:32])
	if err != nil {
		return nil, fmt.Errorf("%w: schnorr R: %w", ErrMalformed, err)
	}
	z, err := group.DecodeScalar(b[32:])
	if err != nil {
		return nil, fmt.Errorf("%w: schnorr z: %w", ErrMalformed, err)
	}
	return &Schnorr{R: r, Z: z}, nil
}
