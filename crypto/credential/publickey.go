package credential

import (
	"bytes"
	"crypto/rsa"
	"errors"
	"fmt"
	"math/big"
)

// An issuer public key is a DER SubjectPublicKeyInfo (RFC 5280 §4.1,
// RFC 8017 Appendix A.1.1):
//
//	SEQUENCE {
//	  SEQUENCE { OBJECT IDENTIFIER rsaEncryption (1.2.840.113549.1.1.1), NULL }
//	  BIT STRING (0 unused bits) containing
//	    SEQUENCE { INTEGER n, INTEGER e }
//	}
//
// It is read and written here, not with crypto/x509, which would add about
// half a megabyte (gzipped) to the WebAssembly client; the tests check both
// against crypto/x509.

// rsaEncryptionOID is the DER content of OID 1.2.840.113549.1.1.1.
var rsaEncryptionOID = []byte{0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01}

// DER tags used by the key encoding.
const (
	tagInteger   = 0x02
	tagBitString = 0x03
	tagNull      = 0x05
	tagOID       = 0x06
	tagSequence  = 0x30
)

// maxPublicKeyLen bounds the input of ParsePublicKey; the encoding of a
// 4096-bit key is 550 bytes.
const maxPublicKeyLen = 1024

// MarshalPublicKey returns the issuer public key as PKIX DER, the form the
// election manifest lists for each district. It panics if pub has no
// positive modulus or exponent (programmer misuse).
func MarshalPublicKey(pub *rsa.PublicKey) []byte {
	if pub == nil || pub.N == nil || pub.N.Sign() <= 0 || pub.E <= 0 {
		panic("credential: MarshalPublicKey of an invalid RSA public key")
	}
	key := appendTLV(nil, tagSequence, appendInteger(appendInteger(nil, pub.N), big.NewInt(int64(pub.E))))
	alg := appendTLV(appendTLV(nil, tagOID, rsaEncryptionOID), tagNull, nil)
	body := appendTLV(nil, tagSequence, alg)
	body = appendTLV(body, tagBitString, append([]byte{0}, key...))
	return appendTLV(nil, tagSequence, body)
}

// ParsePublicKey parses an issuer public key from PKIX DER. It is strict:
// DER only (minimal lengths and integers, no trailing bytes), algorithm
// rsaEncryption with NULL parameters, e = 65537, an odd modulus of 2048 to
// 4096 bits. Anything it accepts, MarshalPublicKey encodes to the same
// bytes. Errors wrap ErrInvalidIssuerKey.
func ParsePublicKey(der []byte) (*rsa.PublicKey, error) {
	if len(der) > maxPublicKeyLen {
		return nil, fmt.Errorf("%w: encoding: %d bytes", ErrInvalidIssuerKey, len(der))
	}
	pub, err := parseSPKI(der)
	if err != nil {
		return nil, err
	}
	if err := checkPublicKey(pub); err != nil {
		return nil, err
	}
	if !bytes.Equal(MarshalPublicKey(pub), der) {
		// Unreachable if parseSPKI is strict; kept as the definition of
		// canonical.
		return nil, fmt.Errorf("%w: encoding: not canonical", ErrInvalidIssuerKey)
	}
	return pub, nil
}

func parseSPKI(der []byte) (*rsa.PublicKey, error) {
	bad := func(what string) error { return fmt.Errorf("%w: encoding: %s", ErrInvalidIssuerKey, what) }
	spki, rest, err := readTLV(der, tagSequence)
	if err != nil || len(rest) != 0 {
		return nil, bad("not one DER SubjectPublicKeyInfo")
	}
	alg, spki, err := readTLV(spki, tagSequence)
	if err != nil {
		return nil, bad("algorithm")
	}
	oid, params, err := readTLV(alg, tagOID)
	if err != nil {
		return nil, bad("algorithm")
	}
	if !bytes.Equal(oid, rsaEncryptionOID) {
		return nil, fmt.Errorf("%w: algorithm is not rsaEncryption (OID %x)", ErrInvalidIssuerKey, oid)
	}
	if null, rest, err := readTLV(params, tagNull); err != nil || len(null) != 0 || len(rest) != 0 {
		return nil, bad("rsaEncryption parameters must be NULL")
	}
	bits, rest, err := readTLV(spki, tagBitString)
	if err != nil || len(rest) != 0 || len(bits) == 0 || bits[0] != 0 {
		return nil, bad("subjectPublicKey")
	}
	key, rest, err := readTLV(bits[1:], tagSequence)
	if err != nil || len(rest) != 0 {
		return nil, bad("RSAPublicKey")
	}
	n, key, err := readInteger(key)
	if err != nil {
		return nil, bad("modulus: " + err.Error())
	}
	e, key, err := readInteger(key)
	if err != nil || len(key) != 0 {
		return nil, bad("RSAPublicKey")
	}
	if !e.IsInt64() || e.Int64() != PublicExponent {
		return nil, fmt.Errorf("%w: exponent %v, must be %d", ErrInvalidIssuerKey, e, PublicExponent)
	}
	return &rsa.PublicKey{N: n, E: PublicExponent}, nil
}

var (
	errDER        = errors.New("not DER")
	errNotInteger = errors.New("not a positive minimal INTEGER")
)

// readTLV reads one DER element with the given tag (low-tag-number form)
// and returns its content and what follows. Lengths must be definite and
// minimal: short form below 128, long form of at most two bytes without a
// leading zero byte otherwise.
func readTLV(b []byte, tag byte) (content, rest []byte, err error) {
	if len(b) < 2 || b[0] != tag {
		return nil, nil, errDER
	}
	n, hdr := int(b[1]), 2
	switch {
	case n < 0x80:
	case n == 0x81:
		if len(b) < 3 || b[2] < 0x80 {
			return nil, nil, errDER
		}
		n, hdr = int(b[2]), 3
	case n == 0x82:
		if len(b) < 4 || b[2] == 0 {
			return nil, nil, errDER
		}
		n, hdr = int(b[2])<<8|int(b[3]), 4
	default:
		return nil, nil, errDER
	}
	if len(b)-hdr < n {
		return nil, nil, errDER
	}
	return b[hdr : hdr+n], b[hdr+n:], nil
}

// readInteger reads a DER INTEGER that must be positive and minimally
// encoded.
func readInteger(b []byte) (*big.Int, []byte, error) {
	c, rest, err := readTLV(b, tagInteger)
	if err != nil || len(c) == 0 || c[0]&0x80 != 0 || len(c) > 1 && c[0] == 0 && c[1]&0x80 == 0 {
		return nil, nil, errNotInteger
	}
	v := new(big.Int).SetBytes(c)
	if v.Sign() == 0 {
		return nil, nil, errNotInteger
	}
	return v, rest, nil
}

func appendTLV(b []byte, tag byte, content []byte) []byte {
	b = append(b, tag)
	switch n := len(content); {
	case n < 0x80:
		b = append(b, byte(n))
	case n < 0x100:
		b = append(b, 0x81, byte(n))
	case n < 0x10000:
		b = append(b, 0x82, byte(n>>8), byte(n))
	default:
		panic("credential: DER element too long")
	}
	return append(b, content...)
}

// appendInteger appends a positive integer as a minimal DER INTEGER.
func appendInteger(b []byte, v *big.Int) []byte {
	c := v.Bytes()
	if c[0]&0x80 != 0 {
		c = append([]byte{0}, c...)
	}
	return appendTLV(b, tagInteger, c)
}
