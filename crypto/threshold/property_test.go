package threshold

import (
	"crypto/rand"
	"testing"

	"github.com/gtank/ristretto255"
	"pgregory.net/rapid"

	"github.com/urna-vote/urna/crypto/group"
	"github.com/urna-vote/urna/internal/seeded"
)

// TestCombinationProperty: for random parameters, any t of the n shares
// recover the same plaintext, and fewer than t recover nothing.
func TestCombinationProperty(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		n := rapid.IntRange(1, 7).Draw(rt, "n")
		th := rapid.IntRange(1, n).Draw(rt, "t")
		m := rapid.Uint64Range(0, 1000).Draw(rt, "m")
		seed := rapid.String().Draw(rt, "seed")
		f := newCeremony(t, Params{N: n, T: th}, seeded.Reader(seed), nil)
		cts := encryptTally(t, f.result.Key, []uint64{m})
		want := ristretto255.NewIdentityElement().ScalarBaseMult(group.ScalarFromUint64(m))
		q := rapid.Permutation(f.result.Qualified).Draw(rt, "order")[:th]
		if got := decrypt(t, f, cts, q); got[0].Equal(want) != 1 {
			rt.Fatalf("quorum %v of %d-of-%d does not decrypt", q, th, n)
		}
		if th > 1 {
			var shares []*DecryptionShare
			for _, i := range q[:th-1] {
				ds, _ := PartialDecrypt(f.shares[i], cts, f.ctx, rand.Reader)
				shares = append(shares, ds)
			}
			if _, err := Combine(f.p, cts, shares); err == nil {
				rt.Fatal("fewer than t shares combined")
			}
		}
	})
}

func BenchmarkCeremony4of7(b *testing.B) {
	for b.Loop() {
		newCeremony(b, Default, rand.Reader, nil)
	}
}

// BenchmarkThresholdDecrypt is the count's decryption of a 5-option tally
// by 4 of 7 guardians: their partial decryptions verified and combined.
func BenchmarkThresholdDecrypt(b *testing.B) {
	f := newCeremony(b, Default, rand.Reader, nil)
	cts := encryptTally(b, f.result.Key, []uint64{10, 20, 30, 40, 50})
	var shares []*DecryptionShare
	for _, i := range []int{1, 2, 3, 4} {
		ds, _ := PartialDecrypt(f.shares[i], cts, f.ctx, rand.Reader)
		shares = append(shares, ds)
	}
	b.ResetTimer()
	for b.Loop() {
		for _, ds := range shares {
			if err := VerifyDecryptionShare(ds, f.result.PublicShares[ds.Guardian-1], cts, f.ctx); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := Combine(Default, cts, shares); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPartialDecrypt5(b *testing.B) {
	f := newCeremony(b, Default, rand.Reader, nil)
	cts := encryptTally(b, f.result.Key, []uint64{1, 2, 3, 4, 5})
	for b.Loop() {
		if _, err := PartialDecrypt(f.shares[1], cts, f.ctx, rand.Reader); err != nil {
			b.Fatal(err)
		}
	}
}
