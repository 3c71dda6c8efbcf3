package threshold

import (
	"crypto/rand"
	"errors"
	"testing"

	"github.com/gtank/ristretto255"

	"github.com/urna-vote/urna/crypto/elgamal"
	"github.com/urna-vote/urna/crypto/group"
	"github.com/urna-vote/urna/internal/seeded"
)

// TestThreeMaliciousInKeyGeneration: guardians 5, 6 and 7 cheat at once —
// a rogue key, a bad share to guardian 1, a malformed deal — and each is
// detected and disqualified; the four honest guardians still hold a working
// key.
func TestThreeMaliciousInKeyGeneration(t *testing.T) {
	p := Default
	f := newCeremony(t, p, seeded.Reader("three malicious dealers"), func(i int, msg []byte) []byte {
		out := append([]byte(nil), msg...)
		switch i {
		case 5: // rogue key: a constant commitment it cannot prove
			copy(out[2:34], group.DeriveGenerator("rogue").Bytes())
		case 6: // a share to guardian 1 that does not decrypt
			off := 2 + p.T*group.Size + 64 + group.Size + 3
			out[off] ^= 1
		case 7: // truncated
			out = out[:len(out)-1]
		}
		return out
	})
	for _, bad := range []int{5, 6, 7} {
		if f.result.IsQualified(bad) {
			t.Errorf("guardian %d cheated and was qualified", bad)
		}
	}
	if got := f.result.Qualified; len(got) != 4 {
		t.Fatalf("qualified %v, want the four honest guardians", got)
	}
	cts := encryptTally(t, f.result.Key, []uint64{3, 0, 7})
	got := decrypt(t, f, cts, []int{1, 2, 3, 4})
	for k, m := range []uint64{3, 0, 7} {
		if got[k].Equal(ristretto255.NewIdentityElement().ScalarBaseMult(group.ScalarFromUint64(m))) != 1 {
			t.Fatalf("ciphertext %d", k)
		}
	}
}

// TestThreeMaliciousInDecryption: after an honest ceremony, guardians 2, 4
// and 6 publish bad decryption shares in three different ways; each is
// detected and named, and the tally from the honest four equals the tally
// from every one of the 35 quorums when all are honest.
func TestThreeMaliciousInDecryption(t *testing.T) {
	f := newCeremony(t, Default, seeded.Reader("three malicious decryptors"), nil)
	counts := []uint64{5, 11, 0, 2, 9}
	cts := encryptTally(t, f.result.Key, counts)
	var valid []*DecryptionShare
	for i := 1; i <= 7; i++ {
		ds, err := PartialDecrypt(f.shares[i], cts, f.ctx, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		switch i {
		case 2: // a wrong partial decryption with its (now false) proof
			ds.D[0] = ristretto255.NewIdentityElement().Add(ds.D[0], group.G())
		case 4: // guardian 3's share passed off as its own
			other, _ := PartialDecrypt(f.shares[3], cts, f.ctx, rand.Reader)
			other.Guardian = 4
			ds = other
		case 6: // a share for other ciphertexts
			r, _ := group.RandomSecret(rand.Reader)
			alt := append([]*elgamal.Ciphertext{elgamal.Encrypt(elgamal.NewPublicKey(f.result.Key), 1, r)}, cts[1:]...)
			ds, _ = PartialDecrypt(f.shares[6], alt, f.ctx, rand.Reader)
		}
		err = VerifyDecryptionShare(ds, f.result.PublicShares[i-1], cts, f.ctx)
		cheat := i == 2 || i == 4 || i == 6
		var ge *GuardianError
		switch {
		case cheat && (!errors.As(err, &ge) || ge.Guardian != i):
			t.Errorf("guardian %d's bad share: got %v, want an error naming it", i, err)
		case !cheat && err != nil:
			t.Errorf("honest guardian %d: %v", i, err)
		case !cheat:
			valid = append(valid, ds)
		}
	}
	honest, err := Combine(Default, cts, valid)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range quorums(7, 4) {
		got := decrypt(t, f, cts, q)
		for k := range counts {
			if got[k].Equal(honest[k]) != 1 {
				t.Fatalf("quorum %v differs from the honest guardians' tally", q)
			}
		}
	}
}
