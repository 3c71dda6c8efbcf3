// Package msm computes multi-scalar multiplications Σ s_i·P_i on
// ristretto255 for verification, where every input is public.
//
// Below Crossover terms it uses ristretto255's own Straus method; above, the
// Pippenger bucket method: scalars are cut into signed c-bit digits; for each
// digit position, every point is added into the bucket of its digit (its
// negation for negative digits), and the buckets are combined with the
// running-sum trick, Σ_k k·B_k = Σ_k (B_n + … + B_k). Zero digits cost
// nothing, so 128-bit batch weights cost about half as much as full scalars.
//
// Everything here is variable time: never pass secrets.
package msm

import (
	"github.com/gtank/ristretto255"
)

// Crossover is the number of terms from which Pippenger is faster than
// Straus on the machines measured (docs/performance.md).
const Crossover = 256

// VarTimeMultiScalarMult returns Σ scalars[i]·points[i]. It panics if the
// slices differ in length (programmer misuse).
func VarTimeMultiScalarMult(scalars []*ristretto255.Scalar, points []*ristretto255.Element) *ristretto255.Element {
	if len(scalars) != len(points) {
		panic("msm: mismatched slice lengths")
	}
	if len(points) < Crossover {
		return ristretto255.NewIdentityElement().VarTimeMultiScalarMult(scalars, points)
	}
	return VarTimePippenger(scalars, points)
}

// window returns the digit width for n terms.
func window(n int) int {
	switch {
	case n < 512:
		return 6
	case n < 4096:
		return 8
	case n < 32768:
		return 10
	case n < 262144:
		return 12
	case n < 1<<20:
		return 14
	default:
		return 15
	}
}

// digits recodes a 256-bit little-endian scalar into signed digits of c bits
// in (−2^(c−1), 2^(c−1)], least significant first, into out (len ≥ 256/c+2).
// It returns the index of the highest non-zero digit plus one.
func digits(s []byte, c int, out []int32) int {
	var carry int32
	n := 0
	last := 0
	half := int32(1) << (c - 1)
	full := int32(1) << c
	for bit := 0; bit < 256 || carry != 0; bit += c {
		d := extract(s, bit, c) + carry
		carry = 0
		if d > half {
			d -= full
			carry = 1
		}
		out[n] = d
		n++
		if d != 0 {
			last = n
		}
	}
	for i := n; i < len(out); i++ {
		out[i] = 0
	}
	return last
}

// extract returns bits [bit, bit+c) of the little-endian s.
func extract(s []byte, bit, c int) int32 {
	var v uint64
	byteIdx := bit / 8
	for i := 0; i < 4 && byteIdx+i < len(s); i++ {
		v |= uint64(s[byteIdx+i]) << (8 * i)
	}
	return int32((v >> (bit % 8)) & (1<<c - 1))
}

// VarTimePippenger is the bucket method alone, for any number of terms.
func VarTimePippenger(scalars []*ristretto255.Scalar, points []*ristretto255.Element) *ristretto255.Element {
	if len(scalars) != len(points) {
		panic("msm: mismatched slice lengths")
	}
	n := len(points)
	c := window(n)
	nd := 256/c + 2
	all := make([]int32, n*nd)
	maxDigits := 0
	var buf [32]byte
	for i, s := range scalars {
		if m := digits(s.Encode(buf[:0]), c, all[i*nd:(i+1)*nd]); m > maxDigits {
			maxDigits = m
		}
	}
	nb := 1 << (c - 1)
	buckets := make([]*ristretto255.Element, nb)
	used := make([]bool, nb)
	for i := range buckets {
		buckets[i] = ristretto255.NewIdentityElement()
	}
	neg := ristretto255.NewIdentityElement()
	acc := ristretto255.NewIdentityElement()
	running := ristretto255.NewIdentityElement()
	sum := ristretto255.NewIdentityElement()
	for w := maxDigits - 1; w >= 0; w-- {
		for k := 0; k < c; k++ {
			acc.Add(acc, acc)
		}
		clear(used)
		for i := 0; i < n; i++ {
			d := all[i*nd+w]
			switch {
			case d > 0:
				addTo(buckets, used, int(d-1), points[i])
			case d < 0:
				neg.Negate(points[i])
				addTo(buckets, used, int(-d-1), neg)
			}
		}
		// Σ_k (k+1)·B_k by running sums from the top bucket down.
		running.Zero()
		sum.Zero()
		for k := nb - 1; k >= 0; k-- {
			if used[k] {
				running.Add(running, buckets[k])
			}
			sum.Add(sum, running)
		}
		acc.Add(acc, sum)
	}
	return acc
}

func addTo(buckets []*ristretto255.Element, used []bool, k int, p *ristretto255.Element) {
	if used[k] {
		buckets[k].Add(buckets[k], p)
	} else {
		buckets[k].Set(p)
		used[k] = true
	}
}
