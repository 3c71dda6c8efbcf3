package credential

import (
	"bytes"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"testing"
)

// FuzzDecodeCredential: DecodeCredential never panics, and anything it
// accepts re-encodes to the same bytes and can be verified without panic.
func FuzzDecodeCredential(f *testing.F) {
	v := readVectors(f)
	n := 0
	add := func(b []byte) { f.Add([]byte(b)); n++ }
	for _, x := range v.Issuance {
		add(x.Credential)
	}
	for _, x := range v.Verify {
		add(x.Credential)
	}
	for _, x := range v.Decode {
		add(x.Credential)
	}
	if n == 0 {
		f.Fatal("no seeds: the vector file has no credentials")
	}
	issuer := v.issuers(f)["district-a"].PublicKey()
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := DecodeCredential(b)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error does not wrap ErrMalformed: %v", err)
			}
			return
		}
		if !bytes.Equal(c.Encode(), b) {
			t.Fatalf("%x re-encodes to %x", b, c.Encode())
		}
		if err := c.Verify(issuer, electionX); err != nil && !errors.Is(err, ErrInvalidSignature) {
			t.Fatalf("Verify: %v", err)
		}
	})
}

// FuzzParsePublicKey: ParsePublicKey never panics; what it accepts
// re-encodes to the same bytes, follows the key rules and is read the same
// by crypto/x509; and every key crypto/x509 reads that follows the rules
// and is in canonical DER, it accepts.
func FuzzParsePublicKey(f *testing.F) {
	v := readVectors(f)
	n := 0
	for _, x := range v.PublicKeys {
		f.Add([]byte(x.PublicKey))
		n++
	}
	if n == 0 {
		f.Fatal("no seeds: the vector file has no public keys")
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		pub, err := ParsePublicKey(b)
		xk, xerr := x509.ParsePKIXPublicKey(b)
		xpub, isRSA := xk.(*rsa.PublicKey)
		if err != nil {
			if !errors.Is(err, ErrInvalidIssuerKey) {
				t.Fatalf("error does not wrap ErrInvalidIssuerKey: %v", err)
			}
			if xerr == nil && isRSA && checkPublicKey(xpub) == nil {
				if der, _ := x509.MarshalPKIXPublicKey(xpub); bytes.Equal(der, b) {
					t.Fatalf("rejected a canonical key that crypto/x509 reads: %v", err)
				}
			}
			return
		}
		if !bytes.Equal(MarshalPublicKey(pub), b) {
			t.Fatal("does not re-encode to the same bytes")
		}
		if checkPublicKey(pub) != nil {
			t.Fatal("accepted a key that breaks the rules")
		}
		if xerr != nil || !isRSA || xpub.N.Cmp(pub.N) != 0 || xpub.E != pub.E {
			t.Fatalf("crypto/x509 reads it differently: %v", xerr)
		}
	})
}
