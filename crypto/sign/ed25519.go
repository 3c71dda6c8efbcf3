package sign

import (
	"bytes"
	"crypto/ed25519"
	"fmt"
	"io"

	"filippo.io/edwards25519"
)

// ed25519Scheme is RFC 8032 pure Ed25519 through crypto/ed25519.
//
// Public key: the 32-byte encoding A of RFC 8032 §5.1.2, canonical (y < p)
// and not of small order. Signature: R || S, 64 bytes (§5.1.6), S < L.
// Private key: the 32-byte seed of §5.1.5.
type ed25519Scheme struct{}

func (ed25519Scheme) name() string        { return Ed25519 }
func (ed25519Scheme) privateKeySize() int { return ed25519.SeedSize }

func (ed25519Scheme) checkPublicKey(public []byte) error {
	if len(public) != ed25519.PublicKeySize {
		return fmt.Errorf("%w: %s: %d bytes, want %d", ErrMalformedPublicKey, Ed25519, len(public), ed25519.PublicKeySize)
	}
	a, err := new(edwards25519.Point).SetBytes(public)
	if err != nil {
		return fmt.Errorf("%w: %s: not a point of the curve", ErrMalformedPublicKey, Ed25519)
	}
	if !bytes.Equal(a.Bytes(), public) {
		return fmt.Errorf("%w: %s: non-canonical encoding", ErrMalformedPublicKey, Ed25519)
	}
	// A key of small order (the identity among them) lets one signature
	// verify for many messages; no honestly generated key has one.
	if new(edwards25519.Point).MultByCofactor(a).Equal(edwards25519.NewIdentityPoint()) == 1 {
		return fmt.Errorf("%w: %s: a point of small order", ErrMalformedPublicKey, Ed25519)
	}
	return nil
}

// verify follows RFC 8032 §5.1.7 as crypto/ed25519 does: S must be below
// L, and encode([S]B − [k]A) must equal R byte for byte, where
// k = SHA-512(R || A || M) mod L (the cofactorless equation).
func (ed25519Scheme) verify(public, message, sig []byte) error {
	if len(sig) != ed25519.SignatureSize {
		return fmt.Errorf("%w: %s: %d bytes, want %d", ErrMalformedSignature, Ed25519, len(sig), ed25519.SignatureSize)
	}
	if _, err := new(edwards25519.Scalar).SetCanonicalBytes(sig[32:]); err != nil {
		return fmt.Errorf("%w: %s: S is not below the group order", ErrMalformedSignature, Ed25519)
	}
	if !ed25519.Verify(ed25519.PublicKey(public), message, sig) {
		return fmt.Errorf("%w: %s", ErrInvalidSignature, Ed25519)
	}
	return nil
}

func (s ed25519Scheme) generate(rand io.Reader) (privateSigner, error) {
	// The seed is read here rather than by ed25519.GenerateKey, which may
	// ignore its reader: a seeded reader must give a reproducible key.
	seed := make([]byte, ed25519.SeedSize)
	if _, err := io.ReadFull(rand, seed); err != nil {
		return nil, fmt.Errorf("sign: %s: reading randomness: %w", Ed25519, err)
	}
	defer clear(seed)
	return s.parsePrivate(seed)
}

func (ed25519Scheme) parsePrivate(seed []byte) (privateSigner, error) {
	if len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("%w: %s: %d bytes, want %d", ErrMalformedPrivateKey, Ed25519, len(seed), ed25519.SeedSize)
	}
	return &ed25519Signer{key: ed25519.NewKeyFromSeed(seed)}, nil
}

// An ed25519Signer holds an Ed25519 private key. It cannot be compared
// (func-typed field), printed or marshalled.
type ed25519Signer struct {
	_   [0]func()
	key ed25519.PrivateKey
}

func (*ed25519Signer) Scheme() string { return Ed25519 }

func (k *ed25519Signer) Public() []byte {
	return bytes.Clone(k.key[ed25519.SeedSize:])
}

// Sign returns the RFC 8032 signature of message; rand is not used.
func (k *ed25519Signer) Sign(_ io.Reader, message []byte) ([]byte, error) {
	return ed25519.Sign(k.key, message), nil
}

func (k *ed25519Signer) privateBytes() []byte { return bytes.Clone(k.key.Seed()) }

func (k ed25519Signer) String() string                 { return secretString(Ed25519) }
func (k ed25519Signer) GoString() string               { return k.String() }
func (k ed25519Signer) Format(f fmt.State, _ rune)     { io.WriteString(f, k.String()) }
func (k ed25519Signer) MarshalJSON() ([]byte, error)   { return nil, errMarshalSecret }
func (k ed25519Signer) MarshalText() ([]byte, error)   { return nil, errMarshalSecret }
func (k ed25519Signer) MarshalBinary() ([]byte, error) { return nil, errMarshalSecret }
