package verify

import (
	"encoding/json"
	"fmt"
	"os"

	"golang.org/x/mod/sumdb/note"

	"github.com/urna-vote/urna/ballot"
	"github.com/urna-vote/urna/ledger"
)

// Receipt check IDs (docs/protocol.md §11).
const (
	CheckReceiptForm       = "RC0" // the receipt decodes
	CheckReceiptSignature  = "RC1" // its checkpoint is signed by the log key
	CheckReceiptInclusion  = "RC2" // its ballot was in that checkpoint's tree at its index
	CheckReceiptConsistent = "RC3" // the final ledger extends that checkpoint's tree
	CheckReceiptCounted    = "RC4" // the ballot is counted, or superseded by a later ballot of its credential
)

// A Receipt is what a voter keeps after casting: the tracking code, the
// ballot's ledger index, the checkpoint signed when it was appended and the
// inclusion proof of the ballot in that checkpoint's tree.
type Receipt struct {
	TrackingCode string       `json:"tracking_code"`
	Entry        uint64       `json:"entry"`
	Checkpoint   string       `json:"checkpoint"`
	Proof        ledger.Proof `json:"proof"`
}

// ReadReceipt reads a receipt file strictly.
func ReadReceipt(path string) (*Receipt, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(b) > 64<<10 {
		return nil, fmt.Errorf("receipt larger than 64 KiB")
	}
	var r Receipt
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("receipt: %w", err)
	}
	return &r, nil
}

// CheckReceipt checks a voter's receipt against the verified ledger: the
// receipt's checkpoint is genuine, the ballot was in it, the final ledger is
// consistent with it, and the ballot is still there — counted, or
// superseded only by a later ballot of the same credential. This catches an
// operator who drops or replaces a ballot and re-signs the log. Failures
// are added to the report.
func (r *Report) CheckReceipt(rc *Receipt, v note.Verifier) {
	failures := r.Failures
	add := func(id, format string, args ...any) {
		failures = append(failures, Failure{Check: id, Index: int64(rc.Entry), Reason: fmt.Sprintf(format, args...)})
	}
	defer func() { r.finish(failures) }()
	code, err := ballot.NormalizeTrackingCode(rc.TrackingCode)
	if err != nil {
		add(CheckReceiptForm, "%v", err)
		return
	}
	c, err := ledger.OpenCheckpoint([]byte(rc.Checkpoint), v)
	if err != nil {
		add(CheckReceiptSignature, "%v", err)
		return
	}
	if int64(c.Size) > r.tree.n || rc.Entry >= c.Size {
		add(CheckReceiptConsistent, "the receipt's checkpoint has %d entries and names entry %d; the ledger has only %d", c.Size, rc.Entry, r.tree.n)
		return
	}
	if root, err := r.tree.root(int64(c.Size)); err != nil || root != c.Root {
		add(CheckReceiptConsistent, "the ledger's first %d entries do not give the root of the receipt's checkpoint: history was rewritten", c.Size)
		return
	}
	if err := ledger.VerifyInclusionHash(r.tree.leaf(int64(rc.Entry)), rc.Entry, c, rc.Proof); err != nil {
		add(CheckReceiptInclusion, "%v", err)
		return
	}
	t, ok := r.state.Track(code)
	switch {
	case !ok:
		add(CheckReceiptCounted, "tracking code %s is not on the ledger", code)
	case t.Index != rc.Entry:
		add(CheckReceiptCounted, "tracking code %s is at entry %d, the receipt says %d", code, t.Index, rc.Entry)
	case t.Spoiled:
		add(CheckReceiptCounted, "ballot %s was spoiled, not cast", code)
	case !t.Counted && t.Superseded <= rc.Entry:
		add(CheckReceiptCounted, "ballot %s is neither counted nor superseded by a later ballot of its credential", code)
	}
}
