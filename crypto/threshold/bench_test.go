package threshold

import (
	"crypto/rand"
	"testing"
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
