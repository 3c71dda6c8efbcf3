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

// gEnc is the encoding of G, hashed by every proof over base G.
var gEnc = group.G().Bytes()

// A Schnorr proof shows knowledge of x with X = x·Base. Bound by its
// transcript to a message, it is a Schnorr signature (ballot signatures).
//
//	prover:   w random, R = w·Base, c = H(…, Base, X, R), z = w + c·x
//	verifier: z·Base == R + c·X
type Schnorr struct {
	R    *ristretto255.Element
	Z    *ristretto255.Scalar
	rEnc []byte
}

func schnorrChallenge(t *transcript.Transcript, baseEnc, xEnc, rEnc []byte) *ristretto255.Scalar {
	return t.ElementBytes("schnorr/base", baseEnc).ElementBytes("schnorr/X", xEnc).
		ElementBytes("schnorr/R", rEnc).Challenge("schnorr/c")
}

// ProveSchnorr proves knowledge of x with X = x·base.
func ProveSchnorr(t *transcript.Transcript, base, X *ristretto255.Element, x *group.Secret, rand io.Reader) (*Schnorr, error) {
	w, err := group.RandomSecret(rand)
	if err != nil {
		return nil, err
	}
	defer w.Zero()
	r := ristretto255.NewIdentityElement().ScalarMult(w.Scalar(), base)
	rEnc := r.Bytes()
	c := schnorrChallenge(t, base.Bytes(), X.Bytes(), rEnc)
	z := ristretto255.NewScalar().Multiply(c, x.Scalar())
	z.Add(z, w.Scalar())
	return &Schnorr{R: r, Z: z, rEnc: rEnc}, nil
}

// Verify checks the proof for X = x·base. Variable time: inputs are public.
func (p *Schnorr) Verify(t *transcript.Transcript, base, X *ristretto255.Element) error {
	c := schnorrChallenge(t, base.Bytes(), X.Bytes(), p.rEnc)
	// z·Base − c·X must equal R.
	check := ristretto255.NewIdentityElement().VarTimeMultiScalarMult(
		[]*ristretto255.Scalar{p.Z, ristretto255.NewScalar().Negate(c)},
		[]*ristretto255.Element{base, X})
	if check.Equal(p.R) != 1 {
		return fmt.Errorf("%w: schnorr", ErrInvalidProof)
	}
	return nil
}

// AddToBatch adds the proof for X = x·G, where xEnc is X's encoding, to b:
// with weight ρ, ρz·G − ρ·R − ρc·X.
func (p *Schnorr) AddToBatch(b *Batch, t *transcript.Transcript, X *ristretto255.Element, xEnc []byte) {
	c := schnorrChallenge(t, gEnc, xEnc, p.rEnc)
	rho := b.weight()
	b.g.Add(b.g, ristretto255.NewScalar().Multiply(rho, p.Z))
	b.Add(ristretto255.NewScalar().Negate(rho), p.R)
	b.Add(ristretto255.NewScalar().Negate(ristretto255.NewScalar().Multiply(rho, c)), X)
}

// Bytes returns R || z.
func (p *Schnorr) Bytes() []byte {
	return p.Z.Encode(append(make([]byte, 0, SchnorrSize), p.rEnc...))
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
	return &Schnorr{R: r, Z: z, rEnc: append([]byte(nil), b[:32]...)}, nil
}
