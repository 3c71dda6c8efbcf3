package threshold

import (
	"errors"
	"fmt"
	"testing"

	"github.com/gtank/ristretto255"
	"pgregory.net/rapid"

	"github.com/urna-vote/urna/internal/seeded"
)

// TestPropertyThresholdCombination: for random parameters and a random
// ceremony, any t of the n guardians' decryption shares recover x·A equal
// to the dealer-free reference (Σ a_{i,0})·A; any fewer recover nothing.
func TestPropertyThresholdCombination(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		n := rapid.IntRange(1, 7).Draw(rt, "n")
		p := Params{N: n, T: rapid.IntRange(1, n).Draw(rt, "t")}
		seed := fmt.Sprint(rapid.Uint64().Draw(rt, "seed"))
		f := newFixture(t, p, seed).run(t)
		ctx := testContext(seed)
		cts := encryptCounts(t, f.result.Key, []uint64{rapid.Uint64Range(0, 1<<20).Draw(rt, "m")}, f.rnd)
		ref := ristretto255.NewIdentityElement().ScalarMult(f.referenceKey(), cts[0].A)
		want := ristretto255.NewIdentityElement().Subtract(cts[0].B, ref)

		order := rapid.Permutation(f.result.Qualified).Draw(rt, "order")
		got, err := Combine(p, f.result.PublicShares, cts, ctx, f.partials(t, cts, ctx, order[:p.T]))
		if err != nil || got[0].Equal(want) != 1 {
			rt.Fatalf("guardians %v of %d-of-%d: %v", order[:p.T], p.T, p.N, err)
		}
		fewer := rapid.IntRange(0, p.T-1).Draw(rt, "fewer")
		got, err = Combine(p, f.result.PublicShares, cts, ctx, f.partials(t, cts, ctx, order[:fewer]))
		if got != nil || !errors.Is(err, ErrQuorum) {
			rt.Fatalf("%d shares of %d needed: %v", fewer, p.T, err)
		}
	})
}

// TestPropertyShamir: the arithmetic under the ceremony. Any t evaluations
// of a random polynomial of degree t−1 interpolate its constant term; t−1
// of them interpolate something else (but for negligible probability).
func TestPropertyShamir(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		n := rapid.IntRange(1, MaxGuardians).Draw(rt, "n")
		th := rapid.IntRange(1, min(n, 12)).Draw(rt, "t")
		f, _ := randomPolynomial(th, seeded.Reader(fmt.Sprint(rapid.Uint64().Draw(rt, "seed"))))
		idx := make([]int, n)
		for i := range idx {
			idx[i] = i + 1
		}
		set := rapid.Permutation(idx).Draw(rt, "set")[:th]
		interpolate := func(set []int) *ristretto255.Scalar {
			v := ristretto255.NewScalar()
			for _, j := range set {
				v.Add(v, ristretto255.NewScalar().Multiply(lagrangeAtZero(j, set), f.eval(j)))
			}
			return v
		}
		if interpolate(set).Equal(f.coeffs[0].Scalar()) != 1 {
			rt.Fatalf("%v does not interpolate f(0)", set)
		}
		if th > 1 && interpolate(set[:th-1]).Equal(f.coeffs[0].Scalar()) == 1 {
			rt.Fatalf("%d evaluations of a degree-%d polynomial gave f(0)", th-1, th-1)
		}
	})
}

// TestPropertyPublicShares: X_j computed from the joint commitments equals
// the sum of the dealers' images of j, and x_j·G.
func TestPropertyPublicShares(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		n := rapid.IntRange(1, 6).Draw(rt, "n")
		p := Params{N: n, T: rapid.IntRange(1, n).Draw(rt, "t")}
		f := newFixture(t, p, fmt.Sprint(rapid.Uint64().Draw(rt, "seed"))).run(t)
		for j := 1; j <= n; j++ {
			sum := ristretto255.NewIdentityElement()
			for _, m := range f.c.Round1Messages() {
				sum.Add(sum, varTimeEvalCommitments(m.Commitments, j))
			}
			x := ristretto255.NewIdentityElement().ScalarBaseMult(f.shares[j].x.Scalar())
			if sum.Equal(f.result.PublicShares[j-1]) != 1 || x.Equal(sum) != 1 {
				rt.Fatalf("X_%d", j)
			}
		}
	})
}
