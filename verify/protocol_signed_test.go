package verify_test

import (
	"bytes"
	"crypto/rand"
	"strings"
	"testing"

	"github.com/urna-vote/urna/protocol"
	"github.com/urna-vote/urna/verify"
)

// A signed protocol passes check PR1 once its signature verifies and is
// removed, naming its signer; a signed protocol with a changed count fails
// on the signature, and one whose signature is broken fails even though
// the document under it is the ledger's.
func TestSignedProtocol(t *testing.T) {
	dir := simulated(t)
	r, err := verify.Dir(dir, verify.Options{})
	if err != nil || !r.OK {
		t.Fatalf("%v %v", err, r.Failures)
	}
	doc, err := r.Protocol()
	if err != nil {
		t.Fatal(err)
	}
	pub, err := protocol.GeneratePublisher(rand.Reader, "Протоколы verify test")
	if err != nil {
		t.Fatal(err)
	}
	signed, err := protocol.SignXML(doc, pub)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := verify.Dir(dir, verify.Options{})
	cert := again.CheckProtocol(signed)
	if !again.OK {
		t.Fatalf("the signed protocol fails: %v", again.Failures)
	}
	if cert == nil || protocol.CertificateFingerprint(cert) != pub.Fingerprint() {
		t.Fatalf("signer %v, want %s", cert, pub)
	}
	if unsigned, _ := verify.Dir(dir, verify.Options{}); unsigned.CheckProtocol(doc) != nil || !unsigned.OK {
		t.Fatalf("the unsigned protocol: %v", unsigned.Failures)
	}
	for name, edit := range map[string]func([]byte) []byte{
		"a count": func(b []byte) []byte { return bytes.Replace(b, []byte(`votes="`), []byte(`votes="1`), 1) },
		"the signature value": func(b []byte) []byte {
			return bytes.Replace(b, []byte("<ds:SignatureValue>"), []byte("<ds:SignatureValue>AAAA"), 1)
		},
	} {
		r, _ := verify.Dir(dir, verify.Options{})
		if cert := r.CheckProtocol(edit(signed)); cert != nil || r.OK || len(r.Failures) != 1 ||
			r.Failures[0].Check != verify.CheckProtocolDoc || !strings.Contains(r.Failures[0].Reason, "XML signature") {
			t.Errorf("%s: %v", name, r.Failures)
		}
	}
}
