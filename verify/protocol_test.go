package verify_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/urna-vote/urna/verify"
)

// The result protocol is rebuilt from the ledger byte for byte: the one a
// verification writes passes check PR1 on another verification of the
// same ledger, and any change to it — a count, the checkpoint it embeds —
// is named with its line.
func TestProtocolRebuilt(t *testing.T) {
	dir := simulated(t)
	r, err := verify.Dir(dir, verify.Options{})
	if err != nil || !r.OK {
		t.Fatalf("%v %v", err, r.Failures)
	}
	doc, err := r.Protocol()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`<protocol xmlns="urn:urna:protocol:1">`, "<ballots-counted>40</ballots-counted>", "<key-sha256>", "<signature>", "<voting-opened>"} {
		if !bytes.Contains(doc, []byte(want)) {
			t.Errorf("the protocol lacks %s", want)
		}
	}
	again, _ := verify.Dir(dir, verify.Options{})
	again.CheckProtocol(doc)
	if !again.OK {
		t.Fatalf("the ledger's own protocol fails: %v", again.Failures)
	}
	for name, edit := range map[string]func([]byte) []byte{
		"a count": func(b []byte) []byte { return bytes.Replace(b, []byte(`votes="`), []byte(`votes="1`), 1) },
		"the root": func(b []byte) []byte {
			i := bytes.Index(b, []byte("<root>")) + len("<root>")
			out := bytes.Clone(b)
			out[i] ^= 1
			return out
		},
		"a signature dropped": func(b []byte) []byte {
			i := bytes.Index(b, []byte("<signature>"))
			j := bytes.Index(b, []byte("</signature>")) + len("</signature>")
			return append(bytes.Clone(b[:i]), b[j:]...)
		},
	} {
		r, _ := verify.Dir(dir, verify.Options{})
		r.CheckProtocol(edit(doc))
		if r.OK || len(r.Failures) != 1 || r.Failures[0].Check != verify.CheckProtocolDoc || !strings.Contains(r.Failures[0].Reason, "line") {
			t.Errorf("%s: %v", name, r.Failures)
		}
	}
}
