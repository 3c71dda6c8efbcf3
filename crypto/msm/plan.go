package msm

// The plan of a multi-scalar multiplication is chosen by counting group
// additions, the operation that dominates its cost (~0.15 µs each).
//
// The bucket method with c-bit digits costs, for scalars of at most n bits,
// one addition per non-zero digit of every term (about ⌈(b+1)/c⌉ for a
// b-bit scalar), 2^c additions per digit position to combine the buckets,
// and c doublings per position.
//
// An addition into a bucket reads a bucket at random; once the buckets leave
// the cache it costs more. bucketCost holds that factor by digit width,
// measured with BenchmarkWindow on the reference machine (1 MiB of L2 cache
// per core; a bucket is 160 bytes, so the 2^14 buckets of c = 15 take
// 2.6 MB). Combining walks the buckets in order and costs combineCost of an
// addition.
var bucketCost = [maxWindow + 1]float64{
	4: 1, 5: 1, 6: 1, 7: 1, 8: 1, 9: 1, 10: 1, 11: 1, 12: 1, 13: 1,
	14: 1.03, 15: 1.25, 16: 1.55,
}

const combineCost = 0.8

// Straus, in the same unit, costs per term about strausFixed additions (its
// table of odd multiples and the signed-digit recoding) plus one addition per
// strausBitsPerAdd bits of scalar, and strausDoublings for its chain of 256
// doublings, fitted to BenchmarkCrossover.
const (
	strausFixed      = 15
	strausBitsPerAdd = 7
	strausDoublings  = 150
)

// costModel answers the cost of a group of terms, given by a range of bit
// lengths, in O(1) per digit width from prefix sums over the histogram.
type costModel struct {
	count  [maxBits + 1]int                    // terms of bit length ≤ b
	digits [maxWindow + 1][maxBits + 1]float64 // Σ windows(b', c) over those terms
	straus [maxBits + 1]float64                // Straus cost of those terms
}

func newCostModel(h *histogram) *costModel {
	m := new(costModel)
	for b := 1; b <= maxBits; b++ {
		m.count[b] = m.count[b-1] + h[b]
		m.straus[b] = m.straus[b-1] + float64(h[b])*(strausFixed+float64(b)/strausBitsPerAdd)
		for c := minWindow; c <= maxWindow; c++ {
			m.digits[c][b] = m.digits[c][b-1] + float64(h[b]*windows(b, c))
		}
	}
	return m
}

// pippenger returns the best digit width for the terms with bit lengths in
// (lo, top], top being the longest of them, and its modelled cost.
func (m *costModel) pippenger(lo, top int) (c int, cost float64) {
	for w := minWindow; w <= maxWindow; w++ {
		positions := float64(windows(top, w))
		adds := m.digits[w][top] - m.digits[w][lo]
		cw := adds*bucketCost[w] + positions*(combineCost*float64(int(1)<<w)+float64(w))
		if c == 0 || cw < cost {
			c, cost = w, cw
		}
	}
	return c, cost
}

// group returns the cost of the terms with bit lengths in (lo, top] by the
// method VarTimeMultiScalarMult uses for them: Straus below the crossover,
// else the bucket method with width c (0 for Straus).
func (m *costModel) group(lo, top int) (c int, cost float64) {
	if m.count[top]-m.count[lo] < crossoverFor(top) {
		return 0, m.straus[top] - m.straus[lo] + strausDoublings
	}
	return m.pippenger(lo, top)
}

// A plan splits the terms into short scalars (bit length ≤ split) and long
// ones, each summed by Straus (width 0) or the bucket method with its own
// digit width. split = 0 means one group, the long one.
type plan struct {
	split             int
	shortC, longC     int
	shortTop, longTop int
}

// choosePlan returns the cheapest plan for the terms counted in h: one group,
// or two split at one of the bit lengths present.
func choosePlan(h *histogram) plan {
	m := newCostModel(h)
	top := h.longest()
	c, best := m.group(0, top)
	p := plan{longC: c, longTop: top}
	for split := 1; split < top; split++ {
		if h[split] == 0 {
			continue
		}
		cs, short := m.group(0, split)
		cl, long := m.group(split, top)
		if short+long < best {
			best = short + long
			p = plan{split: split, shortC: cs, longC: cl, shortTop: split, longTop: top}
		}
	}
	return p
}
