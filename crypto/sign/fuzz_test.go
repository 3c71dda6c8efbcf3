package sign

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"testing"

	"github.com/deatil/go-cryptobin/hash/gost/gost34112012256"
	"github.com/deatil/go-cryptobin/pubkey/gost"
)

// FuzzParsePrivate: ParsePrivate never panics; anything it accepts
// re-encodes to the same bytes and gives a working key; every error wraps
// ErrMalformedPrivateKey.
func FuzzParsePrivate(f *testing.F) {
	v := readVectors(f)
	n := 0
	for _, x := range v.Private {
		f.Add([]byte(x.Text))
		n++
	}
	for _, x := range v.Keys {
		f.Add([]byte(x.Private))
		n++
	}
	if n == 0 {
		f.Fatal("no seeds: the vector file has no private keys")
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := ParsePrivate(b)
		if err != nil {
			if !errors.Is(err, ErrMalformedPrivateKey) {
				t.Fatalf("error does not wrap ErrMalformedPrivateKey: %v", err)
			}
			return
		}
		again, err := MarshalPrivate(s)
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("%q re-encodes to %q (%v)", b, again, err)
		}
		if err := CheckPublicKey(s.Scheme(), s.Public()); err != nil {
			t.Fatalf("its public key: %v", err)
		}
		sig, err := s.Sign(rand.Reader, b)
		if err != nil {
			t.Fatal(err)
		}
		if err := Verify(s.Scheme(), s.Public(), b, sig); err != nil {
			t.Fatalf("its signature: %v", err)
		}
	})
}

// FuzzVerify: Verify never panics and returns one of its error classes; a
// key it accepts passes CheckPublicKey; and what it accepts, the reference
// verifiers accept too (crypto/ed25519; go-cryptobin's GOST verification).
func FuzzVerify(f *testing.F) {
	v := readVectors(f)
	n := 0
	for _, x := range v.Verify {
		f.Add(x.Scheme, []byte(x.Public), []byte(x.Message), []byte(x.Signature))
		n++
	}
	for _, x := range v.PublicKeys {
		f.Add(x.Scheme, []byte(x.Public), []byte{}, []byte{})
		n++
	}
	if n == 0 {
		f.Fatal("no seeds: the vector file has no verify vectors")
	}
	f.Fuzz(func(t *testing.T, scheme string, public, message, sig []byte) {
		err := Verify(scheme, public, message, sig)
		keyErr := CheckPublicKey(scheme, public)
		if err != nil {
			if !errors.Is(err, ErrUnknownScheme) && !errors.Is(err, ErrMalformedPublicKey) &&
				!errors.Is(err, ErrMalformedSignature) && !errors.Is(err, ErrInvalidSignature) {
				t.Fatalf("unclassified error: %v", err)
			}
			if keyErr == nil && (errors.Is(err, ErrMalformedPublicKey) || errors.Is(err, ErrUnknownScheme)) {
				t.Fatalf("Verify rejects a key CheckPublicKey accepts: %v", err)
			}
			return
		}
		if keyErr != nil {
			t.Fatalf("Verify accepted a key CheckPublicKey rejects: %v", keyErr)
		}
		switch c, _ := Canonical(scheme); c {
		case Ed25519:
			if !ed25519.Verify(public, message, sig) {
				t.Fatal("accepted a signature crypto/ed25519 rejects")
			}
		case GOST256:
			pub, err := gost.NewPublicKey(gostCurve, public)
			if err != nil {
				t.Fatalf("go-cryptobin rejects the key: %v", err)
			}
			h := gost34112012256.New()
			h.Write(message)
			if ok, err := gost.Verify(pub, h.Sum(nil), sig); !ok || err != nil {
				t.Fatalf("accepted a signature go-cryptobin rejects (%v)", err)
			}
		default:
			t.Fatalf("accepted scheme %q", scheme)
		}
	})
}
