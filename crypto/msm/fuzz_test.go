package msm

import (
	"bytes"
	"testing"

	"github.com/gtank/ristretto255"
)

// FuzzMatchesStraus is a differential fuzz target: the input is cut into
// 32-byte scalars (reduced modulo ℓ), the first byte picks the digit width
// and how many times the scalars repeat, and every method must agree with
// ristretto255's Straus on them. Repeating reaches the sizes where
// VarTimeMultiScalarMult plans and splits the bucket method.
func FuzzMatchesStraus(f *testing.F) {
	allOnes := bytes.Repeat([]byte{0xff}, 32)
	lMinus1 := minusOne().Bytes()
	f.Add(append([]byte{0}, lMinus1...))
	f.Add(append([]byte{0x0f}, allOnes...))
	f.Add(append(append([]byte{0xff}, allOnes[:16]...), make([]byte, 16)...))
	f.Add(append(append([]byte{0x8c}, lMinus1...), powerOfTwo(128).Bytes()...))
	f.Add(append([]byte{0x33}, bytes.Repeat([]byte{0x80, 0, 0, 0}, 16)...))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 1+32 || len(data) > 1+32*16 {
			t.Skip("between one and 16 scalars")
		}
		c := minWindow + int(data[0]&0x0f)%(maxWindow-minWindow+1)
		repeat := 1 + int(data[0]>>4)*20 // up to 301 terms a scalar
		var chunks [][]byte
		for b := data[1:]; len(b) >= 32; b = b[32:] {
			chunks = append(chunks, b[:32])
		}
		var scalars []*ristretto255.Scalar
		var points []*ristretto255.Element
		for i := range repeat * len(chunks) {
			var wide [64]byte
			copy(wide[:], chunks[i%len(chunks)])
			scalars = append(scalars, ristretto255.NewScalar().FromUniformBytes(wide[:]))
			points = append(points, fuzzPoint(i))
		}
		want := straus(scalars, points)
		if VarTimeMultiScalarMult(scalars, points).Equal(want) != 1 {
			t.Error("VarTimeMultiScalarMult disagrees with Straus")
		}
		if VarTimePippenger(scalars, points).Equal(want) != 1 {
			t.Error("VarTimePippenger disagrees with Straus")
		}
		tt := newTerms(scalars, points)
		if pippenger(tt.limbs, tt.points, tt.hist.longest(), c).Equal(want) != 1 {
			t.Errorf("bucket method with c=%d disagrees with Straus", c)
		}
	})
}

// fuzzPoints are fixed, independent points for the fuzz target.
var fuzzPoints = func() []*ristretto255.Element {
	points := make([]*ristretto255.Element, 61)
	for i := range points {
		var b [64]byte
		b[0], b[1] = byte(i), 0xa5
		points[i] = ristretto255.NewIdentityElement().FromUniformBytes(b[:])
	}
	return points
}()

func fuzzPoint(i int) *ristretto255.Element { return fuzzPoints[i%len(fuzzPoints)] }
