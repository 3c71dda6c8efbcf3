// Package transcript is the one hash construction of the urna protocol.
//
// Every hash in the protocol — Fiat–Shamir challenges, the election context
// hash, ballot hashes, tracking codes — is computed over a transcript: a
// sequence of typed, labeled, length-prefixed fields fed to SHA-512. Because
// every field carries its type, its label and its length, two different
// sequences of fields never produce the same byte string, so the collisions
// of ad-hoc hashing (H("a|b") = H("a","b"), H(None) = H("null")) cannot occur.
//
// A field is encoded as
//
//	tag (1 byte) || len(label) (2 bytes, big endian) || label ||
//	len(value) (4 bytes, big endian) || value
//
// with tag 'D' for the domain (the first field, label "urna/v1"), 'B' for
// bytes, 'E' for a ristretto255 element (its 32-byte canonical encoding), 'S'
// for a scalar (32 bytes, little endian, canonical), 'U' for an unsigned
// integer (8 bytes, big endian), and 'C' for a challenge or digest request
// (empty value). A challenge appends its 'C' field, takes the SHA-512 of
// everything appended so far and reduces the 64 bytes to a scalar; the
// transcript goes on after it, so a second challenge differs from the first.
package transcript

import (
	"crypto/sha512"
	"encoding/binary"
	"hash"

	"github.com/gtank/ristretto255"
)

// Version is the label of every transcript's domain field.
const Version = "urna/v1"

// Field tags.
const (
	tagDomain    = 'D'
	tagBytes     = 'B'
	tagElement   = 'E'
	tagScalar    = 'S'
	tagUint      = 'U'
	tagChallenge = 'C'
)

// A Transcript accumulates fields. The zero value is not usable; call New.
type Transcript struct {
	h hash.Hash
}

// New starts a transcript for the given domain, such as "urna/v1/proof/range".
func New(domain string) *Transcript {
	t := &Transcript{h: sha512.New()}
	t.field(tagDomain, Version, []byte(domain))
	return t
}

// Clone returns an independent copy of the transcript in its current state.
func (t *Transcript) Clone() *Transcript {
	h := sha512.New()
	state, err := t.h.(interface{ MarshalBinary() ([]byte, error) }).MarshalBinary()
	if err != nil {
		panic("transcript: cannot clone sha512 state: " + err.Error())
	}
	if err := h.(interface{ UnmarshalBinary([]byte) error }).UnmarshalBinary(state); err != nil {
		panic("transcript: cannot clone sha512 state: " + err.Error())
	}
	return &Transcript{h: h}
}

func (t *Transcript) field(tag byte, label string, value []byte) {
	if len(label) > 0xffff {
		panic("transcript: label too long")
	}
	var hdr [3]byte
	hdr[0] = tag
	binary.BigEndian.PutUint16(hdr[1:], uint16(len(label)))
	t.h.Write(hdr[:])
	t.h.Write([]byte(label))
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(value)))
	t.h.Write(n[:])
	t.h.Write(value)
}

// Bytes appends a byte string.
func (t *Transcript) Bytes(label string, b []byte) *Transcript {
	if uint64(len(b)) > 0xffffffff {
		panic("transcript: value too long")
	}
	t.field(tagBytes, label, b)
	return t
}

// Element appends a group element by its canonical encoding.
func (t *Transcript) Element(label string, e *ristretto255.Element) *Transcript {
	var buf [32]byte
	t.field(tagElement, label, e.Encode(buf[:0]))
	return t
}

// ElementBytes appends an element given by its canonical 32-byte encoding,
// exactly as Element would; it saves re-encoding an element that was just
// decoded. The caller guarantees enc is a canonical encoding.
func (t *Transcript) ElementBytes(label string, enc []byte) *Transcript {
	if len(enc) != 32 {
		panic("transcript: element encoding must be 32 bytes")
	}
	t.field(tagElement, label, enc)
	return t
}

// Elements appends each element of es under the same label, in order.
func (t *Transcript) Elements(label string, es ...*ristretto255.Element) *Transcript {
	for _, e := range es {
		t.Element(label, e)
	}
	return t
}

// Scalar appends a scalar by its canonical encoding.
func (t *Transcript) Scalar(label string, s *ristretto255.Scalar) *Transcript {
	var buf [32]byte
	t.field(tagScalar, label, s.Encode(buf[:0]))
	return t
}

// Uint appends an unsigned integer.
func (t *Transcript) Uint(label string, v uint64) *Transcript {
	var buf [8]byte
	binary.BigEndian.PutUint64(buf[:], v)
	t.field(tagUint, label, buf[:])
	return t
}

// Challenge appends a challenge request and returns the SHA-512 of the
// transcript so far reduced modulo the group order.
func (t *Transcript) Challenge(label string) *ristretto255.Scalar {
	var out [64]byte
	t.sum(label, out[:0])
	s := ristretto255.NewScalar()
	if _, err := s.SetUniformBytes(out[:]); err != nil {
		panic("transcript: " + err.Error())
	}
	return s
}

// Digest appends a digest request and returns the first 32 bytes of the
// SHA-512 of the transcript so far.
func (t *Transcript) Digest(label string) [32]byte {
	var out [64]byte
	t.sum(label, out[:0])
	var d [32]byte
	copy(d[:], out[:32])
	return d
}

func (t *Transcript) sum(label string, out []byte) {
	t.field(tagChallenge, label, nil)
	t.h.Sum(out)
}
