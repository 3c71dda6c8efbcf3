package threshold

import (
	"errors"
	"testing"

	"github.com/gtank/ristretto255"

	"github.com/urna-vote/urna/crypto/elgamal"
	"github.com/urna-vote/urna/crypto/group"
	"github.com/urna-vote/urna/internal/seeded"
)

func TestDecryptionRoundTrip(t *testing.T) {
	f := newFixture(t, Default, "decryption").run(t)
	ctx := testContext("election")
	counts := []uint64{0, 1, 17, 250, 3}
	cts := encryptCounts(t, f.result.Key, counts, f.rnd)
	shares := f.partials(t, cts, ctx, []int{2, 4, 5, 7})
	for _, ds := range shares {
		back, err := DecodeDecryptionShare(ds.Encode())
		if err != nil {
			t.Fatal(err)
		}
		if err := VerifyDecryptionShare(back, f.result.PublicShares[ds.Guardian-1], cts, ctx); err != nil {
			t.Fatal(err)
		}
	}
	got, err := Combine(Default, f.result.PublicShares, cts, ctx, shares)
	if err != nil {
		t.Fatal(err)
	}
	if !equalElements(got, countsAsElements(counts)) {
		t.Fatal("the tally does not decrypt to its counts")
	}
	// The reference: x·A with x = Σ a_{i,0}, which nobody holds.
	x := group.NewSecret(f.referenceKey())
	for k, ct := range cts {
		if elgamal.DecryptToElement(ct, x).Equal(got[k]) != 1 {
			t.Fatalf("ciphertext %d differs from decryption under the reference key", k)
		}
	}
}

// TestAttackInvalidDecryptionShare: every way of publishing a wrong
// decryption share is detected, by VerifyDecryptionShare and by Combine,
// and names its guardian.
func TestAttackInvalidDecryptionShare(t *testing.T) {
	f := newFixture(t, Default, "invalid decryption shares").run(t)
	ctx := testContext("election")
	cts := encryptCounts(t, f.result.Key, []uint64{4, 0, 9}, f.rnd)
	otherCts := encryptCounts(t, f.result.Key, []uint64{4, 0, 9}, f.rnd)
	otherCtx := testContext("another election")
	const cheat = 3
	for _, tc := range []struct {
		name string
		make func() *DecryptionShare
	}{
		{"wrong D with its old proof", func() *DecryptionShare {
			ds := f.partials(t, cts, ctx, []int{cheat})[0]
			ds.D[1] = ristretto255.NewIdentityElement().Add(ds.D[1], group.G())
			return ds
		}},
		{"D of the secret key times two", func() *DecryptionShare {
			ds := f.partials(t, cts, ctx, []int{cheat})[0]
			ds.D[0] = ristretto255.NewIdentityElement().Add(ds.D[0], ds.D[0])
			return ds
		}},
		{"altered proof response", func() *DecryptionShare {
			ds := f.partials(t, cts, ctx, []int{cheat})[0]
			ds.Proofs[2].Z = ristretto255.NewScalar().Add(ds.Proofs[2].Z, group.ScalarFromUint64(1))
			return ds
		}},
		{"proofs from other ciphertexts", func() *DecryptionShare {
			return f.partials(t, otherCts, ctx, []int{cheat})[0]
		}},
		{"partials swapped between ciphertexts", func() *DecryptionShare {
			ds := f.partials(t, cts, ctx, []int{cheat})[0]
			ds.D[0], ds.D[1] = ds.D[1], ds.D[0]
			ds.Proofs[0], ds.Proofs[1] = ds.Proofs[1], ds.Proofs[0]
			return ds
		}},
		{"another guardian's share", func() *DecryptionShare {
			ds := f.partials(t, cts, ctx, []int{6})[0]
			ds.Guardian = cheat
			return ds
		}},
		{"share from another election context", func() *DecryptionShare {
			return f.partials(t, cts, otherCtx, []int{cheat})[0]
		}},
		{"too few partials", func() *DecryptionShare {
			ds := f.partials(t, cts, ctx, []int{cheat})[0]
			ds.D, ds.Proofs = ds.D[:2], ds.Proofs[:2]
			return ds
		}},
	} {
		ds := tc.make()
		err := VerifyDecryptionShare(ds, f.result.PublicShares[cheat-1], cts, ctx)
		var ge *GuardianError
		if !errors.As(err, &ge) || ge.Guardian != cheat || !errors.Is(err, ErrInvalidShare) {
			t.Errorf("%s: got %v, want an invalid-share error naming guardian %d", tc.name, err, cheat)
			continue
		}
		// Combine skips it, names it, and still decrypts with 4 others.
		shares := append(f.partials(t, cts, ctx, []int{1, 2, 4, 5}), ds)
		got, err := Combine(Default, f.result.PublicShares, cts, ctx, shares)
		if !errors.As(err, &ge) || ge.Guardian != cheat || !equalElements(got, countsAsElements([]uint64{4, 0, 9})) {
			t.Errorf("%s: Combine gave %v", tc.name, err)
		}
		// With only 3 honest shares besides it, Combine fails and names it.
		shares = append(f.partials(t, cts, ctx, []int{1, 2, 4}), ds)
		got, err = Combine(Default, f.result.PublicShares, cts, ctx, shares)
		if got != nil || !errors.Is(err, ErrQuorum) || !errors.As(err, &ge) || ge.Guardian != cheat {
			t.Errorf("%s with 3 honest: got %v", tc.name, err)
		}
	}
}

// TestCombineNeedsT: fewer than t shares decrypt nothing, duplicates do not
// count twice, and shares from unknown guardians are skipped.
func TestCombineNeedsT(t *testing.T) {
	f := newFixture(t, Default, "combine needs t").run(t)
	ctx := testContext("election")
	cts := encryptCounts(t, f.result.Key, []uint64{1}, f.rnd)
	three := f.partials(t, cts, ctx, []int{1, 2, 3})
	if got, err := Combine(Default, f.result.PublicShares, cts, ctx, three); got != nil || !errors.Is(err, ErrQuorum) {
		t.Fatalf("3 of 4: %v", err)
	}
	dup := append(three, f.partials(t, cts, ctx, []int{3})...)
	if got, err := Combine(Default, f.result.PublicShares, cts, ctx, dup); got != nil || !errors.Is(err, ErrQuorum) {
		t.Fatalf("3 guardians and a duplicate: %v", err)
	}
	alien := f.partials(t, cts, ctx, []int{4})[0]
	alien.Guardian = 9
	if got, err := Combine(Default, f.result.PublicShares, cts, ctx, append(three, alien)); got != nil || !errors.Is(err, ErrQuorum) {
		t.Fatalf("guardian 9 of 7: %v", err)
	}
	if _, err := Combine(Default, f.result.PublicShares[:6], cts, ctx, three); !errors.Is(err, ErrParams) {
		t.Fatalf("6 public shares for 7 guardians: %v", err)
	}
	if _, err := Combine(Params{N: 7, T: 8}, f.result.PublicShares, cts, ctx, three); !errors.Is(err, ErrParams) {
		t.Fatalf("8-of-7: %v", err)
	}
}

func TestPartialDecryptRejects(t *testing.T) {
	f := newFixture(t, Params{N: 2, T: 1}, "partial rejects").run(t)
	if _, err := PartialDecrypt(f.shares[1], nil, [32]byte{}, f.rnd); !errors.Is(err, ErrParams) {
		t.Errorf("no ciphertexts: %v", err)
	}
	if _, err := PartialDecrypt(f.shares[1], []*elgamal.Ciphertext{elgamal.Zero()}, [32]byte{}, f.rnd); !errors.Is(err, ErrParams) {
		t.Errorf("A = identity: %v", err)
	}
}

func TestDecodeDecryptionShareRejects(t *testing.T) {
	f := newFixture(t, Params{N: 2, T: 1}, "decode rejects").run(t)
	cts := encryptCounts(t, f.result.Key, []uint64{1, 2}, f.rnd)
	good := f.partials(t, cts, [32]byte{}, []int{2})[0].Encode()
	patch := func(off int, v ...byte) []byte {
		out := append([]byte(nil), good...)
		copy(out[off:], v)
		return out
	}
	for name, b := range map[string][]byte{
		"empty":           nil,
		"truncated":       good[:len(good)-1],
		"trailing":        append(append([]byte(nil), good...), 0),
		"version 0":       patch(0, 0),
		"kind 1":          patch(1, 1),
		"guardian 0":      patch(2, 0),
		"count 0":         patch(3, 0, 0, 0, 0),
		"count 3":         patch(3, 0, 0, 0, 3),
		"count 2^16+1":    patch(3, 0, 1, 0, 1),
		"identity D":      patch(7, make([]byte, 32)...),
		"non-canonical z": patch(7+32+64, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff),
		"header only":     good[:7],
	} {
		if _, err := DecodeDecryptionShare(b); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: got %v", name, err)
		}
	}
}

// TestLagrange: λ interpolates a random polynomial of degree < |S| at zero,
// for sets up to the largest ceremony.
func TestLagrange(t *testing.T) {
	rnd := seeded.Reader("lagrange")
	for _, set := range [][]int{{1}, {3}, {1, 2}, {2, 7}, {1, 3, 5, 7}, {250, 251, 252, 253, 254, 255}, {1, 128, 255}} {
		f, _ := randomPolynomial(len(set), rnd)
		got := ristretto255.NewScalar()
		for _, j := range set {
			got.Add(got, ristretto255.NewScalar().Multiply(lagrangeAtZero(j, set), f.eval(j)))
		}
		if got.Equal(f.coeffs[0].Scalar()) != 1 {
			t.Errorf("set %v does not interpolate f(0)", set)
		}
	}
}
