package protocol_test

import (
	"bytes"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/urna-vote/urna/internal/golden"
	"github.com/urna-vote/urna/protocol"
)

// The signed protocol of the golden sample is byte for byte the stored
// one (RSA PKCS #1 v1.5 is deterministic), verifies, and strips back to
// the unsigned document.
func TestGoldenSignedXML(t *testing.T) {
	pub := testPublisher(t)
	doc := mustXML(t, sample())
	golden.Check(t, filepath.Join("testdata", "protocol.xml"), doc)
	signed, err := protocol.SignXML(doc, pub)
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join("testdata", "protocol.signed.xml"), signed)
	back, cert, err := protocol.VerifyXML(signed)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(back, doc) {
		t.Fatal("the verified document is not the unsigned one")
	}
	if got := protocol.CertificateFingerprint(cert); got != pub.Fingerprint() {
		t.Fatalf("certificate %s, want %s", got, pub.Fingerprint())
	}
	if !protocol.IsSignedXML(signed) || protocol.IsSignedXML(doc) {
		t.Error("IsSignedXML does not tell signed from unsigned")
	}
	for _, want := range []string{`scheme="gost2012-256"`, "Щукина Анна Сергеевна", "</times>\n<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\">", "</ds:Signature></protocol>\n"} {
		if !bytes.Contains(signed, []byte(want)) {
			t.Errorf("the signed protocol lacks %q", want)
		}
	}
}

// Debian's xmlsec1 verifies the signature with the publication
// certificate, both as a trusted certificate and as a bare public key,
// and rejects the document once one character of a count changes.
func TestXMLSec1(t *testing.T) {
	xmlsec := tool(t, "xmlsec1", "xmlsec1")
	pub := freshPublisher(t)
	signed, err := protocol.SignXML(mustXML(t, sample()), pub)
	if err != nil {
		t.Fatal(err)
	}
	crt := write(t, "publisher.crt", pub.CertificatePEM())
	file := write(t, "protocol.signed.xml", signed)
	for _, how := range []string{"--trusted-pem", "--pubkey-cert-pem"} {
		if out, ok := run(t, xmlsec, "--verify", how, crt, file); !ok || !strings.Contains(out, "OK") {
			t.Fatalf("xmlsec1 --verify %s rejects the signed protocol: %s", how, oneLine(out))
		}
	}
	// As a trusted certificate, it is a trust anchor: nothing but OK.
	if out, _ := run(t, xmlsec, "--verify", "--trusted-pem", crt, file); !strings.HasPrefix(out, "OK\n") {
		t.Errorf("xmlsec1 --verify --trusted-pem complains: %s", oneLine(out))
	}
	tampered := bytes.Replace(signed, []byte(`votes="612"`), []byte(`votes="613"`), 1)
	if bytes.Equal(tampered, signed) {
		t.Fatal("no count to change")
	}
	if out, ok := run(t, xmlsec, "--verify", "--trusted-pem", crt, write(t, "tampered.xml", tampered)); ok {
		t.Fatalf("xmlsec1 accepts a changed count: %s", oneLine(out))
	}
	// Another key's certificate is not trusted.
	other := write(t, "other.crt", testPublisher(t).CertificatePEM())
	if out, ok := run(t, xmlsec, "--verify", "--trusted-pem", other, file); ok {
		t.Fatalf("xmlsec1 trusts the signature with another certificate: %s", oneLine(out))
	}
}

// Each way of changing a signed protocol is rejected by VerifyXML, with
// ErrXMLSignature.
func TestVerifyXMLRejects(t *testing.T) {
	pub := testPublisher(t)
	doc := mustXML(t, sample())
	signed, err := protocol.SignXML(doc, pub)
	if err != nil {
		t.Fatal(err)
	}
	other, err := protocol.SignXML(doc, freshPublisher(t))
	if err != nil {
		t.Fatal(err)
	}
	sigOf := func(b []byte) []byte {
		i := bytes.Index(b, []byte("<ds:Signature"))
		j := bytes.Index(b, []byte("</ds:Signature>")) + len("</ds:Signature>")
		return b[i:j]
	}
	replace := func(old, new string) []byte {
		out := bytes.Replace(signed, []byte(old), []byte(new), 1)
		if bytes.Equal(out, signed) {
			t.Fatalf("%q is not in the signed protocol", old)
		}
		return out
	}
	for name, b := range map[string][]byte{
		"a count changed":          replace(`votes="612"`, `votes="613"`),
		"a title changed":          replace("Глава города", "Глава  города"),
		"a member added":           replace("</commission>", `  <member id="x"><name>X</name><key-sha256>00</key-sha256></member></commission>`),
		"a comment added":          replace("<counts>", "<!-- --><counts>"),
		"the signature value":      replace("<ds:SignatureValue>", "<ds:SignatureValue>AAAA"),
		"another key's signature":  swapValue(t, signed, other),
		"the signature removed":    bytes.Replace(signed, sigOf(signed), nil, 1),
		"two signatures":           bytes.Replace(signed, []byte("</protocol>"), append(bytes.Clone(sigOf(signed)), "</protocol>"...), 1),
		"a processing instruction": replace("<counts>", "<?x y?><counts>"),
		"the signature nested":     bytes.Replace(bytes.Replace(signed, sigOf(signed), nil, 1), []byte("</counts>"), append(bytes.Clone(sigOf(signed)), "</counts>"...), 1),
		"SHA-1":                    replace("xmldsig-more#rsa-sha256", "xmldsig#rsa-sha1"),
		"inclusive c14n":           replace(`<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>`, `<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2006/12/xml-c14n11"/>`),
		"a DOCTYPE":                replace("<protocol ", "<!DOCTYPE protocol><protocol "),
		"another root":             replace(`<protocol xmlns="urn:urna:protocol:1">`, `<protocol xmlns="urn:other">`),
		"text after the root":      append(bytes.Clone(signed), "x"...),
		"truncated":                signed[:len(signed)-20],
		"not UTF-8":                replace("Глава", "\xff\xfe"),
		"empty":                    nil,
	} {
		if _, _, err := protocol.VerifyXML(b); !errors.Is(err, protocol.ErrXMLSignature) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// swapValue puts b's SignatureValue in a, which keeps a's certificate.
func swapValue(t *testing.T, a, b []byte) []byte {
	t.Helper()
	value := func(x []byte) []byte {
		i := bytes.Index(x, []byte("<ds:SignatureValue>"))
		j := bytes.Index(x, []byte("</ds:SignatureValue>"))
		return x[i:j]
	}
	return bytes.Replace(a, value(a), value(b), 1)
}

// A document signed twice, or one that is not a protocol, is refused.
func TestSignXMLRefuses(t *testing.T) {
	pub := testPublisher(t)
	signed, err := protocol.SignXML(mustXML(t, sample()), pub)
	if err != nil {
		t.Fatal(err)
	}
	for name, doc := range map[string][]byte{
		"signed":         signed,
		"not a protocol": []byte(`<?xml version="1.0" encoding="UTF-8"?>` + "\n<other/>\n"),
		"not XML":        []byte("protocol"),
	} {
		if _, err := protocol.SignXML(doc, pub); err == nil {
			t.Errorf("%s: signed", name)
		}
	}
}

// A protocol of a thousand districts (thousands of elements, beyond
// goxmldsig's own validation limit) signs and verifies, here and with
// xmlsec1, and a changed count in its last district is caught.
func TestLargeSignedXML(t *testing.T) {
	pub := testPublisher(t)
	doc := mustXML(t, manyDistricts(1000))
	signed, err := protocol.SignXML(doc, pub)
	if err != nil {
		t.Fatal(err)
	}
	back, _, err := protocol.VerifyXML(signed)
	if err != nil || !bytes.Equal(back, doc) {
		t.Fatalf("%v", err)
	}
	i := bytes.LastIndex(signed, []byte(`votes="101"`))
	if i < 0 {
		t.Fatal("no count to change")
	}
	tampered := bytes.Clone(signed)
	tampered[i+len(`votes="10`)] = '6'
	if _, _, err := protocol.VerifyXML(tampered); !errors.Is(err, protocol.ErrXMLSignature) || !strings.Contains(err.Error(), "digest") {
		t.Fatalf("a changed count in the last district: %v", err)
	}
	xmlsec := tool(t, "xmlsec1", "xmlsec1")
	crt := write(t, "publisher.crt", pub.CertificatePEM())
	if out, ok := run(t, xmlsec, "--verify", "--trusted-pem", crt, write(t, "large.xml", signed)); !ok {
		t.Fatalf("xmlsec1: %s", oneLine(out))
	}
	if out, ok := run(t, xmlsec, "--verify", "--trusted-pem", crt, write(t, "tampered.xml", tampered)); ok {
		t.Fatalf("xmlsec1 accepts a changed count: %s", oneLine(out))
	}
}
