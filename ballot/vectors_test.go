package ballot

import (
	"bytes"
	"encoding/hex"
	"errors"
	"github.com/urna-vote/urna/internal/golden"
	"io"
	"strings"
	"testing"

	"github.com/gtank/ristretto255"

	"github.com/urna-vote/urna/crypto/elgamal"
	"github.com/urna-vote/urna/crypto/group"
	"github.com/urna-vote/urna/crypto/proof"
	"github.com/urna-vote/urna/internal/seeded"
)

const (
	vectorPath = "testdata/ballot_vectors.json"
	// vectorSeed is the published seed every value of the vector file
	// derives from.
	vectorSeed = "urna ballot vectors v1"
)

// hexBytes is a byte string written as lowercase hex in the vector file.
type hexBytes []byte

func (h hexBytes) MarshalText() ([]byte, error) { return []byte(hex.EncodeToString(h)), nil }

func (h *hexBytes) UnmarshalText(b []byte) error {
	v, err := hex.DecodeString(string(b))
	*h = v
	return err
}

// vectorFile is testdata/ballot_vectors.json: encoded ballots and what a
// verifier must say about them. Byte strings are hex. Every vector names
// its election (the context hash), the joint election key and the style of
// the district it claims. Positive vectors verify, hash to ballotHash, show
// trackingCode, decrypt under secretKey to choices, and open (Benaloh
// challenge) to choices with opening. Negative vectors name what they prove
// in desc and their failure class in wantErr: "malformed" (Decode fails:
// ErrMalformed) or "invalid" (Decode succeeds, the ballot re-encodes to the
// same bytes, and Verify and VerifyBatch fail: ErrInvalid).
type vectorFile struct {
	Comment  string           `json:"comment"`
	Seed     string           `json:"seed"`
	Positive []positiveVector `json:"positive"`
	Negative []negativeVector `json:"negative"`
}

type contestVector struct {
	Index   uint16 `json:"index"`
	Options int    `json:"options"`
	Min     int    `json:"min"`
	Max     int    `json:"max"`
}

type positiveVector struct {
	Desc             string          `json:"desc"`
	Election         hexBytes        `json:"election"`
	Key              hexBytes        `json:"key"`
	SecretKey        hexBytes        `json:"secretKey"` // the election's secret key: test vectors only
	Style            []contestVector `json:"style"`
	Choices          [][]int         `json:"choices"`
	Credential       hexBytes        `json:"credential"`
	CredentialSecret hexBytes        `json:"credentialSecret"`
	Seq              uint32          `json:"seq"`
	Ballot           hexBytes        `json:"ballot"`
	BallotHash       hexBytes        `json:"ballotHash"`
	TrackingCode     string          `json:"trackingCode"`
	Opening          hexBytes        `json:"opening"`
}

type negativeVector struct {
	Desc     string          `json:"desc"`
	Election hexBytes        `json:"election"`
	Key      hexBytes        `json:"key"`
	Style    []contestVector `json:"style"`
	Ballot   hexBytes        `json:"ballot"`
	WantErr  string          `json:"wantErr"`
}

func styleVector(s Style) []contestVector {
	out := make([]contestVector, len(s))
	for i, c := range s {
		out[i] = contestVector{c.Index, c.Options, c.Min, c.Max}
	}
	return out
}

func styleOf(v []contestVector) Style {
	out := make(Style, len(v))
	for i, c := range v {
		out[i] = Contest{c.Index, c.Options, c.Min, c.Max}
	}
	return out
}

func choicesVector(ch Choices) [][]int {
	out := make([][]int, len(ch))
	for i, row := range ch {
		for _, v := range row {
			out[i] = append(out[i], int(v))
		}
	}
	return out
}

func choicesOf(v [][]int) Choices {
	out := make(Choices, len(v))
	for i, row := range v {
		for _, x := range row {
			out[i] = append(out[i], uint8(x))
		}
	}
	return out
}

func contextOf(t testing.TB, election, key []byte) *Context {
	t.Helper()
	pk, err := elgamal.DecodePublicKey(key)
	if err != nil || len(election) != 32 {
		t.Fatalf("bad context in vector file: %v", err)
	}
	return &Context{Election: [32]byte(election), Key: pk}
}

// TestVectors regenerates the vector file from its seed, checks that the
// result is byte for byte the stored file (with -update: writes it), and
// checks every stored vector.
func TestVectors(t *testing.T) {
	stored := golden.JSON(t, vectorPath, generateVectors(t))
	if len(stored) >= 200<<10 {
		t.Errorf("%s has %d bytes; keep it under 200 KB", vectorPath, len(stored))
	}
	checkVectors(t, readVectors(t))
}

func readVectors(t testing.TB) *vectorFile {
	t.Helper()
	var f vectorFile
	golden.ReadJSON(t, vectorPath, &f)
	return &f
}

// vectorRand is the stream a vector's values derive from: the seed, a
// slash, and the vector's desc (so adding a vector changes no other).
func vectorRand(desc string) io.Reader { return seeded.Reader(vectorSeed + "/" + desc) }

// negStyle is the style of most negative vectors: a yes/no question,
// small enough to repeat in many vectors; twinQuestions's two questions are for
// the vectors that move proofs between contests.
var (
	negStyle      = Style{{Index: 0, Options: 2, Min: 1, Max: 1}}
	twinQuestions = Style{{Index: 0, Options: 2, Min: 1, Max: 1}, {Index: 1, Options: 2, Min: 1, Max: 1}}
)

func generateVectors(t *testing.T) *vectorFile {
	f := &vectorFile{
		Comment: "urna encrypted ballots (package ballot): the encoding is specified in ballot/encoding.go, the transcripts of " +
			"the proofs and the signature in ballot/encrypt.go, the proofs in crypto/proof. Byte strings are hex. " +
			"Positive vectors verify, hash to ballotHash, show trackingCode, decrypt under secretKey and open with opening to choices. " +
			"wantErr: \"malformed\" does not decode; \"invalid\" decodes, re-encodes identically and fails verification. " +
			"Every value derives from the stream seeded.Reader(seed + \"/\" + desc), the election from seed + \"/election\"; " +
			"regenerate with: go test ./ballot -run TestVectors -update",
		Seed: vectorSeed,
	}
	er := vectorRand("election")
	x, err := group.RandomSecret(er)
	if err != nil {
		t.Fatal(err)
	}
	ctx := &Context{Key: elgamal.NewPublicKey(group.G().ScalarBaseMult(x.Scalar()))}
	if _, err := io.ReadFull(er, ctx.Election[:]); err != nil {
		t.Fatal(err)
	}

	type made struct {
		b      *Ballot
		signer *group.Secret
	}
	// positive adds a positive vector; signer nil draws a new credential
	// key.
	positive := func(desc string, style Style, ch Choices, credential string, seq uint32, signer *group.Secret) made {
		rand := vectorRand(desc)
		if signer == nil {
			signer = newSigner(t, rand)
		}
		b, op, err := Encrypt(rand, ctx, style, []byte(credential), signer, seq, ch)
		if err != nil {
			t.Fatal(err)
		}
		h := b.Hash()
		f.Positive = append(f.Positive, positiveVector{
			Desc: desc, Election: ctx.Election[:], Key: ctx.Key.Bytes(), SecretKey: x.Bytes(),
			Style: styleVector(style), Choices: choicesVector(ch),
			Credential: []byte(credential), CredentialSecret: signer.Bytes(), Seq: seq,
			Ballot: b.Bytes(), BallotHash: h[:], TrackingCode: b.TrackingCode(), Opening: op.Encode(),
		})
		return made{b, signer}
	}
	positive("one of three, the second option", Style{{Index: 0, Options: 3, Min: 1, Max: 1}}, Choices{{0, 1, 0}}, "credential 1", 1, nil)
	positive("three contests: one of five, up to two of four, yes/no/abstain",
		Style{{Index: 0, Options: 5, Min: 1, Max: 1}, {Index: 1, Options: 4, Min: 0, Max: 2}, {Index: 2, Options: 3, Min: 1, Max: 1}},
		Choices{{0, 0, 1, 0, 0}, {1, 0, 0, 1}, {0, 1, 0}}, "credential 2", 1, nil)
	positive("up to two of four, none selected", Style{{Index: 0, Options: 4, Min: 0, Max: 2}}, Choices{{0, 0, 0, 0}}, "credential 3", 1, nil)
	positive("contest 7, up to two of four, two selected, a re-vote (sequence number 2)",
		Style{{Index: 7, Options: 4, Min: 0, Max: 2}}, Choices{{0, 1, 1, 0}}, "credential 3", 2, nil)
	positive("one of one", Style{{Index: 3, Options: 1, Min: 1, Max: 1}}, Choices{{1}}, "credential 4", 1, nil)
	base := positive("a yes/no question, yes (the ballot most negative vectors change)", negStyle, Choices{{1, 0}}, "credential 5", 1, nil)
	same := positive("a yes/no question, no: the same voter's second ballot (a re-vote)", negStyle, Choices{{0, 1}}, "credential 5", 2, base.signer).b
	twin := positive("two yes/no questions", twinQuestions, Choices{{1, 0}, {0, 1}}, "credential 6", 1, nil)

	data := base.b.Bytes()
	negIn := func(style Style, desc, wantErr string, b []byte) {
		f.Negative = append(f.Negative, negativeVector{Desc: desc, Election: ctx.Election[:], Key: ctx.Key.Bytes(),
			Style: styleVector(style), Ballot: b, WantErr: wantErr})
	}
	neg := func(desc, wantErr string, b []byte) { negIn(negStyle, desc, wantErr, b) }
	// changedFrom derives an invalid vector: change a copy of a positive
	// vector's ballot, then sign it with key (nil: the ballot's own signer).
	changedFrom := func(from made, style Style, desc string, key *group.Secret, change func(b *Ballot, rand io.Reader)) {
		rand := vectorRand(desc)
		b := copyOf(t, from.b)
		change(b, rand)
		if key == nil {
			key = from.signer
		}
		negIn(style, desc, "invalid", signedBytes(t, rand, b, key))
	}
	changed := func(desc string, key *group.Secret, change func(b *Ballot, rand io.Reader)) {
		changedFrom(base, negStyle, desc, key, change)
	}
	fields := fieldsOf(base.b)
	at := func(name string) int {
		for _, fl := range fields {
			if fl.name == name {
				return fl.off
			}
		}
		t.Fatalf("no field %q", name)
		return 0
	}
	u16 := func(v uint16) []byte { return []byte{byte(v >> 8), byte(v)} }
	credLen := 33
	credOff := credLen + 2
	keyOff := credOff + len(base.b.Credential)
	seqOff := keyOff + 32
	countOff := seqOff + 4
	contestOff := countOff + 1
	n := len(data)

	// Malformed.
	neg("empty input", "malformed", []byte{})
	neg("truncated by one byte", "malformed", data[:n-1])
	neg("truncated inside the first contest", "malformed", data[:contestOff+100])
	neg("trailing byte", "malformed", cat(data, []byte{0}))
	neg("version 2", "malformed", replaced(data, 0, []byte{2}))
	neg("credential length 0", "malformed", replaced(data, credLen, u16(0)))
	neg("credential length 1025", "malformed", replaced(data, credLen, u16(1025)))
	neg("sequence number 0", "malformed", replaced(data, seqOff, []byte{0, 0, 0, 0}))
	neg("no contests", "malformed", replaced(data, countOff, []byte{0}))
	neg("contest limits: max above the option count", "malformed", replaced(data, contestOff+6, u16(3)))
	neg("contest limits: min above max", "malformed", replaced(data, contestOff+4, u16(2)))
	neg("non-canonical credential key (RFC 9496: negative field element)", "malformed", replaced(data, keyOff, nonCanonical[2].enc))
	neg("identity credential key", "malformed", replaced(data, keyOff, identityEncoding))
	neg("non-canonical ciphertext A (RFC 9496: non-canonical field encoding)", "malformed",
		replaced(data, at("contest 0 option 0 ciphertext A"), nonCanonical[0].enc))
	neg("identity ciphertext A", "malformed", replaced(data, at("contest 0 option 1 ciphertext A"), identityEncoding))
	neg("non-canonical ciphertext B (RFC 9496: negative field element)", "malformed",
		replaced(data, at("contest 0 option 1 ciphertext B"), nonCanonical[2].enc))
	neg("non-canonical ciphertext B (the identity as p, not as 0)", "malformed",
		replaced(data, at("contest 0 option 0 ciphertext B"), nonCanonical[1].enc))
	neg("non-canonical commitment (RFC 9496: non-square x^2)", "malformed",
		replaced(data, at("contest 0 option 1 proof commitment a[1]"), nonCanonical[3].enc))
	neg("non-canonical commitment in a sum proof (RFC 9496: negative xy)", "malformed",
		replaced(data, at("contest 0 sum proof commitment b[0]"), nonCanonical[4].enc))
	neg("identity commitment", "malformed", replaced(data, at("contest 0 option 1 proof commitment b[0]"), identityEncoding))
	neg("scalar not reduced: response z = l", "malformed", replaced(data, at("contest 0 option 0 proof response z[0]"), badScalars[0].enc))
	neg("scalar not reduced: challenge c = l+1", "malformed", replaced(data, at("contest 0 option 1 proof challenge c[0]"), badScalars[1].enc))
	neg("scalar not reduced: sum proof response z = 2^255-1", "malformed", replaced(data, at("contest 0 sum proof response z[0]"), badScalars[2].enc))
	neg("scalar not reduced: challenge c = 2^256-1", "malformed", replaced(data, at("contest 0 option 0 proof challenge c[0]"), badScalars[3].enc))
	{
		off := at("contest 0 option 0 proof response z[1]")
		neg("scalar not reduced: response z + l, the same scalar (a malleable copy)", "malformed", replaced(data, off, plusOrder(data[off:off+32])))
	}
	neg("non-canonical signature commitment R (RFC 9496: s = -1)", "malformed", replaced(data, n-64, nonCanonical[5].enc))
	neg("identity signature commitment R", "malformed", replaced(data, n-64, identityEncoding))
	neg("signature response z + l, the same scalar (a malleable copy of a valid signature)", "malformed", replaced(data, n-32, plusOrder(data[n-32:])))

	// Invalid.
	changed("identity ciphertext B (decodes; its proofs fail)", nil, func(b *Ballot, _ io.Reader) {
		s := b.Contests[0].Selections[1]
		s.Ciphertext.B = ristretto255.NewIdentityElement()
		s.ctEnc = s.Ciphertext.Bytes()
	})
	{
		rand := vectorRand("wrong signature: by another key")
		sig, err := proof.ProveSchnorr(signatureTranscript(base.b.Hash()), group.G(), base.b.credKey, newSigner(t, rand), rand)
		if err != nil {
			t.Fatal(err)
		}
		neg("wrong signature: by another key", "invalid", cat(data[:n-64], sig.Bytes()))
		neg("wrong signature: the signature of another ballot of the same key", "invalid", cat(data[:n-64], same.Signature[:]))
	}
	changed("proof moved to another ciphertext (the same voter's other ballot)", nil, func(b *Ballot, _ io.Reader) {
		b.Contests[0].Selections[0].Proof = same.Contests[0].Selections[0].Proof
	})
	changed("proof moved to another option (options swapped with their proofs)", nil, func(b *Ballot, _ io.Reader) {
		s := b.Contests[0].Selections
		s[0], s[1] = s[1], s[0]
	})
	changedFrom(twin, twinQuestions, "proofs moved to another contest (contests swapped, indices kept)", nil, func(b *Ballot, _ io.Reader) {
		c0, c1 := b.Contests[0], b.Contests[1]
		c0.Selections, c1.Selections, c0.Sum, c1.Sum = c1.Selections, c0.Selections, c1.Sum, c0.Sum
	})
	attacker := newSigner(t, vectorRand("the attacker's credential key"))
	replay := func(b *Ballot) { b.Credential = []byte("the attacker's credential") }
	changed("Cortier-Smyth replay: copied under another credential key", attacker, func(b *Ballot, _ io.Reader) { replay(b) })
	changed("Cortier-Smyth replay: copied under another credential key, re-randomised", attacker, func(b *Ballot, rand io.Reader) {
		replay(b)
		for _, c := range b.Contests {
			for _, s := range c.Selections {
				setCiphertext(s, s.Ciphertext.Add(encryptInt(ctx.Key, 0, randomScalar(t, rand))))
			}
		}
	})
	changed("Cortier-Smyth replay: copied under another credential key, re-randomised, responses adjusted", attacker, func(b *Ballot, rand io.Reader) {
		replay(b)
		for i, c := range b.Contests {
			tr := proofTranscript(ctx, base.b.CredentialKey[:], c.Index)
			oldSum := c.SumCiphertext()
			sumDelta := ristretto255.NewScalar()
			for o, s := range c.Selections {
				delta := randomScalar(t, rand)
				sumDelta.Add(sumDelta, delta)
				enc := s.Proof.Bytes()
				cs := rangeChallenges(t, enc, 0, 1, rangeChallengeSpec(optionTranscript(tr, o), ctx.Key, s.ctEnc, 0, 1, enc))
				setCiphertext(s, s.Ciphertext.Add(encryptInt(ctx.Key, 0, delta)))
				s.Proof = mustDecodeRange(t, adjustResponses(t, enc, cs, delta), 0, 1)
			}
			lo, hi := uint64(c.Min), uint64(c.Max)
			enc := c.Sum.Bytes()
			cs := rangeChallenges(t, enc, lo, hi, rangeChallengeSpec(sumTranscript(tr), ctx.Key, oldSum.Bytes(), lo, hi, enc))
			b.Contests[i].Sum = mustDecodeRange(t, adjustResponses(t, enc, cs, sumDelta), lo, hi)
		}
	})
	changed("Cortier-Smyth replay: copied under another credential key, options permuted", attacker, func(b *Ballot, _ io.Reader) {
		replay(b)
		s := b.Contests[0].Selections
		s[0], s[1] = s[1], s[0]
	})
	otherCtx := &Context{Key: ctx.Key}
	copy(otherCtx.Election[:], "another election's context hash!")
	{
		desc := "proofs moved to another election (made for another election, relabelled, re-signed)"
		rand := vectorRand(desc)
		b, _, err := Encrypt(rand, otherCtx, negStyle, []byte("credential 5"), base.signer, 3, Choices{{0, 1}})
		if err != nil {
			t.Fatal(err)
		}
		b.Election = ctx.Election
		neg(desc, "invalid", signedBytes(t, rand, b, base.signer))
	}
	{
		desc := "ballot of another election (replayed into this one)"
		rand := vectorRand(desc)
		b, _, err := Encrypt(rand, otherCtx, negStyle, []byte("credential 5"), base.signer, 3, Choices{{0, 1}})
		if err != nil {
			t.Fatal(err)
		}
		neg(desc, "invalid", b.Bytes())
	}
	{
		desc := "encrypted under another key, whose secret the attacker knows"
		rand := vectorRand(desc)
		trapdoor := &Context{Election: ctx.Election, Key: elgamal.NewPublicKey(group.G().ScalarBaseMult(randomScalar(t, rand)))}
		b, _, err := Encrypt(rand, trapdoor, negStyle, []byte("credential 7"), newSigner(t, rand), 1, Choices{{1, 0}})
		if err != nil {
			t.Fatal(err)
		}
		neg(desc, "invalid", b.Bytes())
	}
	forged := func(desc string, rows ...forgedRow) {
		rand := vectorRand(desc)
		neg(desc, "invalid", forgeBallot(t, rand, ctx, newSigner(t, rand), []byte("credential 8"), rows...).Bytes())
	}
	forged("sum proof under changed limits: two selections proven in [0, 2]", forgedRow{0, []int64{1, 1}, 0, 2})
	forged("two selections, simulated sum proof", forgedRow{0, []int64{1, 1}, 1, 1})
	forged("no selection, simulated sum proof", forgedRow{0, []int64{0, 0}, 1, 1})
	forged("2 for one option and -1 for the other (sum 1, honest sum proof), simulated option proofs", forgedRow{0, []int64{2, -1}, 1, 1})
	{
		desc := "trapdoor generator: option encrypts 3, proven to encrypt 1 with H = 3G as the message generator"
		rand := vectorRand(desc)
		signer := newSigner(t, rand)
		b := forgeBallot(t, rand, ctx, signer, []byte("credential 9"), forgedRow{0, []int64{1, 0}, 1, 1})
		H := group.G().ScalarBaseMult(group.ScalarFromUint64(3))
		r := randomScalar(t, rand)
		ct := &elgamal.Ciphertext{
			A: ristretto255.NewIdentityElement().ScalarBaseMult(r),
			B: ristretto255.NewIdentityElement().Add(H, ristretto255.NewIdentityElement().ScalarMult(r, ctx.Key.K)),
		}
		enc := proveRangeWith(t, rand, optionTranscript(proofTranscript(ctx, b.CredentialKey[:], 0), 0), ctx.Key, ct, 0, 1, 1, r, H)
		s := b.Contests[0].Selections[0]
		setCiphertext(s, ct)
		s.Proof = mustDecodeRange(t, enc, 0, 1)
		neg(desc, "invalid", signedBytes(t, rand, b, signer))
	}
	changedFrom(twin, twinQuestions, "a contest missing", nil, func(b *Ballot, _ io.Reader) { b.Contests = b.Contests[:1] })
	changed("a contest of another shape (three options)", nil, func(b *Ballot, rand io.Reader) {
		b.Contests[0] = forgeContest(t, rand, ctx, b.CredentialKey[:], 0, []int64{0, 1, 0}, 1, 1)
	})
	return f
}

// invalidBecause is, for each invalid vector, what Verify's error says in
// this implementation: the vector fails for the reason its desc gives.
var invalidBecause = map[string]string{
	"identity ciphertext B (decodes; its proofs fail)":                                                "contest 0 option 1: proof",
	"wrong signature: by another key":                                                                 "signature",
	"wrong signature: the signature of another ballot of the same key":                                "signature",
	"proof moved to another ciphertext (the same voter's other ballot)":                               "contest 0 option 0: proof",
	"proof moved to another option (options swapped with their proofs)":                               "contest 0 option 0: proof",
	"proofs moved to another contest (contests swapped, indices kept)":                                "contest 0 option 0: proof",
	"Cortier-Smyth replay: copied under another credential key":                                       "contest 0 option 0: proof",
	"Cortier-Smyth replay: copied under another credential key, re-randomised":                        "contest 0 option 0: proof",
	"Cortier-Smyth replay: copied under another credential key, re-randomised, responses adjusted":    "contest 0 option 0: proof",
	"Cortier-Smyth replay: copied under another credential key, options permuted":                     "contest 0 option 0: proof",
	"proofs moved to another election (made for another election, relabelled, re-signed)":             "contest 0 option 0: proof",
	"ballot of another election (replayed into this one)":                                             "another election",
	"encrypted under another key, whose secret the attacker knows":                                    "contest 0 option 0: proof",
	"sum proof under changed limits: two selections proven in [0, 2]":                                 "does not match the district's ballot",
	"two selections, simulated sum proof":                                                             "contest 0 selection count: proof",
	"no selection, simulated sum proof":                                                               "contest 0 selection count: proof",
	"2 for one option and -1 for the other (sum 1, honest sum proof), simulated option proofs":        "contest 0 option 0: proof",
	"trapdoor generator: option encrypts 3, proven to encrypt 1 with H = 3G as the message generator": "contest 0 option 0: proof",
	"a contest missing":                          "1 contests, the district's ballot has 2",
	"a contest of another shape (three options)": "does not match the district's ballot",
}

func checkVectors(t *testing.T, f *vectorFile) {
	if len(f.Positive) == 0 || len(f.Negative) == 0 {
		t.Fatal("no vectors")
	}
	seen := map[string]bool{}
	var items []Item
	var want []bool // whether items[i] is valid
	var ctx *Context
	for _, v := range f.Positive {
		if seen[v.Desc] {
			t.Errorf("desc %q used twice", v.Desc)
		}
		seen[v.Desc] = true
		if b := checkPositive(t, v); b != nil {
			ctx = contextOf(t, v.Election, v.Key)
			items, want = append(items, Item{b, styleOf(v.Style)}), append(want, true)
		}
	}
	classes := map[string]int{}
	for _, v := range f.Negative {
		if seen[v.Desc] {
			t.Errorf("desc %q used twice", v.Desc)
		}
		seen[v.Desc] = true
		classes[v.WantErr]++
		if b := checkNegative(t, v); b != nil && bytes.Equal(v.Election, ctx.Election[:]) && bytes.Equal(v.Key, ctx.Key.Bytes()) {
			items, want = append(items, Item{b, styleOf(v.Style)}), append(want, false)
		}
	}
	if classes["malformed"] == 0 || classes["invalid"] == 0 {
		t.Errorf("negative vectors per class: %v", classes)
	}
	// All the vectors of the election in one batch: the invalid ones, and
	// only they, are named.
	errs, err := VerifyBatch(batchRand(), ctx, items)
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range errs {
		if want[i] != (e == nil) {
			t.Errorf("batch of all vectors: item %d: %v", i, e)
		}
	}
}

// checkPositive checks a positive vector and returns its ballot.
func checkPositive(t *testing.T, v positiveVector) *Ballot {
	ctx := contextOf(t, v.Election, v.Key)
	style := styleOf(v.Style)
	b, err := Decode(v.Ballot)
	if err != nil {
		t.Errorf("%q: %v", v.Desc, err)
		return nil
	}
	if !bytes.Equal(append(b.encodeBody(), b.Signature[:]...), v.Ballot) {
		t.Errorf("%q: does not re-encode to the same bytes", v.Desc)
	}
	if h := b.Hash(); !bytes.Equal(h[:], v.BallotHash) {
		t.Errorf("%q: hash %x, want %x", v.Desc, h, v.BallotHash)
	}
	if got := b.TrackingCode(); got != v.TrackingCode {
		t.Errorf("%q: tracking code %s, want %s", v.Desc, got, v.TrackingCode)
	}
	if err := b.Verify(ctx, style); err != nil {
		t.Errorf("%q: %v", v.Desc, err)
	}
	if !bytes.Equal(b.Credential, v.Credential) || b.Seq != v.Seq {
		t.Errorf("%q: credential or sequence number differ", v.Desc)
	}
	if cs, err := group.DecodeScalar(v.CredentialSecret); err != nil ||
		!bytes.Equal(group.G().ScalarBaseMult(cs).Bytes(), b.CredentialKey[:]) {
		t.Errorf("%q: the credential secret is not the credential key's", v.Desc)
	}
	choices := choicesOf(v.Choices)
	if err := CheckChoices(style, choices); err != nil {
		t.Errorf("%q: %v", v.Desc, err)
	}
	x, err := group.DecodeScalar(v.SecretKey)
	if err != nil || !bytes.Equal(group.G().ScalarBaseMult(x).Bytes(), v.Key) {
		t.Fatalf("%q: the secret key is not the key's", v.Desc)
	}
	for i, c := range b.Contests {
		for o, s := range c.Selections {
			m := elgamal.DecryptToElement(s.Ciphertext, group.NewSecret(x))
			if m.Equal(group.G().ScalarBaseMult(group.ScalarFromUint64(uint64(choices[i][o])))) != 1 {
				t.Errorf("%q: contest %d option %d does not decrypt to %d", v.Desc, i, o, choices[i][o])
			}
		}
	}
	op, err := DecodeOpening(v.Opening)
	if err != nil {
		t.Errorf("%q: opening: %v", v.Desc, err)
		return b
	}
	if !bytes.Equal(op.Encode(), v.Opening) {
		t.Errorf("%q: opening does not re-encode to the same bytes", v.Desc)
	}
	opened, err := VerifyOpening(ctx, b, op)
	if err != nil {
		t.Errorf("%q: opening: %v", v.Desc, err)
		return b
	}
	for i := range choices {
		if !bytes.Equal(opened[i], choices[i]) {
			t.Errorf("%q: contest %d opens to %v, want %v", v.Desc, i, opened[i], choices[i])
		}
	}
	return b
}

// checkNegative checks a negative vector and returns its ballot if it
// decodes.
func checkNegative(t *testing.T, v negativeVector) *Ballot {
	ctx := contextOf(t, v.Election, v.Key)
	style := styleOf(v.Style)
	b, err := Decode(v.Ballot)
	switch v.WantErr {
	case "malformed":
		if !errors.Is(err, ErrMalformed) {
			t.Errorf("%q: got %v, want ErrMalformed", v.Desc, err)
		}
		return nil
	case "invalid":
		if err != nil {
			t.Errorf("%q: %v", v.Desc, err)
			return nil
		}
	default:
		t.Errorf("%q: unknown wantErr %q", v.Desc, v.WantErr)
		return nil
	}
	if !bytes.Equal(append(b.encodeBody(), b.Signature[:]...), v.Ballot) {
		t.Errorf("%q: does not re-encode to the same bytes", v.Desc)
	}
	if err := b.Verify(ctx, style); !errors.Is(err, ErrInvalid) {
		t.Errorf("%q: Verify: got %v, want ErrInvalid", v.Desc, err)
	} else if why, ok := invalidBecause[v.Desc]; !ok {
		t.Errorf("%q: no entry in invalidBecause", v.Desc)
	} else if !strings.Contains(err.Error(), why) {
		t.Errorf("%q: Verify: %q, want it to say %q", v.Desc, err, why)
	}
	errs, err := VerifyBatch(batchRand(), ctx, []Item{{b, style}})
	if err != nil || !errors.Is(errs[0], ErrInvalid) {
		t.Errorf("%q: VerifyBatch: got %v %v, want ErrInvalid", v.Desc, err, errs)
	}
	return b
}
