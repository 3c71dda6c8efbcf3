package threshold

import (
	"crypto/hkdf"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"slices"
	"testing"

	"github.com/gtank/ristretto255"
	"golang.org/x/crypto/chacha20poly1305"

	"github.com/urna-vote/urna/crypto/elgamal"
	"github.com/urna-vote/urna/crypto/group"
	"github.com/urna-vote/urna/crypto/proof"
	"github.com/urna-vote/urna/internal/golden"
)

// The test vectors are generated from the published seed below by
//
//	go test ./crypto/threshold -run TestVectors -update
//
// Scenario X draws all its randomness, in program order, from
// seeded.Reader(vectorSeed + "/" + X). Without -update, TestVectors
// regenerates both files in memory and demands the stored files be
// identical, then replays every stored message through the public
// Ceremony (and every decryption share through VerifyDecryptionShare and
// Combine) and checks the stated outcome. Other implementations run the
// same files: SPEC.md §9 says how.
const vectorSeed = "urna dkg vectors v1"

const (
	dkgVectorsPath     = "testdata/dkg_vectors.json"
	decryptVectorsPath = "testdata/decrypt_vectors.json"
	regenerate         = "go test ./crypto/threshold -run TestVectors -update"
)

type dkgFile struct {
	Description string           `json:"description"`
	Spec        string           `json:"spec"`
	Seed        string           `json:"seed"`
	Generator   string           `json:"generator"`
	Ceremonies  []ceremonyVector `json:"ceremonies"`
}

// A ceremonyVector is one ceremony, organised by round. Messages are given
// in ledger order: all of round1, then all of round2, then late_round1. A
// message with an error is rejected with that failure class and changes
// nothing.
type ceremonyVector struct {
	Name               string          `json:"name"`
	Proves             string          `json:"proves"`
	N                  int             `json:"n"`
	T                  int             `json:"t"`
	Context            string          `json:"context"`
	LongTermSecretKeys []string        `json:"long_term_secret_keys"`
	LongTermPublicKeys []string        `json:"long_term_public_keys"`
	Session            string          `json:"session"`
	Round1             []messageVector `json:"round1"`
	Round2             []messageVector `json:"round2"`
	LateRound1         []messageVector `json:"late_round1,omitempty"`
	Round3             round3Vector    `json:"round3"`
	// ShareEncryption spells out SPEC.md §4.3 for one sealed share.
	ShareEncryption *shareIntermediate `json:"share_encryption,omitempty"`
}

type shareIntermediate struct {
	Dealer       int    `json:"dealer"`
	Recipient    int    `json:"recipient"`
	Ephemeral    string `json:"ephemeral_key"`
	RecipientKey string `json:"recipient_key"`
	SharedSecret string `json:"shared_secret"`
	Binding      string `json:"binding"`
	HKDFOutput   string `json:"hkdf_output"`
	Key          string `json:"aead_key"`
	Nonce        string `json:"aead_nonce"`
	Share        string `json:"share"`
	Sealed       string `json:"sealed"`
}

type messageVector struct {
	Name     string `json:"name"`
	Guardian int    `json:"guardian"`
	Message  string `json:"message"`
	Error    string `json:"error,omitempty"`
}

type round3Vector struct {
	Round1Digest    string             `json:"round1_digest"`
	Error           string             `json:"error,omitempty"`
	Key             string             `json:"key,omitempty"`
	Qualified       []int              `json:"qualified"`
	Disqualified    []disqualification `json:"disqualified"`
	FalseComplaints []falseComplaint   `json:"false_complaints"`
	Commitments     []string           `json:"joint_commitments,omitempty"`
	PublicShares    []string           `json:"public_shares,omitempty"`
	SecretShares    []string           `json:"secret_shares,omitempty"`
}

type disqualification struct {
	Guardian int    `json:"guardian"`
	Error    string `json:"error"`
}

type falseComplaint struct {
	By      int `json:"by"`
	Against int `json:"against"`
}

type decryptFile struct {
	Description  string              `json:"description"`
	Spec         string              `json:"spec"`
	Seed         string              `json:"seed"`
	Generator    string              `json:"generator"`
	Ceremony     string              `json:"ceremony"`
	N            int                 `json:"n"`
	T            int                 `json:"t"`
	Context      string              `json:"election_context"`
	PublicShares []string            `json:"public_shares"`
	Ciphertexts  []string            `json:"ciphertexts"`
	Plaintexts   []uint64            `json:"plaintexts"`
	Shares       []messageVector     `json:"shares"`
	Combinations []combinationVector `json:"combinations"`
}

// A combinationVector gives shares (indices into Shares) to Combine: the
// values M_k = m_k·G, the failure class, and the guardians named.
type combinationVector struct {
	Name   string   `json:"name"`
	Shares []int    `json:"shares"`
	Values []string `json:"values,omitempty"`
	Error  string   `json:"error,omitempty"`
	Named  []int    `json:"named,omitempty"`
}

func publicKeyBytes(keys []*LongTermKey) [][]byte {
	var out [][]byte
	for _, k := range keys {
		out = append(out, k.Public().Bytes())
	}
	return out
}

func hexOf(b []byte) string { return hex.EncodeToString(b) }

func hexElements(es []*ristretto255.Element) []string {
	var out []string
	for _, e := range es {
		out = append(out, hexOf(e.Bytes()))
	}
	return out
}

// A recorder submits messages to a fixture's Ceremony and writes them down.
type recorder struct {
	t testing.TB
	f *fixture
	v *ceremonyVector
}

func newRecorder(t testing.TB, name, proves string, p Params) *recorder {
	f := newFixture(t, p, vectorSeed+"/"+name)
	v := &ceremonyVector{Name: name, Proves: proves, N: p.N, T: p.T}
	ctx := f.setup.Context()
	v.Context = hexOf(ctx[:])
	ss := f.setup.Session()
	v.Session = hexOf(ss[:])
	for _, k := range f.keys {
		v.LongTermSecretKeys = append(v.LongTermSecretKeys, hexOf(k.y.Bytes()))
		v.LongTermPublicKeys = append(v.LongTermPublicKeys, hexOf(k.pub.Bytes()))
	}
	return &recorder{t: t, f: f, v: v}
}

func (r *recorder) submit(round int, name string, guardian int, b []byte) error {
	var err error
	if round == 1 {
		err = r.f.c.AddRound1(guardian, b)
	} else {
		err = r.f.c.AddRound2(guardian, b)
	}
	mv := messageVector{Name: name, Guardian: guardian, Message: hexOf(b), Error: class(err)}
	switch {
	case round == 1 && r.f.c.closed:
		r.v.LateRound1 = append(r.v.LateRound1, mv)
	case round == 1:
		r.v.Round1 = append(r.v.Round1, mv)
	default:
		r.v.Round2 = append(r.v.Round2, mv)
	}
	return err
}

// honest submits every guardian's honest message of round (1 or 2) in turn,
// calling before(i) first; skip lists guardians that send nothing.
func (r *recorder) honest(round int, before func(i int), skip ...int) {
	for _, g := range r.f.guardians {
		if before != nil {
			before(g.index)
		}
		if slices.Contains(skip, g.index) {
			continue
		}
		var b []byte
		if round == 1 {
			m, err := g.Round1()
			if err != nil {
				r.t.Fatal(err)
			}
			b = m.Encode()
		} else {
			if g.step == 0 {
				g.Round1() // it dealt late or not at all, but still judges
			}
			m, err := g.Round2(r.f.c.Round1Messages())
			if err != nil {
				r.t.Fatal(err)
			}
			b = m.Encode()
		}
		if err := r.submit(round, "valid", g.index, b); err != nil {
			r.t.Fatalf("%s: honest round %d of %d: %v", r.v.Name, round, g.index, err)
		}
	}
}

// done resolves the ceremony and writes round 3.
func (r *recorder) done() ceremonyVector {
	f := r.f
	d := f.c.Round1Digest()
	r.v.Round3.Round1Digest = hexOf(d[:])
	res, err := f.c.Result()
	r3 := &r.v.Round3
	r3.Error = class(err)
	r3.Qualified = res.Qualified
	r3.Disqualified = []disqualification{}
	for _, dq := range res.Disqualified {
		r3.Disqualified = append(r3.Disqualified, disqualification{dq.Guardian, class(dq.Reason)})
	}
	r3.FalseComplaints = []falseComplaint{}
	for _, fc := range res.FalseComplaints {
		r3.FalseComplaints = append(r3.FalseComplaints, falseComplaint{fc.By, fc.Against})
	}
	if err == nil {
		r3.Key = hexOf(res.Key.Bytes())
		r3.Commitments = hexElements(res.Commitments)
		r3.PublicShares = hexElements(res.PublicShares)
		for j := 1; j <= f.p.N; j++ {
			s, _, err := Recover(f.setup, j, f.keys[j-1], f.c.Round1Messages(), f.c.Round2Messages())
			if err != nil {
				r.t.Fatalf("%s: recover %d: %v", r.v.Name, j, err)
			}
			f.shares[j] = s
			r3.SecretShares = append(r3.SecretShares, hexOf(s.SecretForStorage()))
		}
	}
	f.result = res
	return *r.v
}

// generateVectors builds both vector files.
func generateVectors(t testing.TB) (dkgFile, decryptFile) {
	t.Helper()
	file := dkgFile{
		Description: "urna key ceremony (Pedersen DKG with Feldman commitments, proofs of knowledge, checkable complaints): ceremonies organised by round, each named for what it proves; a rejected message carries its failure class",
		Spec:        "crypto/threshold/SPEC.md",
		Seed:        vectorSeed,
		Generator:   regenerate,
	}
	honest := honestScenario(t)
	file.Ceremonies = append(file.Ceremonies,
		honest.done(),
		justifiedComplaintScenario(t),
		unjustifiedComplaintScenario(t),
		rogueKeyScenario(t),
		lateDealScenario(t),
		tooFewScenario(t),
		plainScenario(t, "honest-1-of-1", "the smallest ceremony: one guardian, no one to complain", Params{N: 1, T: 1}),
		plainScenario(t, "honest-2-of-3", "an honest 2-of-3 ceremony", Params{N: 3, T: 2}),
		plainScenario(t, "honest-7-of-14", "an honest 7-of-14 ceremony (the size of C2SP's largest COCKTAIL-DKG vector)", Params{N: 14, T: 7}),
	)
	return file, decryptionVectors(t, honest.f)
}

func plainScenario(t testing.TB, name, proves string, p Params) ceremonyVector {
	r := newRecorder(t, name, proves, p)
	r.honest(1, nil)
	r.honest(2, nil)
	return r.done()
}

// honestScenario is the 4-of-7 ceremony whose result the decryption vectors
// use. Every kind of invalid message is submitted along the way; each is
// rejected and changes nothing.
func honestScenario(t testing.TB) *recorder {
	r := newRecorder(t, "honest-4-of-7", "an honest 4-of-7 ceremony in which every kind of invalid message is rejected with its failure class and changes nothing", Default)
	f := r.f
	otherSetup, err := NewSetup(Default, testContext("another ceremony"), publicKeyBytes(f.keys))
	if err != nil {
		t.Fatal(err)
	}
	impostor, _ := GenerateLongTermKey(f.rnd)
	r.honest(1, func(i int) {
		if i != 2 {
			return
		}
		m, _ := f.guardians[1].Round1()
		good := m.Encode()
		mod := func(change func(m *Round1Message)) []byte {
			c, _ := DecodeRound1(Default, good)
			change(c)
			return f.sign1(c)
		}
		patch := func(off int, v []byte) []byte {
			out := slices.Clone(good)
			copy(out[off:], v)
			return out
		}
		ff := make([]byte, 32)
		for k := range ff {
			ff[k] = 0xff
		}
		r.submit(1, "malformed/truncated", 2, good[:len(good)-1])
		r.submit(1, "malformed/trailing-byte", 2, append(slices.Clone(good), 0))
		r.submit(1, "malformed/version-2", 2, patch(0, []byte{2}))
		r.submit(1, "malformed/non-canonical-commitment", 2, patch(4, ff))
		r.submit(1, "malformed/identity-commitment", 2, mod(func(m *Round1Message) { m.Commitments[1] = ristretto255.NewIdentityElement() }))
		r.submit(1, "malformed/identity-ephemeral-key", 2, patch(4+4*32+64, make([]byte, 32)))
		r.submit(1, "commitment-count/three-commitments", 2, mod(func(m *Round1Message) { m.Commitments = m.Commitments[:3] }))
		r.submit(1, "commitment-count/five-commitments", 2, mod(func(m *Round1Message) { m.Commitments = append(m.Commitments, group.G()) }))
		r.submit(1, "wrong-guardian/submitted-as-guardian-3", 3, good)
		r.submit(1, "signature/altered-sealed-share", 2, patch(len(good)-64-1, []byte{good[len(good)-64-1] ^ 1}))
		r.submit(1, "signature/forged-by-non-guardian", 2, func() []byte {
			c, _ := DecodeRound1(Default, good)
			c.Signature, _ = proof.ProveSchnorr(signatureTranscript(f.setup, 2, c.body()), group.G(), impostor.pub, impostor.y, f.rnd)
			return c.Encode()
		}())
		r.submit(1, "signature/replayed-from-another-ceremony", 2, func() []byte {
			oc := NewCeremony(otherSetup)
			g, _ := NewGuardian(otherSetup, 2, f.keys[1], f.rnd)
			m, _ := g.Round1()
			if err := oc.AddRound1(2, m.Encode()); err != nil {
				t.Fatal(err)
			}
			return m.Encode()
		}())
		r.submit(1, "proof-of-knowledge/rogue-key", 2, mod(func(m *Round1Message) { m.Commitments[0] = group.DeriveGenerator("rogue") }))
	})
	r.submit(1, "duplicate/second-deal", 4, f.cheatingDeal(t, 4, dealCheat{}))
	r.v.ShareEncryption = shareEncryptionExample(t, f, 1, 2)
	r.honest(2, func(j int) {
		if j != 1 {
			return
		}
		six, _ := f.guardians[0].Round2(f.c.Round1Messages()[:6])
		r.submit(2, "round1-digest/judged-six-of-seven-deals", 1, six.Encode())
		f.guardians[0].step, f.guardians[0].sent2 = 1, nil // it re-judges the ledger's round 1
		lie := withComplaint(f, &Round2Message{Guardian: 2, Round1Digest: f.c.Round1Digest()}, 4, group.DeriveGenerator("not the secret"))
		r.submit(2, "complaint/made-up-secret", 2, f.sign2(lie))
		self := withComplaint(f, &Round2Message{Guardian: 2, Round1Digest: f.c.Round1Digest()}, 4, nil)
		b := f.sign2(self)
		b[36] = 2
		r.submit(2, "malformed/complaint-against-itself", 2, b)
		r.submit(2, "malformed/truncated", 3, b[:len(b)-1])
		forged := &Round2Message{Guardian: 4, Round1Digest: f.c.Round1Digest()}
		forged.Signature, _ = proof.ProveSchnorr(signatureTranscript(f.setup, 4, forged.body()), group.G(), impostor.pub, impostor.y, f.rnd)
		r.submit(2, "signature/forged-empty-round2", 4, forged.Encode())
	})
	again := &Round2Message{Guardian: 5, Round1Digest: f.c.Round1Digest()}
	r.submit(2, "duplicate/second-round2", 5, f.sign2(again))
	return r
}

// shareEncryptionExample opens the share from dealer to recipient step by
// step, as SPEC.md §4.3 says.
func shareEncryptionExample(t testing.TB, f *fixture, dealer, recipient int) *shareIntermediate {
	d := f.c.round1[dealer-1]
	secret := diffieHellman(f.keys[recipient-1], d.Ephemeral)
	binding := shareBinding(f.setup, dealer, recipient, d.Ephemeral)
	okm, err := hkdf.Key(sha512.New, secret.Bytes(), []byte(hkdfSalt), string(binding[:]), 44)
	if err != nil {
		t.Fatal(err)
	}
	share, err := openShare(f.setup, dealer, recipient, d.Ephemeral, secret, d.Shares[recipient-1])
	if err != nil {
		t.Fatal(err)
	}
	return &shareIntermediate{
		Dealer: dealer, Recipient: recipient,
		Ephemeral:    hexOf(d.Ephemeral.Bytes()),
		RecipientKey: hexOf(f.keys[recipient-1].pub.Bytes()),
		SharedSecret: hexOf(secret.Bytes()),
		Binding:      hexOf(binding[:]),
		HKDFOutput:   hexOf(okm),
		Key:          hexOf(okm[:32]),
		Nonce:        hexOf(okm[32:]),
		Share:        hexOf(share.Bytes()),
		Sealed:       hexOf(d.Shares[recipient-1]),
	}
}

func justifiedComplaintScenario(t testing.TB) ceremonyVector {
	r := newRecorder(t, "justified-complaints-4-of-7", "dealer 3 sends guardian 5 a share off by one (it decrypts but does not match the commitments) and guardian 6 a share that does not decrypt; both complaints are justified and dealer 3 is disqualified", Default)
	r.honest(1, func(i int) {
		if i == 3 {
			r.submit(1, "valid/cheating-dealer", 3, r.f.cheatingDeal(t, 3, dealCheat{wrongValue: []int{5}, garbled: []int{6}}))
		}
	}, 3)
	r.honest(2, nil)
	return r.done()
}

func unjustifiedComplaintScenario(t testing.TB) ceremonyVector {
	r := newRecorder(t, "unjustified-complaint-4-of-7", "guardian 2 complains against dealer 4's valid share, revealing the true secret; the complaint is unjustified, dealer 4 stays and guardian 2 is named", Default)
	r.honest(1, nil)
	r.honest(2, func(j int) {
		if j == 2 {
			m := withComplaint(r.f, &Round2Message{Guardian: 2, Round1Digest: r.f.c.Round1Digest()}, 4, nil)
			r.submit(2, "valid/false-complaint", 2, r.f.sign2(m))
		}
	}, 2)
	return r.done()
}

func rogueKeyScenario(t testing.TB) ceremonyVector {
	r := newRecorder(t, "rogue-key-4-of-7", "guardian 7 deals last with C_{7,0} = Y − Σ_{i<7} C_{i,0}; its proof of knowledge fails, the deal is rejected and guardian 7 is disqualified", Default)
	r.honest(1, func(i int) {
		if i != 7 {
			return
		}
		m, _ := r.f.guardians[6].Round1()
		y := group.DeriveGenerator("the key guardian 7 wants")
		for _, d := range r.f.c.Round1Messages() {
			y.Subtract(y, d.Commitments[0])
		}
		m.Commitments[0] = y
		r.submit(1, "proof-of-knowledge/rogue-key", 7, r.f.sign1(m))
	}, 7)
	r.honest(2, nil)
	return r.done()
}

func lateDealScenario(t testing.TB) ceremonyVector {
	r := newRecorder(t, "late-deal-4-of-7", "guardian 7 deals only after round 2 began; round 1 is closed, its deal is rejected and it is disqualified", Default)
	r.honest(1, nil, 7)
	r.honest(2, nil)
	m, _ := r.f.guardians[6].Round1()
	r.submit(1, "round-closed/deal-after-round2", 7, m.Encode())
	return r.done()
}

func tooFewScenario(t testing.TB) ceremonyVector {
	r := newRecorder(t, "too-few-qualified-3-of-4", "only 2 of 4 guardians deal; with fewer than t = 3 qualified the ceremony fails", Params{N: 4, T: 3})
	r.honest(1, nil, 3, 4)
	r.honest(2, nil)
	return r.done()
}

// decryptionVectors partially decrypts a 5-option tally under the honest
// ceremony's key with every guardian, adds invalid shares of every kind,
// and combines quorums.
func decryptionVectors(t testing.TB, f *fixture) decryptFile {
	rnd := f.rnd
	ctx := testContext("urna election for the decryption vectors")
	counts := []uint64{0, 1, 42, 1000, 7}
	cts := encryptCounts(t, f.result.Key, counts, rnd)
	v := decryptFile{
		Description:  "urna threshold decryption: partial decryptions with DLEQ proofs under the public shares of ceremony honest-4-of-7 (dkg_vectors.json), invalid shares named with their failure class, and combinations by quorum",
		Spec:         "crypto/threshold/SPEC.md",
		Seed:         vectorSeed,
		Generator:    regenerate,
		Ceremony:     "honest-4-of-7",
		N:            f.p.N,
		T:            f.p.T,
		Context:      hexOf(ctx[:]),
		PublicShares: hexElements(f.result.PublicShares),
		Plaintexts:   counts,
	}
	for _, ct := range cts {
		v.Ciphertexts = append(v.Ciphertexts, hexOf(ct.Bytes()))
	}
	add := func(name string, ds *DecryptionShare, b []byte) int {
		if b == nil {
			b = ds.Encode()
		}
		var err error
		if d, derr := DecodeDecryptionShare(b); derr != nil {
			err = derr
		} else if d.Guardian < 1 || d.Guardian > f.p.N {
			err = blame(d.Guardian, ErrInvalidShare, "no such guardian")
		} else {
			err = VerifyDecryptionShare(d, f.result.PublicShares[d.Guardian-1], cts, ctx)
		}
		g := 0
		if ds != nil {
			g = ds.Guardian
		}
		v.Shares = append(v.Shares, messageVector{Name: name, Guardian: g, Message: hexOf(b), Error: class(err)})
		return len(v.Shares) - 1
	}
	for j := 1; j <= f.p.N; j++ {
		add("valid", f.partials(t, cts, ctx, []int{j})[0], nil)
	}
	wrongD := f.partials(t, cts, ctx, []int{3})[0]
	wrongD.D[1] = ristretto255.NewIdentityElement().Add(wrongD.D[1], group.G())
	altered := f.partials(t, cts, ctx, []int{3})[0]
	altered.Proofs[0].Z = ristretto255.NewScalar().Add(altered.Proofs[0].Z, group.ScalarFromUint64(1))
	otherCts := f.partials(t, encryptCounts(t, f.result.Key, counts, rnd), ctx, []int{3})[0]
	otherGuardian := f.partials(t, cts, ctx, []int{6})[0]
	otherGuardian.Guardian = 3
	otherCtx := f.partials(t, cts, testContext("another election"), []int{3})[0]
	bad := []int{
		add("invalid-decryption-share/wrong-partial-decryption", wrongD, nil),
		add("invalid-decryption-share/altered-proof-response", altered, nil),
		add("invalid-decryption-share/proofs-for-other-ciphertexts", otherCts, nil),
		add("invalid-decryption-share/guardian-6-share-as-guardian-3", otherGuardian, nil),
		add("invalid-decryption-share/bound-to-another-election", otherCtx, nil),
	}
	good := f.partials(t, cts, ctx, []int{5})[0].Encode()
	add("malformed/truncated", &DecryptionShare{Guardian: 5}, good[:len(good)-1])
	add("malformed/trailing-byte", &DecryptionShare{Guardian: 5}, append(slices.Clone(good), 0))
	idD := slices.Clone(good)
	copy(idD[7:], make([]byte, 32))
	add("malformed/identity-partial-decryption", &DecryptionShare{Guardian: 5}, idD)
	count := slices.Clone(good)
	count[6]++
	add("malformed/count-without-partial", &DecryptionShare{Guardian: 5}, count)

	combine := func(name string, idx ...int) {
		var shares []*DecryptionShare
		for _, i := range idx {
			ds, err := DecodeDecryptionShare(mustHexT(t, v.Shares[i].Message))
			if err != nil {
				t.Fatal(err)
			}
			shares = append(shares, ds)
		}
		got, err := Combine(f.p, f.result.PublicShares, cts, ctx, shares)
		cv := combinationVector{Name: name, Shares: idx, Error: class(err), Named: namedGuardians(err)}
		if got != nil {
			cv.Values = hexElements(got)
			if !equalElements(got, countsAsElements(counts)) {
				t.Fatalf("combination %s does not decrypt the tally", name)
			}
		}
		v.Combinations = append(v.Combinations, cv)
	}
	combine("quorum-1-2-3-4", 0, 1, 2, 3)
	combine("quorum-4-5-6-7", 3, 4, 5, 6)
	combine("quorum-2-3-5-7", 1, 2, 4, 6)
	combine("all-seven", 0, 1, 2, 3, 4, 5, 6)
	combine("quorum/three-shares", 0, 1, 2)
	combine("quorum/duplicate-does-not-count-twice", 0, 0, 1, 2)
	combine("invalid-decryption-share/skipped-and-named-quorum-remains", append(slices.Clone(bad), 0, 1, 3, 4)...)
	combine("quorum/invalid-shares-leave-three", append(slices.Clone(bad), 0, 1, 3)...)
	return v
}

func mustHexT(t testing.TB, s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestVectors(t *testing.T) {
	dkg, dec := generateVectors(t)
	golden.JSON(t, dkgVectorsPath, dkg)
	golden.JSON(t, decryptVectorsPath, dec)
	var storedDKG dkgFile
	var storedDec decryptFile
	golden.ReadJSON(t, dkgVectorsPath, &storedDKG)
	golden.ReadJSON(t, decryptVectorsPath, &storedDec)
	replayDKGVectors(t, &storedDKG)
	replayDecryptionVectors(t, &storedDec, &storedDKG)
}

// replayDKGVectors runs the stored messages through a Ceremony as another
// implementation would, using nothing but the file.
func replayDKGVectors(t *testing.T, file *dkgFile) {
	if len(file.Ceremonies) == 0 {
		t.Fatal("no ceremonies in the vector file")
	}
	for _, cv := range file.Ceremonies {
		t.Run(cv.Name, func(t *testing.T) {
			var ctx [32]byte
			copy(ctx[:], mustHexT(t, cv.Context))
			var pubs [][]byte
			for _, k := range cv.LongTermPublicKeys {
				pubs = append(pubs, mustHexT(t, k))
			}
			p := Params{N: cv.N, T: cv.T}
			setup, err := NewSetup(p, ctx, pubs)
			if err != nil {
				t.Fatal(err)
			}
			if ss := setup.Session(); hexOf(ss[:]) != cv.Session {
				t.Fatal("session hash")
			}
			c := NewCeremony(setup)
			for _, round := range []struct {
				n    int
				msgs []messageVector
			}{{1, cv.Round1}, {2, cv.Round2}, {1, cv.LateRound1}} {
				for _, m := range round.msgs {
					var err error
					if round.n == 1 {
						err = c.AddRound1(m.Guardian, mustHexT(t, m.Message))
					} else {
						err = c.AddRound2(m.Guardian, mustHexT(t, m.Message))
					}
					if class(err) != m.Error {
						t.Errorf("round %d, %s of guardian %d: got %q (%v), want %q", round.n, m.Name, m.Guardian, class(err), err, m.Error)
					}
					var ge *GuardianError
					if err != nil && (!errors.As(err, &ge) || ge.Guardian != m.Guardian) {
						t.Errorf("round %d, %s: the error does not name guardian %d: %v", round.n, m.Name, m.Guardian, err)
					}
				}
			}
			if x := cv.ShareEncryption; x != nil {
				checkShareEncryption(t, x)
			}
			r3 := cv.Round3
			if d := c.Round1Digest(); hexOf(d[:]) != r3.Round1Digest {
				t.Error("round-1 digest")
			}
			res, err := c.Result()
			if class(err) != r3.Error || !slices.Equal(res.Qualified, r3.Qualified) {
				t.Fatalf("result: %v, qualified %v; want %q, %v", err, res.Qualified, r3.Error, r3.Qualified)
			}
			var dq []disqualification
			for _, d := range res.Disqualified {
				dq = append(dq, disqualification{d.Guardian, class(d.Reason)})
			}
			var fc []falseComplaint
			for _, x := range res.FalseComplaints {
				fc = append(fc, falseComplaint{x.By, x.Against})
			}
			if !slices.Equal(dq, r3.Disqualified) || !slices.Equal(fc, r3.FalseComplaints) {
				t.Fatalf("disqualified %v, false complaints %v", dq, fc)
			}
			if err != nil {
				return
			}
			if hexOf(res.Key.Bytes()) != r3.Key || !slices.Equal(hexElements(res.Commitments), r3.Commitments) ||
				!slices.Equal(hexElements(res.PublicShares), r3.PublicShares) {
				t.Fatal("key, joint commitments or public shares")
			}
			for j, sk := range cv.LongTermSecretKeys {
				y, err := group.DecodeScalar(mustHexT(t, sk))
				if err != nil {
					t.Fatal(err)
				}
				key, _ := NewLongTermKey(group.NewSecret(y))
				s, _, err := Recover(setup, j+1, key, c.Round1Messages(), c.Round2Messages())
				if err != nil || hexOf(s.SecretForStorage()) != r3.SecretShares[j] {
					t.Fatalf("guardian %d's recovered share: %v", j+1, err)
				}
			}
		})
	}
}

// checkShareEncryption recomputes the example's steps with the primitives
// directly: HKDF-SHA-512 and ChaCha20-Poly1305 from the standard library
// and x/crypto, as another implementation would.
func checkShareEncryption(t *testing.T, x *shareIntermediate) {
	okm, err := hkdf.Key(sha512.New, mustHexT(t, x.SharedSecret), []byte("urna/v1/dkg/share-key"), string(mustHexT(t, x.Binding)), 44)
	if err != nil || hexOf(okm) != x.HKDFOutput || hexOf(okm[:32]) != x.Key || hexOf(okm[32:]) != x.Nonce {
		t.Fatalf("HKDF output %x", okm)
	}
	aead, err := chacha20poly1305.New(okm[:32])
	if err != nil {
		t.Fatal(err)
	}
	pt, err := aead.Open(nil, okm[32:], mustHexT(t, x.Sealed), mustHexT(t, x.Binding))
	if err != nil || hexOf(pt) != x.Share {
		t.Fatalf("the sealed share does not open to the share: %v", err)
	}
}

func replayDecryptionVectors(t *testing.T, v *decryptFile, dkg *dkgFile) {
	var ceremony *ceremonyVector
	for i := range dkg.Ceremonies {
		if dkg.Ceremonies[i].Name == v.Ceremony {
			ceremony = &dkg.Ceremonies[i]
		}
	}
	if ceremony == nil || !slices.Equal(ceremony.Round3.PublicShares, v.PublicShares) {
		t.Fatal("the decryption vectors' public shares are not those of their ceremony")
	}
	if len(v.Shares) == 0 || len(v.Combinations) == 0 {
		t.Fatal("no decryption vectors")
	}
	var ctx [32]byte
	copy(ctx[:], mustHexT(t, v.Context))
	var publics []*ristretto255.Element
	for _, x := range v.PublicShares {
		e, err := group.DecodeElement(mustHexT(t, x))
		if err != nil {
			t.Fatal(err)
		}
		publics = append(publics, e)
	}
	var cts []*elgamal.Ciphertext
	for _, c := range v.Ciphertexts {
		ct, err := elgamal.DecodeCiphertext(mustHexT(t, c))
		if err != nil {
			t.Fatal(err)
		}
		cts = append(cts, ct)
	}
	for _, sv := range v.Shares {
		ds, err := DecodeDecryptionShare(mustHexT(t, sv.Message))
		if err == nil {
			err = VerifyDecryptionShare(ds, publics[ds.Guardian-1], cts, ctx)
		}
		if class(err) != sv.Error {
			t.Errorf("share %s: got %v, want %q", sv.Name, err, sv.Error)
		}
	}
	p := Params{N: v.N, T: v.T}
	for _, cv := range v.Combinations {
		var shares []*DecryptionShare
		for _, i := range cv.Shares {
			ds, err := DecodeDecryptionShare(mustHexT(t, v.Shares[i].Message))
			if err != nil {
				t.Fatal(err)
			}
			shares = append(shares, ds)
		}
		got, err := Combine(p, publics, cts, ctx, shares)
		if class(err) != cv.Error || !slices.Equal(namedGuardians(err), cv.Named) || !slices.Equal(hexElements(got), cv.Values) {
			t.Errorf("combination %s: got %v %v", cv.Name, hexElements(got), err)
		}
		if got != nil && !equalElements(got, countsAsElements(v.Plaintexts)) {
			t.Errorf("combination %s does not give the plaintexts", cv.Name)
		}
	}
}
