package threshold

import (
	"crypto/rand"
	"errors"
	"io"
	"testing"

	"github.com/gtank/ristretto255"

	"github.com/urna-vote/urna/crypto/elgamal"
	"github.com/urna-vote/urna/crypto/group"
	"github.com/urna-vote/urna/internal/seeded"
)

// ceremonyFixture runs a ceremony among p.N guardians; tamper, if set, may
// replace a guardian's round-1 message before it is recorded.
type ceremonyFixture struct {
	p         Params
	ctx       [32]byte
	guardians []*Guardian
	c         *Ceremony
	result    *Result
	shares    map[int]*Share
}

func newCeremony(t testing.TB, p Params, rnd io.Reader, tamper func(i int, msg []byte) []byte) *ceremonyFixture {
	t.Helper()
	f := &ceremonyFixture{p: p, shares: map[int]*Share{}}
	copy(f.ctx[:], "ceremony context for the tests!!")
	var secrets []*group.Secret
	var keys [][]byte
	for i := 0; i < p.N; i++ {
		x, err := group.RandomSecret(rnd)
		if err != nil {
			t.Fatal(err)
		}
		secrets = append(secrets, x)
		keys = append(keys, ristretto255.NewIdentityElement().ScalarBaseMult(x.Scalar()).Bytes())
	}
	c, err := NewCeremony(p, f.ctx, keys)
	if err != nil {
		t.Fatal(err)
	}
	f.c = c
	for i := 1; i <= p.N; i++ {
		g, err := NewGuardian(p, f.ctx, i, secrets[i-1], keys)
		if err != nil {
			t.Fatal(err)
		}
		f.guardians = append(f.guardians, g)
		msg, err := g.Round1(rnd)
		if err != nil {
			t.Fatal(err)
		}
		if tamper != nil {
			msg = tamper(i, msg)
		}
		c.AddRound1(i, msg) // a rejected message leaves the dealer unqualified
	}
	for _, g := range f.guardians {
		if c.round1[g.index] == nil {
			continue // rejected in round 1: out of the ceremony
		}
		msg, err := g.Round2(c, rnd)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.AddRound2(g.index, msg); err != nil {
			t.Fatalf("round 2 of %d: %v", g.index, err)
		}
	}
	f.result, err = c.Result()
	if err != nil {
		t.Fatalf("result: %v", err)
	}
	for _, g := range f.guardians {
		if s, err := g.Share(f.result); err == nil {
			f.shares[g.index] = s
		}
	}
	return f
}

func encryptTally(t testing.TB, key *ristretto255.Element, counts []uint64) []*elgamal.Ciphertext {
	pk := elgamal.NewPublicKey(key)
	var cts []*elgamal.Ciphertext
	for _, m := range counts {
		r, _ := group.RandomSecret(rand.Reader)
		cts = append(cts, elgamal.Encrypt(pk, m, r))
	}
	return cts
}

func decrypt(t testing.TB, f *ceremonyFixture, cts []*elgamal.Ciphertext, quorum []int) []*ristretto255.Element {
	t.Helper()
	var shares []*DecryptionShare
	for _, i := range quorum {
		ds, err := PartialDecrypt(f.shares[i], cts, f.ctx, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		ds, err = DecodeDecryptionShare(ds.Encode())
		if err != nil {
			t.Fatal(err)
		}
		if err := VerifyDecryptionShare(ds, f.result.PublicShares[i-1], cts, f.ctx); err != nil {
			t.Fatal(err)
		}
		shares = append(shares, ds)
	}
	out, err := Combine(f.p, cts, shares)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func quorums(n, t int) [][]int {
	var out [][]int
	var rec func(start int, cur []int)
	rec = func(start int, cur []int) {
		if len(cur) == t {
			out = append(out, append([]int(nil), cur...))
			return
		}
		for i := start; i <= n; i++ {
			rec(i+1, append(cur, i))
		}
	}
	rec(1, nil)
	return out
}

func TestAllQuorumsDecryptAlike(t *testing.T) {
	f := newCeremony(t, Default, seeded.Reader("all quorums"), nil)
	if len(f.result.Qualified) != 7 {
		t.Fatalf("qualified %v", f.result.Qualified)
	}
	counts := []uint64{0, 1, 17, 250, 3}
	cts := encryptTally(t, f.result.Key, counts)
	qs := quorums(7, 4)
	if len(qs) != 35 {
		t.Fatalf("%d quorums", len(qs))
	}
	for _, q := range qs {
		got := decrypt(t, f, cts, q)
		for k, m := range counts {
			want := ristretto255.NewIdentityElement().ScalarBaseMult(group.ScalarFromUint64(m))
			if got[k].Equal(want) != 1 {
				t.Fatalf("quorum %v: ciphertext %d does not decrypt to %d", q, k, m)
			}
		}
	}
}

func TestRogueKeyDisqualified(t *testing.T) {
	// Guardian 7 publishes C_0 = Y − Σ others to make the joint key Y, which
	// it cannot prove knowledge of: its round-1 message is rejected.
	var honest [][]byte
	f := newCeremony(t, Default, seeded.Reader("rogue"), func(i int, msg []byte) []byte {
		if i < 7 {
			honest = append(honest, msg)
			return msg
		}
		y := ristretto255.NewIdentityElement().FromUniformBytes(make([]byte, 64))
		for _, h := range honest {
			c, _ := group.DecodeElement(h[2:34])
			y.Subtract(y, c)
		}
		out := append([]byte(nil), msg...)
		copy(out[2:34], y.Bytes())
		return out
	})
	if f.result.IsQualified(7) {
		t.Fatal("the rogue-key guardian was qualified")
	}
	if len(f.result.Qualified) != 6 {
		t.Fatalf("qualified %v", f.result.Qualified)
	}
}

func TestBadShareJustifiedComplaint(t *testing.T) {
	// Guardian 3 sends guardian 5 a share that does not match its
	// commitments (re-sealed correctly, so only the value is wrong).
	f := newCeremony(t, Default, seeded.Reader("bad share"), nil)
	if len(f.result.Qualified) != 7 {
		t.Fatal("honest ceremony lost a guardian")
	}
	// Corrupt a sealed share byte: the AEAD fails, guardian 5 complains,
	// everyone can check the complaint.
	f2 := newCeremony(t, Default, seeded.Reader("bad share"), func(i int, msg []byte) []byte {
		if i != 3 {
			return msg
		}
		out := append([]byte(nil), msg...)
		p := Default
		off := 2 + p.T*group.Size + 64 + 3*sealedShareLen + group.Size + 5 // recipient 5 (index 3 among others)
		out[off] ^= 1
		return out
	})
	if f2.result.IsQualified(3) {
		t.Fatal("dealer of a bad share was qualified")
	}
	if reason := f2.result.Disqualified[3]; reason != "justified complaint by guardian 5" {
		t.Fatalf("reason %q", reason)
	}
}

func TestUnjustifiedComplaintIgnored(t *testing.T) {
	f := newCeremony(t, Default, seeded.Reader("unjustified"), nil)
	// Guardian 2 complains about guardian 4's good share, revealing the
	// true secret with a valid proof: the complaint is recorded but not
	// upheld.
	g := f.guardians[1]
	r1 := f.c.round1[4]
	sealed := r1.Sealed[2]
	e := mustDecode(sealed[:32])
	s := ristretto255.NewIdentityElement().ScalarMult(g.longTerm.Scalar(), e)
	c2, _ := NewCeremony(Default, f.ctx, g.keys)
	for i := 1; i <= 7; i++ {
		if err := c2.AddRound1(i, f.c.round1[i].Encode()); err != nil {
			t.Fatal(err)
		}
	}
	pf, err := proveComplaint(g, 4, e, s)
	if err != nil {
		t.Fatal(err)
	}
	m := &Round2{Guardian: 2, Complaints: []Complaint{{Dealer: 4, S: s, Proof: pf}}}
	if err := c2.AddRound2(2, m.Encode()); err != nil {
		t.Fatal(err)
	}
	res, err := c2.Result()
	if err != nil {
		t.Fatal(err)
	}
	if !res.IsQualified(4) {
		t.Fatal("an unjustified complaint disqualified an honest dealer")
	}
	// A complaint with a false revealed secret does not verify.
	m.Complaints[0].S = ristretto255.NewIdentityElement().Add(s, group.G())
	c3, _ := NewCeremony(Default, f.ctx, g.keys)
	for i := 1; i <= 7; i++ {
		c3.AddRound1(i, f.c.round1[i].Encode())
	}
	if err := c3.AddRound2(2, m.Encode()); !errors.Is(err, ErrInvalid) {
		t.Fatalf("false complaint: %v", err)
	}
}

func TestInvalidDecryptionShareNamed(t *testing.T) {
	f := newCeremony(t, Default, seeded.Reader("bad decryption"), nil)
	cts := encryptTally(t, f.result.Key, []uint64{1, 2, 3})
	ds, _ := PartialDecrypt(f.shares[2], cts, f.ctx, rand.Reader)
	ds.D[1] = ristretto255.NewIdentityElement().Add(ds.D[1], group.G())
	err := VerifyDecryptionShare(ds, f.result.PublicShares[1], cts, f.ctx)
	var ge *GuardianError
	if !errors.As(err, &ge) || ge.Guardian != 2 {
		t.Fatalf("got %v, want an error naming guardian 2", err)
	}
	// A share bound to another context does not verify either.
	other := f.ctx
	other[0] ^= 1
	ds2, _ := PartialDecrypt(f.shares[3], cts, other, rand.Reader)
	if err := VerifyDecryptionShare(ds2, f.result.PublicShares[2], cts, f.ctx); err == nil {
		t.Fatal("a share from another context verified")
	}
}

func TestTooFewShares(t *testing.T) {
	f := newCeremony(t, Default, seeded.Reader("few"), nil)
	cts := encryptTally(t, f.result.Key, []uint64{1})
	var shares []*DecryptionShare
	for _, i := range []int{1, 2, 3} {
		ds, _ := PartialDecrypt(f.shares[i], cts, f.ctx, rand.Reader)
		shares = append(shares, ds)
	}
	if _, err := Combine(Default, cts, shares); !errors.Is(err, ErrQuorum) {
		t.Fatalf("3 shares of 4 needed: %v", err)
	}
}
