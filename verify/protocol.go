package verify

import (
	"bytes"
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
// differ.
func (r *Report) CheckProtocol(published []byte) {
	failures := r.Failures
	defer func() { r.finish(failures) }()
	want, err := r.Protocol()
	if err != nil {
		failures = append(failures, Failure{Check: CheckProtocolDoc, Index: -1, Reason: err.Error()})
		return
	}
	if bytes.Equal(want, published) {
		return
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
}
