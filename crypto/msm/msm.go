package msm

import (
	"github.com/gtank/ristretto255"
)

// Crossover is the number of terms from which VarTimeMultiScalarMult uses
// the bucket method instead of Straus. It was measured on the reference
// machine (see PERF.txt and docs/performance.md): below it, ristretto255's
// Straus is faster for full-length and for 128-bit scalars.
const Crossover = 2048

// VarTimeMultiScalarMult returns Σ scalars[i]·points[i], the identity for no
// terms. It uses Straus (ristretto255's own) below Crossover terms and
// Pippenger's bucket method from Crossover on. It panics only if the slices
// differ in length, which is a programming error.
//
// Variable time: only for public inputs (verification).
func VarTimeMultiScalarMult(scalars []*ristretto255.Scalar, points []*ristretto255.Element) *ristretto255.Element {
	checkLengths(scalars, points)
	if len(points) < Crossover {
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
