package credential

import (
	"bytes"
	"crypto"
	crand "crypto/rand"
	"crypto/rsa"
	"crypto/sha512"
	"crypto/x509"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"github.com/gtank/ristretto255"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"testing"

	"filippo.io/edwards25519"
	"github.com/cloudflare/circl/blindsign/blindrsa"

	"github.com/urna-vote/urna/internal/seeded"
)

var update = flag.Bool("update", false, "regenerate "+vectorPath+" from its seed (keeping its issuer keys)")

// vectorSeed is the published seed every value of the vector file except
// the issuer keys derives from.
const vectorSeed = "urna credential vectors v1"

// The test issuers: one key per district, as in an election.
var testIssuerSpecs = []struct {
	district string
	bits     int
}{
	{"district-a", 2048},
	{"district-b", 2048},
	{"district-c", 3072},
}

// TestVectors regenerates the vector file from its seed and the issuer
// keys stored in it, checks that the result is byte for byte the stored
// file (with -update: writes it), and checks every vector.
func TestVectors(t *testing.T) {
	var issuers []issuerVector
	stored, err := os.ReadFile(vectorPath)
	switch {
	case err == nil:
		issuers = readVectors(t).Issuers
	case *update && os.IsNotExist(err):
		issuers = newTestIssuers(t)
	default:
		t.Fatalf("%v (generate with: go test ./crypto/credential -run TestVectors -update)", err)
	}
	f, reqs, err := generateVectors(issuers)
	if err != nil {
		t.Fatal(err)
	}
	out, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	out = append(out, '\n')
	if *update {
		if err := os.MkdirAll(filepath.Dir(vectorPath), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(vectorPath, out, 0o644); err != nil {
			t.Fatal(err)
		}
	} else if !bytes.Equal(out, stored) {
		t.Fatalf("%s is not what seed %q produces; regenerate with -update and review the diff", vectorPath, vectorSeed)
	}
	checkVectors(t, readVectors(t), reqs)
}

// newTestIssuers generates the test issuer keys, once: since Go 1.26
// rsa.GenerateKey ignores the reader it is given, so the keys cannot come
// from the seed and are stored in the vector file instead.
func newTestIssuers(t *testing.T) []issuerVector {
	var out []issuerVector
	for _, s := range testIssuerSpecs {
		sk, err := rsa.GenerateKey(crand.Reader, s.bits)
		if err != nil {
			t.Fatal(err)
		}
		der, err := x509.MarshalPKCS8PrivateKey(sk)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, issuerVector{District: s.district, Bits: s.bits, PrivateKey: der})
	}
	return out
}

// generateVectors derives every vector from the seed and the issuer keys.
// It also returns the Request of each issuance vector, for the finalize
// vectors.
func generateVectors(issuers []issuerVector) (*vectorFile, []*Request, error) {
	rd := seeded.Reader(vectorSeed)
	read := func(n int) []byte {
		b := make([]byte, n)
		io.ReadFull(rd, b)
		return b
	}
	f := &vectorFile{
		Comment: "urna anonymous ballot credentials (crypto/credential/SPEC.md). Byte strings are hex. " +
			"Every value but the issuer keys derives from the seed; regenerate with: go test ./crypto/credential -run TestVectors -update",
		Seed:    vectorSeed,
		Variant: variant.String(),
	}
	keys := map[string]*Issuer{}
	for _, iv := range issuers {
		is, err := parseTestIssuer(iv.PrivateKey)
		if err != nil {
			return nil, nil, fmt.Errorf("issuer %s: %w", iv.District, err)
		}
		keys[iv.District] = is
		iv.Bits = is.sk.N.BitLen()
		iv.PublicKey = MarshalPublicKey(is.PublicKey())
		f.Issuers = append(f.Issuers, iv)
	}
	for _, s := range testIssuerSpecs {
		if keys[s.district] == nil {
			return nil, nil, fmt.Errorf("no issuer key for %s", s.district)
		}
	}
	electionX, electionY := [32]byte(read(32)), [32]byte(read(32))

	// Issuance: the whole protocol, with RFC 9474's intermediate values.
	var reqs []*Request
	var creds []*Credential
	issue := func(desc, issuer, district string) error {
		is := keys[issuer]
		req, err := NewRequest(rd, is.PublicKey(), electionX, district)
		if err != nil {
			return err
		}
		blindSig, err := is.BlindSign(req.Blinded())
		if err != nil {
			return err
		}
		c, err := req.Finalize(blindSig)
		if err != nil {
			return err
		}
		key, _ := req.Key()
		n, k := is.sk.N, is.sk.Size()
		emBits := n.BitLen() - 1
		em := rsaPublic(n, is.sk.E, c.sig, (emBits+7)/8)
		// r^e = blinded / encoded message, so r = (blinded · em⁻¹)^d.
		emInv := new(big.Int).ModInverse(new(big.Int).SetBytes(em), n)
		re := mulMod(n, req.blinded, emInv.Bytes(), k)
		r := new(big.Int).Exp(new(big.Int).SetBytes(re), is.sk.D, n)
		inv := new(big.Int).ModInverse(r, n)
		digest := message(electionX, district, c.key[:])
		f.Issuance = append(f.Issuance, issuanceVector{
			Desc: desc, Issuer: issuer, Election: electionX[:], District: district,
			KeySeed: key.SecretBytes(), PublicKey: c.key[:], Message: digest[:],
			Prefix: c.prefix[:], PreparedMessage: prepared(c.prefix, digest),
			Salt: pssSalt(em, emBits), EncodedMessage: em, Inv: inv.FillBytes(make([]byte, k)),
			BlindedMessage: req.Blinded(), BlindSignature: blindSig, Signature: c.sig,
			Credential: c.Encode(),
		})
		reqs = append(reqs, req)
		creds = append(creds, c)
		return nil
	}
	for _, x := range []struct{ desc, issuer, district string }{
		{"a voter of district-a, 2048-bit issuer key", "district-a", "district-a"},
		{"a voter of district-b", "district-b", "district-b"},
		{"a voter of district-c, 3072-bit issuer key", "district-c", "district-c"},
		{"a second voter of district-a", "district-a", "district-a"},
		{"attack: district-a's issuer blind-signs a message naming district-b, which it cannot see", "district-a", "district-b"},
	} {
		if err := issue(x.desc, x.issuer, x.district); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", x.desc, err)
		}
	}
	a0, a1, attack := creds[0], creds[3], creds[4]
	issA := f.Issuance[0]

	// Finalize: answers to the request of issuance 0.
	nA := keys["district-a"].sk.N
	kA := keys["district-a"].sk.Size()
	byB, err := keys["district-b"].BlindSign(issA.BlindedMessage)
	if err != nil {
		return nil, nil, err
	}
	f.Finalize = []finalizeVector{
		{"the blind signature of another voter's request", 0, f.Issuance[3].BlindSignature, "invalid blind signature"},
		{"a blind signature by another district's key", 0, byB, "invalid blind signature"},
		{"a blind signature with one bit changed", 0, flip(issA.BlindSignature, kA-1), "invalid blind signature"},
		{"a blind signature one byte short", 0, issA.BlindSignature[1:], "invalid blind signature: length"},
		{"a blind signature with a leading zero byte", 0, cat([]byte{0}, issA.BlindSignature), "invalid blind signature: length"},
		{"a blind signature equal to the modulus", 0, nA.FillBytes(make([]byte, kA)), "invalid blind signature: not below the modulus"},
		{"the blinded message sent back unsigned", 0, issA.BlindedMessage, "invalid blind signature"},
	}

	// BlindSign: the issuer's input checks (RFC 9474 §4.3).
	ff := bytes.Repeat([]byte{0xff}, kA)
	zero := make([]byte, kA)
	f.BlindSign = []blindSignVector{
		{Desc: "the blinded message of issuance 0", Issuer: "district-a", BlindedMessage: issA.BlindedMessage, BlindSignature: issA.BlindSignature},
		{Desc: "zero is below the modulus and signs to zero (RFC 9474 does not exclude it; it reveals nothing)", Issuer: "district-a", BlindedMessage: zero, BlindSignature: zero},
		{Desc: "one byte short", Issuer: "district-a", BlindedMessage: issA.BlindedMessage[1:], WantErr: "invalid blinded message: length"},
		{Desc: "one byte long (a leading zero byte)", Issuer: "district-a", BlindedMessage: cat([]byte{0}, issA.BlindedMessage), WantErr: "invalid blinded message: length"},
		{Desc: "a 2048-bit blinded message for a 3072-bit key", Issuer: "district-c", BlindedMessage: issA.BlindedMessage, WantErr: "invalid blinded message: length"},
		{Desc: "equal to the modulus (RFC 8017 RSASP1 range check)", Issuer: "district-a", BlindedMessage: nA.FillBytes(make([]byte, kA)), WantErr: "invalid blinded message: not below the modulus"},
		{Desc: "all ones, above the modulus", Issuer: "district-a", BlindedMessage: ff, WantErr: "invalid blinded message: not below the modulus"},
	}

	// Verify: what a ballot box checks.
	relabel := func(c *Credential, district string) []byte {
		d := *c
		d.district = district
		return d.Encode()
	}
	withKey, withPrefix, withSig := *a0, *a0, *a0
	withKey.key = a1.key
	withPrefix.prefix[0] ^= 1
	x, y := electionX[:], electionY[:]
	f.Verify = []verifyVector{
		{Desc: "issuance 0", Issuer: "district-a", Election: x, Credential: f.Issuance[0].Credential},
		{Desc: "issuance 1", Issuer: "district-b", Election: x, Credential: f.Issuance[1].Credential},
		{Desc: "issuance 2 (3072-bit key)", Issuer: "district-c", Election: x, Credential: f.Issuance[2].Credential},
		{Desc: "issuance 3", Issuer: "district-a", Election: x, Credential: f.Issuance[3].Credential},
		{Desc: "attack: a voter of district-a put district-b in the blinded message; checked under district-b's key, which the manifest lists for it", Issuer: "district-b", Election: x, Credential: attack.Encode(), WantErr: "invalid signature"},
		{Desc: "the same credential verifies under district-a's key: this is why the key must be the one of the credential's own district", Issuer: "district-a", Election: x, Credential: attack.Encode()},
		{Desc: "attack: a district-a credential relabelled district-b", Issuer: "district-b", Election: x, Credential: relabel(a0, "district-b"), WantErr: "invalid signature"},
		{Desc: "attack: a district-a credential relabelled to a district with a 3072-bit key", Issuer: "district-c", Election: x, Credential: relabel(a0, "district-c"), WantErr: "invalid signature: length"},
		{Desc: "a district-a credential checked under another district's key", Issuer: "district-b", Election: x, Credential: a0.Encode(), WantErr: "invalid signature"},
		{Desc: "attack: a credential of election X presented in election Y", Issuer: "district-a", Election: y, Credential: a0.Encode(), WantErr: "invalid signature"},
		{Desc: "attack: key substitution (another voter's public key)", Issuer: "district-a", Election: x, Credential: withKey.Encode(), WantErr: "invalid signature"},
		{Desc: "randomizer prefix with one bit changed", Issuer: "district-a", Election: x, Credential: withPrefix.Encode(), WantErr: "invalid signature"},
	}
	for _, i := range []int{0, kA / 2, kA - 1} {
		withSig.sig = flip(a0.sig, i)
		f.Verify = append(f.Verify, verifyVector{Desc: fmt.Sprintf("signature byte %d changed", i), Issuer: "district-a", Election: x, Credential: withSig.Encode(), WantErr: "invalid signature"})
	}
	withSig.sig = a1.sig
	f.Verify = append(f.Verify, verifyVector{Desc: "the signature of another credential", Issuer: "district-a", Election: x, Credential: withSig.Encode(), WantErr: "invalid signature"})
	withSig.sig = nA.FillBytes(make([]byte, kA))
	f.Verify = append(f.Verify, verifyVector{Desc: "a signature equal to the modulus", Issuer: "district-a", Election: x, Credential: withSig.Encode(), WantErr: "invalid signature"})
	if sPlusN := new(big.Int).Add(new(big.Int).SetBytes(a0.sig), nA); sPlusN.BitLen() <= 8*kA {
		withSig.sig = sPlusN.FillBytes(make([]byte, kA))
		f.Verify = append(f.Verify, verifyVector{Desc: "the signature plus the modulus (not reduced)", Issuer: "district-a", Election: x, Credential: withSig.Encode(), WantErr: "invalid signature"})
	}
	// Signatures by the right key over the wrong encoding of the message.
	digest := message(electionX, a0.district, a0.key[:])
	for _, v := range []struct {
		desc string
		vr   blindrsa.Variant
		msg  []byte
	}{
		{"a signature over the message without the randomizer prefix (RSABSSA-SHA384-PSS-Deterministic)", blindrsa.SHA384PSSDeterministic, digest[:]},
		{"a signature with an empty PSS salt (RSABSSA-SHA384-PSSZERO-Randomized)", blindrsa.SHA384PSSZeroRandomized, prepared(a0.prefix, digest)},
	} {
		sig, err := blindIssue(rd, keys["district-a"], v.vr, v.msg)
		if err != nil {
			return nil, nil, err
		}
		withSig.sig = sig
		f.Verify = append(f.Verify, verifyVector{Desc: v.desc, Issuer: "district-a", Election: x, Credential: withSig.Encode(), WantErr: "invalid signature"})
	}

	// Decode: the format alone.
	enc := a0.Encode()
	d := len(a0.district)
	keyAt, sigAt := 2+d, 2+d+KeySize+PrefixSize
	synthetic := func(district string) []byte {
		c := &Credential{district: district, sig: read(256)}
		copy(c.key[:], ristretto255.NewIdentityElement().FromUniformBytes(read(64)).Bytes())
		copy(c.prefix[:], read(PrefixSize))
		return c.Encode()
	}
	withDistrict := func(district []byte) []byte {
		return cat(enc[:1], []byte{byte(len(district))}, district, enc[keyAt:])
	}
	withKeyBytes := func(key []byte) []byte {
		return cat(enc[:keyAt], key, enc[keyAt+KeySize:])
	}
	withSigLen := func(n int) []byte {
		return binary.BigEndian.AppendUint16(cat(enc[:sigAt]), uint16(n))
	}
	p := []byte{0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f} // 2^255 − 19
	identity := append([]byte{1}, make([]byte, 31)...)
	order8, _ := edwards25519.NewIdentityPoint().SetBytes(mustHex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"))
	f.Decode = []decodeVector{
		{Desc: "issuance 0", Credential: enc},
		{Desc: "a district name of 64 bytes, the longest", Credential: synthetic("district-" + string(bytes.Repeat([]byte("0"), 55)))},
		{Desc: "a district name in UTF-8 with Cyrillic letters and a space", Credential: synthetic("Тверской 1")},
		{Desc: "a district name of one byte", Credential: synthetic("7")},
		{Desc: "empty input", Credential: []byte{}, WantErr: "malformed: truncated"},
		{Desc: "version 0", Credential: cat([]byte{0}, enc[1:]), WantErr: "malformed: version"},
		{Desc: "version 2", Credential: cat([]byte{2}, enc[1:]), WantErr: "malformed: version"},
		{Desc: "district length 0", Credential: withDistrict(nil), WantErr: "malformed: district length"},
		{Desc: "district length 65", Credential: withDistrict(bytes.Repeat([]byte("a"), 65)), WantErr: "malformed: district length"},
		{Desc: "a district name with a line feed (U+000A)", Credential: withDistrict([]byte("district\na")), WantErr: "malformed: district name"},
		{Desc: "a district name with a NUL (U+0000)", Credential: withDistrict([]byte("district-a\x00")), WantErr: "malformed: district name"},
		{Desc: "a district name with DEL (U+007F)", Credential: withDistrict([]byte("district-a\x7f")), WantErr: "malformed: district name"},
		{Desc: "a district name with a C1 control (U+0085)", Credential: withDistrict([]byte("district-a\u0085")), WantErr: "malformed: district name"},
		{Desc: "a district name that is not UTF-8 (a lone 0xff)", Credential: withDistrict([]byte("district-\xff")), WantErr: "malformed: district name"},
		{Desc: "a district name with an overlong UTF-8 encoding of '/'", Credential: withDistrict([]byte("district\xc0\xaf")), WantErr: "malformed: district name"},
		{Desc: "a district name with a UTF-8-encoded surrogate (U+D800)", Credential: withDistrict([]byte("district\xed\xa0\x80")), WantErr: "malformed: district name"},
		{Desc: "public key: non-canonical encoding (y = p)", Credential: withKeyBytes(p), WantErr: "malformed: public key"},
		{Desc: "public key: the identity (small order)", Credential: withKeyBytes(identity), WantErr: "malformed: public key"},
		{Desc: "public key: a point of order 8", Credential: withKeyBytes(order8.Bytes()), WantErr: "malformed: public key"},
		{Desc: "public key: x = 0 with the sign bit set", Credential: withKeyBytes(append(append([]byte{1}, make([]byte, 30)...), 0x80)), WantErr: "malformed: public key"},
		{Desc: "public key: not a curve point", Credential: withKeyBytes(notAPoint()), WantErr: "malformed: public key"},
		{Desc: "signature length 0", Credential: withSigLen(0), WantErr: "malformed: signature length"},
		{Desc: "signature length 255", Credential: cat(withSigLen(255), a0.sig[1:]), WantErr: "malformed: signature length"},
		{Desc: "signature length 513", Credential: cat(withSigLen(513), a0.sig, a0.sig, a0.sig[:1]), WantErr: "malformed: signature length"},
		{Desc: "truncated inside the district", Credential: enc[:4], WantErr: "malformed: truncated"},
		{Desc: "truncated inside the public key", Credential: enc[:keyAt+5], WantErr: "malformed: truncated"},
		{Desc: "truncated inside the signature length", Credential: enc[:sigAt+1], WantErr: "malformed: truncated"},
		{Desc: "signature one byte short", Credential: enc[:len(enc)-1], WantErr: "malformed: truncated"},
		{Desc: "one trailing byte", Credential: cat(enc, []byte{0}), WantErr: "malformed: trailing bytes"},
		{Desc: "longer than the longest credential", Credential: cat(enc, make([]byte, MaxEncodedLen+1-len(enc))), WantErr: "malformed: too long"},
	}

	// Public keys: the manifest's encoding of issuer keys.
	f.PublicKeys = publicKeyVectors(f, read)
	return f, reqs, nil
}

// blindIssue runs the blind protocol of another variant over msg, for
// signatures that the right key made over the wrong message encoding.
func blindIssue(rd io.Reader, is *Issuer, v blindrsa.Variant, msg []byte) ([]byte, error) {
	c, err := blindrsa.NewClient(v, is.PublicKey())
	if err != nil {
		return nil, err
	}
	blinded, state, err := c.Blind(rd, msg)
	if err != nil {
		return nil, err
	}
	bs, err := is.BlindSign(blinded)
	if err != nil {
		return nil, err
	}
	return c.Finalize(state, bs)
}

// notAPoint returns the smallest y (from 2 up) whose encoding does not
// decode to a curve point.
func notAPoint() []byte {
	for y := 2; ; y++ {
		b := make([]byte, 32)
		binary.LittleEndian.PutUint32(b, uint32(y))
		if _, err := new(edwards25519.Point).SetBytes(b); err != nil {
			return b
		}
	}
}

func mustHex(s string) []byte {
	var h hexBytes
	if err := h.UnmarshalText([]byte(s)); err != nil {
		panic(err)
	}
	return h
}

// spki builds a SubjectPublicKeyInfo from raw parts, to make malformed keys.
func spki(oid, params, n, e []byte) []byte {
	key := appendTLV(nil, tagSequence, append(appendTLV(nil, tagInteger, n), appendTLV(nil, tagInteger, e)...))
	alg := appendTLV(nil, tagOID, oid)
	if params != nil {
		alg = append(alg, params...)
	}
	body := appendTLV(appendTLV(nil, tagSequence, alg), tagBitString, append([]byte{0}, key...))
	return appendTLV(nil, tagSequence, body)
}

// modulus returns a random odd number of exactly bits bits, as a positive
// DER INTEGER's content.
func modulus(read func(int) []byte, bits int) []byte {
	b := read((bits + 7) / 8)
	top := uint(bits-1) % 8
	b[0] &= 0xff >> (7 - top)
	b[0] |= 1 << top
	b[len(b)-1] |= 1
	if b[0]&0x80 != 0 {
		b = append([]byte{0}, b...)
	}
	return b
}

func publicKeyVectors(f *vectorFile, read func(int) []byte) []publicKeyVector {
	var out []publicKeyVector
	for _, iv := range f.Issuers {
		out = append(out, publicKeyVector{Desc: fmt.Sprintf("the %s issuer key (%d bits)", iv.District, iv.Bits), PublicKey: iv.PublicKey})
	}
	a := f.Issuers[0].PublicKey
	null := []byte{tagNull, 0}
	e := []byte{1, 0, 1}
	n2048 := modulus(read, 2048)
	even := append([]byte(nil), n2048...)
	even[len(even)-1] &^= 1
	// The outer SEQUENCE's length 0x82 hi lo rewritten as 0x83 0 hi lo.
	longLen := cat(a[:1], []byte{0x83, 0}, a[2:])
	out = append(out, []publicKeyVector{
		{"a 4096-bit modulus, the largest allowed", spki(rsaEncryptionOID, null, modulus(read, 4096), e), ""},
		{"a 2047-bit modulus", spki(rsaEncryptionOID, null, modulus(read, 2047), e), "invalid issuer key: modulus size"},
		{"a 1024-bit modulus", spki(rsaEncryptionOID, null, modulus(read, 1024), e), "invalid issuer key: modulus size"},
		{"a 4097-bit modulus", spki(rsaEncryptionOID, null, modulus(read, 4097), e), "invalid issuer key: modulus size"},
		{"an even modulus", spki(rsaEncryptionOID, null, even, e), "invalid issuer key: even modulus"},
		{"e = 3", spki(rsaEncryptionOID, null, n2048, []byte{3}), "invalid issuer key: exponent"},
		{"e = 65539", spki(rsaEncryptionOID, null, n2048, []byte{1, 0, 3}), "invalid issuer key: exponent"},
		{"e = 65537 with a leading zero byte (not minimal DER)", spki(rsaEncryptionOID, null, n2048, []byte{0, 1, 0, 1}), "invalid issuer key: encoding"},
		{"a modulus with a superfluous leading zero byte", spki(rsaEncryptionOID, null, cat([]byte{0}, n2048), e), "invalid issuer key: encoding"},
		{"a negative modulus (no leading zero before a set top bit)", spki(rsaEncryptionOID, null, n2048[1:], e), "invalid issuer key: encoding"},
		{"an Ed25519 key", appendTLV(nil, tagSequence, cat(appendTLV(nil, tagSequence, appendTLV(nil, tagOID, []byte{0x2b, 0x65, 0x70})), appendTLV(nil, tagBitString, cat([]byte{0}, read(32))))), "invalid issuer key: algorithm"},
		{"the RSASSA-PSS algorithm identifier", spki(append(rsaEncryptionOID[:8:8], 0x0a), nil, n2048, e), "invalid issuer key: algorithm"},
		{"rsaEncryption without NULL parameters", spki(rsaEncryptionOID, nil, n2048, e), "invalid issuer key: encoding"},
		{"a bare PKCS #1 RSAPublicKey", appendTLV(nil, tagSequence, cat(appendTLV(nil, tagInteger, n2048), appendTLV(nil, tagInteger, e))), "invalid issuer key: encoding"},
		{"a trailing zero byte", cat(a, []byte{0}), "invalid issuer key: encoding"},
		{"a length in long form with a leading zero byte (BER, not DER)", longLen, "invalid issuer key: encoding"},
		{"a BIT STRING with unused bits", bitStringUnused(a), "invalid issuer key: encoding"},
		{"empty input", []byte{}, "invalid issuer key: encoding"},
	}...)
	return out
}

// bitStringUnused sets the unused-bits count of the key's BIT STRING to 1.
func bitStringUnused(der []byte) []byte {
	out := append([]byte(nil), der...)
	i := bytes.Index(out, []byte{tagBitString, 0x82})
	out[i+4] = 1
	return out
}

// checkVectors checks every vector as an independent implementation would,
// and through this package's API.
func checkVectors(t *testing.T, f *vectorFile, reqs []*Request) {
	if f.Seed != vectorSeed || f.Variant != "RSABSSA-SHA384-PSS-Randomized" {
		t.Fatalf("seed %q, variant %q", f.Seed, f.Variant)
	}
	issuers := f.issuers(t)
	pubs := map[string]*rsa.PublicKey{}
	for _, iv := range f.Issuers {
		pub, err := ParsePublicKey(iv.PublicKey)
		if err != nil {
			t.Fatalf("issuer %s: %v", iv.District, err)
		}
		if pub.N.Cmp(issuers[iv.District].sk.N) != 0 || pub.N.BitLen() != iv.Bits {
			t.Fatalf("issuer %s: public key does not match the private key", iv.District)
		}
		pubs[iv.District] = pub
	}
	for i, v := range f.Issuance {
		t.Run(fmt.Sprintf("issuance/%d/%s", i, v.Desc), func(t *testing.T) { checkIssuance(t, v, issuers[v.Issuer], pubs[v.Issuer]) })
	}
	if len(reqs) != len(f.Issuance) {
		t.Fatalf("%d requests for %d issuance vectors", len(reqs), len(f.Issuance))
	}
	for i, v := range f.Finalize {
		t.Run(fmt.Sprintf("finalize/%d/%s", i, v.Desc), func(t *testing.T) {
			// Independently: s = z · inv mod n must not be a valid signature.
			iv := f.Issuance[v.Issuance]
			pub := pubs[iv.Issuer]
			if len(v.BlindSignature) == pub.Size() && new(big.Int).SetBytes(v.BlindSignature).Cmp(pub.N) < 0 {
				s := mulMod(pub.N, v.BlindSignature, iv.Inv, pub.Size())
				h := sha512.Sum384(iv.PreparedMessage)
				if rsa.VerifyPSS(pub, crypto.SHA384, h[:], s, pssOptions) == nil && v.WantErr != "" {
					t.Fatal("unblinds to a valid signature")
				}
			}
			_, err := reqs[v.Issuance].Finalize(v.BlindSignature)
			checkErr(t, err, v.WantErr)
		})
	}
	for i, v := range f.BlindSign {
		t.Run(fmt.Sprintf("blindSign/%d/%s", i, v.Desc), func(t *testing.T) {
			s, err := issuers[v.Issuer].BlindSign(v.BlindedMessage)
			checkErr(t, err, v.WantErr)
			if err == nil && !bytes.Equal(s, v.BlindSignature) {
				t.Fatal("blind signature differs from the vector")
			}
		})
	}
	for i, v := range f.Verify {
		t.Run(fmt.Sprintf("verify/%d/%s", i, v.Desc), func(t *testing.T) {
			c, err := DecodeCredential(v.Credential)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			err = c.Verify(pubs[v.Issuer], v.Election.election())
			checkErr(t, err, v.WantErr)
			// circl's verifier agrees on every signature of the right length.
			if len(c.sig) == pubs[v.Issuer].Size() {
				vr, _ := blindrsa.NewVerifier(variant, pubs[v.Issuer])
				msg := prepared(c.prefix, [32]byte(specMessage(v.Election.election(), c.district, c.key[:])))
				if cerr := vr.Verify(msg, c.sig); (cerr == nil) != (err == nil) {
					t.Fatalf("circl says %v, this package %v", cerr, err)
				}
			}
		})
	}
	for i, v := range f.Decode {
		t.Run(fmt.Sprintf("decode/%d/%s", i, v.Desc), func(t *testing.T) {
			c, err := DecodeCredential(v.Credential)
			checkErr(t, err, v.WantErr)
			if err == nil && !bytes.Equal(c.Encode(), v.Credential) {
				t.Fatal("does not re-encode to the same bytes")
			}
		})
	}
	for i, v := range f.PublicKeys {
		t.Run(fmt.Sprintf("publicKey/%d/%s", i, v.Desc), func(t *testing.T) {
			pub, err := ParsePublicKey(v.PublicKey)
			checkErr(t, err, v.WantErr)
			if err != nil {
				return
			}
			if !bytes.Equal(MarshalPublicKey(pub), v.PublicKey) {
				t.Fatal("does not re-encode to the same bytes")
			}
			xk, xerr := x509.ParsePKIXPublicKey(v.PublicKey)
			if xerr != nil {
				t.Fatalf("crypto/x509 rejects it: %v", xerr)
			}
			if xp, ok := xk.(*rsa.PublicKey); !ok || xp.N.Cmp(pub.N) != 0 || xp.E != pub.E {
				t.Fatal("crypto/x509 reads another key")
			}
		})
	}
}

// checkIssuance recomputes an issuance vector step by step from SPEC.md and
// RFC 9474, with the issuer's public key only, and then through the API.
func checkIssuance(t *testing.T, v issuanceVector, is *Issuer, pub *rsa.PublicKey) {
	n, k := pub.N, pub.Size()
	emBits := n.BitLen() - 1
	x, err := ristretto255.NewScalar().SetCanonicalBytes(v.KeySeed)
	if err != nil || !bytes.Equal(ristretto255.NewIdentityElement().ScalarBaseMult(x).Bytes(), v.PublicKey) {
		t.Fatal("public key is not the secret's")
	}
	if got := specMessage(v.Election.election(), v.District, v.PublicKey); !bytes.Equal(got, v.Message) {
		t.Fatalf("message %x, spec gives %x", v.Message, got)
	}
	if !bytes.Equal(v.PreparedMessage, cat(v.Prefix, v.Message)) || len(v.Prefix) != PrefixSize {
		t.Fatal("prepared message is not prefix ‖ message")
	}
	if len(v.Salt) != saltSize || !bytes.Equal(emsaPSSEncode(v.PreparedMessage, v.Salt, emBits), v.EncodedMessage) {
		t.Fatal("encoded message is not EMSA-PSS-ENCODE(prepared message, salt)")
	}
	r := new(big.Int).ModInverse(new(big.Int).SetBytes(v.Inv), n)
	if r == nil {
		t.Fatal("inv has no inverse")
	}
	re := rsaPublic(n, pub.E, r.Bytes(), k)
	if !bytes.Equal(mulMod(n, v.EncodedMessage, re, k), v.BlindedMessage) {
		t.Fatal("blinded message is not encoded message · r^e mod n")
	}
	if !bytes.Equal(rsaPublic(n, pub.E, v.BlindSignature, k), v.BlindedMessage) {
		t.Fatal("blind signature^e is not the blinded message")
	}
	if !bytes.Equal(mulMod(n, v.BlindSignature, v.Inv, k), v.Signature) {
		t.Fatal("signature is not blind signature · inv mod n")
	}
	h := sha512.Sum384(v.PreparedMessage)
	if err := rsa.VerifyPSS(pub, crypto.SHA384, h[:], v.Signature, pssOptions); err != nil {
		t.Fatalf("RSASSA-PSS-VERIFY: %v", err)
	}
	wantEnc := cat([]byte{Version, byte(len(v.District))}, []byte(v.District), v.PublicKey, v.Prefix,
		binary.BigEndian.AppendUint16(nil, uint16(len(v.Signature))), v.Signature)
	if !bytes.Equal(wantEnc, v.Credential) {
		t.Fatal("credential encoding differs from the layout")
	}
	// Through the API.
	if s, err := is.BlindSign(v.BlindedMessage); err != nil || !bytes.Equal(s, v.BlindSignature) {
		t.Fatalf("BlindSign: %v", err)
	}
	c, err := DecodeCredential(v.Credential)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Verify(pub, v.Election.election()); err != nil {
		t.Fatal(err)
	}
	if c.District() != v.District || !bytes.Equal(c.PublicKey(), v.PublicKey) || !bytes.Equal(c.Prefix(), v.Prefix) || !bytes.Equal(c.Signature(), v.Signature) {
		t.Fatal("decoded fields differ")
	}
	if _, err := NewKey(v.KeySeed, c); err != nil {
		t.Fatal(err)
	}
}
