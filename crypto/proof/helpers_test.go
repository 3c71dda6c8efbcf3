package proof

import (
	"encoding/hex"
	"io"
	"math/big"
	"testing"

	"github.com/gtank/ristretto255"

	"github.com/urna-vote/urna/crypto/elgamal"
	"github.com/urna-vote/urna/crypto/group"
	"github.com/urna-vote/urna/crypto/transcript"
)

// hexBytes is a byte string written as lowercase hex in the vector file.
type hexBytes []byte

func (h hexBytes) MarshalText() ([]byte, error) { return []byte(hex.EncodeToString(h)), nil }

func (h *hexBytes) UnmarshalText(b []byte) error {
	v, err := hex.DecodeString(string(b))
	*h = v
	return err
}

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// cat concatenates byte strings into a new one.
func cat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// replaced returns a copy of b with b[off:off+len(v)] replaced by v.
func replaced(b []byte, off int, v []byte) []byte {
	out := append([]byte(nil), b...)
	copy(out[off:], v)
	return out
}

// The group order ℓ = 2^252 + 27742317777372353535851937790883648493.
var groupOrder, _ = new(big.Int).SetString("7237005577332262213973186563042994240857116359379907606001950938285454250989", 10)

// le32 returns n as 32 bytes, little endian (n < 2^256).
func le32(n *big.Int) []byte {
	b := n.FillBytes(make([]byte, 32))
	for i, j := 0, 31; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	return b
}

// bigOf returns the integer a scalar stands for, in [0, ℓ).
func bigOf(s *ristretto255.Scalar) *big.Int {
	b := s.Bytes()
	for i, j := 0, 31; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	return new(big.Int).SetBytes(b)
}

// scalarOf returns n mod ℓ as a scalar.
func scalarOf(n *big.Int) *ristretto255.Scalar {
	s, err := ristretto255.NewScalar().SetCanonicalBytes(le32(new(big.Int).Mod(n, groupOrder)))
	if err != nil {
		panic(err)
	}
	return s
}

// scalarPlusOrder returns the 32-byte encoding of s + ℓ, the same scalar
// modulo ℓ in a non-reduced encoding (every scalar below 2^256 − ℓ has one).
func scalarPlusOrder(s *ristretto255.Scalar) []byte {
	return le32(new(big.Int).Add(bigOf(s), groupOrder))
}

// A badEncoding is a 32-byte string a strict decoder must refuse.
type badEncoding struct {
	name string
	enc  []byte
}

// nonCanonicalElements are the invalid encodings of RFC 9496, Appendix
// A.2, one line per class and value.
var nonCanonicalElements = func() []badEncoding {
	classes := []struct {
		class string
		hexes []string
	}{
		{"non-canonical field encoding", []string{
			"00ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
			"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
			"f3ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
			"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // p: the identity, non-canonically
		}},
		{"negative field element", []string{
			"0100000000000000000000000000000000000000000000000000000000000000",
			"01ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
			"ed57ffd8c914fb201471d1c3d245ce3c746fcbe63a3679d51b6a516ebebe0e20",
			"c34c4e1826e5d403b78e246e88aa051c36ccf0aafebffe137d148a2bf9104562",
			"c940e5a4404157cfb1628b108db051a8d439e1a421394ec4ebccb9ec92a8ac78",
			"47cfc5497c53dc8e61c91d17fd626ffb1c49e2bca94eed052281b510b1117a24",
			"f1c6165d33367351b0da8f6e4511010c68174a03b6581212c71c0e1d026c3c72",
			"87260f7a2f12495118360f02c26a470f450dadf34a413d21042b43b9d93e1309",
		}},
		{"non-square x^2", []string{
			"26948d35ca62e643e26a83177332e6b6afeb9d08e4268b650f1f5bbd8d81d371",
			"4eac077a713c57b4f4397629a4145982c661f48044dd3f96427d40b147d9742f",
			"de6a7b00deadc788eb6b6c8d20c0ae96c2f2019078fa604fee5b87d6e989ad7b",
			"bcab477be20861e01e4a0e295284146a510150d9817763caf1a6f4b422d67042",
			"2a292df7e32cababbd9de088d1d1abec9fc0440f637ed2fba145094dc14bea08",
			"f4a9e534fc0d216c44b218fa0c42d99635a0127ee2e53c712f70609649fdff22",
			"8268436f8c4126196cf64b3c7ddbda90746a378625f9813dd9b8457077256731",
			"2810e5cbc2cc4d4eece54f61c6f69758e289aa7ab440b3cbeaa21995c2f4232b",
		}},
		{"negative xy", []string{
			"3eb858e78f5a7254d8c9731174a94f76755fd3941c0ac93735c07ba14579630e",
			"a45fdc55c76448c049a1ab33f17023edfb2be3581e9c7aade8a6125215e04220",
			"d483fe813c6ba647ebbfd3ec41adca1c6130c2beeee9d9bf065c8d151c5f396e",
			"8a2e1d30050198c65a54483123960ccc38aef6848e1ec8f5f780e8523769ba32",
			"32888462f8b486c68ad7dd9610be5192bbeaf3b443951ac1a8118419d9fa097b",
			"227142501b9d4355ccba290404bde41575b037693cef1f438c47f8fbf35d1165",
			"5c37cc491da847cfeb9281d407efc41e15144c876e0170b499a96a22ed31e01e",
			"445425117cb8c90edcbc7c1cc0e74f747f2c1efa5630a967c64f287792a48a4b",
		}},
		{"s = -1", []string{
			"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
		}},
	}
	var out []badEncoding
	for _, c := range classes {
		for _, h := range c.hexes {
			out = append(out, badEncoding{c.class + " " + h[:8], mustHex(h)})
		}
	}
	return out
}()

// identityEncoding is the canonical encoding of the identity element.
var identityEncoding = make([]byte, 32)

// badElements are the element encodings a decoder of a non-identity element
// must refuse: RFC 9496's invalid encodings and the identity.
var badElements = append(append([]badEncoding(nil), nonCanonicalElements...), badEncoding{"identity", identityEncoding})

// badScalars are scalar encodings at or above ℓ.
var badScalars = []badEncoding{
	{"scalar l", le32(groupOrder)},
	{"scalar l+1", le32(new(big.Int).Add(groupOrder, big.NewInt(1)))},
	{"scalar 2^255-1", le32(new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 255), big.NewInt(1)))},
	{"scalar 2^256-1", le32(new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 256), big.NewInt(1)))},
}

// testDomain is the transcript domain of the proofs of these tests and of
// the vector file.
const testDomain = "urna/v1/test/proof"

// testTranscript returns the transcript every proof of these tests starts
// from: New(testDomain) then the context as a "context" bytes field, as a
// caller binds a proof to its election, ballot or guardian.
func testTranscript(context []byte) *transcript.Transcript {
	return transcript.New(testDomain).Bytes("context", context)
}

func randomScalar(t testing.TB, r io.Reader) *ristretto255.Scalar {
	t.Helper()
	s, err := group.RandomScalar(r)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func randomSecret(t testing.TB, r io.Reader) *group.Secret {
	t.Helper()
	return group.NewSecret(randomScalar(t, r))
}

// randomElement returns a uniformly random element nobody knows the
// discrete logarithm of.
func randomElement(t testing.TB, r io.Reader) *ristretto255.Element {
	t.Helper()
	var b [64]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		t.Fatal(err)
	}
	e, err := ristretto255.NewIdentityElement().SetUniformBytes(b[:])
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// electionKey returns a key pair: the secret exists only in tests.
func electionKey(t testing.TB, r io.Reader) (*group.Secret, *elgamal.PublicKey) {
	t.Helper()
	x := randomSecret(t, r)
	return x, elgamal.NewPublicKey(mul(x.Scalar(), group.G()))
}

// Shorthands for the arithmetic of the attacks.

// mul returns s·e, in variable time: the tests compute on public values
// or on an attacker's own secrets.
func mul(s *ristretto255.Scalar, e *ristretto255.Element) *ristretto255.Element {
	return ristretto255.NewIdentityElement().VarTimeDoubleScalarBaseMult(s, e, ristretto255.NewScalar())
}

// lin returns Σ s[i]·e[i], in variable time.
func lin(s []*ristretto255.Scalar, e []*ristretto255.Element) *ristretto255.Element {
	return ristretto255.NewIdentityElement().VarTimeMultiScalarMult(s, e)
}

func baseMul(s *ristretto255.Scalar) *ristretto255.Element {
	return ristretto255.NewIdentityElement().ScalarBaseMult(s)
}

func add(es ...*ristretto255.Element) *ristretto255.Element {
	out := ristretto255.NewIdentityElement()
	for _, e := range es {
		out.Add(out, e)
	}
	return out
}

func sub(a, b *ristretto255.Element) *ristretto255.Element {
	return ristretto255.NewIdentityElement().Subtract(a, b)
}

func sAdd(a, b *ristretto255.Scalar) *ristretto255.Scalar { return ristretto255.NewScalar().Add(a, b) }
func sSub(a, b *ristretto255.Scalar) *ristretto255.Scalar {
	return ristretto255.NewScalar().Subtract(a, b)
}
func sMul(a, b *ristretto255.Scalar) *ristretto255.Scalar {
	return ristretto255.NewScalar().Multiply(a, b)
}
func sInv(a *ristretto255.Scalar) *ristretto255.Scalar { return ristretto255.NewScalar().Invert(a) }
func sNeg(a *ristretto255.Scalar) *ristretto255.Scalar { return ristretto255.NewScalar().Negate(a) }
func sInt(v int64) *ristretto255.Scalar                { return group.ScalarFromInt64(v) }

// encryptScalar encrypts m (any scalar, also one outside a proof's range)
// under pk with nonce r.
func encryptScalar(pk *elgamal.PublicKey, m, r *ristretto255.Scalar) *elgamal.Ciphertext {
	return &elgamal.Ciphertext{A: baseMul(r), B: lin([]*ristretto255.Scalar{r, m}, []*ristretto255.Element{pk.K, group.G()})}
}

// rangeParts is a range proof taken apart: for every branch its
// commitments, response and challenge, the last challenge included (the
// encoding leaves it out; the verifier derives it from the Fiat–Shamir
// challenge). Attacks build proofs as rangeParts and submit their encoding.
type rangeParts struct {
	lo   uint64
	a, b []*ristretto255.Element
	z, c []*ristretto255.Scalar
}

func newRangeParts(lo, hi uint64) *rangeParts {
	n := int(hi - lo + 1)
	return &rangeParts{
		lo: lo,
		a:  make([]*ristretto255.Element, n), b: make([]*ristretto255.Element, n),
		z: make([]*ristretto255.Scalar, n), c: make([]*ristretto255.Scalar, n),
	}
}

func (rp *rangeParts) n() int      { return len(rp.a) }
func (rp *rangeParts) hi() uint64  { return rp.lo + uint64(rp.n()) - 1 }
func (rp *rangeParts) j(d int) int { return int(rp.lo) + d }

// encode returns the proof's canonical encoding: a_d || b_d || z_d per
// branch, then c_0 … c_{n−2}.
func (rp *rangeParts) encode() []byte {
	var out []byte
	for d := range rp.a {
		out = append(out, rp.a[d].Bytes()...)
		out = append(out, rp.b[d].Bytes()...)
		out = append(out, rp.z[d].Bytes()...)
	}
	for _, c := range rp.c[:rp.n()-1] {
		out = append(out, c.Bytes()...)
	}
	return out
}

// decodeParts decodes enc as a proof for [lo, hi].
func (rp *rangeParts) decode(t testing.TB) *Range {
	t.Helper()
	p, err := DecodeRange(rp.encode(), rp.lo, rp.hi())
	if err != nil {
		t.Fatalf("forged proof does not even decode: %v", err)
	}
	return p
}

// partsOf takes an honest proof apart, its last challenge recomputed as the
// verifier does from the transcript tr (consumed).
func partsOf(p *Range, tr *transcript.Transcript, pk *elgamal.PublicKey, ctEnc []byte, lo, hi uint64) *rangeParts {
	rp := newRangeParts(lo, hi)
	c := rangeChallenge(tr, pk, ctEnc, lo, hi, p.enc)
	sum := ristretto255.NewScalar()
	for d := range p.a {
		rp.a[d] = ristretto255.NewIdentityElement().Set(p.a[d])
		rp.b[d] = ristretto255.NewIdentityElement().Set(p.b[d])
		rp.z[d] = ristretto255.NewScalar().Set(p.z[d])
		if d < len(p.a)-1 {
			rp.c[d] = ristretto255.NewScalar().Set(p.c[d])
			sum.Add(sum, p.c[d])
		}
	}
	rp.c[len(p.a)-1] = sSub(c, sum)
	return rp
}

// simulateBranch sets branch d to a simulated transcript for statement
// (A, B − j·gen) = (r·G, r·K) with challenge c and response z: it holds
// whatever the ciphertext encrypts.
func (rp *rangeParts) simulateBranch(d int, pk *elgamal.PublicKey, ct *elgamal.Ciphertext, gen *ristretto255.Element, c, z *ristretto255.Scalar) {
	rp.c[d], rp.z[d] = c, z
	negC := sNeg(c)
	rp.a[d] = ristretto255.NewIdentityElement().VarTimeDoubleScalarBaseMult(negC, ct.A, z)
	rp.b[d] = lin([]*ristretto255.Scalar{z, negC, sMul(c, sInt(int64(rp.j(d))))},
		[]*ristretto255.Element{pk.K, ct.B, gen})
}

// branchesHold is a deliberately weakened verifier: it checks every
// branch's equations with the proof's own challenges, and neither their sum
// nor any hash. Attacks use it as a control: their forgeries pass it, so a
// test that counts 0 accepted forgeries can fail.
func (rp *rangeParts) branchesHold(pk *elgamal.PublicKey, ct *elgamal.Ciphertext, gen *ristretto255.Element) bool {
	for d := range rp.a {
		// z_d·G − c_d·A == a_d and z_d·K − c_d·B + c_d·j·gen == b_d
		negC := sNeg(rp.c[d])
		if ristretto255.NewIdentityElement().VarTimeDoubleScalarBaseMult(negC, ct.A, rp.z[d]).Equal(rp.a[d]) != 1 {
			return false
		}
		rhs := lin([]*ristretto255.Scalar{rp.z[d], negC, sMul(rp.c[d], sInt(int64(rp.j(d))))},
			[]*ristretto255.Element{pk.K, ct.B, gen})
		if rhs.Equal(rp.b[d]) != 1 {
			return false
		}
	}
	return true
}

// challengeSum returns Σ c_d.
func (rp *rangeParts) challengeSum() *ristretto255.Scalar {
	s := ristretto255.NewScalar()
	for _, c := range rp.c {
		s.Add(s, c)
	}
	return s
}

// low4 returns the low four bits of a scalar's encoding: what a verifier
// with a 4-bit challenge would compare.
func low4(s *ristretto255.Scalar) byte { return s.Bytes()[0] & 0x0f }

// weakRangeChallenge is the challenge of a verifier that does not hash the
// statement: lo and hi and the commitments, but neither the key nor the
// ciphertext (the weak Fiat–Shamir transform).
func weakRangeChallenge(tr *transcript.Transcript, rp *rangeParts) *ristretto255.Scalar {
	tr.Uint("range/lo", rp.lo).Uint("range/hi", rp.hi())
	for d := range rp.a {
		tr.Element("range/a", rp.a[d]).Element("range/b", rp.b[d])
	}
	return tr.Challenge("range/c")
}

// sqrtScalar returns a square root of v modulo ℓ, if there is one.
func sqrtScalar(v *ristretto255.Scalar) (*ristretto255.Scalar, bool) {
	r := new(big.Int).ModSqrt(bigOf(v), groupOrder)
	if r == nil {
		return nil, false
	}
	return scalarOf(r), true
}

// groupOrderMinus returns ℓ − k.
func groupOrderMinus(k int64) *big.Int { return new(big.Int).Sub(groupOrder, big.NewInt(k)) }
