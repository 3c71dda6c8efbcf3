package proof

import (
	"bytes"
	"errors"
	"github.com/urna-vote/urna/internal/golden"
	"io"
	"testing"

	"github.com/gtank/ristretto255"

	"github.com/urna-vote/urna/crypto/elgamal"
	"github.com/urna-vote/urna/crypto/group"
	"github.com/urna-vote/urna/crypto/transcript"
	"github.com/urna-vote/urna/internal/seeded"
)

const (
	vectorPath = "testdata/proof_vectors.json"
	// vectorSeed is the published seed every value of the vector file
	// derives from.
	vectorSeed = "urna proof vectors v1"
)

// vectorFile is testdata/proof_vectors.json. Byte strings are hex; every
// vector is named by desc for what it proves, and wantErr is its expected
// failure class: "" (the proof verifies), "malformed" (the proof does not
// decode: ErrMalformed) or "invalid" (it decodes, re-encodes to the same
// bytes, and does not verify: ErrInvalidProof). Every proof's transcript is
// transcript.New(domain) followed by the bytes field "context" holding the
// vector's context.
type vectorFile struct {
	Comment string          `json:"comment"`
	Seed    string          `json:"seed"`
	Domain  string          `json:"domain"`
	Range   []rangeVector   `json:"range"`
	Schnorr []schnorrVector `json:"schnorr"`
	DLEQ    []dleqVector    `json:"dleq"`
}

// rangeVector: a proof that ciphertext (A || B) encrypts a value of
// [lo, hi] under key. Positive vectors also give the value and the nonce.
type rangeVector struct {
	Desc       string   `json:"desc"`
	Context    hexBytes `json:"context"`
	Key        hexBytes `json:"key"`
	Lo         uint64   `json:"lo"`
	Hi         uint64   `json:"hi"`
	Ciphertext hexBytes `json:"ciphertext"`
	Proof      hexBytes `json:"proof"`
	Value      *uint64  `json:"value,omitempty"`
	Nonce      hexBytes `json:"nonce,omitempty"`
	WantErr    string   `json:"wantErr,omitempty"`
}

// schnorrVector: a proof of knowledge of the secret of publicKey with
// respect to base. Positive vectors also give the secret.
type schnorrVector struct {
	Desc      string   `json:"desc"`
	Context   hexBytes `json:"context"`
	Base      hexBytes `json:"base"`
	PublicKey hexBytes `json:"publicKey"`
	Proof     hexBytes `json:"proof"`
	Secret    hexBytes `json:"secret,omitempty"`
	WantErr   string   `json:"wantErr,omitempty"`
}

// dleqVector: a proof that x1 = x·g1 and x2 = x·g2 for one x. Positive
// vectors also give x.
type dleqVector struct {
	Desc    string   `json:"desc"`
	Context hexBytes `json:"context"`
	G1      hexBytes `json:"g1"`
	X1      hexBytes `json:"x1"`
	G2      hexBytes `json:"g2"`
	X2      hexBytes `json:"x2"`
	Proof   hexBytes `json:"proof"`
	Secret  hexBytes `json:"secret,omitempty"`
	WantErr string   `json:"wantErr,omitempty"`
}

// TestVectors regenerates the vector file from its seed, checks that the
// result is byte for byte the stored file (with -update: writes it), and
// checks every stored vector.
func TestVectors(t *testing.T) {
	golden.JSON(t, vectorPath, generateVectors(t))
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

func generateVectors(t *testing.T) *vectorFile {
	f := &vectorFile{
		Comment: "urna zero-knowledge proofs (package crypto/proof): range (disjunctive Chaum-Pedersen), Schnorr, DLEQ. " +
			"Byte strings are hex; elements and scalars are 32-byte ristretto255 encodings. " +
			"Each proof's transcript is transcript.New(domain) then Bytes(\"context\", context). " +
			"wantErr: \"\" verifies; \"malformed\" does not decode; \"invalid\" decodes, re-encodes identically and does not verify. " +
			"Every value derives from the stream seeded.Reader(seed + \"/\" + desc); regenerate with: go test ./crypto/proof -run TestVectors -update",
		Seed:   vectorSeed,
		Domain: testDomain,
	}
	f.Range = rangeVectors(t)
	f.Schnorr = schnorrVectors(t)
	f.DLEQ = dleqVectors(t)
	return f
}

func clone(b []byte) hexBytes { return append(hexBytes(nil), b...) }

func rangeVectors(t *testing.T) []rangeVector {
	_, pk := electionKey(t, vectorRand("election key"))
	_, otherPK := electionKey(t, vectorRand("another election key"))
	context := []byte("election e, credential key X, contest 0, option 2")
	tr := func() *transcript.Transcript { return testTranscript(context) }
	var out []rangeVector
	honest := func(desc string, lo, hi, m uint64) rangeVector {
		rand := vectorRand(desc)
		r := randomSecret(t, rand)
		ct := elgamal.Encrypt(pk, m, r)
		p, err := ProveRange(tr(), pk, ct, ct.Bytes(), lo, hi, m, r, rand)
		if err != nil {
			t.Fatal(err)
		}
		v := rangeVector{Desc: desc, Context: context, Key: pk.Bytes(), Lo: lo, Hi: hi,
			Ciphertext: ct.Bytes(), Proof: clone(p.Bytes()), Value: &m, Nonce: r.Bytes()}
		out = append(out, v)
		return v
	}
	zero := honest("encrypts 0, limits [0, 1]", 0, 1, 0)
	one := honest("encrypts 1, limits [0, 1]", 0, 1, 1)
	sum := honest("encrypts 2, limits [1, 3] (a contest's number of selections)", 1, 3, 2)
	honest("encrypts 3, limits [1, 3]", 1, 3, 3)
	honest("encrypts 1, limits [1, 1] (one branch, no encoded challenge)", 1, 1, 1)
	// from derives a negative vector from a positive one.
	from := func(v rangeVector, desc, wantErr string, change func(v *rangeVector, rand io.Reader)) {
		v.Desc, v.WantErr, v.Value, v.Nonce = desc, wantErr, nil, nil
		v.Proof, v.Ciphertext = clone(v.Proof), clone(v.Ciphertext)
		change(&v, vectorRand(desc))
		out = append(out, v)
	}
	forged := func(desc string, lo, hi uint64, forge func(rand io.Reader) (*rangeParts, *elgamal.Ciphertext)) {
		rp, ct := forge(vectorRand(desc))
		out = append(out, rangeVector{Desc: desc, Context: context, Key: pk.Bytes(), Lo: lo, Hi: hi,
			Ciphertext: ct.Bytes(), Proof: rp.encode(), WantErr: "invalid"})
	}

	forged("false statement: encrypts 2, every branch simulated with random challenges", 0, 1, func(rand io.Reader) (*rangeParts, *elgamal.Ciphertext) {
		ct := encryptScalar(pk, sInt(2), randomScalar(t, rand))
		return forgeSimulatedRange(t, rand, pk, ct, 0, 1), ct
	})
	forged("false statement: encrypts 4, every branch simulated, limits [1, 3]", 1, 3, func(rand io.Reader) (*rangeParts, *elgamal.Ciphertext) {
		ct := encryptScalar(pk, sInt(4), randomScalar(t, rand))
		return forgeSimulatedRange(t, rand, pk, ct, 1, 3), ct
	})
	forged("false statement: a proof of 1 re-targeted to an encryption of 2, responses adjusted", 0, 1, func(rand io.Reader) (*rangeParts, *elgamal.Ciphertext) {
		f := forgeRetargetedRange(t, rand, tr, pk, 0, 1, 1)
		return f.rp, f.ct
	})
	forged("false statement: a proof of 1 re-targeted to an encryption of 0 (limits [1, 3]), responses adjusted", 1, 3, func(rand io.Reader) (*rangeParts, *elgamal.Ciphertext) {
		f := forgeRetargetedRange(t, rand, tr, pk, 1, 3, -1)
		return f.rp, f.ct
	})
	forged("weak Fiat-Shamir forgery: ciphertext chosen after a challenge over the commitments only", 0, 1, func(rand io.Reader) (*rangeParts, *elgamal.Ciphertext) {
		return forgeWeakRange(t, rand, tr, pk, 0, 1)
	})
	forged("trapdoor generator: encrypts 5, proven to encrypt 1 with H = 5G as the message generator", 0, 1, func(rand io.Reader) (*rangeParts, *elgamal.Ciphertext) {
		H := baseMul(sInt(5))
		r := randomScalar(t, rand)
		ct := &elgamal.Ciphertext{A: baseMul(r), B: add(H, mul(r, pk.K))}
		return proveRangeWith(t, tr(), pk, ct, 0, 1, 1, r, H, rand), ct
	})

	from(one, "proof moved to another context", "invalid", func(v *rangeVector, _ io.Reader) {
		v.Context = []byte("election e, credential key X, contest 0, option 3")
	})
	from(one, "proof checked under another election key", "invalid", func(v *rangeVector, _ io.Reader) {
		v.Key = otherPK.Bytes()
	})
	from(one, "proof checked under limits [1, 2]", "invalid", func(v *rangeVector, _ io.Reader) { v.Lo, v.Hi = 1, 2 })
	from(zero, "proof moved to another encryption of the same value", "invalid", func(v *rangeVector, rand io.Reader) {
		v.Ciphertext = encryptScalar(pk, sInt(0), randomScalar(t, rand)).Bytes()
	})
	from(one, "proof moved to the ciphertext re-randomised, responses adjusted (z + c*delta)", "invalid", func(v *rangeVector, rand io.Reader) {
		ct, _ := elgamal.DecodeCiphertext(v.Ciphertext)
		p, _ := DecodeRange(v.Proof, 0, 1)
		rp := partsOf(p, tr(), pk, v.Ciphertext, 0, 1)
		delta := randomScalar(t, rand)
		for d := range rp.z {
			rp.z[d] = sAdd(rp.z[d], sMul(rp.c[d], delta))
		}
		v.Ciphertext = ct.Add(encryptScalar(pk, sInt(0), delta)).Bytes()
		v.Proof = rp.encode()
	})
	from(one, "challenge c[0] plus one", "invalid", func(v *rangeVector, _ io.Reader) {
		c, _ := group.DecodeScalar(v.Proof[192:224])
		v.Proof = replaced(v.Proof, 192, sAdd(c, sInt(1)).Bytes())
	})
	from(sum, "response z[1] plus one", "invalid", func(v *rangeVector, _ io.Reader) {
		z, _ := group.DecodeScalar(v.Proof[160:192])
		v.Proof = replaced(v.Proof, 160, sAdd(z, sInt(1)).Bytes())
	})
	from(one, "commitments of the two branches swapped", "invalid", func(v *rangeVector, _ io.Reader) {
		v.Proof = cat(v.Proof[96:192], v.Proof[0:96], v.Proof[192:])
	})

	malformed := func(desc string, v rangeVector, off int, enc []byte) {
		from(v, desc, "malformed", func(v *rangeVector, _ io.Reader) { v.Proof = replaced(v.Proof, off, enc) })
	}
	malformed("non-canonical commitment a[0] (RFC 9496: non-canonical field encoding)", one, 0, nonCanonicalElements[0].enc)
	malformed("non-canonical commitment a[0] (RFC 9496: p, the identity non-canonically)", one, 0, nonCanonicalElements[3].enc)
	malformed("non-canonical commitment b[0] (RFC 9496: negative field element)", one, 32, nonCanonicalElements[4].enc)
	malformed("non-canonical commitment a[1] (RFC 9496: non-square x^2)", one, 96, nonCanonicalElements[12].enc)
	malformed("non-canonical commitment b[1] (RFC 9496: negative xy)", one, 128, nonCanonicalElements[20].enc)
	malformed("non-canonical commitment b[2] (RFC 9496: s = -1)", sum, 224, nonCanonicalElements[28].enc)
	malformed("identity commitment a[1]", one, 96, identityEncoding)
	malformed("identity commitment b[0]", sum, 32, identityEncoding)
	malformed("scalar not reduced: response z[0] = l", one, 64, badScalars[0].enc)
	malformed("scalar not reduced: challenge c[0] = l+1", one, 192, badScalars[1].enc)
	malformed("scalar not reduced: response z[1] = 2^255-1", one, 160, badScalars[2].enc)
	malformed("scalar not reduced: challenge c[1] = 2^256-1", sum, 320, badScalars[3].enc)
	{
		z, _ := group.DecodeScalar(one.Proof[64:96])
		malformed("scalar not reduced: response z[0] + l, the same scalar (a malleable copy)", one, 64, scalarPlusOrder(z))
	}
	from(one, "truncated by one byte", "malformed", func(v *rangeVector, _ io.Reader) { v.Proof = v.Proof[:len(v.Proof)-1] })
	from(one, "one trailing byte", "malformed", func(v *rangeVector, _ io.Reader) { v.Proof = cat(v.Proof, []byte{0}) })
	from(one, "limits [0, 2] for a proof of two branches", "malformed", func(v *rangeVector, _ io.Reader) { v.Hi = 2 })
	from(one, "limits [1, 0]", "malformed", func(v *rangeVector, _ io.Reader) { v.Lo, v.Hi = 1, 0 })
	return out
}

func schnorrVectors(t *testing.T) []schnorrVector {
	G := group.G()
	var out []schnorrVector
	honest := func(desc string, context []byte) schnorrVector {
		rand := vectorRand(desc)
		x := randomSecret(t, rand)
		X := baseMul(x.Scalar())
		p, err := ProveSchnorr(testTranscript(context), G, X, x, rand)
		if err != nil {
			t.Fatal(err)
		}
		v := schnorrVector{Desc: desc, Context: context, Base: G.Bytes(), PublicKey: X.Bytes(), Proof: p.Bytes(), Secret: x.Bytes()}
		out = append(out, v)
		return v
	}
	sig := honest("signature on a ballot hash", []byte("ballot hash 0123456789abcdef"))
	honest("proof of knowledge of a guardian key", []byte("election e, guardian 3"))
	from := func(v schnorrVector, desc, wantErr string, change func(v *schnorrVector, rand io.Reader)) {
		v.Desc, v.WantErr, v.Secret = desc, wantErr, nil
		v.Proof = clone(v.Proof)
		change(&v, vectorRand(desc))
		out = append(out, v)
	}
	X, _ := group.DecodeElement(sig.PublicKey)
	from(sig, "signature moved to another message", "invalid", func(v *schnorrVector, _ io.Reader) {
		v.Context = []byte("ballot hash 0123456789abcdeg")
	})
	from(sig, "signature checked under another key", "invalid", func(v *schnorrVector, rand io.Reader) {
		v.PublicKey = baseMul(randomScalar(t, rand)).Bytes()
	})
	from(sig, "simulated: random challenge, R = z*G - c*X", "invalid", func(v *schnorrVector, rand io.Reader) {
		c, z := randomScalar(t, rand), randomScalar(t, rand)
		v.Proof = cat(sub(baseMul(z), mul(c, X)).Bytes(), z.Bytes())
	})
	from(sig, "related key X + G with response z + c", "invalid", func(v *schnorrVector, _ io.Reader) {
		p, _ := DecodeSchnorr(v.Proof)
		c := schnorrChallenge(testTranscript(v.Context), gEnc, v.PublicKey, p.rEnc)
		v.PublicKey = add(X, G).Bytes()
		v.Proof = cat(p.rEnc, sAdd(p.Z, c).Bytes())
	})
	from(sig, "weak Fiat-Shamir forgery: key chosen after a challenge over R only", "invalid", func(v *schnorrVector, rand io.Reader) {
		alpha, beta, z := randomScalar(t, rand), randomScalar(t, rand), randomScalar(t, rand)
		R := add(mul(alpha, X), baseMul(beta))
		ci := sInv(weakSchnorrChallenge(testTranscript(v.Context), R))
		v.PublicKey = sub(baseMul(sMul(sSub(z, beta), ci)), mul(sMul(alpha, ci), X)).Bytes()
		v.Proof = cat(R.Bytes(), z.Bytes())
	})
	from(sig, "trapdoor base: proven with base H = X/k, checked with base G", "invalid", func(v *schnorrVector, rand io.Reader) {
		k := randomScalar(t, rand)
		p, err := ProveSchnorr(testTranscript(v.Context), mul(sInv(k), X), X, group.NewSecret(k), rand)
		if err != nil {
			t.Fatal(err)
		}
		v.Proof = p.Bytes()
	})
	malformed := func(desc string, off int, enc []byte) {
		from(sig, desc, "malformed", func(v *schnorrVector, _ io.Reader) { v.Proof = replaced(v.Proof, off, enc) })
	}
	malformed("identity commitment R", 0, identityEncoding)
	malformed("non-canonical commitment R (RFC 9496: negative field element)", 0, nonCanonicalElements[5].enc)
	malformed("non-canonical commitment R (RFC 9496: non-square x^2)", 0, nonCanonicalElements[13].enc)
	malformed("scalar not reduced: response z = l", 32, badScalars[0].enc)
	{
		z, _ := group.DecodeScalar(sig.Proof[32:])
		malformed("scalar not reduced: response z + l, the same scalar (a malleable copy)", 32, scalarPlusOrder(z))
	}
	from(sig, "truncated by one byte", "malformed", func(v *schnorrVector, _ io.Reader) { v.Proof = v.Proof[:63] })
	from(sig, "one trailing byte", "malformed", func(v *schnorrVector, _ io.Reader) { v.Proof = cat(v.Proof, []byte{0}) })
	return out
}

func dleqVectors(t *testing.T) []dleqVector {
	G := group.G()
	var out []dleqVector
	honest := func(desc string, context []byte) dleqVector {
		rand := vectorRand(desc)
		x := randomSecret(t, rand)
		A := randomElement(t, rand)
		X1, X2 := baseMul(x.Scalar()), mul(x.Scalar(), A)
		p, err := ProveDLEQ(testTranscript(context), G, X1, A, X2, x, rand)
		if err != nil {
			t.Fatal(err)
		}
		v := dleqVector{Desc: desc, Context: context, G1: G.Bytes(), X1: X1.Bytes(), G2: A.Bytes(), X2: X2.Bytes(), Proof: p.Bytes(), Secret: x.Bytes()}
		out = append(out, v)
		return v
	}
	share := honest("decryption share of a tally ciphertext", []byte("election e, guardian 2, contest 0, option 1"))
	honest("decryption share of a spoiled ballot", []byte("election e, guardian 1, spoiled ballot"))
	from := func(v dleqVector, desc, wantErr string, change func(v *dleqVector, rand io.Reader)) {
		v.Desc, v.WantErr, v.Secret = desc, wantErr, nil
		v.Proof = clone(v.Proof)
		change(&v, vectorRand(desc))
		out = append(out, v)
	}
	G2, _ := group.DecodeElement(share.G2)
	X1, _ := group.DecodeElement(share.X1)
	from(share, "wrong share y*A, simulated proof", "invalid", func(v *dleqVector, rand io.Reader) {
		X2 := mul(randomScalar(t, rand), G2)
		c, z := randomScalar(t, rand), randomScalar(t, rand)
		v.X2 = X2.Bytes()
		v.Proof = cat(sub(baseMul(z), mul(c, X1)).Bytes(), sub(mul(z, G2), mul(c, X2)).Bytes(), z.Bytes())
	})
	from(share, "wrong share x*A + A, commitment A2 adjusted to the old challenge", "invalid", func(v *dleqVector, _ io.Reader) {
		p, _ := DecodeDLEQ(v.Proof)
		X2, _ := group.DecodeElement(v.X2)
		c := dleqChallenge(testTranscript(v.Context), G, X1, G2, X2, p.A1, p.A2)
		v.X2 = add(X2, G2).Bytes()
		v.Proof = cat(p.A1.Bytes(), sub(p.A2, mul(c, G2)).Bytes(), p.Z.Bytes())
	})
	from(share, "weak Fiat-Shamir forgery: X1, X2 chosen after a challenge over the commitments only", "invalid", func(v *dleqVector, rand io.Reader) {
		alpha, beta, z := randomScalar(t, rand), randomScalar(t, rand), randomScalar(t, rand)
		a1, a2 := baseMul(alpha), mul(beta, G2)
		ci := sInv(weakDLEQChallenge(testTranscript(v.Context), G, G2, a1, a2))
		v.X1 = baseMul(sMul(sSub(z, alpha), ci)).Bytes()
		v.X2 = mul(sMul(sSub(z, beta), ci), G2).Bytes()
		v.Proof = cat(a1.Bytes(), a2.Bytes(), z.Bytes())
	})
	from(share, "trapdoor generator: wrong share y*A proven with g1 = (x/y)*G, checked with G", "invalid", func(v *dleqVector, rand io.Reader) {
		// The guardian's secret is known here only to build the forgery.
		x := randomScalar(t, rand)
		y := randomScalar(t, rand)
		x1, x2 := baseMul(x), mul(y, G2)
		p, err := ProveDLEQ(testTranscript(v.Context), baseMul(sMul(x, sInv(y))), x1, G2, x2, group.NewSecret(y), rand)
		if err != nil {
			t.Fatal(err)
		}
		v.X1, v.X2, v.Proof = x1.Bytes(), x2.Bytes(), p.Bytes()
	})
	from(share, "pairs swapped: (g2, x2, g1, x1)", "invalid", func(v *dleqVector, _ io.Reader) {
		v.G1, v.X1, v.G2, v.X2 = v.G2, v.X2, v.G1, v.X1
	})
	from(share, "proof moved to another context", "invalid", func(v *dleqVector, _ io.Reader) {
		v.Context = []byte("election e, guardian 3, contest 0, option 1")
	})
	malformed := func(desc string, off int, enc []byte) {
		from(share, desc, "malformed", func(v *dleqVector, _ io.Reader) { v.Proof = replaced(v.Proof, off, enc) })
	}
	malformed("identity commitment A1", 0, identityEncoding)
	malformed("non-canonical commitment A2 (RFC 9496: non-canonical field encoding)", 32, nonCanonicalElements[1].enc)
	malformed("scalar not reduced: response z = l+1", 64, badScalars[1].enc)
	{
		z, _ := group.DecodeScalar(share.Proof[64:])
		malformed("scalar not reduced: response z + l, the same scalar (a malleable copy)", 64, scalarPlusOrder(z))
	}
	from(share, "truncated by one byte", "malformed", func(v *dleqVector, _ io.Reader) { v.Proof = v.Proof[:95] })
	return out
}

// encodeRange re-encodes a decoded proof from its fields, not from the
// bytes it keeps.
func encodeRange(p *Range) []byte {
	var out []byte
	for d := range p.a {
		out = append(out, p.a[d].Bytes()...)
		out = append(out, p.b[d].Bytes()...)
		out = append(out, p.z[d].Bytes()...)
	}
	for _, c := range p.c[:len(p.c)-1] {
		out = append(out, c.Bytes()...)
	}
	return out
}

func checkVectors(t *testing.T, f *vectorFile) {
	seen := map[string]bool{}
	unique := func(kind, desc string) {
		if seen[kind+desc] {
			t.Errorf("%s: desc %q used twice", kind, desc)
		}
		seen[kind+desc] = true
	}
	counts := map[string]int{}
	for _, v := range f.Range {
		unique("range", v.Desc)
		counts["range "+v.WantErr]++
		checkRangeVector(t, v)
	}
	for _, v := range f.Schnorr {
		unique("schnorr", v.Desc)
		counts["schnorr "+v.WantErr]++
		checkSchnorrVector(t, v)
	}
	for _, v := range f.DLEQ {
		unique("dleq", v.Desc)
		counts["dleq "+v.WantErr]++
		checkDLEQVector(t, v)
	}
	for _, kind := range []string{"range", "schnorr", "dleq"} {
		for _, class := range []string{"", "malformed", "invalid"} {
			if counts[kind+" "+class] == 0 {
				t.Errorf("no %s vector with wantErr %q", kind, class)
			}
		}
	}
}

func checkWantErr(t *testing.T, desc, wantErr string) bool {
	switch wantErr {
	case "", "malformed", "invalid":
		return true
	}
	t.Errorf("%s: unknown wantErr %q", desc, wantErr)
	return false
}

// checkVerifyResult checks Verify's error against wantErr ("" or
// "invalid").
func checkVerifyResult(t *testing.T, desc, wantErr string, err error) {
	t.Helper()
	switch {
	case wantErr == "" && err != nil:
		t.Errorf("%s: %v", desc, err)
	case wantErr == "invalid" && !errors.Is(err, ErrInvalidProof):
		t.Errorf("%s: got %v, want ErrInvalidProof", desc, err)
	}
}

func checkRangeVector(t *testing.T, v rangeVector) {
	if !checkWantErr(t, v.Desc, v.WantErr) {
		return
	}
	p, err := DecodeRange(v.Proof, v.Lo, v.Hi)
	if v.WantErr == "malformed" {
		if !errors.Is(err, ErrMalformed) {
			t.Errorf("range %q: got %v, want ErrMalformed", v.Desc, err)
		}
		return
	}
	if err != nil {
		t.Errorf("range %q: %v", v.Desc, err)
		return
	}
	if !bytes.Equal(encodeRange(p), v.Proof) {
		t.Errorf("range %q: does not re-encode to the same bytes", v.Desc)
	}
	pk, err := elgamal.DecodePublicKey(v.Key)
	if err != nil {
		t.Fatalf("range %q: key: %v", v.Desc, err)
	}
	ct, err := elgamal.DecodeCiphertext(v.Ciphertext)
	if err != nil {
		t.Fatalf("range %q: ciphertext: %v", v.Desc, err)
	}
	checkVerifyResult(t, "range "+v.Desc, v.WantErr, p.Verify(testTranscript(v.Context), pk, ct, v.Ciphertext, v.Lo, v.Hi))
	b := newTestBatch(t, pk)
	addRangeToBatch(t, b, p, testTranscript(v.Context), pk, ct, v.Lo, v.Hi)
	if b.Verify() != (v.WantErr == "") {
		t.Errorf("range %q: batch verification says %v", v.Desc, b.Verify())
	}
	if v.WantErr == "" {
		r, err := group.DecodeScalar(v.Nonce)
		if err != nil || v.Value == nil {
			t.Fatalf("range %q: positive vector without value and nonce", v.Desc)
		}
		if !elgamal.Encrypt(pk, *v.Value, group.NewSecret(r)).Equal(ct) {
			t.Errorf("range %q: ciphertext is not the encryption of %d with the nonce", v.Desc, *v.Value)
		}
	}
}

func checkSchnorrVector(t *testing.T, v schnorrVector) {
	if !checkWantErr(t, v.Desc, v.WantErr) {
		return
	}
	p, err := DecodeSchnorr(v.Proof)
	if v.WantErr == "malformed" {
		if !errors.Is(err, ErrMalformed) {
			t.Errorf("schnorr %q: got %v, want ErrMalformed", v.Desc, err)
		}
		return
	}
	if err != nil {
		t.Errorf("schnorr %q: %v", v.Desc, err)
		return
	}
	if !bytes.Equal(cat(p.R.Bytes(), p.Z.Bytes()), v.Proof) || !bytes.Equal(p.Bytes(), v.Proof) {
		t.Errorf("schnorr %q: does not re-encode to the same bytes", v.Desc)
	}
	base, err1 := group.DecodeElement(v.Base)
	X, err2 := group.DecodeElement(v.PublicKey)
	if err := errors.Join(err1, err2); err != nil {
		t.Fatalf("schnorr %q: %v", v.Desc, err)
	}
	checkVerifyResult(t, "schnorr "+v.Desc, v.WantErr, p.Verify(testTranscript(v.Context), base, X))
	if base.Equal(group.G()) == 1 {
		b := newTestBatch(t, elgamal.NewPublicKey(group.G()))
		p.AddToBatch(b, testTranscript(v.Context), X, v.PublicKey)
		if b.Verify() != (v.WantErr == "") {
			t.Errorf("schnorr %q: batch verification says %v", v.Desc, b.Verify())
		}
	}
	if v.WantErr == "" {
		x, err := group.DecodeScalar(v.Secret)
		if err != nil || mul(x, base).Equal(X) != 1 {
			t.Errorf("schnorr %q: the secret does not match the public key", v.Desc)
		}
	}
}

func checkDLEQVector(t *testing.T, v dleqVector) {
	if !checkWantErr(t, v.Desc, v.WantErr) {
		return
	}
	p, err := DecodeDLEQ(v.Proof)
	if v.WantErr == "malformed" {
		if !errors.Is(err, ErrMalformed) {
			t.Errorf("dleq %q: got %v, want ErrMalformed", v.Desc, err)
		}
		return
	}
	if err != nil {
		t.Errorf("dleq %q: %v", v.Desc, err)
		return
	}
	if !bytes.Equal(p.Bytes(), v.Proof) {
		t.Errorf("dleq %q: does not re-encode to the same bytes", v.Desc)
	}
	var es [4]*ristretto255.Element
	for i, b := range [][]byte{v.G1, v.X1, v.G2, v.X2} {
		if es[i], err = group.DecodeElement(b); err != nil {
			t.Fatalf("dleq %q: statement: %v", v.Desc, err)
		}
	}
	checkVerifyResult(t, "dleq "+v.Desc, v.WantErr, p.Verify(testTranscript(v.Context), es[0], es[1], es[2], es[3]))
	if v.WantErr == "" {
		x, err := group.DecodeScalar(v.Secret)
		if err != nil || mul(x, es[0]).Equal(es[1]) != 1 || mul(x, es[2]).Equal(es[3]) != 1 {
			t.Errorf("dleq %q: the secret does not match the statement", v.Desc)
		}
	}
}
