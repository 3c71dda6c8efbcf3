package sign

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/edwards25519"

	"github.com/urna-vote/urna/internal/seeded"
)

var update = flag.Bool("update", false, "regenerate "+vectorPath+" from its seed")

// vectorSeed is the published seed every value of the vector file derives
// from.
const vectorSeed = "urna sign vectors v1"

// TestVectors regenerates the vector file from its seed, checks that the
// result is byte for byte the stored file (with -update: writes it), and
// checks every vector against the package.
func TestVectors(t *testing.T) {
	f, err := generateVectors()
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
	} else if stored, err := os.ReadFile(vectorPath); err != nil {
		t.Fatalf("%v (generate with: go test ./crypto/sign -run TestVectors -update)", err)
	} else if !bytes.Equal(out, stored) {
		t.Fatalf("%s is not what seed %q produces; regenerate with -update and review the diff", vectorPath, vectorSeed)
	}
	checkVectors(t, readVectors(t))
}

func checkVectors(t *testing.T, f *vectorFile) {
	if len(f.Keys) == 0 || len(f.Verify) == 0 || len(f.PublicKeys) == 0 || len(f.Private) == 0 {
		t.Fatal("a section of the vector file is empty")
	}
	for _, v := range f.Keys {
		s, err := ParsePrivate([]byte(v.Private))
		if err != nil {
			t.Errorf("key %s: %v", v.Name, err)
			continue
		}
		if s.Scheme() != v.Scheme || !bytes.Equal(s.Public(), v.Public) {
			t.Errorf("key %s: scheme %s, public %x", v.Name, s.Scheme(), s.Public())
		}
		if got := Fingerprint(v.Scheme, v.Public); got != v.Fingerprint {
			t.Errorf("key %s: fingerprint %s, want %s", v.Name, got, v.Fingerprint)
		}
	}
	for _, v := range f.Verify {
		checkErr(t, "verify: "+v.Desc, Verify(v.Scheme, v.Public, v.Message, v.Signature), v.WantErr)
	}
	for _, v := range f.PublicKeys {
		checkErr(t, "public key: "+v.Desc, CheckPublicKey(v.Scheme, v.Public), v.WantErr)
	}
	for _, v := range f.Private {
		s, err := ParsePrivate([]byte(v.Text))
		checkErr(t, "private: "+v.Desc, err, v.WantErr)
		if err == nil && !bytes.Equal(s.Public(), v.Public) {
			t.Errorf("private: %s: public key %x, want %x", v.Desc, s.Public(), v.Public)
		}
		if err != nil && strings.Contains(err.Error(), strings.TrimSpace(v.Text)) && len(strings.TrimSpace(v.Text)) > 0 {
			t.Errorf("private: %s: the error quotes the input: %v", v.Desc, err)
		}
	}
}

// generateVectors derives every vector from the seed.
func generateVectors() (*vectorFile, error) {
	rd := seeded.Reader(vectorSeed)
	read := func(n int) []byte {
		b := make([]byte, n)
		io.ReadFull(rd, b)
		return b
	}
	f := &vectorFile{
		Comment: "urna commission signature schemes (crypto/sign; docs/protocol.md, \"Commission signature schemes\"). " +
			"Byte strings are hex. wantErr is the failure class, \"\" if accepted. Every value derives from the seed; " +
			"regenerate with: go test ./crypto/sign -run TestVectors -update",
		Seed: vectorSeed,
	}
	type key struct {
		s    Signer
		name string
	}
	keys := map[string]key{}
	for _, k := range []struct{ name, scheme, desc string }{
		{"ed25519-a", Ed25519, "an Ed25519 key"},
		{"ed25519-b", Ed25519, "a second Ed25519 key"},
		{"gost-a", GOST256, "a GOST R 34.10-2012 256-bit key"},
		{"gost-b", GOST256, "a second GOST R 34.10-2012 256-bit key"},
	} {
		s, err := Generate(k.scheme, rd)
		if err != nil {
			return nil, err
		}
		text, err := MarshalPrivate(s)
		if err != nil {
			return nil, err
		}
		keys[k.name] = key{s, k.name}
		f.Keys = append(f.Keys, keyVector{Desc: k.desc, Name: k.name, Scheme: k.scheme, Private: string(text),
			Public: s.Public(), Fingerprint: Fingerprint(k.scheme, s.Public())})
	}
	edA, edB, goA, goB := keys["ed25519-a"].s, keys["ed25519-b"].s, keys["gost-a"].s, keys["gost-b"].s

	protocol := read(32) // the shape of an election's protocol message
	long := []byte("The commission of the election signs its result. Комиссия подписывает итоги выборов.")
	sig := func(s Signer, m []byte) []byte {
		b, err := s.Sign(rd, m)
		if err != nil {
			panic(err)
		}
		return b
	}
	msgs := []struct {
		desc string
		m    []byte
	}{{"a 32-byte protocol message", protocol}, {"the empty message", []byte{}}, {"a longer UTF-8 message", long}}

	var vs []verifyVector
	add := func(desc, scheme string, pub, m, sg []byte, wantErr string) {
		vs = append(vs, verifyVector{desc, scheme, pub, m, sg, wantErr})
	}
	for _, k := range []Signer{edA, goA} {
		for _, m := range msgs {
			add(fmt.Sprintf("%s: %s", k.Scheme(), m.desc), k.Scheme(), k.Public(), m.m, sig(k, m.m), "")
		}
	}
	edSig, goSig := sig(edA, protocol), sig(goA, protocol)
	add("the empty scheme name means ed25519", "", edA.Public(), protocol, edSig, "")
	add("gost2012-256: a second signature of the same message differs (fresh nonce) and verifies", GOST256, goA.Public(), protocol, goSig, "")

	// Wrong message, key, scheme.
	for _, x := range []struct {
		k   Signer
		sg  []byte
		alt Signer
	}{{edA, edSig, edB}, {goA, goSig, goB}} {
		sc, pub := x.k.Scheme(), x.k.Public()
		add(sc+": the message with its last bit changed", sc, pub, flip(protocol, 31, 1), x.sg, "invalid signature")
		add(sc+": the message one byte longer", sc, pub, cat(protocol, []byte{0}), x.sg, "invalid signature")
		add(sc+": another member's key", sc, x.alt.Public(), protocol, x.sg, "invalid signature")
		add(sc+": the signature of another message", sc, pub, protocol, sig(x.k, long), "invalid signature")
		for _, i := range []int{0, 31, 32, 63} {
			add(fmt.Sprintf("%s: signature byte %d with its low bit changed", sc, i), sc, pub, protocol, flip(x.sg, i, 1), "invalid signature")
		}
		add(sc+": signature one byte short", sc, pub, protocol, x.sg[:63], "malformed signature")
		add(sc+": signature one byte long", sc, pub, protocol, cat(x.sg, []byte{0}), "malformed signature")
		add(sc+": empty signature", sc, pub, protocol, nil, "malformed signature")
	}
	add("wrong scheme: an Ed25519 key and signature checked as gost2012-256", GOST256, edA.Public(), protocol, edSig, "malformed public key")
	add("wrong scheme: a GOST key and signature checked as ed25519", Ed25519, goA.Public(), protocol, goSig, "malformed public key")
	add("wrong scheme: a GOST key and signature checked with the empty scheme name (ed25519)", "", goA.Public(), protocol, goSig, "malformed public key")
	for _, name := range []string{"GOST2012-256", "gost2012-512", "ed448", "Ed25519", "gost2012-256 "} {
		add(fmt.Sprintf("unknown scheme %q (names are exact)", name), name, goA.Public(), protocol, goSig, "unknown signature scheme")
	}

	// Ed25519 signature malleability: S + L verifies under a lax
	// implementation.
	l, _ := new(big.Int).SetString("1000000000000000000000000000000014def9dea2f79cd65812631a5cf5d3ed", 16)
	sPlusL := new(big.Int).Add(leInt(edSig[32:]), l)
	add("ed25519: S + L, the same signature made malleable (RFC 8032 requires S < L)", Ed25519, edA.Public(), protocol,
		cat(edSig[:32], leBytes(sPlusL, 32)), "malformed signature")
	add("ed25519: S = L", Ed25519, edA.Public(), protocol, cat(edSig[:32], leBytes(l, 32)), "malformed signature")

	// GOST R 34.10-2012 §6.2 step 1: 0 < r, s < q.
	q := gostCurve.Q
	qb := q.FillBytes(make([]byte, 32))
	zero, ones := make([]byte, 32), bytes.Repeat([]byte{0xff}, 32)
	gs, gr := goSig[:32], goSig[32:]
	add("gost2012-256: r = 0", GOST256, goA.Public(), protocol, cat(gs, zero), "malformed signature")
	add("gost2012-256: s = 0", GOST256, goA.Public(), protocol, cat(zero, gr), "malformed signature")
	add("gost2012-256: r = q", GOST256, goA.Public(), protocol, cat(gs, qb), "malformed signature")
	add("gost2012-256: s = q", GOST256, goA.Public(), protocol, cat(qb, gr), "malformed signature")
	add("gost2012-256: r = 2^256 - 1", GOST256, goA.Public(), protocol, cat(gs, ones), "malformed signature")
	add("gost2012-256: r || s instead of s || r", GOST256, goA.Public(), protocol, cat(gr, gs), "invalid signature")
	add("gost2012-256: s and r little endian instead of big endian", GOST256, goA.Public(), protocol,
		cat(reversed(gs), reversed(gr)), "invalid signature")
	add("gost2012-256: the key's coordinates big endian instead of little endian", GOST256,
		cat(reversed(goA.Public()[:32]), reversed(goA.Public()[32:])), protocol, goSig, "malformed public key")
	// C = z1·P + z2·Q is the neutral element when s = r·d mod q; such a
	// signature must be rejected (§6.2 step 6 needs a point with an x).
	d := leInt(goA.(privateSigner).privateBytes())
	rn := leInt(read(32))
	rn.Mod(rn, q)
	sn := new(big.Int).Mul(rn, d)
	sn.Mod(sn, q)
	add("gost2012-256: s = r·d mod q, for which C is the neutral element (made with the private key)", GOST256, goA.Public(), protocol,
		gostEncodeSignature(rn, sn), "invalid signature")
	f.Verify = vs

	// Public keys.
	var ps []publicKeyVector
	addKey := func(desc, scheme string, pub []byte, wantErr string) {
		ps = append(ps, publicKeyVector{desc, scheme, pub, wantErr})
	}
	addKey("ed25519: a key", Ed25519, edA.Public(), "")
	addKey("ed25519: a key, the empty scheme name", "", edA.Public(), "")
	addKey("ed25519: 31 bytes", Ed25519, edA.Public()[:31], "malformed public key")
	addKey("ed25519: 33 bytes", Ed25519, cat(edA.Public(), []byte{0}), "malformed public key")
	addKey("ed25519: empty", Ed25519, nil, "malformed public key")
	addKey("ed25519: the identity (small order)", Ed25519, cat([]byte{1}, make([]byte, 31)), "malformed public key")
	addKey("ed25519: a point of order 8", Ed25519, mustHex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"), "malformed public key")
	addKey("ed25519: the identity with the sign bit set (x = 0 written as -0)", Ed25519, cat([]byte{1}, make([]byte, 30), []byte{0x80}), "malformed public key")
	notOnCurve, nonCanonical := ed25519OddKeys()
	addKey("ed25519: a y for which no x exists", Ed25519, notOnCurve, "malformed public key")
	addKey("ed25519: y + p, a non-canonical encoding of a point of large order", Ed25519, nonCanonical, "malformed public key")
	addKey("gost2012-256: a key", GOST256, goA.Public(), "")
	addKey("gost2012-256: the base point (d = 1)", GOST256, gostEncodePoint(gostCurve.X, gostCurve.Y), "")
	px, py := leInt(goA.Public()[:32]), leInt(goA.Public()[32:])
	negY := new(big.Int).Sub(gostCurve.P, py)
	addKey("gost2012-256: the negated key (x, p - y)", GOST256, gostEncodePoint(px, negY), "")
	addKey("gost2012-256: 63 bytes", GOST256, goA.Public()[:63], "malformed public key")
	addKey("gost2012-256: 65 bytes", GOST256, cat(goA.Public(), []byte{0}), "malformed public key")
	addKey("gost2012-256: an Ed25519 key", GOST256, edA.Public(), "malformed public key")
	addKey("gost2012-256: (0, 0)", GOST256, make([]byte, 64), "malformed public key")
	addKey("gost2012-256: y + 1, off the curve", GOST256, gostEncodePoint(px, new(big.Int).Add(py, big.NewInt(1))), "malformed public key")
	addKey("gost2012-256: X and Y swapped", GOST256, cat(goA.Public()[32:], goA.Public()[:32]), "malformed public key")
	addKey("gost2012-256: x = p", GOST256, cat(leBytes(gostCurve.P, 32), goA.Public()[32:]), "malformed public key")
	addKey("gost2012-256: the base point with x written as x + p (not reduced)", GOST256,
		gostPointPlusP(), "malformed public key")
	addKey("gost2012-256: 64 bytes of 0xff", GOST256, bytes.Repeat([]byte{0xff}, 64), "malformed public key")
	addKey("unknown scheme", "gost2012-512", goA.Public(), "unknown signature scheme")
	f.PublicKeys = ps

	// Private key texts.
	var pv []privateVector
	good := func(desc string, s Signer) {
		text, _ := MarshalPrivate(s)
		pv = append(pv, privateVector{Desc: desc, Text: string(text), Public: s.Public()})
	}
	bad := func(desc, text, wantErr string) {
		pv = append(pv, privateVector{Desc: desc, Text: text, WantErr: wantErr})
	}
	good("ed25519: a key", edA)
	good("gost2012-256: a key", goA)
	one, _ := gostScheme{}.parsePrivate(leBytes(big.NewInt(1), 32))
	qm1, _ := gostScheme{}.parsePrivate(leBytes(new(big.Int).Sub(q, big.NewInt(1)), 32))
	good("gost2012-256: d = 1", one)
	good("gost2012-256: d = q - 1", qm1)
	edText, _ := MarshalPrivate(edA)
	goText, _ := MarshalPrivate(goA)
	et, gt := string(edText), string(goText)
	b64 := func(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
	const mk = "malformed private key"
	bad("no final line feed", strings.TrimSuffix(et, "\n"), mk)
	bad("two final line feeds", et+"\n", mk)
	bad("CR LF line ending", strings.TrimSuffix(et, "\n")+"\r\n", mk)
	bad("two spaces after the header", strings.Replace(et, " ", "  ", 1), mk)
	bad("a tab instead of a space", strings.Replace(et, " ", "\t", 1), mk)
	bad("a leading space", " "+et, mk)
	bad("a trailing space before the line feed", strings.TrimSuffix(et, "\n")+" \n", mk)
	bad("a line feed inside the base64 (which a lax decoder skips)", et[:30]+"\n"+et[30:], mk)
	bad("header urna-sign-v2", strings.Replace(et, "urna-sign-v1", "urna-sign-v2", 1), mk)
	bad("no header", strings.TrimPrefix(et, "urna-sign-v1 "), mk)
	bad("empty", "", mk)
	bad("only a line feed", "\n", mk)
	bad("the empty scheme name (a file names its scheme)", "urna-sign-v1  "+b64(read(32))+"\n", mk)
	bad("scheme in capitals", strings.Replace(gt, GOST256, "GOST2012-256", 1), mk)
	bad("unknown scheme", strings.Replace(gt, GOST256, "gost2012-512", 1), mk)
	bad("unpadded base64", strings.TrimSuffix(et, "=\n")+"\n", mk)
	bad("URL-safe base64 alphabet", "urna-sign-v1 ed25519 "+urlOnlyKey(rd)+"\n", mk)
	bad("base64 with nonzero unused bits (non-canonical)", nonCanonicalB64(et), mk)
	bad("ed25519: 31 key bytes", "urna-sign-v1 ed25519 "+b64(read(31))+"\n", mk)
	bad("ed25519: 33 key bytes", "urna-sign-v1 ed25519 "+b64(read(33))+"\n", mk)
	bad("ed25519: a 64-byte seed||public private key (the crypto/ed25519 form)", "urna-sign-v1 ed25519 "+b64(read(64))+"\n", mk)
	bad("gost2012-256: d = 0", "urna-sign-v1 gost2012-256 "+b64(make([]byte, 32))+"\n", mk)
	bad("gost2012-256: d = q", "urna-sign-v1 gost2012-256 "+b64(leBytes(q, 32))+"\n", mk)
	bad("gost2012-256: d = 2^256 - 1", "urna-sign-v1 gost2012-256 "+b64(ones)+"\n", mk)
	bad("gost2012-256: an Ed25519 seed length mismatch (64 bytes)", "urna-sign-v1 gost2012-256 "+b64(read(64))+"\n", mk)
	bad("longer than 256 bytes", "urna-sign-v1 ed25519 "+strings.Repeat("A", 300)+"\n", mk)
	f.Private = pv
	return f, nil
}

func reversed(b []byte) []byte {
	c := make([]byte, len(b))
	for i, v := range b {
		c[len(b)-1-i] = v
	}
	return c
}

// ed25519OddKeys returns the first small y with no point on the curve, and
// y + p for the first small y whose point has large order.
func ed25519OddKeys() (notOnCurve, nonCanonical []byte) {
	p, _ := new(big.Int).SetString("7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffed", 16)
	for y := int64(2); notOnCurve == nil || nonCanonical == nil; y++ {
		enc := leBytes(big.NewInt(y), 32)
		pt, err := new(edwards25519.Point).SetBytes(enc)
		switch {
		case err != nil && notOnCurve == nil:
			notOnCurve = enc
		case err == nil && nonCanonical == nil && y < 19:
			if new(edwards25519.Point).MultByCofactor(pt).Equal(edwards25519.NewIdentityPoint()) == 0 {
				nonCanonical = leBytes(new(big.Int).Add(big.NewInt(y), p), 32)
			}
		case y >= 19 && nonCanonical == nil:
			panic("no y < 19 on the curve")
		}
	}
	return notOnCurve, nonCanonical
}

// gostPointPlusP returns a point of the curve whose x is written as x + p:
// the base point, x = 1, so x + p < 2^256.
func gostPointPlusP() []byte {
	x := new(big.Int).Add(gostCurve.X, gostCurve.P)
	if x.BitLen() > 256 {
		panic("x + p does not fit")
	}
	return append(leBytes(x, 32), leBytes(gostCurve.Y, 32)...)
}

// urlOnlyKey returns the base64url encoding of 32 random bytes that
// contains '-' or '_', so the standard alphabet cannot read it.
func urlOnlyKey(rd io.Reader) string {
	for {
		b := make([]byte, 32)
		io.ReadFull(rd, b)
		s := base64.URLEncoding.EncodeToString(b)
		if strings.ContainsAny(s, "-_") {
			return s
		}
	}
}

// nonCanonicalB64 sets the unused low bits of the last base64 character
// of a private key text: 32 bytes end in a 2-byte group, 3 characters for
// 16 bits, so the third character's low 2 bits are unused.
func nonCanonicalB64(text string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	i := strings.Index(text, "=\n") - 1
	c := strings.IndexByte(alphabet, text[i])
	return text[:i] + string(alphabet[c|1]) + text[i+1:]
}
