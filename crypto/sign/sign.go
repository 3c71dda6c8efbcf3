package sign

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
)

// Scheme names, as a manifest writes them.
const (
	// Ed25519 is RFC 8032 pure Ed25519, the default; "" also means Ed25519.
	Ed25519 = "ed25519"
	// GOST256 is GOST R 34.10-2012 with 256-bit keys on
	// id-GostR3410-2001-CryptoPro-A-ParamSet and Streebog-256
	// (GOST R 34.11-2012) as its hash.
	GOST256 = "gost2012-256"
)

// Errors returned, wrapped with detail, by the functions of this package.
// Callers decide with errors.Is.
var (
	// ErrUnknownScheme: the scheme name is none of this package's.
	ErrUnknownScheme = errors.New("sign: unknown signature scheme")

	// ErrMalformedPublicKey: a public key's encoding breaks the scheme's
	// rules (length, range, not a point of the group, a weak point).
	ErrMalformedPublicKey = errors.New("sign: malformed public key")

	// ErrMalformedSignature: a signature's encoding breaks the scheme's rules
	// (length, a value out of range). No key could have made it.
	ErrMalformedSignature = errors.New("sign: malformed signature")

	// ErrInvalidSignature: a well-formed signature that does not verify for
	// this key and message.
	ErrInvalidSignature = errors.New("sign: invalid signature")

	// ErrMalformedPrivateKey: a private key's text encoding breaks the
	// format (ParsePrivate). The message never quotes the input.
	ErrMalformedPrivateKey = errors.New("sign: malformed private key")

	// ErrNotExportable: MarshalPrivate was given a Signer whose key this
	// package does not hold (a device or provider).
	ErrNotExportable = errors.New("sign: signer's private key is not exportable")
)

// A Signer holds a member's private key and signs with it. The Signers of
// this package cannot be compared, printed or marshalled (see the package
// documentation); other implementations — a smart card, a certified
// provider — must produce the same encodings.
type Signer interface {
	// Scheme returns the scheme's canonical name (never "").
	Scheme() string
	// Public returns a copy of the public key's encoding.
	Public() []byte
	// Sign signs message. Ed25519 is deterministic and reads nothing from
	// rand; GOST reads 32 bytes of fresh randomness for its hedged nonce.
	Sign(rand io.Reader, message []byte) ([]byte, error)
}

// A scheme is one signature scheme's encodings and algorithms.
type scheme interface {
	name() string
	checkPublicKey(public []byte) error
	verify(public, message, sig []byte) error
	generate(rand io.Reader) (privateSigner, error)
	// parsePrivate decodes the private key bytes of the text encoding.
	parsePrivate(b []byte) (privateSigner, error)
	privateKeySize() int
}

// A privateSigner is a Signer of this package: one whose private key bytes
// MarshalPrivate may take.
type privateSigner interface {
	Signer
	privateBytes() []byte
}

var schemes = map[string]scheme{
	Ed25519: ed25519Scheme{},
	GOST256: gostScheme{},
}

// lookup returns the scheme named name ("" is Ed25519).
func lookup(name string) (scheme, error) {
	if name == "" {
		name = Ed25519
	}
	if s, ok := schemes[name]; ok {
		return s, nil
	}
	if len(name) > 64 {
		name = name[:64] + "…"
	}
	return nil, fmt.Errorf("%w %q (want %q or %q)", ErrUnknownScheme, name, Ed25519, GOST256)
}

// Canonical returns the canonical name of scheme: Ed25519 for "", the name
// itself for a known scheme, and an ErrUnknownScheme error otherwise.
func Canonical(scheme string) (string, error) {
	s, err := lookup(scheme)
	if err != nil {
		return "", err
	}
	return s.name(), nil
}

// Verify checks that sig is a signature of message under public, a public
// key of scheme. It returns nil only for a valid signature; otherwise an
// error wrapping ErrUnknownScheme, ErrMalformedPublicKey,
// ErrMalformedSignature or ErrInvalidSignature. Verify is deterministic:
// every verifier reaches the same answer for the same bytes.
func Verify(scheme string, public, message, sig []byte) error {
	s, err := lookup(scheme)
	if err != nil {
		return err
	}
	if err := s.checkPublicKey(public); err != nil {
		return err
	}
	return s.verify(public, message, sig)
}

// CheckPublicKey checks that public is a valid public key encoding for
// scheme, as a manifest's check does before any signature is made.
func CheckPublicKey(scheme string, public []byte) error {
	s, err := lookup(scheme)
	if err != nil {
		return err
	}
	return s.checkPublicKey(public)
}

// Generate draws a fresh key of scheme from rand (crypto/rand.Reader in
// production; a seeded reader gives the same key every time, for tests).
func Generate(scheme string, rand io.Reader) (Signer, error) {
	s, err := lookup(scheme)
	if err != nil {
		return nil, err
	}
	if rand == nil {
		return nil, errors.New("sign: Generate: nil random source")
	}
	return s.generate(rand)
}

// fingerprintLabel starts the hashed encoding of Fingerprint.
const fingerprintLabel = "urna/v1/sign/fingerprint"

// Fingerprint returns the lowercase hex SHA-256 of a labeled encoding of
// a public key, for people to compare over the phone or on paper:
//
//	SHA-256( u32(len(L)) || L || u32(len(S)) || S || u32(len(K)) || K )
//
// with L = "urna/v1/sign/fingerprint", S the scheme's canonical name ("" is
// "ed25519"), K the public key's bytes, and u32 four bytes big endian. It
// does not check the key (CheckPublicKey does); an unknown scheme name is
// hashed as given.
func Fingerprint(scheme string, public []byte) string {
	if c, err := Canonical(scheme); err == nil {
		scheme = c
	}
	h := sha256.New()
	for _, f := range [][]byte{[]byte(fingerprintLabel), []byte(scheme), public} {
		h.Write(binary.BigEndian.AppendUint32(nil, uint32(len(f))))
		h.Write(f)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// errMarshalSecret is what the Signers of this package answer to JSON, text
// and binary marshalling.
var errMarshalSecret = errors.New("sign: refusing to marshal a private key")

// secretString is how a Signer of scheme prints.
func secretString(scheme string) string { return "sign.Signer(" + scheme + ", [secret])" }
