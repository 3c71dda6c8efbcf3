// Package elgamal is exponential ElGamal on ristretto255.
//
// A message m (a small non-negative integer: a vote count) is encrypted under
// the public key K with a secret nonce r as the pair
//
//	A = r·G,  B = m·G + r·K
//
// Ciphertexts add componentwise, and the sum encrypts the sum of the
// messages: that is how urna tallies without decrypting any single ballot.
// Decryption needs the secret key x (K = x·G): m·G = B − x·A, and m is then
// found by a bounded discrete logarithm (package dlog). In urna x exists only
// as shares held by guardians (package threshold), who publish x_i·A.
package elgamal

import (
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/gtank/ristretto255"
	"github.com/urna-vote/urna/crypto/group"
)

// CiphertextSize is the length of an encoded ciphertext.
const CiphertextSize = 2 * group.Size

// ErrMalformed is returned for a ciphertext that does not decode.
var ErrMalformed = errors.New("elgamal: malformed ciphertext")

// A PublicKey is the joint election key K. It keeps its encoding, which
// every proof hashes, and builds a table of multiples of K the first time
// something is encrypted under it, since each ballot multiplies K by a secret
// nonce a dozen times or more.
type PublicKey struct {
	K     *ristretto255.Element
	enc   [32]byte
	table func() *group.Table
}

// NewPublicKey wraps the element K.
func NewPublicKey(k *ristretto255.Element) *PublicKey {
	pk := &PublicKey{K: ristretto255.NewIdentityElement().Set(k)}
	k.Encode(pk.enc[:0])
	pk.table = sync.OnceValue(func() *group.Table { return group.NewTable(pk.K) })
	return pk
}

// MultK returns s·K in time independent of s.
func (pk *PublicKey) MultK(s *ristretto255.Scalar) *ristretto255.Element {
	return pk.table().Mult(s)
}

// DecodePublicKey decodes a canonical, non-identity key.
func DecodePublicKey(b []byte) (*PublicKey, error) {
	k, err := group.DecodeElement(b)
	if err != nil {
		return nil, fmt.Errorf("elgamal: public key: %w", err)
	}
	return NewPublicKey(k), nil
}

// Bytes returns the 32-byte encoding of K.
func (pk *PublicKey) Bytes() []byte { return pk.enc[:] }

// A Ciphertext is the pair (A, B).
type Ciphertext struct {
	A, B *ristretto255.Element
}

// Zero returns the encryption of 0 with nonce 0 (both components the
// identity): the neutral element for Add.
func Zero() *Ciphertext {
	return &Ciphertext{A: ristretto255.NewIdentityElement(), B: ristretto255.NewIdentityElement()}
}

// Encrypt encrypts m under pk with the secret nonce r.
func Encrypt(pk *PublicKey, m uint64, r *group.Secret) *Ciphertext {
	return EncryptScalar(pk, group.ScalarFromUint64(m), r)
}

// EncryptScalar encrypts the scalar m under pk with the secret nonce r. It is
// constant time in m and r.
func EncryptScalar(pk *PublicKey, m *ristretto255.Scalar, r *group.Secret) *Ciphertext {
	a := ristretto255.NewIdentityElement().ScalarBaseMult(r.Scalar())
	b := pk.MultK(r.Scalar())
	b.Add(b, ristretto255.NewIdentityElement().ScalarBaseMult(m))
	return &Ciphertext{A: a, B: b}
}

// NewNonce draws a fresh encryption nonce from rand.
func NewNonce(rand io.Reader) (*group.Secret, error) {
	return group.RandomSecret(rand)
}

// Add returns c + d, which encrypts the sum of their messages.
func (c *Ciphertext) Add(d *Ciphertext) *Ciphertext {
	return &Ciphertext{
		A: ristretto255.NewIdentityElement().Add(c.A, d.A),
		B: ristretto255.NewIdentityElement().Add(c.B, d.B),
	}
}

// AddInPlace sets c = c + d and returns c; for accumulating tallies without
// allocation.
func (c *Ciphertext) AddInPlace(d *Ciphertext) *Ciphertext {
	c.A.Add(c.A, d.A)
	c.B.Add(c.B, d.B)
	return c
}

// Equal reports whether c and d are the same ciphertext.
func (c *Ciphertext) Equal(d *Ciphertext) bool {
	return c.A.Equal(d.A) == 1 && c.B.Equal(d.B) == 1
}

// Encode appends the 64-byte encoding A || B to dst.
func (c *Ciphertext) Encode(dst []byte) []byte {
	dst = c.A.Encode(dst)
	return c.B.Encode(dst)
}

// Bytes returns the 64-byte encoding A || B.
func (c *Ciphertext) Bytes() []byte { return c.Encode(make([]byte, 0, CiphertextSize)) }

// DecodeCiphertext decodes A || B. Both must be canonical; A must not be the
// identity (a ballot's nonce is never zero, and an identity A would expose the
// message), B may be.
func DecodeCiphertext(b []byte) (*Ciphertext, error) {
	if len(b) != CiphertextSize {
		return nil, fmt.Errorf("%w: length %d, want %d", ErrMalformed, len(b), CiphertextSize)
	}
	a, err := group.DecodeElement(b[:32])
	if err != nil {
		return nil, fmt.Errorf("%w: A: %w", ErrMalformed, err)
	}
	bb, err := group.DecodeElementOrIdentity(b[32:])
	if err != nil {
		return nil, fmt.Errorf("%w: B: %w", ErrMalformed, err)
	}
	return &Ciphertext{A: a, B: bb}, nil
}

// DecryptToElement returns m·G = B − x·A for the secret key x. Only tests and
// the simulator hold a whole secret key; guardians use package threshold.
func DecryptToElement(c *Ciphertext, x *group.Secret) *ristretto255.Element {
	xa := ristretto255.NewIdentityElement().ScalarMult(x.Scalar(), c.A)
	return ristretto255.NewIdentityElement().Subtract(c.B, xa)
}
