package threshold

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"testing"

	"github.com/gtank/ristretto255"

	"github.com/urna-vote/urna/crypto/elgamal"
	"github.com/urna-vote/urna/crypto/group"
	"github.com/urna-vote/urna/crypto/proof"
	"github.com/urna-vote/urna/crypto/transcript"
	"github.com/urna-vote/urna/internal/seeded"
)

// classes names each failure class as the vectors and SPEC.md do. The
// first match wins, so more specific classes come first.
var classes = []struct {
	err  error
	name string
}{
	{ErrParams, "params"},
	{ErrCommitmentCount, "commitment-count"},
	{ErrMalformed, "malformed"},
	{ErrWrongGuardian, "wrong-guardian"},
	{ErrSignature, "signature"},
	{ErrDuplicate, "duplicate"},
	{ErrProofOfKnowledge, "proof-of-knowledge"},
	{ErrRoundClosed, "round-closed"},
	{ErrRound1Digest, "round1-digest"},
	{ErrComplaint, "complaint"},
	{ErrNoDeal, "no-deal"},
	{ErrBadShare, "bad-share"},
	{ErrQuorum, "quorum"},
	{ErrInvalidShare, "invalid-decryption-share"},
	{ErrState, "state"},
}

// class returns err's failure class, "" for nil.
func class(err error) string {
	if err == nil {
		return ""
	}
	for _, c := range classes {
		if errors.Is(err, c.err) {
			return c.name
		}
	}
	return "unclassified: " + err.Error()
}

func testContext(label string) [32]byte {
	return transcript.New("urna/v1/test/threshold").Bytes("label", []byte(label)).Digest("context")
}

// A fixture is a ceremony among p.N guardians in one process, every
// message going through a public Ceremony as it would through the ledger.
type fixture struct {
	p         Params
	rnd       io.Reader
	setup     *Setup
	keys      []*LongTermKey
	guardians []*Guardian
	a0        []*ristretto255.Scalar // each honest dealer's constant term, for reference values
	cheated   map[int]bool           // dealers whose deal a test wrote
	c         *Ceremony
	errs1     map[int]error
	errs2     map[int]error
	result    *Result
	resultErr error
	shares    map[int]*Share
}

func newFixture(t testing.TB, p Params, seed string) *fixture {
	t.Helper()
	f := &fixture{p: p, rnd: seeded.Reader(seed), errs1: map[int]error{}, errs2: map[int]error{}, shares: map[int]*Share{}, cheated: map[int]bool{}}
	var pubs [][]byte
	for j := 1; j <= p.N; j++ {
		k, err := GenerateLongTermKey(f.rnd)
		if err != nil {
			t.Fatal(err)
		}
		f.keys = append(f.keys, k)
		pubs = append(pubs, k.Public().Bytes())
	}
	var err error
	if f.setup, err = NewSetup(p, testContext(seed), pubs); err != nil {
		t.Fatal(err)
	}
	for j := 1; j <= p.N; j++ {
		g, err := NewGuardian(f.setup, j, f.keys[j-1], f.rnd)
		if err != nil {
			t.Fatal(err)
		}
		f.guardians = append(f.guardians, g)
		f.a0 = append(f.a0, ristretto255.NewScalar().Set(g.poly.coeffs[0].Scalar()))
	}
	f.c = NewCeremony(f.setup)
	return f
}

// deal runs round 1. tamper, if set, may return other bytes to submit in
// place of guardian i's message (nil: submit the honest one).
func (f *fixture) deal(t testing.TB, tamper func(i int, m *Round1Message) []byte) {
	t.Helper()
	for _, g := range f.guardians {
		m, err := g.Round1()
		if err != nil {
			t.Fatal(err)
		}
		b := m.Encode()
		if tamper != nil {
			if nb := tamper(g.index, m); nb != nil {
				b = nb
				g.sent1 = nb // the cheater's own software sent these bytes
			}
		}
		f.errs1[g.index] = f.c.AddRound1(g.index, b)
	}
}

// complain runs round 2 over the recorded deals, with the same kind of
// tampering.
func (f *fixture) complain(t testing.TB, tamper func(j int, m *Round2Message) []byte) {
	t.Helper()
	for _, g := range f.guardians {
		m, err := g.Round2(f.c.Round1Messages())
		if err != nil {
			t.Fatal(err)
		}
		b := m.Encode()
		if tamper != nil {
			if nb := tamper(g.index, m); nb != nil {
				b = nb
			}
		}
		f.errs2[g.index] = f.c.AddRound2(g.index, b)
	}
}

// finish resolves the ceremony publicly and on every guardian's side, and
// demands they agree.
func (f *fixture) finish(t testing.TB) {
	t.Helper()
	f.result, f.resultErr = f.c.Result()
	for _, g := range f.guardians {
		res, err := g.Finish(f.c.Round1Messages(), f.c.Round2Messages())
		if class(err) != class(f.resultErr) && f.resultErr != nil {
			t.Fatalf("guardian %d finished with %v, the ceremony with %v", g.index, err, f.resultErr)
		}
		if err != nil {
			continue
		}
		if res.Key.Equal(f.result.Key) != 1 || fmt.Sprint(res.Qualified) != fmt.Sprint(f.result.Qualified) {
			t.Fatalf("guardian %d's result differs from the public one", g.index)
		}
		if f.shares[g.index], err = g.Share(); err != nil {
			t.Fatal(err)
		}
	}
}

// run is an honest ceremony from start to end.
func (f *fixture) run(t testing.TB) *fixture {
	t.Helper()
	f.deal(t, nil)
	f.complain(t, nil)
	f.finish(t)
	if f.resultErr != nil {
		t.Fatalf("honest ceremony: %v", f.resultErr)
	}
	return f
}

// referenceKey returns x = Σ_{i∈QUAL} a_{i,0}, which no party ever holds:
// only tests compute it, from the dealers' captured constant terms.
func (f *fixture) referenceKey() *ristretto255.Scalar {
	x := ristretto255.NewScalar()
	for _, i := range f.result.Qualified {
		if f.cheated[i] {
			panic("the reference key of a ceremony with a qualified cheating dealer is unknown")
		}
		x.Add(x, f.a0[i-1])
	}
	return x
}

// sign1 re-signs a tampered round-1 message with its dealer's key (a
// cheater signs what it sends) and encodes it.
func (f *fixture) sign1(m *Round1Message) []byte {
	var err error
	if m.Signature, err = proof.ProveSchnorr(signatureTranscript(f.setup, m.Dealer, m.body()), group.G(), f.keys[m.Dealer-1].pub, f.keys[m.Dealer-1].y, f.rnd); err != nil {
		panic(err)
	}
	return m.Encode()
}

func (f *fixture) sign2(m *Round2Message) []byte {
	var err error
	if m.Signature, err = proof.ProveSchnorr(signatureTranscript(f.setup, m.Guardian, m.body()), group.G(), f.keys[m.Guardian-1].pub, f.keys[m.Guardian-1].y, f.rnd); err != nil {
		panic(err)
	}
	return m.Encode()
}

// A dealCheat says which recipients a cheating dealer wrongs: wrongValue
// get a share that decrypts fine but is off by one (only the commitments
// betray it), garbled get a ciphertext that does not decrypt.
type dealCheat struct {
	wrongValue, garbled []int
}

// cheatingDeal is a dealer's round 1 written by an attacker: an honest deal
// but for the recipients it wrongs, signed with its long-term key.
func (f *fixture) cheatingDeal(t testing.TB, dealer int, cheat dealCheat) []byte {
	t.Helper()
	s := f.setup
	poly, err := randomPolynomial(s.p.T, f.rnd)
	if err != nil {
		t.Fatal(err)
	}
	f.cheated[dealer] = true
	m := &Round1Message{Dealer: dealer, Commitments: poly.commitments()}
	e, _ := group.RandomSecret(f.rnd)
	m.Ephemeral = ristretto255.NewIdentityElement().ScalarBaseMult(e.Scalar())
	m.PoK, _ = proof.ProveSchnorr(pokTranscript(s, dealer, m.Commitments, m.Ephemeral), group.G(), m.Commitments[0], poly.coeffs[0], f.rnd)
	for j := 1; j <= s.p.N; j++ {
		sj := poly.eval(j)
		if slices.Contains(cheat.wrongValue, j) {
			sj.Add(sj, group.ScalarFromUint64(1))
		}
		sealed, err := sealShare(s, dealer, j, e, m.Ephemeral, sj)
		if err != nil {
			t.Fatal(err)
		}
		if slices.Contains(cheat.garbled, j) {
			sealed[3] ^= 0x40
		}
		m.Shares = append(m.Shares, sealed)
	}
	b := f.sign1(m)
	// The cheater's own software sent these bytes (unless it already dealt:
	// then this is a second deal, which the ledger rejects).
	if g := f.guardians[dealer-1]; g.step == 0 {
		g.poly.zero()
		g.poly, g.sent1, g.step = nil, b, 1
	}
	return b
}

func encryptCounts(t testing.TB, key *ristretto255.Element, counts []uint64, rnd io.Reader) []*elgamal.Ciphertext {
	t.Helper()
	pk := elgamal.NewPublicKey(key)
	var cts []*elgamal.Ciphertext
	for _, m := range counts {
		r, err := elgamal.NewNonce(rnd)
		if err != nil {
			t.Fatal(err)
		}
		cts = append(cts, elgamal.Encrypt(pk, m, r))
	}
	return cts
}

func countsAsElements(counts []uint64) []*ristretto255.Element {
	var out []*ristretto255.Element
	for _, m := range counts {
		out = append(out, ristretto255.NewIdentityElement().ScalarBaseMult(group.ScalarFromUint64(m)))
	}
	return out
}

func equalElements(a, b []*ristretto255.Element) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Equal(b[i]) != 1 {
			return false
		}
	}
	return true
}

// quorums returns every k-subset of 1…n, ascending.
func quorums(n, k int) [][]int {
	var out [][]int
	var rec func(start int, cur []int)
	rec = func(start int, cur []int) {
		if len(cur) == k {
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

// partials returns every listed guardian's decryption share of cts.
func (f *fixture) partials(t testing.TB, cts []*elgamal.Ciphertext, ctx [32]byte, guardians []int) []*DecryptionShare {
	t.Helper()
	var out []*DecryptionShare
	for _, j := range guardians {
		ds, err := PartialDecrypt(f.shares[j], cts, ctx, f.rnd)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, ds)
	}
	return out
}
