// Package group fixes how urna uses the ristretto255 prime-order group.
//
// Elements and scalars have exactly one encoding each: 32 bytes. Decoders here
// are strict: they reject wrong lengths, non-canonical encodings, scalars not
// below the group order ℓ, and the identity element wherever the protocol does
// not allow it. Secret scalars (key shares, encryption nonces, credential keys)
// are held in a Secret, which cannot be compared with ==, printed or
// marshalled by accident.
//
// The canonical generator G is ristretto255's base point. Any further
// generator is derived from a public label by hashing (DeriveGenerator), so
// nobody knows its discrete logarithm with respect to G.
package group

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/gtank/ristretto255"
	"github.com/urna-vote/urna/crypto/transcript"
)

// Size is the length of an encoded element or scalar.
const Size = 32

// Errors returned by the decoders.
var (
	ErrLength       = errors.New("group: encoding must be 32 bytes")
	ErrNonCanonical = errors.New("group: non-canonical encoding")
	ErrIdentity     = errors.New("group: identity element not allowed")
)

// DecodeElement decodes a canonical, non-identity element.
func DecodeElement(b []byte) (*ristretto255.Element, error) {
	e, err := DecodeElementOrIdentity(b)
	if err != nil {
		return nil, err
	}
	if e.Equal(ristretto255.NewIdentityElement()) == 1 {
		return nil, ErrIdentity
	}
	return e, nil
}

// DecodeElementOrIdentity decodes a canonical element, the identity included.
func DecodeElementOrIdentity(b []byte) (*ristretto255.Element, error) {
	if len(b) != Size {
		return nil, ErrLength
	}
	e := ristretto255.NewIdentityElement()
	if _, err := e.SetCanonicalBytes(b); err != nil {
		return nil, ErrNonCanonical
	}
	return e, nil
}

// DecodeScalar decodes a canonical scalar (32 bytes, little endian, < ℓ).
func DecodeScalar(b []byte) (*ristretto255.Scalar, error) {
	if len(b) != Size {
		return nil, ErrLength
	}
	s := ristretto255.NewScalar()
	if _, err := s.SetCanonicalBytes(b); err != nil {
		return nil, ErrNonCanonical
	}
	return s, nil
}

// IsIdentity reports whether e is the identity element.
func IsIdentity(e *ristretto255.Element) bool {
	return e.Equal(ristretto255.NewIdentityElement()) == 1
}

// ScalarFromUint64 returns v as a scalar.
func ScalarFromUint64(v uint64) *ristretto255.Scalar {
	var b [32]byte
	binary.LittleEndian.PutUint64(b[:], v)
	s := ristretto255.NewScalar()
	if _, err := s.SetCanonicalBytes(b[:]); err != nil {
		panic("group: " + err.Error())
	}
	return s
}

// ScalarFromInt64 returns v as a scalar (negative values wrap modulo ℓ).
func ScalarFromInt64(v int64) *ristretto255.Scalar {
	if v >= 0 {
		return ScalarFromUint64(uint64(v))
	}
	return ristretto255.NewScalar().Negate(ScalarFromUint64(uint64(-v)))
}

// RandomScalar reads 64 bytes from r and reduces them modulo ℓ, giving a
// uniformly distributed scalar.
func RandomScalar(r io.Reader) (*ristretto255.Scalar, error) {
	var b [64]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return nil, fmt.Errorf("group: reading randomness: %w", err)
	}
	s := ristretto255.NewScalar()
	if _, err := s.SetUniformBytes(b[:]); err != nil {
		return nil, err
	}
	return s, nil
}

// Random128 reads a uniformly random scalar below 2^128 from r, as used for
// the weights of randomized batch verification.
func Random128(r io.Reader) (*ristretto255.Scalar, error) {
	var b [32]byte
	if _, err := io.ReadFull(r, b[:16]); err != nil {
		return nil, fmt.Errorf("group: reading randomness: %w", err)
	}
	s := ristretto255.NewScalar()
	if _, err := s.SetCanonicalBytes(b[:]); err != nil {
		return nil, err
	}
	return s, nil
}

// G returns a new copy of the canonical generator.
func G() *ristretto255.Element { return ristretto255.NewGeneratorElement() }

// DeriveGenerator derives a generator from a public label by hashing it to the
// group (the transcript "urna/v1/generator" with the label, then
// ristretto255's one-way map on the 64-byte SHA-512 output). Nobody knows its
// discrete logarithm with respect to G; a verifier recomputes it and never
// reads a generator from data.
func DeriveGenerator(label string) *ristretto255.Element {
	t := transcript.New("urna/v1/generator").Bytes("label", []byte(label))
	d1 := t.Digest("lo")
	d2 := t.Digest("hi")
	var u [64]byte
	copy(u[:32], d1[:])
	copy(u[32:], d2[:])
	e := ristretto255.NewIdentityElement()
	if _, err := e.SetUniformBytes(u[:]); err != nil {
		panic("group: " + err.Error())
	}
	return e
}
