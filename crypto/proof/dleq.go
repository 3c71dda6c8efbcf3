package proof

import (
	"fmt"
	"io"

	"github.com/gtank/ristretto255"
	"github.com/urna-vote/urna/crypto/group"
	"github.com/urna-vote/urna/crypto/transcript"
)

// DLEQSize is the length of an encoded DLEQ proof.
const DLEQSize = 3 * group.Size

// A DLEQ (Chaum–Pedersen) proof shows that X1 = x·G1 and X2 = x·G2 for the
// same x.
//
//	prover:   w random, A1 = w·G1, A2 = w·G2,
//	          c = H(…, G1, X1, G2, X2, A1, A2), z = w + c·x
//	verifier: z·G1 == A1 + c·X1 and z·G2 == A2 + c·X2
type DLEQ struct {
	A1, A2 *ristretto255.Element
	Z      *ristretto255.Scalar
}

func dleqChallenge(t *transcript.Transcript, g1, x1, g2, x2, a1, a2 *ristretto255.Element) *ristretto255.Scalar {
	return t.Element("dleq/G1", g1).Element("dleq/X1", x1).
		Element("dleq/G2", g2).Element("dleq/X2", x2).
		Element("dleq/A1", a1).Element("dleq/A2", a2).Challenge("dleq/c")
}

// ProveDLEQ proves X1 = x·G1 and X2 = x·G2.
func ProveDLEQ(t *transcript.Transcript, g1, x1, g2, x2 *ristretto255.Element, x *group.Secret, rand io.Reader) (*DLEQ, error) {
	w, err := group.RandomSecret(rand)
	if err != nil {
		return nil, err
	}
	a1 := ristretto255.NewIdentityElement().ScalarMult(w.Scalar(), g1)
	a2 := ristretto255.NewIdentityElement().ScalarMult(w.Scalar(), g2)
	c := dleqChallenge(t, g1, x1, g2, x2, a1, a2)
	z := ristretto255.NewScalar().Multiply(c, x.Scalar())
	z.Add(z, w.Scalar())
	w.Zero()
	return &DLEQ{A1: a1, A2: a2, Z: z}, nil
}

// Verify checks the proof. Variable time: inputs are public.
func (p *DLEQ) Verify(t *transcript.Transcript, g1, x1, g2, x2 *ristretto255.Element) error {
	c := dleqChallenge(t, g1, x1, g2, x2, p.A1, p.A2)
	negC := ristretto255.NewScalar().Negate(c)
	e1 := ristretto255.NewIdentityElement().VarTimeMultiScalarMult(
		[]*ristretto255.Scalar{p.Z, negC}, []*ristretto255.Element{g1, x1})
	e2 := ristretto255.NewIdentityElement().VarTimeMultiScalarMult(
		[]*ristretto255.Scalar{p.Z, negC}, []*ristretto255.Element{g2, x2})
	if e1.Equal(p.A1) != 1 || e2.Equal(p.A2) != 1 {
		return fmt.Errorf("%w: dleq", ErrInvalidProof)
	}
	return nil
}

// Bytes returns A1 || A2 || z.
func (p *DLEQ) Bytes() []byte {
	b := p.A1.Encode(make([]byte, 0, DLEQSize))
	b = p.A2.Encode(b)
	return p.Z.Encode(b)
}

// DecodeDLEQ decodes A1 || A2 || z strictly.
func DecodeDLEQ(b []byte) (*DLEQ, error) {
	if len(b) != DLEQSize {
		return nil, fmt.Errorf("%w: dleq: length %d, want %d", ErrMalformed, len(b), DLEQSize)
	}
	a1, err := group.DecodeElement(b[:32])
	if err != nil {
		return nil, fmt.Errorf("%w: dleq A1: %w", ErrMalformed, err)
	}
	a2, err := group.DecodeElement(b[32:64])
	if err != nil {
		return nil, fmt.Errorf("%w: dleq A2: %w", ErrMalformed, err)
	}
	z, err := group.DecodeScalar(b[64:])
	if err != nil {
		return nil, fmt.Errorf("%w: dleq z: %w", ErrMalformed, err)
	}
	return &DLEQ{A1: a1, A2: a2, Z: z}, nil
}
