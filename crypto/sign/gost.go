package sign

import (
	"crypto/sha3"
	"fmt"
	"io"
	"math/big"

	"github.com/deatil/go-cryptobin/hash/gost/gost34112012256"
	"github.com/deatil/go-cryptobin/pubkey/gost"
)

// gostScheme is GOST R 34.10-2012 (RFC 7091) with 256-bit keys on
// id-GostR3410-2001-CryptoPro-A-ParamSet (RFC 4357 §11.4; a curve of prime
// order, so every point of it but the neutral one is a valid key) and
// Streebog-256 (GOST R 34.11-2012, RFC 6986) as the hash.
//
// Encodings, after RFC 4491 and the conventions of X.509 and CMS for GOST
// keys:
//
//   - public key: X || Y, 64 bytes, each coordinate 32 bytes little endian,
//     each below p, (X, Y) on the curve;
//   - signature: S || R, 64 bytes, each 32 bytes big endian, 0 < r, s < q;
//   - private key: d, 32 bytes little endian, 0 < d < q.
//
// The digest: H = Streebog-256(M) as the hash function outputs it; the
// standard's integer α is H read as a little-endian number.
type gostScheme struct{}

const gostSize = 32 // bytes of a coordinate, a scalar, a digest

// gostCurve is the curve of GOST256. The library's constructor returns a
// fresh value each call; the package keeps one and never changes it.
var gostCurve = gost.CurveIdGostR34102001CryptoProAParamSet()

func (gostScheme) name() string        { return GOST256 }
func (gostScheme) privateKeySize() int { return gostSize }

func (gostScheme) checkPublicKey(public []byte) error {
	_, _, err := gostDecodePoint(gostCurve, public)
	return err
}

// gostDecodePoint decodes X || Y (each 32 bytes little endian) and checks
// that the point lies on the curve. The neutral element has no affine
// coordinates and so no encoding; (0, 0) is not on the curve (b ≠ 0). The
// curve's order is prime, so any other point generates the whole group.
func gostDecodePoint(c *gost.Curve, b []byte) (x, y *big.Int, err error) {
	if len(b) != 2*gostSize {
		return nil, nil, fmt.Errorf("%w: %s: %d bytes, want %d", ErrMalformedPublicKey, GOST256, len(b), 2*gostSize)
	}
	x, y = leInt(b[:gostSize]), leInt(b[gostSize:])
	if x.Cmp(c.P) >= 0 || y.Cmp(c.P) >= 0 {
		return nil, nil, fmt.Errorf("%w: %s: a coordinate is not below p", ErrMalformedPublicKey, GOST256)
	}
	if !c.IsOnCurve(x, y) {
		return nil, nil, fmt.Errorf("%w: %s: not a point of the curve", ErrMalformedPublicKey, GOST256)
	}
	return x, y, nil
}

// gostEncodePoint is the inverse of gostDecodePoint.
func gostEncodePoint(x, y *big.Int) []byte {
	return append(leBytes(x, gostSize), leBytes(y, gostSize)...)
}

// gostDigest is GOST R 34.10-2012 §6.1 steps 1–2 (and §6.2 steps 2–3):
// h = H(M); α is the integer whose binary representation is h; e = α mod q,
// and e = 1 if that is zero. Streebog's output bytes hold α little endian.
func gostDigest(c *gost.Curve, message []byte) *big.Int {
	h := gost34112012256.New()
	h.Write(message)
	return gostE(c, h.Sum(nil))
}

// gostE turns a 32-byte Streebog output into e.
func gostE(c *gost.Curve, h []byte) *big.Int {
	e := leInt(h)
	e.Mod(e, c.Q)
	if e.Sign() == 0 {
		e.SetInt64(1)
	}
	return e
}

// gostSignWithNonce is GOST R 34.10-2012 §6.1 steps 4–5 for one nonce k
// (0 < k < q): C = k·P, r = x_C mod q, s = (r·d + k·e) mod q. ok is false
// when r or s is zero: the standard then draws another k (step 3).
func gostSignWithNonce(c *gost.Curve, d, e, k *big.Int) (r, s *big.Int, ok bool) {
	cx, _ := c.ScalarBaseMult(k.Bytes())
	r = new(big.Int).Mod(cx, c.Q)
	if r.Sign() == 0 {
		return nil, nil, false
	}
	s = new(big.Int).Mul(r, d)
	ke := new(big.Int).Mul(k, e)
	s.Add(s, ke).Mod(s, c.Q)
	if s.Sign() == 0 {
		return nil, nil, false
	}
	return r, s, true
}

// gostVerifyRS is GOST R 34.10-2012 §6.2 steps 4–7 for 0 < r, s < q and a
// key (qx, qy) on the curve: v = e⁻¹ mod q, z1 = s·v mod q,
// z2 = −r·v mod q, C = z1·P + z2·Q, R = x_C mod q; valid iff R = r.
// C = O (the neutral element) is invalid.
func gostVerifyRS(c *gost.Curve, qx, qy, e, r, s *big.Int) bool {
	v := new(big.Int).ModInverse(e, c.Q) // e ≠ 0 and q prime
	z1 := new(big.Int).Mul(s, v)
	z1.Mod(z1, c.Q)
	z2 := new(big.Int).Mul(r, v)
	z2.Mod(z2, c.Q)
	z2.Sub(c.Q, z2)
	// z1, z2 are in [1, q−1]: s, r, v are nonzero mod the prime q. So are
	// z1·P and z2·Q, the order of the group being prime.
	p1x, p1y := c.ScalarBaseMult(z1.Bytes())
	q1x, q1y := c.ScalarMult(qx, qy, z2.Bytes())
	var cx *big.Int
	switch {
	case p1x.Cmp(q1x) != 0:
		cx, _ = c.Add(p1x, p1y, q1x, q1y)
	case p1y.Cmp(q1y) == 0:
		cx, _ = c.Double(p1x, p1y)
	default:
		return false // z1·P = −z2·Q: C is the neutral element
	}
	cx.Mod(cx, c.Q)
	return cx.Cmp(r) == 0
}

// gostDecodeSignature reads S || R (each 32 bytes big endian) and checks
// GOST R 34.10-2012 §6.2 step 1: 0 < r < q and 0 < s < q.
func gostDecodeSignature(c *gost.Curve, sig []byte) (r, s *big.Int, err error) {
	if len(sig) != 2*gostSize {
		return nil, nil, fmt.Errorf("%w: %s: %d bytes, want %d", ErrMalformedSignature, GOST256, len(sig), 2*gostSize)
	}
	s = new(big.Int).SetBytes(sig[:gostSize])
	r = new(big.Int).SetBytes(sig[gostSize:])
	if r.Sign() == 0 || r.Cmp(c.Q) >= 0 {
		return nil, nil, fmt.Errorf("%w: %s: r is not in [1, q-1]", ErrMalformedSignature, GOST256)
	}
	if s.Sign() == 0 || s.Cmp(c.Q) >= 0 {
		return nil, nil, fmt.Errorf("%w: %s: s is not in [1, q-1]", ErrMalformedSignature, GOST256)
	}
	return r, s, nil
}

// gostEncodeSignature is the inverse of gostDecodeSignature.
func gostEncodeSignature(r, s *big.Int) []byte {
	sig := make([]byte, 2*gostSize)
	s.FillBytes(sig[:gostSize])
	r.FillBytes(sig[gostSize:])
	return sig
}

func (gostScheme) verify(public, message, sig []byte) error {
	qx, qy, err := gostDecodePoint(gostCurve, public)
	if err != nil {
		return err
	}
	r, s, err := gostDecodeSignature(gostCurve, sig)
	if err != nil {
		return err
	}
	if !gostVerifyRS(gostCurve, qx, qy, gostDigest(gostCurve, message), r, s) {
		return fmt.Errorf("%w: %s", ErrInvalidSignature, GOST256)
	}
	return nil
}

func (g gostScheme) generate(rand io.Reader) (privateSigner, error) {
	// d = (64 random bytes as an integer) mod (q − 1) + 1: uniform in
	// [1, q−1] up to a bias below 2⁻²⁵⁶.
	buf := make([]byte, 2*gostSize)
	defer clear(buf)
	if _, err := io.ReadFull(rand, buf); err != nil {
		return nil, fmt.Errorf("sign: %s: reading randomness: %w", GOST256, err)
	}
	qm1 := new(big.Int).Sub(gostCurve.Q, big.NewInt(1))
	d := new(big.Int).SetBytes(buf)
	d.Mod(d, qm1).Add(d, big.NewInt(1))
	return newGOSTSigner(d), nil
}

func (gostScheme) parsePrivate(b []byte) (privateSigner, error) {
	if len(b) != gostSize {
		return nil, fmt.Errorf("%w: %s: %d bytes, want %d", ErrMalformedPrivateKey, GOST256, len(b), gostSize)
	}
	d := leInt(b)
	if d.Sign() == 0 || d.Cmp(gostCurve.Q) >= 0 {
		return nil, fmt.Errorf("%w: %s: d is not in [1, q-1]", ErrMalformedPrivateKey, GOST256)
	}
	return newGOSTSigner(d), nil
}

// A gostSigner holds a GOST R 34.10-2012 private key d and its public key
// Q = d·P. It cannot be compared (func-typed field), printed or marshalled.
type gostSigner struct {
	_   [0]func()
	d   *big.Int
	pub []byte
}

func newGOSTSigner(d *big.Int) *gostSigner {
	x, y := gostCurve.ScalarBaseMult(d.Bytes())
	return &gostSigner{d: d, pub: gostEncodePoint(x, y)}
}

func (*gostSigner) Scheme() string   { return GOST256 }
func (k *gostSigner) Public() []byte { return append([]byte(nil), k.pub...) }

// nonceLabel separates the hedged nonce derivation from every other use of
// SHAKE256 in the protocol.
const nonceLabel = "urna/v1/sign/gost2012-256/nonce"

// Sign is GOST R 34.10-2012 §6.1 with a hedged nonce: k is drawn from
// SHAKE256(label || d || H(M) || 32 bytes from rand), 64 bytes at a time
// reduced mod q, so that k stays secret even if rand is weak, while a good
// rand alone also suffices. Verification does not depend on how k is made.
func (k *gostSigner) Sign(rand io.Reader, message []byte) ([]byte, error) {
	if rand == nil {
		return nil, fmt.Errorf("sign: %s: nil random source", GOST256)
	}
	z := make([]byte, gostSize)
	if _, err := io.ReadFull(rand, z); err != nil {
		return nil, fmt.Errorf("sign: %s: reading randomness: %w", GOST256, err)
	}
	h := gost34112012256.New()
	h.Write(message)
	digest := h.Sum(nil)
	e := gostE(gostCurve, digest)

	x := sha3.NewSHAKE256()
	x.Write([]byte(nonceLabel))
	x.Write(leBytes(k.d, gostSize))
	x.Write(digest)
	x.Write(z)
	buf := make([]byte, 2*gostSize)
	defer clear(buf)
	for {
		x.Read(buf)
		nonce := new(big.Int).SetBytes(buf)
		nonce.Mod(nonce, gostCurve.Q)
		if nonce.Sign() == 0 {
			continue
		}
		if r, s, ok := gostSignWithNonce(gostCurve, k.d, e, nonce); ok {
			return gostEncodeSignature(r, s), nil
		}
	}
}

func (k *gostSigner) privateBytes() []byte { return leBytes(k.d, gostSize) }

func (k gostSigner) String() string                 { return secretString(GOST256) }
func (k gostSigner) GoString() string               { return k.String() }
func (k gostSigner) Format(f fmt.State, _ rune)     { io.WriteString(f, k.String()) }
func (k gostSigner) MarshalJSON() ([]byte, error)   { return nil, errMarshalSecret }
func (k gostSigner) MarshalText() ([]byte, error)   { return nil, errMarshalSecret }
func (k gostSigner) MarshalBinary() ([]byte, error) { return nil, errMarshalSecret }

// leInt reads b as a little-endian unsigned integer.
func leInt(b []byte) *big.Int {
	r := make([]byte, len(b))
	for i, v := range b {
		r[len(b)-1-i] = v
	}
	return new(big.Int).SetBytes(r)
}

// leBytes writes v (below 256^n) as n bytes little endian.
func leBytes(v *big.Int, n int) []byte {
	b := v.FillBytes(make([]byte, n))
	for i, j := 0, n-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	return b
}
