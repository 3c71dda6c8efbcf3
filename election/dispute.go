package election

import (
	"sort"
	"unicode/utf8"

	"github.com/urna-vote/urna/crypto/transcript"
)

// Disputes (docs/protocol.md §10.2). A voter whose receipt names a ballot
// the ledger does not show files a dispute; the platform checks the
// receipt and puts it on the ledger. While any dispute is unresolved no
// commission member can sign the result; a member resolves it with a
// signed decision.

// Limits of a dispute.
const (
	MaxTrackingLen = 128
	MaxReceiptLen  = 16 << 10
	MaxReasonLen   = 4000 // bytes of UTF-8
)

// A Dispute is a filed dispute and, once resolved, its resolution.
type Dispute struct {
	Index      uint64 // its entry
	Filed      int64  // the entry's time, Unix ms
	Entry      DisputeEntry
	Resolution *ResolutionEntry
	ResolvedAt int64
}

// ResolutionMessage is what a commission member signs to resolve the
// dispute at ledger index dispute.
func (s *State) ResolutionMessage(dispute uint64, outcome, reason string) []byte {
	d := transcript.New("urna/v1/resolution").Bytes("election", s.ContextHash[:]).
		Uint("dispute", dispute).Bytes("outcome", []byte(outcome)).Bytes("reason", []byte(reason)).
		Digest("resolution/message")
	return d[:]
}

// Unresolved returns the indexes of the unresolved disputes, ascending.
func (s *State) Unresolved() []uint64 {
	var out []uint64
	for i, d := range s.Disputes {
		if d.Resolution == nil {
			out = append(out, i)
		}
	}
	sort.Slice(out, func(a, b int) bool { return out[a] < out[b] })
	return out
}

func (s *State) applyDispute(p *Prepared) error {
	if s.Phase < PhaseOpen {
		return fail(CheckPhase, p.Index, "a dispute is not allowed while the election is %s", s.Phase)
	}
	if s.Phase == PhaseDecided && len(s.Signatures) == len(s.Manifest.Commission) {
		return fail(CheckDispute, p.Index, "the whole commission has signed the result")
	}
	d := p.Entry.Dispute
	switch {
	case d.Tracking == "" || len(d.Tracking) > MaxTrackingLen:
		return fail(CheckDispute, p.Index, "the tracking code must be 1 to %d bytes", MaxTrackingLen)
	case len(d.Receipt) == 0 || len(d.Receipt) > MaxReceiptLen:
		return fail(CheckDispute, p.Index, "the receipt must be 1 to %d bytes", MaxReceiptLen)
	case len(d.Reason) > MaxReasonLen || !utf8.ValidString(d.Reason):
		return fail(CheckDispute, p.Index, "the reason must be valid UTF-8 of at most %d bytes", MaxReasonLen)
	}
	s.Disputes[p.Index] = &Dispute{Index: p.Index, Filed: p.Entry.Time, Entry: *d}
	return nil
}

func (s *State) applyResolution(p *Prepared) error {
	if s.Phase < PhaseOpen {
		return fail(CheckPhase, p.Index, "a resolution is not allowed while the election is %s", s.Phase)
	}
	r := p.Entry.Resolution
	d, ok := s.Disputes[r.Dispute]
	switch {
	case !ok:
		return fail(CheckResolution, p.Index, "no dispute at entry %d", r.Dispute)
	case d.Resolution != nil:
		return fail(CheckResolution, p.Index, "the dispute at entry %d is already resolved", r.Dispute)
	case r.Outcome != OutcomeUpheld && r.Outcome != OutcomeDismissed:
		return fail(CheckResolution, p.Index, "outcome %q: want %q or %q", r.Outcome, OutcomeUpheld, OutcomeDismissed)
	case len(r.Reason) > MaxReasonLen || !utf8.ValidString(r.Reason):
		return fail(CheckResolution, p.Index, "the reason must be valid UTF-8 of at most %d bytes", MaxReasonLen)
	}
	m, ok := s.Manifest.Member(r.Member)
	if !ok {
		return fail(CheckResolution, p.Index, "%q is not a member of the commission", r.Member)
	}
	if err := m.Verify(s.ResolutionMessage(r.Dispute, r.Outcome, r.Reason), r.Signature); err != nil {
		return fail(CheckResolution, p.Index, "the signature of %q: %v", r.Member, err)
	}
	res := *r
	d.Resolution, d.ResolvedAt = &res, p.Entry.Time
	return nil
}
