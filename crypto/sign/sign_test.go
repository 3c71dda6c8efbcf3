package sign

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"io"
	"math/big"
	"strings"
	"testing"

	"github.com/urna-vote/urna/internal/seeded"
)

var schemeNames = []string{Ed25519, GOST256}

func TestRoundTrip(t *testing.T) {
	for _, sc := range schemeNames {
		t.Run(sc, func(t *testing.T) {
			s, err := Generate(sc, rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			if s.Scheme() != sc {
				t.Fatalf("Scheme() = %q", s.Scheme())
			}
			if err := CheckPublicKey(sc, s.Public()); err != nil {
				t.Fatal(err)
			}
			msg := []byte("the result of the election")
			sig, err := s.Sign(rand.Reader, msg)
			if err != nil {
				t.Fatal(err)
			}
			if err := Verify(sc, s.Public(), msg, sig); err != nil {
				t.Fatal(err)
			}
			text, err := MarshalPrivate(s)
			if err != nil {
				t.Fatal(err)
			}
			s2, err := ParsePrivate(text)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(s2.Public(), s.Public()) || s2.Scheme() != sc {
				t.Fatal("the parsed key is another key")
			}
			sig2, err := s2.Sign(rand.Reader, msg)
			if err != nil {
				t.Fatal(err)
			}
			if err := Verify(sc, s.Public(), msg, sig2); err != nil {
				t.Fatalf("the parsed key's signature: %v", err)
			}
			text2, _ := MarshalPrivate(s2)
			if !bytes.Equal(text, text2) {
				t.Fatal("the text does not round-trip")
			}
		})
	}
}

func TestEmptySchemeIsEd25519(t *testing.T) {
	s, err := Generate("", rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if s.Scheme() != Ed25519 {
		t.Fatalf("Scheme() = %q", s.Scheme())
	}
	if c, _ := Canonical(""); c != Ed25519 {
		t.Fatalf("Canonical(\"\") = %q", c)
	}
	if Fingerprint("", s.Public()) != Fingerprint(Ed25519, s.Public()) {
		t.Fatal("the fingerprint depends on how Ed25519 is named")
	}
	// The key of an election whose manifest predates schemes verifies as
	// before: a plain crypto/ed25519 signature.
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	if err := Verify("", pub, []byte("m"), ed25519.Sign(priv, []byte("m"))); err != nil {
		t.Fatal(err)
	}
}

// TestRejections: each way a signature can be wrong, for both schemes.
func TestRejections(t *testing.T) {
	msg := []byte("the result")
	signers := map[string]Signer{}
	others := map[string]Signer{}
	sigs := map[string][]byte{}
	for _, sc := range schemeNames {
		signers[sc], _ = Generate(sc, rand.Reader)
		others[sc], _ = Generate(sc, rand.Reader)
		sigs[sc], _ = signers[sc].Sign(rand.Reader, msg)
	}
	for _, sc := range schemeNames {
		other := GOST256
		if sc == GOST256 {
			other = Ed25519
		}
		pub, sig := signers[sc].Public(), sigs[sc]
		for _, x := range []struct {
			name        string
			scheme      string
			pub, m, sig []byte
			want        error
		}{
			{"wrong message", sc, pub, []byte("the result!"), sig, ErrInvalidSignature},
			{"empty message", sc, pub, nil, sig, ErrInvalidSignature},
			{"wrong key", sc, others[sc].Public(), msg, sig, ErrInvalidSignature},
			{"wrong scheme", other, pub, msg, sig, ErrMalformedPublicKey},
			{"wrong scheme, other's key", other, signers[other].Public(), msg, sig, nil},
			{"unknown scheme", sc + "x", pub, msg, sig, ErrUnknownScheme},
			{"another key's signature", sc, pub, msg, mustSign(t, others[sc], msg), ErrInvalidSignature},
			{"truncated signature", sc, pub, msg, sig[:len(sig)-1], ErrMalformedSignature},
			{"nil signature", sc, pub, msg, nil, ErrMalformedSignature},
			{"nil key", sc, nil, msg, sig, ErrMalformedPublicKey},
		} {
			err := Verify(x.scheme, x.pub, x.m, x.sig)
			if x.want == nil {
				// A 64-byte signature of the other scheme: malformed if a
				// value is out of range, else invalid.
				if !errors.Is(err, ErrInvalidSignature) && !errors.Is(err, ErrMalformedSignature) {
					t.Errorf("%s: %s: %v", sc, x.name, err)
				}
				continue
			}
			if !errors.Is(err, x.want) {
				t.Errorf("%s: %s: %v, want %v", sc, x.name, err, x.want)
			}
		}
		// Every single-bit change of the signature is rejected.
		for i := 0; i < len(sig)*8; i++ {
			if Verify(sc, pub, msg, flip(sig, i/8, 1<<(i%8))) == nil {
				t.Fatalf("%s: signature with bit %d changed verifies", sc, i)
			}
		}
	}
}

func mustSign(t *testing.T, s Signer, m []byte) []byte {
	t.Helper()
	sig, err := s.Sign(rand.Reader, m)
	if err != nil {
		t.Fatal(err)
	}
	return sig
}

// TestErrorMessages: the errors say what is wrong, in words a member or an
// operator can act on.
func TestErrorMessages(t *testing.T) {
	s, _ := Generate(GOST256, rand.Reader)
	sig, _ := s.Sign(rand.Reader, []byte("m"))
	for _, x := range []struct {
		err  error
		want string
	}{
		{Verify("gost2012-512", s.Public(), []byte("m"), sig), `sign: unknown signature scheme "gost2012-512" (want "ed25519" or "gost2012-256")`},
		{Verify(GOST256, s.Public()[:10], []byte("m"), sig), "sign: malformed public key: gost2012-256: 10 bytes, want 64"},
		{Verify(GOST256, make([]byte, 64), []byte("m"), sig), "sign: malformed public key: gost2012-256: not a point of the curve"},
		{Verify(GOST256, s.Public(), []byte("m"), sig[:3]), "sign: malformed signature: gost2012-256: 3 bytes, want 64"},
		{Verify(GOST256, s.Public(), []byte("m"), make([]byte, 64)), "sign: malformed signature: gost2012-256: r is not in [1, q-1]"},
		{Verify(GOST256, s.Public(), []byte("x"), sig), "sign: invalid signature: gost2012-256"},
		{Verify(Ed25519, s.Public(), []byte("m"), sig), "sign: malformed public key: ed25519: 64 bytes, want 32"},
		{Verify(Ed25519, cat([]byte{1}, make([]byte, 31)), nil, nil), "sign: malformed public key: ed25519: a point of small order"},
		{Verify(strings.Repeat("x", 100), nil, nil, nil), `sign: unknown signature scheme "` + strings.Repeat("x", 64) + `…" (want "ed25519" or "gost2012-256")`},
	} {
		if x.err == nil || x.err.Error() != x.want {
			t.Errorf("error %q, want %q", x.err, x.want)
		}
	}
	_, err := ParsePrivate([]byte("urna-sign-v1 gost2012-512 AAAA\n"))
	if !errors.Is(err, ErrMalformedPrivateKey) || !errors.Is(err, ErrUnknownScheme) {
		t.Errorf("unknown scheme in a private key: %v", err)
	}
	if _, err := Generate("rsa", rand.Reader); !errors.Is(err, ErrUnknownScheme) {
		t.Errorf("Generate(rsa): %v", err)
	}
}

// TestGenerateIsReproducible: a seeded reader gives the same key (the
// vectors depend on it); different seeds give different keys.
func TestGenerateIsReproducible(t *testing.T) {
	for _, sc := range schemeNames {
		a, _ := Generate(sc, seeded.Reader("a"))
		a2, _ := Generate(sc, seeded.Reader("a"))
		b, _ := Generate(sc, seeded.Reader("b"))
		if !bytes.Equal(a.Public(), a2.Public()) || bytes.Equal(a.Public(), b.Public()) {
			t.Errorf("%s: Generate does not follow its reader", sc)
		}
	}
	if _, err := Generate(GOST256, bytes.NewReader(make([]byte, 10))); err == nil {
		t.Error("Generate succeeded on a short reader")
	}
	if _, err := Generate(Ed25519, nil); err == nil {
		t.Error("Generate succeeded with a nil reader")
	}
}

// TestGOSTHedgedNonce: the GOST nonce depends on the key, the message and
// rand, so that a broken rand (all zeros, or repeating) does not repeat a
// nonce across messages — which would reveal the key.
func TestGOSTHedgedNonce(t *testing.T) {
	s, _ := Generate(GOST256, rand.Reader)
	zeros := func() io.Reader { return bytes.NewReader(make([]byte, 1024)) }
	m1, m2 := []byte("one"), []byte("two")
	a1, _ := s.Sign(zeros(), m1)
	a1again, _ := s.Sign(zeros(), m1)
	a2, _ := s.Sign(zeros(), m2)
	if !bytes.Equal(a1, a1again) {
		t.Error("the same key, message and randomness gave two signatures")
	}
	// r = x(k·P) mod q: equal r means equal k.
	if bytes.Equal(a1[32:], a2[32:]) {
		t.Fatal("a broken random source repeated the nonce across messages")
	}
	fresh, _ := s.Sign(rand.Reader, m1)
	if bytes.Equal(fresh[32:], a1[32:]) {
		t.Error("fresh randomness did not change the nonce")
	}
	for _, sig := range [][]byte{a1, a2, fresh} {
		m := m1
		if bytes.Equal(sig, a2) {
			m = m2
		}
		if err := Verify(GOST256, s.Public(), m, sig); err != nil {
			t.Error(err)
		}
	}
	if _, err := s.Sign(bytes.NewReader(nil), m1); err == nil {
		t.Error("Sign succeeded with an empty random source")
	}
	if _, err := s.Sign(nil, m1); err == nil {
		t.Error("Sign succeeded with a nil random source")
	}
}

// TestGOSTNeutralSum: a signature for which C = z1·P + z2·Q is the neutral
// element (s = r·d mod q) is rejected, whatever r is.
func TestGOSTNeutralSum(t *testing.T) {
	s, _ := Generate(GOST256, seeded.Reader("neutral"))
	d := leInt(s.(privateSigner).privateBytes())
	msg := []byte("m")
	for i := int64(1); i < 20; i++ {
		r := big.NewInt(i)
		sv := new(big.Int).Mul(r, d)
		sv.Mod(sv, gostCurve.Q)
		if err := Verify(GOST256, s.Public(), msg, gostEncodeSignature(r, sv)); !errors.Is(err, ErrInvalidSignature) {
			t.Fatalf("r = %d: %v", i, err)
		}
	}
}

// foreignSigner stands for a key held by a device or provider.
type foreignSigner struct{ Signer }

func TestMarshalPrivateRefusesForeignSigners(t *testing.T) {
	s, _ := Generate(Ed25519, rand.Reader)
	if _, err := MarshalPrivate(foreignSigner{s}); !errors.Is(err, ErrNotExportable) {
		t.Fatalf("MarshalPrivate(foreign) = %v", err)
	}
}

func TestFingerprint(t *testing.T) {
	a, _ := Generate(Ed25519, seeded.Reader("fp"))
	fp := Fingerprint(Ed25519, a.Public())
	if len(fp) != 64 || strings.ToLower(fp) != fp {
		t.Fatalf("fingerprint %q", fp)
	}
	// The scheme is part of what is hashed.
	if Fingerprint(GOST256, a.Public()) == fp {
		t.Fatal("the fingerprint ignores the scheme")
	}
	// Lengths are encoded: moving a byte between fields changes it.
	if Fingerprint("ed2551", append([]byte("9"), a.Public()...)) == Fingerprint("ed25519", a.Public()) {
		t.Fatal("fields are not length-prefixed")
	}
}
