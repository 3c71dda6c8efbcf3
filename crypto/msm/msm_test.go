package msm

import (
	"fmt"
	"io"
	"testing"

	"filippo.io/edwards25519"
	"github.com/gtank/ristretto255"
	"pgregory.net/rapid"

	"github.com/urna-vote/urna/crypto/group"
	"github.com/urna-vote/urna/internal/seeded"
)

// tb is the part of testing.TB and *rapid.T the helpers need.
type tb interface {
	Helper()
	Fatal(args ...any)
}

// randomScalar reads a uniformly random scalar below 2^bits (bits ≤ 252) or
// below ℓ (bits ≥ 253) from r.
func randomScalar(t tb, r io.Reader, bits int) *ristretto255.Scalar {
	t.Helper()
	var buf [64]byte
	if _, err := io.ReadFull(r, buf[:]); err != nil {
		t.Fatal(err)
	}
	if bits >= maxBits {
		return ristretto255.NewScalar().FromUniformBytes(buf[:])
	}
	var b [32]byte
	copy(b[:], buf[:(bits+7)/8])
	if bits%8 != 0 {
		b[bits/8] &= 1<<(bits%8) - 1
	}
	s, err := ristretto255.NewScalar().SetCanonicalBytes(b[:])
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// randomPoint reads a uniformly random element from r.
func randomPoint(t tb, r io.Reader) *ristretto255.Element {
	t.Helper()
	var buf [64]byte
	if _, err := io.ReadFull(r, buf[:]); err != nil {
		t.Fatal(err)
	}
	return ristretto255.NewIdentityElement().FromUniformBytes(buf[:])
}

// randomTerms returns n terms whose scalars have the bit lengths drawn in
// turn from bits.
func randomTerms(t tb, seed string, n int, bits ...int) ([]*ristretto255.Scalar, []*ristretto255.Element) {
	t.Helper()
	r := seeded.Reader(seed)
	scalars := make([]*ristretto255.Scalar, n)
	points := make([]*ristretto255.Element, n)
	for i := range n {
		scalars[i] = randomScalar(t, r, bits[i%len(bits)])
		points[i] = randomPoint(t, r)
	}
	return scalars, points
}

// naive is the definition: Σ sᵢ·Pᵢ one scalar multiplication at a time.
func naive(scalars []*ristretto255.Scalar, points []*ristretto255.Element) *ristretto255.Element {
	sum := ristretto255.NewIdentityElement()
	for i := range scalars {
		sum.Add(sum, ristretto255.NewIdentityElement().ScalarMult(scalars[i], points[i]))
	}
	return sum
}

// implementations are the functions under test, all computing the same sum.
var implementations = []struct {
	name string
	f    func([]*ristretto255.Scalar, []*ristretto255.Element) *ristretto255.Element
}{
	{"VarTimeMultiScalarMult", VarTimeMultiScalarMult},
	{"VarTimePippenger", VarTimePippenger},
	{"Parallel/1", func(s []*ristretto255.Scalar, p []*ristretto255.Element) *ristretto255.Element {
		return VarTimeMultiScalarMultParallel(s, p, 1)
	}},
	{"Parallel/3", func(s []*ristretto255.Scalar, p []*ristretto255.Element) *ristretto255.Element {
		return VarTimeMultiScalarMultParallel(s, p, 3)
	}},
}

// check compares every implementation with want.
func check(t *testing.T, scalars []*ristretto255.Scalar, points []*ristretto255.Element, want *ristretto255.Element) {
	t.Helper()
	for _, impl := range implementations {
		if got := impl.f(scalars, points); got.Equal(want) != 1 {
			t.Errorf("%s = %x, want %x", impl.name, got.Bytes(), want.Bytes())
		}
	}
}

func TestMatchesStraus(t *testing.T) {
	sizes := []int{0, 1, 2, 3, 17, 255, 256, 257, 1000, crossoverShort - 1, crossoverShort, crossover - 1, crossover, minPart, 2*minPart + 1, 5000}
	if !testing.Short() {
		sizes = append(sizes, 20000)
	}
	for _, n := range sizes {
		for _, bits := range [][]int{{253}, {128}, {64}, {1}, {128, 128, 128, 253}, {253, 128, 64, 8, 200}} {
			t.Run(fmt.Sprintf("n=%d/bits=%v", n, bits), func(t *testing.T) {
				s, p := randomTerms(t, fmt.Sprint("straus", n, bits), n, bits...)
				check(t, s, p, straus(s, p))
			})
		}
	}
}

func TestMatchesNaive(t *testing.T) {
	for _, n := range []int{0, 1, 2, 3, 17, 100, 2049} {
		t.Run(fmt.Sprint("n=", n), func(t *testing.T) {
			s, p := randomTerms(t, fmt.Sprint("naive", n), n, 253, 128)
			check(t, s, p, naive(s, p))
		})
	}
}

// TestWindows runs the bucket method at every digit width on scalars that
// exercise the signed recoding: all-ones windows (digit 0 with a carry),
// ℓ − 1 (the top carry), 2^k − 1 and 2^k at window edges.
func TestWindows(t *testing.T) {
	r := seeded.Reader("windows")
	var scalars []*ristretto255.Scalar
	for _, k := range []int{1, 4, 15, 16, 17, 63, 64, 65, 127, 128, 129, 191, 192, 252} {
		scalars = append(scalars, powerOfTwo(k), ristretto255.NewScalar().Subtract(powerOfTwo(k), one()))
	}
	scalars = append(scalars, minusOne(), one(), ristretto255.NewScalar())
	for range 40 {
		scalars = append(scalars, randomScalar(t, r, 253), randomScalar(t, r, 128))
	}
	points := make([]*ristretto255.Element, len(scalars))
	for i := range points {
		points[i] = randomPoint(t, r)
	}
	want := naive(scalars, points)
	for c := minWindow; c <= maxWindow; c++ {
		tt := newTerms(scalars, points)
		if got := pippenger(tt.limbs, tt.points, tt.hist.longest(), c); got.Equal(want) != 1 {
			t.Errorf("c=%d: wrong sum", c)
		}
	}
}

func TestEdgeCases(t *testing.T) {
	s, p := randomTerms(t, "edge", 3000, 253, 128)
	zero := ristretto255.NewScalar()
	identity := ristretto255.NewIdentityElement()
	fill := func(x *ristretto255.Scalar) []*ristretto255.Scalar {
		out := make([]*ristretto255.Scalar, len(s))
		for i := range out {
			out[i] = x
		}
		return out
	}
	equalPoints := make([]*ristretto255.Element, len(p))
	identities := make([]*ristretto255.Element, len(p))
	negated := make([]*ristretto255.Scalar, len(s))
	for i := range p {
		equalPoints[i] = p[0]
		identities[i] = identity
		negated[i] = ristretto255.NewScalar().Negate(s[i])
	}
	mixed := append([]*ristretto255.Scalar{}, s...)
	mixed[0], mixed[1], mixed[2] = zero, minusOne(), one()
	for _, tc := range []struct {
		name    string
		scalars []*ristretto255.Scalar
		points  []*ristretto255.Element
		want    *ristretto255.Element
	}{
		{"zero scalars", fill(zero), p, identity},
		{"identity points", s, identities, identity},
		{"scalar ℓ−1", fill(minusOne()), p, ristretto255.NewIdentityElement().Negate(sumOf(p))},
		{"scalar one", fill(one()), p, sumOf(p)},
		{"equal points", s, equalPoints, ristretto255.NewIdentityElement().ScalarMult(sumOfScalars(s), p[0])},
		{"a and −a cancel", append(s[:len(s):len(s)], negated...), append(p[:len(p):len(p)], p...), identity},
		{"zero, one, ℓ−1 among random", mixed, p, straus(mixed, p)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			check(t, tc.scalars, tc.points, tc.want)
		})
	}
}

// TestSplitByLength covers inputs that VarTimeMultiScalarMult splits by bit
// length: many short scalars with a few long ones.
func TestSplitByLength(t *testing.T) {
	for _, tc := range []struct {
		short, long, shortBits, longBits int
	}{
		{20000, 10, 128, 253},
		{20000, 3000, 128, 253},
		{5000, 1, 64, 253},
		{5000, 100, 8, 128},
	} {
		t.Run(fmt.Sprintf("%d×%d+%d×%d", tc.short, tc.shortBits, tc.long, tc.longBits), func(t *testing.T) {
			if testing.Short() && tc.short > 5000 {
				t.Skip("large input")
			}
			bits := make([]int, tc.short+tc.long)
			for i := range bits {
				bits[i] = tc.shortBits
			}
			// Spread the long scalars through the input.
			for i := range tc.long {
				bits[i*len(bits)/tc.long] = tc.longBits
			}
			s, p := randomTerms(t, "split", len(bits), bits...)
			check(t, s, p, straus(s, p))
		})
	}
}

func TestMismatchedLengthsPanic(t *testing.T) {
	for _, impl := range implementations {
		t.Run(impl.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			impl.f(make([]*ristretto255.Scalar, 1), nil)
		})
	}
}

// TestLinearity checks msm(a, P) + msm(b, P) = msm(a + b, P).
func TestLinearity(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(0, 3*minPart).Draw(t, "n")
		seed := rapid.String().Draw(t, "seed")
		bitsA := rapid.SampledFrom([]int{1, 64, 128, 200, 253}).Draw(t, "bitsA")
		bitsB := rapid.SampledFrom([]int{1, 64, 128, 200, 253}).Draw(t, "bitsB")
		a, p := randomTerms(t, seed+"/a", n, bitsA)
		b, _ := randomTerms(t, seed+"/b", n, bitsB)
		ab := make([]*ristretto255.Scalar, n)
		for i := range ab {
			ab[i] = ristretto255.NewScalar().Add(a[i], b[i])
		}
		for _, impl := range implementations {
			lhs := ristretto255.NewIdentityElement().Add(impl.f(a, p), impl.f(b, p))
			if lhs.Equal(impl.f(ab, p)) != 1 {
				t.Fatalf("%s is not linear", impl.name)
			}
		}
	})
}

func one() *ristretto255.Scalar { return powerOfTwo(0) }

func minusOne() *ristretto255.Scalar {
	return ristretto255.NewScalar().Negate(one())
}

func powerOfTwo(k int) *ristretto255.Scalar {
	var b [32]byte
	b[k/8] = 1 << (k % 8)
	s, err := ristretto255.NewScalar().SetCanonicalBytes(b[:])
	if err != nil {
		panic(err)
	}
	return s
}

func sumOf(points []*ristretto255.Element) *ristretto255.Element {
	sum := ristretto255.NewIdentityElement()
	for _, p := range points {
		sum.Add(sum, p)
	}
	return sum
}

func sumOfScalars(scalars []*ristretto255.Scalar) *ristretto255.Scalar {
	sum := ristretto255.NewScalar()
	for _, s := range scalars {
		sum.Add(sum, s)
	}
	return sum
}

// TestPointFrom checks the bucket method's coordinates against the group
// law, on points read through group.Edwards.
func TestPointFrom(t *testing.T) {
	for i := range 16 {
		s := ristretto255.NewScalar()
		var buf [64]byte
		buf[0] = byte(i + 1)
		buf[7] = 0x5a
		s.SetUniformBytes(buf[:])
		e := ristretto255.NewIdentityElement().ScalarBaseMult(s)
		p := group.Edwards(e)
		// The point, doubled on the curve, must be the element doubled.
		dbl := new(edwards25519.Point).Add(p, p)
		if group.FromEdwards(dbl).Equal(ristretto255.NewIdentityElement().Add(e, e)) != 1 {
			t.Fatal("the element read as an edwards25519 point is not the element")
		}
		// And through the affine form used by the bucket method.
		var acc extended
		acc.identity()
		acc.addNiels(&toNiels([]*ristretto255.Element{e})[0], false)
		acc.addNiels(&toNiels([]*ristretto255.Element{e})[0], false)
		acc.addNiels(&toNiels([]*ristretto255.Element{e})[0], true)
		if group.FromEdwards(acc.point()).Equal(e) != 1 {
			t.Fatal("P + P − P ≠ P in the bucket method's coordinates")
		}
	}
}
