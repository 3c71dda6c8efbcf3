package elgamal

import (
	"bytes"
	"crypto/rand"
	"errors"
	"testing"

	"github.com/gtank/ristretto255"
	"pgregory.net/rapid"

	"github.com/urna-vote/urna/crypto/group"
)

func keyPair(t testing.TB) (*group.Secret, *PublicKey) {
	x, err := group.RandomSecret(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return x, NewPublicKey(group.G().ScalarBaseMult(x.Scalar()))
}

func mG(m uint64) *ristretto255.Element {
	return group.G().ScalarBaseMult(group.ScalarFromUint64(m))
}

// TestHomomorphism: Enc(m1, r1) + Enc(m2, r2) = Enc(m1+m2, r1+r2), and it
// decrypts to (m1+m2)·G.
func TestHomomorphism(t *testing.T) {
	x, pk := keyPair(t)
	rapid.Check(t, func(rt *rapid.T) {
		m1 := rapid.Uint64Range(0, 1<<32).Draw(rt, "m1")
		m2 := rapid.Uint64Range(0, 1<<32).Draw(rt, "m2")
		r1, _ := group.RandomSecret(rand.Reader)
		r2, _ := group.RandomSecret(rand.Reader)
		sum := Encrypt(pk, m1, r1).Add(Encrypt(pk, m2, r2))
		r := group.NewSecret(ristretto255.NewScalar().Add(r1.Scalar(), r2.Scalar()))
		if !sum.Equal(Encrypt(pk, m1+m2, r)) {
			rt.Fatal("sum of encryptions is not the encryption of the sum")
		}
		if DecryptToElement(sum, x).Equal(mG(m1+m2)) != 1 {
			rt.Fatal("sum does not decrypt to the sum")
		}
	})
}

func TestEncoding(t *testing.T) {
	_, pk := keyPair(t)
	r, _ := group.RandomSecret(rand.Reader)
	c := Encrypt(pk, 1, r)
	d, err := DecodeCiphertext(c.Bytes())
	if err != nil || !d.Equal(c) || !bytes.Equal(d.Bytes(), c.Bytes()) {
		t.Fatalf("round trip: %v", err)
	}
	bad := map[string][]byte{
		"short":      c.Bytes()[:63],
		"identity A": append(make([]byte, 32), c.Bytes()[32:]...),
		"non-canonical B": append(append([]byte(nil), c.Bytes()[:32]...),
			bytes.Repeat([]byte{0xff}, 32)...),
	}
	for name, b := range bad {
		if _, err := DecodeCiphertext(b); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: got %v", name, err)
		}
	}
	if _, err := DecodePublicKey(make([]byte, 32)); err == nil {
		t.Error("identity public key accepted")
	}
}

func FuzzDecodeCiphertext(f *testing.F) {
	r, _ := group.RandomSecret(rand.Reader)
	f.Add(Encrypt(NewPublicKey(group.G()), 3, r).Bytes())
	f.Add(make([]byte, 64))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := DecodeCiphertext(b)
		if err == nil && !bytes.Equal(c.Bytes(), b) {
			t.Fatal("ciphertext does not re-encode")
		}
	})
}

func BenchmarkEncrypt(b *testing.B) {
	_, pk := keyPair(b)
	r, _ := group.RandomSecret(rand.Reader)
	for b.Loop() {
		Encrypt(pk, 1, r)
	}
}

// BenchmarkAggregate1M adds 1,000,000 ciphertexts (4,096 distinct ones,
// reused), as the tally of a million ballots does per option.
func BenchmarkAggregate1M(b *testing.B) {
	_, pk := keyPair(b)
	distinct := make([]*Ciphertext, 4096)
	for i := range distinct {
		r, _ := group.RandomSecret(rand.Reader)
		distinct[i] = Encrypt(pk, uint64(i&1), r)
	}
	const n = 1_000_000
	b.ResetTimer()
	for b.Loop() {
		sum := Zero()
		for i := 0; i < n; i++ {
			sum.AddInPlace(distinct[i&4095])
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/ciphertext")
}
