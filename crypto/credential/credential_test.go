package credential

import (
	"bytes"
	crand "crypto/rand"
	"crypto/rsa"
	"errors"
	"github.com/gtank/ristretto255"
	"io"
	"math/big"
	"strings"
	"testing"

	"github.com/urna-vote/urna/internal/seeded"
)

var (
	electionX = [32]byte{'X'}
	electionY = [32]byte{'Y'}
)

// issue runs a whole issuance with fresh randomness.
func issue(t testing.TB, is *Issuer, election [32]byte, district string) (*Request, []byte, *Credential) {
	t.Helper()
	req, err := NewRequest(crand.Reader, is.PublicKey(), election, district)
	if err != nil {
		t.Fatal(err)
	}
	blindSig, err := is.BlindSign(req.Blinded())
	if err != nil {
		t.Fatal(err)
	}
	c, err := req.Finalize(blindSig)
	if err != nil {
		t.Fatal(err)
	}
	return req, blindSig, c
}

func TestIssuance(t *testing.T) {
	issuers := testIssuers(t)
	for _, district := range []string{"district-a", "district-c"} {
		t.Run(district, func(t *testing.T) {
			is := issuers[district]
			req, _, c := issue(t, is, electionX, district)
			if err := c.Verify(is.PublicKey(), electionX); err != nil {
				t.Fatal(err)
			}
			// What the ballot box sees: the encoding.
			d, err := DecodeCredential(c.Encode())
			if err != nil {
				t.Fatal(err)
			}
			if err := d.Verify(is.PublicKey(), electionX); err != nil {
				t.Fatal(err)
			}
			if d.District() != district || len(d.Signature()) != is.PublicKey().Size() {
				t.Fatalf("district %q, %d-byte signature", d.District(), len(d.Signature()))
			}
			// The device's key signs ballots that verify under the credential.
			key, err := req.Key()
			if err != nil {
				t.Fatal(err)
			}
			if key.Credential() != c || !bytes.Equal(key.PublicKey(), c.PublicKey()) {
				t.Fatal("key and credential differ")
			}
			// The device's secret is the credential's key: x·G.
			if !bytes.Equal(ristretto255.NewIdentityElement().ScalarBaseMult(key.Secret().Scalar()).Bytes(), d.PublicKey()) {
				t.Fatal("the credential does not certify the device's key")
			}
			// Restored from storage.
			restored, err := NewKey(key.SecretBytes(), d)
			if err != nil {
				t.Fatal(err)
			}
			if !restored.Secret().Equal(key.Secret()) {
				t.Fatal("restored key differs")
			}
		})
	}
}

func TestKeyBeforeFinalize(t *testing.T) {
	is := testIssuers(t)["district-a"]
	req, err := NewRequest(crand.Reader, is.PublicKey(), electionX, "district-a")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := req.Key(); !errors.Is(err, ErrNotFinalized) {
		t.Fatalf("Key before Finalize: %v", err)
	}
	if _, err := req.Finalize(make([]byte, 256)); err == nil {
		t.Fatal("Finalize accepted zeros")
	}
	if _, err := req.Key(); !errors.Is(err, ErrNotFinalized) {
		t.Fatalf("Key after a failed Finalize: %v", err)
	}
}

// TestAttackOtherDistrictKey: a credential of district A does not verify
// under district B's key.
func TestAttackOtherDistrictKey(t *testing.T) {
	issuers := testIssuers(t)
	_, _, c := issue(t, issuers["district-a"], electionX, "district-a")
	err := c.Verify(issuers["district-b"].PublicKey(), electionX)
	if !errors.Is(err, ErrInvalidSignature) {
		t.Fatalf("verified under another district's key: %v", err)
	}
}

// TestAttackDistrictInBlindedMessage: a voter of district A asks A's
// issuer to sign a message naming district B. The issuer cannot see it; the
// credential fails under B's key, which the manifest lists for B.
func TestAttackDistrictInBlindedMessage(t *testing.T) {
	issuers := testIssuers(t)
	a, b := issuers["district-a"], issuers["district-b"]
	req, err := NewRequest(crand.Reader, a.PublicKey(), electionX, "district-b")
	if err != nil {
		t.Fatal(err)
	}
	blindSig, err := a.BlindSign(req.Blinded())
	if err != nil {
		t.Fatal(err)
	}
	c, err := req.Finalize(blindSig)
	if err != nil {
		t.Fatal(err)
	}
	if c.District() != "district-b" {
		t.Fatal("district")
	}
	if err := c.Verify(b.PublicKey(), electionX); !errors.Is(err, ErrInvalidSignature) {
		t.Fatalf("verified under district-b's key: %v", err)
	}
}

// TestAttackRelabelDistrict: changing the district of a credential breaks
// its signature even under the key the signature was made with.
func TestAttackRelabelDistrict(t *testing.T) {
	is := testIssuers(t)["district-a"]
	_, _, c := issue(t, is, electionX, "district-a")
	d := *c
	d.district = "district-b"
	if err := d.Verify(is.PublicKey(), electionX); !errors.Is(err, ErrInvalidSignature) {
		t.Fatalf("relabelled credential verified: %v", err)
	}
}

// TestAttackOtherElection: a credential of election X does not verify for
// election Y, even under the same issuer key.
func TestAttackOtherElection(t *testing.T) {
	is := testIssuers(t)["district-a"]
	_, _, c := issue(t, is, electionX, "district-a")
	if err := c.Verify(is.PublicKey(), electionY); !errors.Is(err, ErrInvalidSignature) {
		t.Fatalf("verified for another election: %v", err)
	}
}

// TestAttackTamperedCredential: every bit of key, prefix and signature is
// covered by the signature.
func TestAttackTamperedCredential(t *testing.T) {
	is := testIssuers(t)["district-a"]
	_, _, c := issue(t, is, electionX, "district-a")
	_, _, other := issue(t, is, electionX, "district-a")
	tests := []struct {
		name   string
		change func(d *Credential)
	}{
		{"another voter's public key", func(d *Credential) { d.key = other.key }},
		{"public key byte 0", func(d *Credential) { d.key[0] ^= 1 }},
		{"public key byte 31", func(d *Credential) { d.key[31] ^= 0x40 }},
		{"prefix byte 0", func(d *Credential) { d.prefix[0] ^= 1 }},
		{"prefix byte 31", func(d *Credential) { d.prefix[31] ^= 0x80 }},
		{"another credential's prefix", func(d *Credential) { d.prefix = other.prefix }},
		{"signature byte 0", func(d *Credential) { d.sig = flip(d.sig, 0) }},
		{"signature byte 100", func(d *Credential) { d.sig = flip(d.sig, 100) }},
		{"signature last byte", func(d *Credential) { d.sig = flip(d.sig, len(d.sig)-1) }},
		{"another credential's signature", func(d *Credential) { d.sig = other.sig }},
		{"signature one byte short", func(d *Credential) { d.sig = d.sig[1:] }},
		{"signature with a leading zero byte", func(d *Credential) { d.sig = cat([]byte{0}, d.sig) }},
		{"signature plus the modulus", func(d *Credential) {
			s := new(big.Int).Add(new(big.Int).SetBytes(d.sig), is.sk.N)
			d.sig = s.Bytes()
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := *c
			d.sig = append([]byte(nil), c.sig...)
			tt.change(&d)
			if err := d.Verify(is.PublicKey(), electionX); !errors.Is(err, ErrInvalidSignature) {
				t.Fatalf("tampered credential: %v", err)
			}
		})
	}
	if err := c.Verify(is.PublicKey(), electionX); err != nil {
		t.Fatalf("the original no longer verifies: %v", err)
	}
}

func TestVerifyRejectsBadIssuerKey(t *testing.T) {
	is := testIssuers(t)["district-a"]
	_, _, c := issue(t, is, electionX, "district-a")
	n := is.PublicKey().N
	for name, pub := range map[string]*rsa.PublicKey{
		"nil":          nil,
		"no modulus":   {E: PublicExponent},
		"e = 3":        {N: n, E: 3},
		"1024 bits":    {N: new(big.Int).Rsh(n, 1024), E: PublicExponent},
		"even modulus": {N: new(big.Int).Sub(n, big.NewInt(1)), E: PublicExponent},
	} {
		if err := c.Verify(pub, electionX); !errors.Is(err, ErrInvalidIssuerKey) {
			t.Errorf("%s: %v", name, err)
		}
		if _, err := NewRequest(crand.Reader, pub, electionX, "district-a"); !errors.Is(err, ErrInvalidIssuerKey) {
			t.Errorf("NewRequest, %s: %v", name, err)
		}
	}
}

func TestBlindSignRejectsBadInput(t *testing.T) {
	is := testIssuers(t)["district-a"]
	k := is.PublicKey().Size()
	n := is.PublicKey().N
	tests := []struct {
		name    string
		blinded []byte
		want    string
	}{
		{"empty", nil, "length"},
		{"one byte short", make([]byte, k-1), "length"},
		{"one byte long", make([]byte, k+1), "length"},
		{"twice the length", make([]byte, 2*k), "length"},
		{"the modulus", n.FillBytes(make([]byte, k)), "not below the modulus"},
		{"the modulus plus one", new(big.Int).Add(n, big.NewInt(1)).FillBytes(make([]byte, k)), "not below the modulus"},
		{"all ones", bytes.Repeat([]byte{0xff}, k), "not below the modulus"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := is.BlindSign(tt.blinded)
			if !errors.Is(err, ErrInvalidBlindedMessage) || !strings.Contains(err.Error(), tt.want) || s != nil {
				t.Fatalf("BlindSign: %v", err)
			}
		})
	}
	// n − 1 is in range.
	if _, err := is.BlindSign(new(big.Int).Sub(n, big.NewInt(1)).FillBytes(make([]byte, k))); err != nil {
		t.Fatalf("n − 1: %v", err)
	}
}

// TestBlindSignChecksItsSignature: RFC 9474 §4.3 has the signer check
// s^e = m before releasing s, against faults in the private-key operation
// (a faulty CRT signature reveals a factor of n). This test holds BlindSign
// to it with a fault in one half of the CRT computation.
func TestBlindSignChecksItsSignature(t *testing.T) {
	good := testIssuers(t)["district-a"]
	faulty, err := newIssuer(good.sk)
	if err != nil {
		t.Fatal(err)
	}
	faulty.dp = new(big.Int).Add(new(big.Int).SetBytes(faulty.dp), big.NewInt(2)).Bytes()
	req, err := NewRequest(crand.Reader, good.PublicKey(), electionX, "district-a")
	if err != nil {
		t.Fatal(err)
	}
	s, err := faulty.BlindSign(req.Blinded())
	if !errors.Is(err, ErrSigningFailure) || s != nil {
		t.Fatalf("a faulty signature was released: %v", err)
	}
	if _, err := good.BlindSign(req.Blinded()); err != nil {
		t.Fatal(err)
	}
}

func TestFinalizeRejectsWrongBlindSignature(t *testing.T) {
	issuers := testIssuers(t)
	a := issuers["district-a"]
	req, err := NewRequest(crand.Reader, a.PublicKey(), electionX, "district-a")
	if err != nil {
		t.Fatal(err)
	}
	other, err := NewRequest(crand.Reader, a.PublicKey(), electionX, "district-a")
	if err != nil {
		t.Fatal(err)
	}
	good, err := a.BlindSign(req.Blinded())
	if err != nil {
		t.Fatal(err)
	}
	overOther, err := a.BlindSign(other.Blinded())
	if err != nil {
		t.Fatal(err)
	}
	byB, err := issuers["district-b"].BlindSign(req.Blinded())
	if err != nil {
		t.Fatal(err)
	}
	random := make([]byte, len(good))
	crand.Read(random[1:])
	tests := []struct {
		name     string
		blindSig []byte
	}{
		{"over another blinded message", overOther},
		{"by another district's key", byB},
		{"one bit changed", flip(good, len(good)/2)},
		{"random", random},
		{"zero", make([]byte, len(good))},
		{"the blinded message itself", req.Blinded()},
		{"empty", nil},
		{"one byte short", good[1:]},
		{"one byte long", cat([]byte{0}, good)},
		{"the modulus", a.sk.N.FillBytes(make([]byte, len(good)))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := req.Finalize(tt.blindSig)
			if !errors.Is(err, ErrInvalidBlindSignature) || c != nil {
				t.Fatalf("Finalize: %v", err)
			}
		})
	}
	if _, err := req.Finalize(good); err != nil {
		t.Fatalf("the right blind signature after wrong ones: %v", err)
	}
}

// TestUnlinkability is a smoke test: nothing the issuer sees equals or
// contains what later appears on a ballot.
func TestUnlinkability(t *testing.T) {
	is := testIssuers(t)["district-a"]
	pub := is.PublicKey()
	req, blindSig, c := issue(t, is, electionX, "district-a")
	blinded := req.Blinded()
	em := rsaPublic(pub.N, pub.E, c.sig, pub.Size())
	digest := message(electionX, c.district, c.key[:])
	seen := map[string][]byte{"blinded message": blinded, "blind signature": blindSig}
	public := map[string][]byte{
		"signature": c.sig, "encoded message": em, "credential": c.Encode(),
	}
	for sn, s := range seen {
		for pn, p := range public {
			if bytes.Equal(s, p) {
				t.Errorf("%s equals the %s", sn, pn)
			}
		}
		for pn, p := range map[string][]byte{"public key": c.key[:], "prefix": c.prefix[:], "message": digest[:]} {
			if bytes.Contains(s, p[:8]) {
				t.Errorf("%s contains the start of the %s", sn, pn)
			}
		}
	}
	// The same voter asking twice sends unrelated blinded messages.
	again, err := NewRequest(crand.Reader, pub, electionX, "district-a")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(again.Blinded(), blinded) {
		t.Error("two requests sent the same blinded message")
	}
}

func TestNewRequestRejectsBadDistrict(t *testing.T) {
	pub := testIssuers(t)["district-a"].PublicKey()
	for _, d := range []string{"", strings.Repeat("a", 65), "a\nb", "a\x00", "\x7f", "a\u0085", "\xff", "tab\there"} {
		if _, err := NewRequest(crand.Reader, pub, electionX, d); !errors.Is(err, ErrInvalidDistrict) {
			t.Errorf("district %q: %v", d, err)
		}
	}
	for _, d := range []string{"a", strings.Repeat("a", 64), "Тверской 1", "district-a"} {
		if _, err := NewRequest(crand.Reader, pub, electionX, d); err != nil {
			t.Errorf("district %q: %v", d, err)
		}
	}
}

// TestNewRequestReadsSeedThenPrefix pins the order in which NewRequest
// reads its randomness (SPEC.md): the Ed25519 seed, then the prefix.
func TestNewRequestReadsSeedThenPrefix(t *testing.T) {
	is := testIssuers(t)["district-a"]
	req, err := NewRequest(seeded.Reader("order"), is.PublicKey(), electionX, "district-a")
	if err != nil {
		t.Fatal(err)
	}
	first := make([]byte, 96)
	io.ReadFull(seeded.Reader("order"), first)
	c, err := req.Finalize(mustBlindSign(t, is, req.Blinded()))
	if err != nil {
		t.Fatal(err)
	}
	key, _ := req.Key()
	x := ristretto255.NewScalar().FromUniformBytes(first[:64])
	if !bytes.Equal(key.SecretBytes(), x.Bytes()) || !bytes.Equal(c.Prefix(), first[64:]) {
		t.Fatal("randomness read in another order")
	}
	again, err := NewRequest(seeded.Reader("order"), is.PublicKey(), electionX, "district-a")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again.Blinded(), req.Blinded()) {
		t.Fatal("the same randomness gave another blinded message")
	}
}

func mustBlindSign(t *testing.T, is *Issuer, blinded []byte) []byte {
	t.Helper()
	s, err := is.BlindSign(blinded)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestNewRequestShortRandomness(t *testing.T) {
	pub := testIssuers(t)["district-a"].PublicKey()
	for _, n := range []int{0, 31, 32, 63, 64, 111} {
		r := io.LimitReader(seeded.Reader("short"), int64(n))
		if _, err := NewRequest(r, pub, electionX, "district-a"); err == nil {
			t.Errorf("%d bytes of randomness were enough", n)
		}
	}
}

func TestNewIssuer(t *testing.T) {
	good := testIssuers(t)["district-a"]
	if _, err := NewIssuer(nil); !errors.Is(err, ErrInvalidIssuerKey) {
		t.Errorf("nil: %v", err)
	}
	sk := *good.sk
	sk.D = new(big.Int).Add(sk.D, big.NewInt(2))
	if _, err := NewIssuer(&sk); !errors.Is(err, ErrInvalidIssuerKey) {
		t.Errorf("corrupted private exponent: %v", err)
	}
	sk = *good.sk
	sk.PublicKey.E = 3
	if _, err := NewIssuer(&sk); !errors.Is(err, ErrInvalidIssuerKey) {
		t.Errorf("e = 3: %v", err)
	}
	for _, bits := range []int{0, 1024, 2047, 4097, 8192} {
		if _, err := GenerateIssuer(crand.Reader, bits); !errors.Is(err, ErrInvalidIssuerKey) {
			t.Errorf("GenerateIssuer(%d): %v", bits, err)
		}
	}
	if testing.Short() {
		return
	}
	is, err := GenerateIssuer(crand.Reader, DefaultModulusBits)
	if err != nil {
		t.Fatal(err)
	}
	if is.PublicKey().N.BitLen() != DefaultModulusBits || is.PrivateKey().Validate() != nil {
		t.Fatal("generated key")
	}
	issue(t, is, electionX, "district-z")
}

func TestNewKey(t *testing.T) {
	is := testIssuers(t)["district-a"]
	req, _, c := issue(t, is, electionX, "district-a")
	key, _ := req.Key()
	if _, err := NewKey(key.SecretBytes(), c); err != nil {
		t.Fatal(err)
	}
	other := append([]byte(nil), key.SecretBytes()...)
	other[0] ^= 1
	if _, err := NewKey(other, c); !errors.Is(err, ErrKeyMismatch) {
		t.Errorf("another seed: %v", err)
	}
	for _, n := range []int{0, 31, 32, 33, 64} {
		if _, err := NewKey(make([]byte, n), c); err == nil {
			t.Errorf("%d-byte seed accepted", n)
		}
	}
	if _, err := NewKey(key.SecretBytes(), nil); err == nil {
		t.Error("nil credential accepted")
	}
	key.Zero()
	if !bytes.Equal(key.SecretBytes(), make([]byte, SecretSize)) {
		t.Error("Zero left key bytes")
	}
}

// TestLongestCredential: a 64-byte district and a 4096-bit signature make
// a credential of exactly MaxEncodedLen bytes, which decodes.
func TestLongestCredential(t *testing.T) {
	_, _, real := issue(t, testIssuers(t)["district-a"], electionX, "district-a")
	c := &Credential{district: strings.Repeat("d", MaxDistrictLen), key: real.key, sig: bytes.Repeat([]byte{1}, MaxSignatureSize)}
	enc := c.Encode()
	if len(enc) != MaxEncodedLen {
		t.Fatalf("%d bytes, MaxEncodedLen %d", len(enc), MaxEncodedLen)
	}
	d, err := DecodeCredential(enc)
	if err != nil || !bytes.Equal(d.Encode(), enc) {
		t.Fatalf("decode: %v", err)
	}
}
