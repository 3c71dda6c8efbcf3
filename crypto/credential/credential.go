package credential

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha512"
	"encoding/binary"
	"fmt"
	"unicode/utf8"

	"github.com/urna-vote/urna/crypto/transcript"
)

// Sizes and limits of the credential format.
const (
	// Version is the first byte of every encoded credential.
	Version = 1

	// MaxDistrictLen is the longest district name, in bytes.
	MaxDistrictLen = 64

	// PrefixSize is the length of the randomizer prefix that RFC 9474's
	// Randomized variant puts before the message.
	PrefixSize = 32

	// MinSignatureSize and MaxSignatureSize bound the issuer's signature:
	// the byte length of a 2048- to 4096-bit modulus.
	MinSignatureSize = MinModulusBits / 8
	MaxSignatureSize = MaxModulusBits / 8

	// MaxEncodedLen is the longest encoded credential.
	MaxEncodedLen = 1 + 1 + MaxDistrictLen + KeySize + PrefixSize + 2 + MaxSignatureSize

	// saltSize is the RSASSA-PSS salt length of RSABSSA-SHA384-PSS: the
	// SHA-384 output length.
	saltSize = 48
)

// A Credential is the public part of a voter's credential: the district it
// was issued for, the credential public key (ristretto255), the randomizer prefix
// and the issuer's RSA signature. It travels in every ballot. A Credential
// comes from Request.Finalize or DecodeCredential and is never modified.
type Credential struct {
	district string
	key      [KeySize]byte
	prefix   [PrefixSize]byte
	sig      []byte
}

// District returns the district the credential was issued for.
func (c *Credential) District() string { return c.district }

// PublicKey returns the 32-byte credential public key, which signs
// the voter's ballots.
func (c *Credential) PublicKey() []byte { return append([]byte(nil), c.key[:]...) }

// Prefix returns the 32-byte randomizer prefix of the signed message.
func (c *Credential) Prefix() []byte { return append([]byte(nil), c.prefix[:]...) }

// Signature returns the issuer's RSA signature, as long as the issuer's
// modulus.
func (c *Credential) Signature() []byte { return append([]byte(nil), c.sig...) }

// message is the 32-byte digest that names one credential key of one
// district of one election. RFC 9474's prepare step puts the randomizer
// prefix before it; the result is what the issuer signs.
func message(electionHash [32]byte, district string, key []byte) [32]byte {
	return transcript.New("urna/v1/credential").
		Bytes("election", electionHash[:]).
		Bytes("district", []byte(district)).
		Bytes("key", key).
		Digest("message")
}

// prepared is RFC 9474 §4.1's prepared message for the Randomized variant:
// prefix ‖ message.
func prepared(prefix [PrefixSize]byte, digest [32]byte) []byte {
	out := make([]byte, 0, PrefixSize+len(digest))
	out = append(out, prefix[:]...)
	return append(out, digest[:]...)
}

// pssOptions are RSABSSA-SHA384-PSS's parameters: SHA-384, MGF1 with
// SHA-384, a 48-byte salt.
var pssOptions = &rsa.PSSOptions{SaltLength: saltSize, Hash: crypto.SHA384}

// Verify checks that the credential was issued for the election with the
// given context hash by issuer, which must be the key that the election's
// manifest lists for c.District() (checks CR2–CR4 of SPEC.md). It returns
// an error wrapping ErrInvalidIssuerKey or ErrInvalidSignature.
func (c *Credential) Verify(issuer *rsa.PublicKey, electionHash [32]byte) error {
	// CR2: the key follows the rules of the format.
	if err := checkPublicKey(issuer); err != nil {
		return err
	}
	// CR3: the signature is exactly as long as the modulus. rsa.VerifyPSS
	// also rejects s ≥ n.
	if k := issuer.Size(); len(c.sig) != k {
		return fmt.Errorf("%w: length %d for a %d-byte modulus", ErrInvalidSignature, len(c.sig), k)
	}
	// CR4: RSASSA-PSS-VERIFY (RFC 8017 §8.1.2) over prefix ‖ message, as
	// RFC 9474 §4.5 prescribes.
	h := sha512.Sum384(prepared(c.prefix, message(electionHash, c.district, c.key[:])))
	if err := rsa.VerifyPSS(issuer, crypto.SHA384, h[:], c.sig, pssOptions); err != nil {
		return fmt.Errorf("%w: does not verify under the issuer key", ErrInvalidSignature)
	}
	return nil
}

// Encode returns the canonical encoding of the credential:
//
//	version      u8 (= 1)
//	district     u8 length D (1 ≤ D ≤ 64) ‖ D bytes of UTF-8 without control characters
//	key          32 bytes: the credential public key (ristretto255, canonical, non-identity)
//	prefix       32 bytes: the randomizer prefix
//	signature    u16 length S, big endian (256 ≤ S ≤ 512) ‖ S bytes: the RSA
//	             signature, big endian, exactly as long as the issuer's modulus
//
// The encoding is 68 + D + S bytes long.
func (c *Credential) Encode() []byte {
	out := make([]byte, 0, 68+len(c.district)+len(c.sig))
	out = append(out, Version, byte(len(c.district)))
	out = append(out, c.district...)
	out = append(out, c.key[:]...)
	out = append(out, c.prefix[:]...)
	out = binary.BigEndian.AppendUint16(out, uint16(len(c.sig)))
	return append(out, c.sig...)
}

// DecodeCredential decodes a credential from its canonical encoding (see
// Encode; check CR1 of SPEC.md). It rejects wrong lengths, an unknown
// version, a district that breaks the rules, a public key that is not a
// canonical non-identity ristretto255 element, a signature length outside
// 256…512 and trailing bytes, so anything it accepts re-encodes to the same
// bytes. It does not check the signature; call Verify.
func DecodeCredential(b []byte) (*Credential, error) {
	if len(b) > MaxEncodedLen {
		return nil, fmt.Errorf("%w: too long: %d bytes, more than %d", ErrMalformed, len(b), MaxEncodedLen)
	}
	r := reader{b: b}
	if v := r.byte(); r.err == nil && v != Version {
		return nil, fmt.Errorf("%w: version %d", ErrMalformed, v)
	}
	d := int(r.byte())
	if r.err == nil && (d == 0 || d > MaxDistrictLen) {
		return nil, fmt.Errorf("%w: district length %d", ErrMalformed, d)
	}
	c := &Credential{}
	district := r.take(d)
	if r.err == nil {
		if err := checkDistrict(string(district)); err != nil {
			return nil, fmt.Errorf("%w: district name: %v", ErrMalformed, err)
		}
		c.district = string(district)
	}
	if key := r.take(KeySize); r.err == nil {
		if err := checkKey(key); err != nil {
			return nil, fmt.Errorf("%w: public key: %v", ErrMalformed, err)
		}
		copy(c.key[:], key)
	}
	copy(c.prefix[:], r.take(PrefixSize))
	s := int(r.uint16())
	if r.err == nil && (s < MinSignatureSize || s > MaxSignatureSize) {
		return nil, fmt.Errorf("%w: signature length %d", ErrMalformed, s)
	}
	c.sig = append([]byte(nil), r.take(s)...)
	if r.err != nil {
		return nil, fmt.Errorf("%w: truncated", ErrMalformed)
	}
	if len(r.b) != 0 {
		return nil, fmt.Errorf("%w: trailing bytes (%d)", ErrMalformed, len(r.b))
	}
	return c, nil
}

// reader takes fields off the front of b; after the first short read it
// returns zero values and keeps err set.
type reader struct {
	b   []byte
	err error
}

func (r *reader) take(n int) []byte {
	if r.err != nil || len(r.b) < n {
		r.err = ErrMalformed
		return nil
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}

func (r *reader) byte() byte {
	if b := r.take(1); b != nil {
		return b[0]
	}
	return 0
}

func (r *reader) uint16() uint16 {
	if b := r.take(2); b != nil {
		return binary.BigEndian.Uint16(b)
	}
	return 0
}

// checkDistrict applies the rule for district names: 1 to MaxDistrictLen
// bytes of valid UTF-8 with no control character (U+0000–U+001F,
// U+007F–U+009F). The rule does not depend on a Unicode version, so every
// implementation applies it identically.
func checkDistrict(d string) error {
	if len(d) == 0 || len(d) > MaxDistrictLen {
		return fmt.Errorf("%d bytes, must be 1 to %d", len(d), MaxDistrictLen)
	}
	if !utf8.ValidString(d) {
		return fmt.Errorf("not valid UTF-8")
	}
	for _, r := range d {
		if r < 0x20 || r >= 0x7f && r <= 0x9f {
			return fmt.Errorf("control character %U", r)
		}
	}
	return nil
}
