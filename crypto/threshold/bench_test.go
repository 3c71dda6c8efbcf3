package threshold

import (
	"crypto/rand"
	"testing"

	"github.com/urna-vote/urna/crypto/dlog"
	"github.com/urna-vote/urna/crypto/elgamal"
)

// BenchmarkCeremony4of7 is a whole 4-of-7 key ceremony with all seven
// guardians in one process: every guardian deals, judges the recorded deals
// and finishes (each checking every message itself), and the public
// Ceremony checks every message as the ledger would.
func BenchmarkCeremony4of7(b *testing.B) {
	for b.Loop() {
		f := newFixture(b, Default, "bench ceremony")
		f.rnd = rand.Reader
		f.run(b)
	}
}

// BenchmarkThresholdDecrypt is the decryption of a 5-option tally with 7
// guardians of whom 4 are present: all 4 shares' proofs checked, then
// combined.
func BenchmarkThresholdDecrypt(b *testing.B) {
	f := newFixture(b, Default, "bench decrypt").run(b)
	ctx := testContext("bench")
	cts := encryptCounts(b, f.result.Key, []uint64{3, 1, 4, 1, 5}, f.rnd)
	shares := f.partials(b, cts, ctx, []int{1, 3, 5, 7})
	for b.Loop() {
		if _, err := Combine(Default, f.result.PublicShares, cts, ctx, shares); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPartialDecrypt5 is one guardian's partial decryption of 5
// ciphertexts, with proofs.
func BenchmarkPartialDecrypt5(b *testing.B) {
	f := newFixture(b, Default, "bench partial").run(b)
	cts := encryptCounts(b, f.result.Key, []uint64{3, 1, 4, 1, 5}, f.rnd)
	for b.Loop() {
		if _, err := PartialDecrypt(f.shares[2], cts, testContext("bench"), rand.Reader); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyDecryptionShare5 is the check of one guardian's share of 5
// ciphertexts (check D1 of the ledger).
func BenchmarkVerifyDecryptionShare5(b *testing.B) {
	f := newFixture(b, Default, "bench verify").run(b)
	ctx := testContext("bench")
	cts := encryptCounts(b, f.result.Key, []uint64{3, 1, 4, 1, 5}, f.rnd)
	ds := f.partials(b, cts, ctx, []int{2})[0]
	for b.Loop() {
		if err := VerifyDecryptionShare(ds, f.result.PublicShares[1], cts, ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAddRound1 is the ledger's check of one 4-of-7 deal.
func BenchmarkAddRound1(b *testing.B) {
	f := newFixture(b, Default, "bench add round 1")
	m, _ := f.guardians[0].Round1()
	raw := m.Encode()
	for b.Loop() {
		c := NewCeremony(f.setup)
		if err := c.AddRound1(1, raw); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTallyAndDecrypt1M is the count of 1,000,000 one-of-five
// ballots: their 5,000,000 ciphertexts added up option by option (4,096
// distinct ballots, cycled), the sums partially decrypted by 4 of 7
// guardians with proofs, the shares checked and combined, and the counts
// found by discrete logarithm.
func BenchmarkTallyAndDecrypt1M(b *testing.B) {
	f := newFixture(b, Default, "bench tally").run(b)
	ctx := testContext("bench")
	pk := elgamal.NewPublicKey(f.result.Key)
	const n, options = 1_000_000, 5
	distinct := make([][]*elgamal.Ciphertext, 4096)
	want := make([]uint64, options)
	for i := range distinct {
		choice := i % options
		for o := 0; o < options; o++ {
			r, _ := elgamal.NewNonce(rand.Reader)
			m := uint64(0)
			if o == choice {
				m = 1
			}
			distinct[i] = append(distinct[i], elgamal.Encrypt(pk, m, r))
		}
	}
	for i := 0; i < n; i++ {
		want[(i&4095)%options]++
	}
	table := dlog.NewTable(n)
	for b.Loop() {
		sums := make([]*elgamal.Ciphertext, options)
		for o := range sums {
			sums[o] = elgamal.Zero()
		}
		for i := 0; i < n; i++ {
			for o, ct := range distinct[i&4095] {
				sums[o].AddInPlace(ct)
			}
		}
		var shares []*DecryptionShare
		for _, g := range []int{1, 3, 5, 7} {
			ds, err := PartialDecrypt(f.shares[g], sums, ctx, rand.Reader)
			if err != nil {
				b.Fatal(err)
			}
			shares = append(shares, ds)
		}
		plain, err := Combine(Default, f.result.PublicShares, sums, ctx, shares)
		if err != nil {
			b.Fatal(err)
		}
		for o, p := range plain {
			got, err := table.VarTimeLog(p)
			if err != nil || got != want[o] {
				b.Fatalf("option %d: counted %d (%v), want %d", o, got, err, want[o])
			}
		}
	}
}
