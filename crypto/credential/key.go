package credential

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"

	"filippo.io/edwards25519"
)

// Credential key sizes (Ed25519, RFC 8032).
const (
	// KeySize is the length of a credential public key.
	KeySize = ed25519.PublicKeySize
	// SeedSize is the length of a credential private key's seed.
	SeedSize = ed25519.SeedSize
	// BallotSignatureSize is the length of a credential key's signature.
	BallotSignatureSize = ed25519.SignatureSize
)

// A Key is what the voter's device keeps: the Ed25519 credential private
// key and its Credential. It signs the voter's ballots.
//
// A Key cannot be compared with ==, prints as "[secret]" with any fmt verb
// and refuses to marshal. Seed is the deliberate way to store it; NewKey
// restores it.
type Key struct {
	_    [0]func()
	priv ed25519.PrivateKey
	cred *Credential
}

// NewKey restores a Key from the seed returned by Key.Seed and the
// credential it belongs to. It fails with ErrKeyMismatch if the seed's
// public key is not the credential's.
func NewKey(seed []byte, cred *Credential) (*Key, error) {
	if len(seed) != SeedSize {
		return nil, fmt.Errorf("credential: key seed of %d bytes, want %d", len(seed), SeedSize)
	}
	if cred == nil {
		return nil, errors.New("credential: no credential")
	}
	priv := ed25519.NewKeyFromSeed(seed)
	if !bytes.Equal(priv.Public().(ed25519.PublicKey), cred.key[:]) {
		return nil, ErrKeyMismatch
	}
	return &Key{priv: priv, cred: cred}, nil
}

// Seed returns the 32-byte seed of the private key (RFC 8032), only for
// deliberate storage in an encrypted container on the voter's device.
func (k *Key) Seed() []byte { return k.priv.Seed() }

// PublicKey returns the 32-byte credential public key.
func (k *Key) PublicKey() []byte { return k.cred.PublicKey() }

// Credential returns the key's credential.
func (k *Key) Credential() *Credential { return k.cred }

// Sign returns the 64-byte Ed25519 signature of msg (a ballot hash; package
// ballot decides what is signed).
func (k *Key) Sign(msg []byte) []byte { return ed25519.Sign(k.priv, msg) }

// Zero overwrites the private key. The Key must not be used afterwards.
func (k *Key) Zero() { clear(k.priv) }

// String implements fmt.Stringer without revealing the key.
func (Key) String() string { return "[secret]" }

// GoString implements fmt.GoStringer without revealing the key.
func (Key) GoString() string { return "[secret]" }

// Format implements fmt.Formatter without revealing the key.
func (Key) Format(f fmt.State, verb rune) { io.WriteString(f, "[secret]") }

// MarshalJSON refuses to marshal the key.
func (Key) MarshalJSON() ([]byte, error) { return nil, errMarshalSecret }

// MarshalText refuses to marshal the key.
func (Key) MarshalText() ([]byte, error) { return nil, errMarshalSecret }

// MarshalBinary refuses to marshal the key.
func (Key) MarshalBinary() ([]byte, error) { return nil, errMarshalSecret }

// VerifyBallotSignature reports whether sig is a valid Ed25519 signature
// of msg under the credential public key pub (check CR5 of SPEC.md). Wrong
// lengths are false, never a panic. The key's form is checked when its
// credential is decoded.
func VerifyBallotSignature(pub []byte, msg, sig []byte) bool {
	if len(pub) != KeySize || len(sig) != BallotSignatureSize {
		return false
	}
	return ed25519.Verify(ed25519.PublicKey(pub), msg, sig)
}

// checkKey accepts a credential public key only in its canonical encoding
// (y < p, and no sign bit on x = 0) and only if it is not of small order:
// under a small-order key, one signature verifies for many messages.
func checkKey(b []byte) error {
	p, err := new(edwards25519.Point).SetBytes(b)
	if err != nil {
		return errors.New("not a curve point")
	}
	if !bytes.Equal(p.Bytes(), b) {
		return errors.New("non-canonical encoding")
	}
	if new(edwards25519.Point).MultByCofactor(p).Equal(edwards25519.NewIdentityPoint()) == 1 {
		return errors.New("small order")
	}
	return nil
}
