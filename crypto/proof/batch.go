package proof

import (
	"fmt"
	"io"

	"github.com/gtank/ristretto255"
	"golang.org/x/crypto/chacha20"

	"github.com/urna-vote/urna/crypto/elgamal"
	"github.com/urna-vote/urna/crypto/msm"
)

// A Batch checks many proof equations at once. Each equation Σ s_i·P_i = 0
// is multiplied by a fresh random 128-bit weight and all are added into one
// multi-scalar multiplication; if any equation is false, the sum is the
// identity with probability at most 2^-128 over the weights. The weights come
// from a ChaCha20 stream keyed with 32 bytes of the verifier's own
// randomness, which a prover cannot predict.
//
// A Batch serves one election key K: the coefficients of G and K are
// accumulated into one scalar each. A Batch that fails says only that some
// proof is invalid; re-verify one by one to find it.
type Batch struct {
	stream  *chacha20.Cipher
	g, k    *ristretto255.Scalar
	key     *ristretto255.Element
	scalars []*ristretto255.Scalar
	points  []*ristretto255.Element
}

// NewBatch starts a batch for proofs under pk, reading a 32-byte key for its
// weights from rand (crypto/rand.Reader in production).
func NewBatch(rand io.Reader, pk *elgamal.PublicKey) (*Batch, error) {
	var key [32]byte
	if _, err := io.ReadFull(rand, key[:]); err != nil {
		return nil, fmt.Errorf("proof: batch randomness: %w", err)
	}
	var nonce [12]byte
	s, err := chacha20.NewUnauthenticatedCipher(key[:], nonce[:])
	if err != nil {
		return nil, err
	}
	return &Batch{
		stream: s,
		g:      ristretto255.NewScalar(), k: ristretto255.NewScalar(),
		key: pk.K,
	}, nil
}

// weight returns a fresh random scalar below 2^128.
func (b *Batch) weight() *ristretto255.Scalar {
	var buf [32]byte
	b.stream.XORKeyStream(buf[:16], buf[:16])
	s := ristretto255.NewScalar()
	if _, err := s.SetCanonicalBytes(buf[:]); err != nil {
		panic("proof: " + err.Error())
	}
	return s
}

// Add adds the term s·P.
func (b *Batch) Add(s *ristretto255.Scalar, p *ristretto255.Element) {
	b.scalars = append(b.scalars, s)
	b.points = append(b.points, p)
}

// Weight returns a fresh random 128-bit weight for callers adding their own
// equations.
func (b *Batch) Weight() *ristretto255.Scalar { return b.weight() }

// AddG adds s to the coefficient of G.
func (b *Batch) AddG(s *ristretto255.Scalar) { b.g.Add(b.g, s) }

// AddK adds s to the coefficient of K.
func (b *Batch) AddK(s *ristretto255.Scalar) { b.k.Add(b.k, s) }

// Len returns the number of terms so far.
func (b *Batch) Len() int { return len(b.points) + 2 }

// Verify reports whether all equations added hold. Variable time.
func (b *Batch) Verify() bool {
	scalars := append(b.scalars, b.g, b.k)
	points := append(b.points, ristretto255.NewGeneratorElement(), b.key)
	sum := msm.VarTimeMultiScalarMult(scalars, points)
	return sum.Equal(ristretto255.NewIdentityElement()) == 1
}
