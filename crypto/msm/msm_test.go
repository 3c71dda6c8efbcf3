package msm

import (
	"crypto/rand"
	"fmt"
	"testing"

	"github.com/gtank/ristretto255"
	"pgregory.net/rapid"
)

func randomTerms(t testing.TB, n int, bits int) ([]*ristretto255.Scalar, []*ristretto255.Element) {
	t.Helper()
	scalars := make([]*ristretto255.Scalar, n)
	points := make([]*ristretto255.Element, n)
	var buf [64]byte
	for i := range scalars {
		if _, err := rand.Read(buf[:]); err != nil {
			t.Fatal(err)
		}
		s := ristretto255.NewScalar()
		if bits >= 253 {
			s.FromUniformBytes(buf[:])
		} else {
			var b [32]byte
			copy(b[:bits/8], buf[:bits/8])
			if _, err := s.SetCanonicalBytes(b[:]); err != nil {
				t.Fatal(err)
			}
		}
		scalars[i] = s
		points[i] = ristretto255.NewIdentityElement().FromUniformBytes(buf[:])
	}
	return scalars, points
}

func straus(s []*ristretto255.Scalar, p []*ristretto255.Element) *ristretto255.Element {
	return ristretto255.NewIdentityElement().VarTimeMultiScalarMult(s, p)
}

func TestPippengerMatchesStraus(t *testing.T) {
	for _, n := range []int{0, 1, 2, 3, 17, 255, 600, 2049, 5000} {
		for _, bits := range []int{128, 253} {
			t.Run(fmt.Sprintf("n=%d/bits=%d", n, bits), func(t *testing.T) {
				s, p := randomTerms(t, n, bits)
				if VarTimePippenger(s, p).Equal(straus(s, p)) != 1 {
					t.Fatal("Pippenger and Straus disagree")
				}
				if VarTimeMultiScalarMult(s, p).Equal(straus(s, p)) != 1 {
					t.Fatal("VarTimeMultiScalarMult and Straus disagree")
				}
			})
		}
	}
}

func TestEdgeScalars(t *testing.T) {
	s, p := randomTerms(t, 300, 253)
	lMinus1 := ristretto255.NewScalar().Subtract(ristretto255.NewScalar(), scalarOne())
	s[0] = ristretto255.NewScalar() // zero
	s[1] = lMinus1                  // ℓ − 1
	s[2] = scalarOne()              // one
	p[3] = ristretto255.NewIdentityElement()
	p[4] = p[5] // repeated point
	s[6] = ristretto255.NewScalar().Negate(s[7])
	p[6] = p[7] // cancelling terms
	if VarTimePippenger(s, p).Equal(straus(s, p)) != 1 {
		t.Fatal("Pippenger and Straus disagree on edge cases")
	}
	// All scalars ℓ − 1 exercise the top carry of the signed recoding.
	for i := range s {
		s[i] = lMinus1
	}
	if VarTimePippenger(s, p).Equal(straus(s, p)) != 1 {
		t.Fatal("Pippenger and Straus disagree for ℓ − 1")
	}
}

func scalarOne() *ristretto255.Scalar {
	var b [32]byte
	b[0] = 1
	s, _ := ristretto255.NewScalar().SetCanonicalBytes(b[:])
	return s
}

func TestMismatchedLengthsPanic(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("no panic")
		}
	}()
	VarTimeMultiScalarMult(make([]*ristretto255.Scalar, 1), nil)
}

// TestLinearity: msm(a, P) + msm(b, P) == msm(a + b, P).
func TestLinearity(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(1, 3000).Draw(t, "n")
		seed := rapid.SliceOfN(rapid.Byte(), 64, 64).Draw(t, "seed")
		a := make([]*ristretto255.Scalar, n)
		b := make([]*ristretto255.Scalar, n)
		ab := make([]*ristretto255.Scalar, n)
		p := make([]*ristretto255.Element, n)
		for i := range p {
			seed[0], seed[1] = byte(i), byte(i>>8)
			a[i] = ristretto255.NewScalar().FromUniformBytes(seed)
			seed[2]++
			b[i] = ristretto255.NewScalar().FromUniformBytes(seed)
			ab[i] = ristretto255.NewScalar().Add(a[i], b[i])
			p[i] = ristretto255.NewIdentityElement().FromUniformBytes(seed)
		}
		lhs := ristretto255.NewIdentityElement().Add(VarTimePippenger(a, p), VarTimePippenger(b, p))
		if lhs.Equal(VarTimePippenger(ab, p)) != 1 {
			t.Fatal("not linear")
		}
	})
}
