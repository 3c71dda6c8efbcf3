package credential

import (
	"crypto/rsa"
	"errors"
	"fmt"
	"io"
	"math/big"

	"filippo.io/bigmod"
)

// Issuer key parameters.
const (
	// DefaultModulusBits is the modulus size of a new issuer key.
	DefaultModulusBits = 2048
	// MinModulusBits and MaxModulusBits bound the modulus of any issuer key.
	MinModulusBits = 2048
	MaxModulusBits = 4096
	// PublicExponent is the only public exponent allowed.
	PublicExponent = 65537
)

// checkPublicKey applies the issuer key rules to a parsed key.
func checkPublicKey(pub *rsa.PublicKey) error {
	if pub == nil || pub.N == nil {
		return fmt.Errorf("%w: no key", ErrInvalidIssuerKey)
	}
	if pub.E != PublicExponent {
		return fmt.Errorf("%w: exponent %d, must be %d", ErrInvalidIssuerKey, pub.E, PublicExponent)
	}
	if n := pub.N.BitLen(); pub.N.Sign() <= 0 || n < MinModulusBits || n > MaxModulusBits {
		return fmt.Errorf("%w: modulus size %d bits, must be %d to %d", ErrInvalidIssuerKey, n, MinModulusBits, MaxModulusBits)
	}
	if pub.N.Bit(0) == 0 {
		return fmt.Errorf("%w: even modulus", ErrInvalidIssuerKey)
	}
	return nil
}

// An Issuer blind-signs credentials for the voters of one district of one
// election with that district's RSA private key. The key is used for this
// and nothing else: an Issuer has no other signing method.
//
// An Issuer cannot be compared with ==, prints as "[secret]" and refuses to
// marshal; PrivateKey is the deliberate way to store its key. BlindSign is
// safe for concurrent use.
type Issuer struct {
	_  [0]func()
	sk *rsa.PrivateKey
	// The moduli and CRT values: d mod (p−1), d mod (q−1) as big-endian
	// exponents, q⁻¹ mod p, and q as a residue mod n.
	n, p, q  *bigmod.Modulus
	dp, dq   []byte
	qinv, qN *bigmod.Nat
}

// NewIssuer wraps an RSA private key. The key must be a valid two-prime key
// whose public key follows the issuer key rules (see ParsePublicKey). The
// Issuer keeps sk; the caller must not modify it afterwards. To store a key,
// marshal the *rsa.PrivateKey (x509.MarshalPKCS8PrivateKey) into an
// encrypted container; this package stays free of crypto/x509, which would
// add half a megabyte to the browser's WebAssembly client.
func NewIssuer(sk *rsa.PrivateKey) (*Issuer, error) {
	if sk == nil {
		return nil, fmt.Errorf("%w: no key", ErrInvalidIssuerKey)
	}
	if err := checkPublicKey(&sk.PublicKey); err != nil {
		return nil, err
	}
	if len(sk.Primes) != 2 {
		return nil, fmt.Errorf("%w: %d primes, must be 2", ErrInvalidIssuerKey, len(sk.Primes))
	}
	if err := sk.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidIssuerKey, err)
	}
	return newIssuer(sk)
}

// newIssuer computes the CRT values of a checked key.
func newIssuer(sk *rsa.PrivateKey) (*Issuer, error) {
	p, q := sk.Primes[0], sk.Primes[1]
	one := big.NewInt(1)
	is := &Issuer{
		sk: sk,
		dp: new(big.Int).Mod(sk.D, new(big.Int).Sub(p, one)).Bytes(),
		dq: new(big.Int).Mod(sk.D, new(big.Int).Sub(q, one)).Bytes(),
	}
	var err error
	if is.n, err = bigmod.NewModulus(sk.N.Bytes()); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidIssuerKey, err)
	}
	if is.p, err = bigmod.NewModulus(p.Bytes()); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidIssuerKey, err)
	}
	if is.q, err = bigmod.NewModulus(q.Bytes()); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidIssuerKey, err)
	}
	if is.qinv, err = bigmod.NewNat().SetBytes(new(big.Int).ModInverse(q, p).Bytes(), is.p); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidIssuerKey, err)
	}
	if is.qN, err = bigmod.NewNat().SetBytes(q.Bytes(), is.n); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidIssuerKey, err)
	}
	return is, nil
}

// GenerateIssuer generates a new issuer key with a modulus of bits bits
// (DefaultModulusBits unless there is a reason; at most MaxModulusBits).
// rand is passed to rsa.GenerateKey, which since Go 1.26 draws from the
// system's secure source whatever it is given.
func GenerateIssuer(rand io.Reader, bits int) (*Issuer, error) {
	if bits < MinModulusBits || bits > MaxModulusBits {
		return nil, fmt.Errorf("%w: modulus size %d bits, must be %d to %d", ErrInvalidIssuerKey, bits, MinModulusBits, MaxModulusBits)
	}
	sk, err := rsa.GenerateKey(rand, bits)
	if err != nil {
		return nil, fmt.Errorf("credential: generating issuer key: %w", err)
	}
	return NewIssuer(sk)
}

// PrivateKey returns the issuer's RSA private key, only for deliberate
// storage (for example x509.MarshalPKCS8PrivateKey into an encrypted
// container or a hardware module). The caller must not modify it or sign
// anything else with it.
func (is *Issuer) PrivateKey() *rsa.PrivateKey { return is.sk }

// PublicKey returns a copy of the issuer's public key, which the election
// manifest lists for the district (see MarshalPublicKey).
func (is *Issuer) PublicKey() *rsa.PublicKey {
	return &rsa.PublicKey{N: new(big.Int).Set(is.sk.N), E: is.sk.E}
}

// BlindSign is RFC 9474 §4.3 BlindSign: it signs a blinded message from a
// voter's Request.Blinded and returns the blind signature. The caller must
// have checked the voter's identity and eligibility for this issuer's
// district first, and must sign at most once per voter.
//
// The blinded message must be exactly as long as the modulus and, read as a
// big-endian integer, below it; otherwise the error wraps
// ErrInvalidBlindedMessage. The signature is checked (s^e = m mod n) before
// it is released; a failure is ErrSigningFailure.
func (is *Issuer) BlindSign(blinded []byte) ([]byte, error) {
	// Step 1 (RFC 9474 §4.3): the blinded message is modulus_len bytes.
	if k := is.sk.Size(); len(blinded) != k {
		return nil, fmt.Errorf("%w: length %d, want %d", ErrInvalidBlindedMessage, len(blinded), k)
	}
	// RSASP1 step 1 (RFC 8017 §5.2.1): 0 ≤ m < n. circl lets m = n through
	// to a failure of its own check; reject it here with the right error.
	if new(big.Int).SetBytes(blinded).Cmp(is.sk.N) >= 0 {
		return nil, fmt.Errorf("%w: not below the modulus", ErrInvalidBlindedMessage)
	}
	// Steps 2–4: s = RSASP1(sk, m), then m' = RSAVP1(pk, s) and m' = m
	// must hold before s is released.
	s, err := is.rsasp1(new(big.Int).SetBytes(blinded))
	if err != nil {
		return nil, err
	}
	return s.FillBytes(make([]byte, is.sk.Size())), nil
}

// rsasp1 computes s = m^d mod n by the Chinese remainder theorem — two
// half-size exponentiations, about four times faster than one — in
// constant-time modular arithmetic (filippo.io/bigmod, the arithmetic of Go's
// crypto/rsa), so the time taken says nothing about d. A fault in one half of
// a CRT computation would reveal a factor of n (Boneh, DeMillo, Lipton),
// which is why the result is checked, s^e = m mod n, before it leaves.
func (is *Issuer) rsasp1(m *big.Int) (*big.Int, error) {
	mb := m.FillBytes(make([]byte, is.n.Size()))
	c, err := bigmod.NewNat().SetBytes(mb, is.n)
	if err != nil {
		return nil, fmt.Errorf("%w: not below the modulus", ErrInvalidBlindedMessage)
	}
	t := bigmod.NewNat()
	m1 := bigmod.NewNat().Exp(t.Mod(c, is.p), is.dp, is.p)
	m2 := bigmod.NewNat().Exp(t.Mod(c, is.q), is.dq, is.q)
	// s = ((m1 − m2) · q⁻¹ mod p) · q + m2, computed mod n.
	m1.Sub(t.Mod(m2, is.p), is.p)
	m1.Mul(is.qinv, is.p)
	m1.ExpandFor(is.n).Mul(is.qN, is.n)
	m1.Add(m2.ExpandFor(is.n), is.n)
	check := bigmod.NewNat().ExpShortVarTime(m1, uint(is.sk.E), is.n)
	if check.Equal(c) != 1 {
		return nil, fmt.Errorf("%w: the signature does not verify; nothing released", ErrSigningFailure)
	}
	return new(big.Int).SetBytes(m1.Bytes(is.n)), nil
}

var errMarshalSecret = errors.New("credential: refusing to marshal a secret")

// String implements fmt.Stringer without revealing the key.
func (Issuer) String() string { return "[secret]" }

// GoString implements fmt.GoStringer without revealing the key.
func (Issuer) GoString() string { return "[secret]" }

// Format implements fmt.Formatter without revealing the key.
func (Issuer) Format(f fmt.State, verb rune) { io.WriteString(f, "[secret]") }

// MarshalJSON refuses to marshal the key.
func (Issuer) MarshalJSON() ([]byte, error) { return nil, errMarshalSecret }

// MarshalText refuses to marshal the key.
func (Issuer) MarshalText() ([]byte, error) { return nil, errMarshalSecret }

// MarshalBinary refuses to marshal the key.
func (Issuer) MarshalBinary() ([]byte, error) { return nil, errMarshalSecret }
