package protocol_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/urna-vote/urna/protocol"
)

// FuzzVerifyXML feeds VerifyXML outside data, seeded from the golden
// signed and unsigned protocols: it never panics, fails only with
// ErrXMLSignature, and what it accepts is the input with one span cut out
// that carries no signature and verifies no more. Each input costs an
// RSA verification, so minimizing the large seeds takes long: fuzz with
// go test -fuzz FuzzVerifyXML -fuzzminimizetime 2s ./protocol.
func FuzzVerifyXML(f *testing.F) {
	var seeds int
	for _, name := range []string{"protocol.signed.xml", "protocol.xml"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		seeds++
	}
	signed, _ := os.ReadFile(filepath.Join("testdata", "protocol.signed.xml"))
	f.Add(bytes.Replace(signed, []byte(`votes="612"`), []byte(`votes="613"`), 1))
	f.Add(bytes.Replace(signed, []byte("</protocol>"), []byte("</protocol><x/>"), 1))
	f.Add([]byte(`<protocol xmlns="urn:urna:protocol:1"><Signature xmlns="http://www.w3.org/2000/09/xmldsig#"/></protocol>`))
	if seeds == 0 {
		f.Fatal("no seeds")
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		doc, cert, err := protocol.VerifyXML(b)
		if err != nil {
			if !errors.Is(err, protocol.ErrXMLSignature) {
				t.Fatalf("an error that is not ErrXMLSignature: %v", err)
			}
			return
		}
		if cert == nil || len(doc) >= len(b) || protocol.IsSignedXML(doc) {
			t.Fatalf("accepted, but returned %d bytes of %d, certificate %v", len(doc), len(b), cert)
		}
		i := 0
		for i < len(doc) && doc[i] == b[i] {
			i++
		}
		if !bytes.Equal(doc[i:], b[len(b)-(len(doc)-i):]) {
			t.Fatal("the unsigned document is not the input with one span cut out")
		}
		if _, _, err := protocol.VerifyXML(doc); err == nil {
			t.Fatal("the unsigned document verifies")
		}
	})
}

// FuzzParsePublisher: the stored publication key and certificate are read
// from files; ParsePublisher never panics and what it accepts re-encodes
// to the same PEM.
func FuzzParsePublisher(f *testing.F) {
	k, err := os.ReadFile(filepath.Join("testdata", "publisher.key"))
	if err != nil {
		f.Fatal(err)
	}
	c, err := os.ReadFile(filepath.Join("testdata", "publisher.crt"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(k, c)
	f.Add(c, k)
	f.Add(k, k)
	f.Fuzz(func(t *testing.T, key, cert []byte) {
		pub, err := protocol.ParsePublisher(key, cert)
		if err != nil {
			if !errors.Is(err, protocol.ErrPublisher) {
				t.Fatalf("an error that is not ErrPublisher: %v", err)
			}
			return
		}
		k2, c2, err := pub.MarshalPEM()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := protocol.ParsePublisher(k2, c2); err != nil {
			t.Fatalf("re-encoded publisher does not parse: %v", err)
		}
		if !bytes.Equal(bytes.TrimSpace(c2), bytes.TrimSpace(cert)) {
			t.Fatal("the certificate does not re-encode to itself")
		}
	})
}
