package group

import (
	"errors"
	"fmt"
	"io"

	"github.com/gtank/ristretto255"
)

// A Secret holds a secret scalar: a key share, an encryption nonce, a proof
// nonce. It cannot be compared with == (it contains a func field), prints as
// "[secret]" with any fmt verb, and refuses JSON and text marshalling. Use
// Scalar to compute with it; arithmetic on ristretto255 scalars is constant
// time.
type Secret struct {
	_ [0]func()
	s ristretto255.Scalar
}

var errMarshalSecret = errors.New("group: refusing to marshal a secret")

// NewSecret copies s into a new Secret.
func NewSecret(s *ristretto255.Scalar) *Secret {
	x := &Secret{}
	x.s.Set(s)
	return x
}

// RandomSecret draws a uniformly random secret scalar from r.
func RandomSecret(r io.Reader) (*Secret, error) {
	s, err := RandomScalar(r)
	if err != nil {
		return nil, err
	}
	return NewSecret(s), nil
}

// Scalar returns the secret's scalar. The caller must not let it escape into
// logs, JSON or comparisons with ==.
func (x *Secret) Scalar() *ristretto255.Scalar { return &x.s }

// Bytes returns the canonical encoding; only for deliberate storage of the
// secret in an encrypted container.
func (x *Secret) Bytes() []byte { return x.s.Bytes() }

// Equal reports whether x and y hold the same scalar, in constant time.
func (x *Secret) Equal(y *Secret) bool { return x.s.Equal(&y.s) == 1 }

// Zero overwrites the secret with zero.
func (x *Secret) Zero() { x.s.Zero() }

// String implements fmt.Stringer without revealing the value.
func (x *Secret) String() string { return "[secret]" }

// GoString implements fmt.GoStringer without revealing the value.
func (x *Secret) GoString() string { return "[secret]" }

// Format implements fmt.Formatter without revealing the value.
func (x *Secret) Format(f fmt.State, verb rune) { io.WriteString(f, "[secret]") }

// MarshalJSON refuses to marshal a secret.
func (x *Secret) MarshalJSON() ([]byte, error) { return nil, errMarshalSecret }

// MarshalText refuses to marshal a secret.
func (x *Secret) MarshalText() ([]byte, error) { return nil, errMarshalSecret }

// MarshalBinary refuses to marshal a secret.
func (x *Secret) MarshalBinary() ([]byte, error) { return nil, errMarshalSecret }
