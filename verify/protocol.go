package verify

import (
	"bytes"
	"crypto/x509"
	"fmt"

	"github.com/urna-vote/urna/protocol"
)

// CheckProtocolDoc is the check of a published result protocol.
const CheckProtocolDoc = "PR1" // the protocol is, byte for byte, the one the ledger gives

// Protocol returns the result protocol the verified ledger gives (package
// protocol), tied to the checkpoint that was verified.
func (r *Report) Protocol() ([]byte, error) {
	p, err := protocol.Build(r.state, r.check)
	if err != nil {
		return nil, err
	}
	return p.XML()
}

// CheckProtocol compares a published protocol with the one the ledger
// gives, and adds a failure naming the first differing line if they
// differ. A signed protocol (XML-DSig, protocol.SignXML) is first checked
// against the certificate it carries and stripped of its signature; its
// certificate is returned, for the caller to show whose it is (nil for an
// unsigned protocol, or if the signature fails, which is a failure).
func (r *Report) CheckProtocol(published []byte) *x509.Certificate {
	failures := r.Failures
	defer func() { r.finish(failures) }()
	var signer *x509.Certificate
	if protocol.IsSignedXML(published) {
		doc, cert, err := protocol.VerifyXML(published)
		if err != nil {
			failures = append(failures, Failure{Check: CheckProtocolDoc, Index: -1, Reason: err.Error()})
			return nil
		}
		published, signer = doc, cert
	}
	want, err := r.Protocol()
	if err != nil {
		failures = append(failures, Failure{Check: CheckProtocolDoc, Index: -1, Reason: err.Error()})
		return signer
	}
	if bytes.Equal(want, published) {
		return signer
	}
	got, exp := bytes.Split(published, []byte("\n")), bytes.Split(want, []byte("\n"))
	line := 0
	for line < len(got) && line < len(exp) && bytes.Equal(got[line], exp[line]) {
		line++
	}
	reason := fmt.Sprintf("the published protocol differs from the ledger's at line %d", line+1)
	if line < len(exp) {
		reason += fmt.Sprintf(": the ledger gives %q", bytes.TrimSpace(exp[line]))
	}
	failures = append(failures, Failure{Check: CheckProtocolDoc, Index: -1, Reason: reason})
	return signer
}
