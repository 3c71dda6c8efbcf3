package msm

import (
	"github.com/gtank/ristretto255"
)

// From crossover terms on, the bucket method is faster than ristretto255's
// Straus for full-length scalars; from crossoverShort terms on, for scalars
// of at most shortBits bits (batch weights). Both were measured with
// BenchmarkCrossover on the reference machine (PERF.txt): the bucket method
// pays 2^c additions per digit position whatever the number of terms, and
// short scalars have half as many positions.
const (
	crossover      = 192
	crossoverShort = 112
	shortBits      = 128
)

// crossoverFor returns the crossover for scalars of at most bits bits.
func crossoverFor(bits int) int {
	if bits <= shortBits {
		return crossoverShort
	}
	return crossover
}

// VarTimeMultiScalarMult returns Σ scalars[i]·points[i], the identity for no
// terms. It uses Straus (ristretto255's own) for fewer than about 200 terms
// (about 100 if every scalar is below 2^128) and Pippenger's bucket method
// above; with many short scalars and a few long ones, it sums the two kinds
// separately when that is cheaper. It panics only if the slices differ in
// length, which is a programming error.
//
// Variable time: only for public inputs (verification).
func VarTimeMultiScalarMult(scalars []*ristretto255.Scalar, points []*ristretto255.Element) *ristretto255.Element {
	checkLengths(scalars, points)
	if len(points) < crossoverShort {
		return straus(scalars, points)
	}
	t := newTerms(scalars, points)
	p := choosePlan(&t.hist)
	if p.split == 0 {
		return t.sum(p.longC, p.longTop)
	}
	short, long := t.partition(p.split)
	sum := short.sum(p.shortC, p.shortTop)
	return sum.Add(sum, long.sum(p.longC, p.longTop))
}

// sum returns the sum of the terms, whose scalars have at most top bits, by
// Straus if c = 0, else by the bucket method with c-bit digits.
func (t *terms) sum(c, top int) *ristretto255.Element {
	if c == 0 {
		return straus(t.scalars, t.points)
	}
	return pippenger(t.limbs, t.points, top, c)
}

// partition reorders the terms in place, those with scalars of at most split
// bits first, and returns both parts (histograms are not carried over).
func (t *terms) partition(split int) (short, long *terms) {
	k := 0
	for i := range t.limbs {
		if bitLen(&t.limbs[i]) <= split {
			t.scalars[i], t.scalars[k] = t.scalars[k], t.scalars[i]
			t.limbs[i], t.limbs[k] = t.limbs[k], t.limbs[i]
			t.points[i], t.points[k] = t.points[k], t.points[i]
			k++
		}
	}
	short = &terms{scalars: t.scalars[:k], limbs: t.limbs[:k], points: t.points[:k]}
	long = &terms{scalars: t.scalars[k:], limbs: t.limbs[k:], points: t.points[k:]}
	return short, long
}

// straus is ristretto255's variable-time Straus method.
func straus(scalars []*ristretto255.Scalar, points []*ristretto255.Element) *ristretto255.Element {
	return ristretto255.NewIdentityElement().VarTimeMultiScalarMult(scalars, points)
}

func checkLengths(scalars []*ristretto255.Scalar, points []*ristretto255.Element) {
	if len(scalars) != len(points) {
		panic("msm: mismatched slice lengths")
	}
}
