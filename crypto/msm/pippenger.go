package msm

import (
	"encoding/binary"
	"math/bits"

	"github.com/gtank/ristretto255"
	"github.com/urna-vote/urna/crypto/group"
)

// Bounds of the digit width c. Narrower digits never win at the sizes where
// the bucket method is used; at 16 bits the 2^15 buckets of 160 bytes take
// 5 MB and each addition into them already costs half as much again as in
// cache (bucketCost); wider digits would only cost more.
const (
	minWindow = 4
	maxWindow = 16
)

// maxBits is the bit length of the largest canonical scalar, ℓ − 1 < 2^253.
const maxBits = 253

// terms are the non-zero terms of a multi-scalar multiplication, with their
// scalars also as little-endian 64-bit limbs.
type terms struct {
	scalars []*ristretto255.Scalar
	limbs   [][4]uint64
	points  []*ristretto255.Element
	hist    histogram
}

// histogram counts terms by the bit length of their scalar.
type histogram [maxBits + 1]int

// newTerms decodes the scalars and drops the terms whose scalar is zero.
func newTerms(scalars []*ristretto255.Scalar, points []*ristretto255.Element) *terms {
	t := &terms{
		scalars: make([]*ristretto255.Scalar, 0, len(scalars)),
		limbs:   make([][4]uint64, 0, len(scalars)),
		points:  make([]*ristretto255.Element, 0, len(points)),
	}
	for i, s := range scalars {
		b := s.Bytes()
		l := [4]uint64{
			binary.LittleEndian.Uint64(b[0:]),
			binary.LittleEndian.Uint64(b[8:]),
			binary.LittleEndian.Uint64(b[16:]),
			binary.LittleEndian.Uint64(b[24:]),
		}
		n := bitLen(&l)
		if n == 0 {
			continue
		}
		t.scalars = append(t.scalars, s)
		t.limbs = append(t.limbs, l)
		t.points = append(t.points, points[i])
		t.hist[n]++
	}
	return t
}

// bitLen returns the bit length of the scalar s.
func bitLen(s *[4]uint64) int {
	for k := 3; k >= 0; k-- {
		if s[k] != 0 {
			return 64*k + bits.Len64(s[k])
		}
	}
	return 0
}

// longest returns the largest bit length counted in h, 0 if h is empty.
func (h *histogram) longest() int {
	for n := len(h) - 1; n > 0; n-- {
		if h[n] != 0 {
			return n
		}
	}
	return 0
}

// VarTimePippenger returns Σ scalars[i]·points[i] by the bucket method alone,
// whatever the number of terms, with the digit width chosen for all the terms
// together. It is exported for benchmarks and differential tests; callers
// should use VarTimeMultiScalarMult, which also picks Straus for small inputs
// and splits mixed bit lengths. It panics if the slices differ in length.
//
// Variable time: only for public inputs.
func VarTimePippenger(scalars []*ristretto255.Scalar, points []*ristretto255.Element) *ristretto255.Element {
	checkLengths(scalars, points)
	t := newTerms(scalars, points)
	top := t.hist.longest()
	c, _ := newCostModel(&t.hist).pippenger(0, top)
	return pippenger(t.limbs, t.points, top, c)
}

// windows returns the number of signed c-bit digits that represent every
// scalar of at most n bits. The top digit is then at most 2^(c−1) and never
// carries out.
func windows(n, c int) int {
	return n/c + 1 // ⌈(n+1)/c⌉
}

// pippenger returns Σ s·P over limbs and points (all scalars below 2^n) with
// c-bit signed digits, adding in affine-prepared coordinates (edwards.go).
func pippenger(limbs [][4]uint64, points []*ristretto255.Element, n, c int) *ristretto255.Element {
	if len(points) == 0 {
		return ristretto255.NewIdentityElement()
	}
	w := windows(n, c)
	prepared := toNiels(points)
	buckets := make([]extended, 1<<(c-1))
	used := make([]bool, len(buckets))
	carries := make([]uint8, len(points))
	sums := make([]*ristretto255.Element, w)
	for j := range sums {
		fillBuckets(buckets, used, limbs, prepared, carries, j*c, c)
		sums[j] = ristretto255.NewIdentityElement()
		combineBuckets(sums[j], buckets, used)
	}
	// Horner: Σⱼ 2^(cj)·sumⱼ from the top position down.
	acc := ristretto255.NewIdentityElement().Set(sums[w-1])
	for j := w - 2; j >= 0; j-- {
		for range c {
			acc.Add(acc, acc)
		}
		acc.Add(acc, sums[j])
	}
	return acc
}

// fillBuckets adds every point into the bucket of its signed digit at bit
// position pos, advancing the carries of the signed recoding. Digit d > 0
// adds P to buckets[d−1]; digit d < 0 adds −P to buckets[−d−1].
func fillBuckets(buckets []extended, used []bool, limbs [][4]uint64, points []niels, carries []uint8, pos, c int) {
	clear(used)
	half := uint64(1) << (c - 1)
	full := uint64(1) << c
	mask := full - 1
	k, off := pos/64, uint(pos%64)
	for i := range points {
		d := uint64(carries[i])
		if k < 4 {
			v := limbs[i][k] >> off
			if off+uint(c) > 64 && k < 3 {
				v |= limbs[i][k+1] << (64 - off)
			}
			d += v & mask
		}
		var b uint64
		neg := false
		switch {
		case d == 0:
			carries[i] = 0
			continue
		case d == full: // digit 0, carry 1
			carries[i] = 1
			continue
		case d <= half:
			carries[i] = 0
			b = d - 1
		default: // digit d − 2^c < 0
			carries[i] = 1
			b, neg = full-d-1, true
		}
		if !used[b] {
			buckets[b].identity()
			used[b] = true
		}
		buckets[b].addNiels(&points[i], neg)
	}
}

// combineBuckets sets sum = Σₖ (k+1)·buckets[k] over the used buckets, as the
// sum of the running sums buckets[top] + … + buckets[k].
func combineBuckets(sum *ristretto255.Element, buckets []extended, used []bool) {
	var running ristretto255.Element
	started := false
	for k := len(buckets) - 1; k >= 0; k-- {
		switch {
		case used[k] && started:
			running.Add(&running, group.FromEdwards(buckets[k].point()))
		case used[k]:
			running.Set(group.FromEdwards(buckets[k].point()))
			sum.Set(&running)
			started = true
			continue
		}
		if started {
			sum.Add(sum, &running)
		}
	}
	if !started {
		sum.Set(ristretto255.NewIdentityElement())
	}
}
