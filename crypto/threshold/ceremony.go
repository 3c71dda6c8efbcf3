package threshold

import (
	"fmt"
	"slices"

	"github.com/gtank/ristretto255"

	"github.com/urna-vote/urna/crypto/group"
	"github.com/urna-vote/urna/crypto/proof"
)

// A Ceremony is the public record of a key ceremony. It takes the messages
// in the order they appear on the ledger, checks each one (an error rejects
// the message, which is then not recorded), judges the complaints, and
// yields the joint key. It needs no secret: the ledger's state machine,
// the verifier and every guardian run the same code on the same messages
// and reach the same Result.
//
// Variable time: everything it handles is public. Not safe for concurrent
// use.
type Ceremony struct {
	setup *Setup
	// round1[i-1] and raw1[i-1] are dealer i's recorded message, or nil.
	round1 []*Round1Message
	raw1   [][]byte
	// round2[j-1] is guardian j's recorded round-2 message and verdicts.
	round2 []*round2Record
	closed bool     // round 1 is closed: a round-2 message is recorded
	digest [32]byte // the round-1 digest, fixed when round 1 closes
}

type round2Record struct {
	msg      *Round2Message
	verdicts []verdict // one per complaint
}

// A verdict is the judgment of one complaint (SPEC.md §6.1 step 2).
type verdict struct {
	justified bool
	why       string
}

// A Result is the outcome of a ceremony (SPEC.md §6.1).
type Result struct {
	// Key is the joint election key K = Σ_{i∈QUAL} C_{i,0}.
	Key *ristretto255.Element
	// Qualified is QUAL, ascending.
	Qualified []int
	// Commitments are the joint commitments Σ_{i∈QUAL} C_{i,k}, k = 0…t−1;
	// Commitments[0] is Key.
	Commitments []*ristretto255.Element
	// PublicShares[j-1] is guardian j's public share X_j = x_j·G.
	PublicShares []*ristretto255.Element
	// Disqualified lists the dealers outside QUAL, ascending, with the reason
	// (an error wrapping ErrNoDeal or ErrBadShare).
	Disqualified []Disqualification
	// FalseComplaints lists the complaints judged unjustified. They change
	// nothing; they name the complainer.
	FalseComplaints []FalseComplaint
}

// A Disqualification says why a dealer is not in QUAL.
type Disqualification struct {
	Guardian int
	Reason   error
}

// A FalseComplaint is a complaint by guardian By against a dealer whose
// share was in fact valid.
type FalseComplaint struct {
	By, Against int
}

// NewCeremony starts an empty record for setup s.
func NewCeremony(s *Setup) *Ceremony {
	return &Ceremony{
		setup:  s,
		round1: make([]*Round1Message, s.p.N),
		raw1:   make([][]byte, s.p.N),
		round2: make([]*round2Record, s.p.N),
	}
}

// Setup returns the ceremony's setup.
func (c *Ceremony) Setup() *Setup { return c.setup }

// AddRound1 checks guardian's round-1 message (SPEC.md §4.4, check K1) and
// records it. It is rejected if round 1 is closed, if it does not decode,
// names another dealer, is not signed by the guardian's long-term key, is
// the guardian's second, or its proof of knowledge fails. The error is a
// *GuardianError.
func (c *Ceremony) AddRound1(guardian int, b []byte) error {
	// Checks 1 to 5: a guardian, round 1 open, the message decodes.
	if !c.setup.guardian(guardian) {
		return blame(guardian, ErrWrongGuardian, "no guardian %d in a ceremony of %d", guardian, c.setup.p.N)
	}
	if c.closed {
		return blame(guardian, ErrRoundClosed, "a round-2 message is already recorded")
	}
	m, err := DecodeRound1(c.setup.p, b)
	if err != nil {
		return &GuardianError{Guardian: guardian, Err: err}
	}
	// The body is the input without its signature: strict decoding makes it
	// identical to m.body(), without encoding the elements again.
	if err := c.checkRound1(guardian, m, b[:len(b)-proof.SchnorrSize]); err != nil {
		return err
	}
	c.round1[guardian-1] = m
	c.raw1[guardian-1] = append([]byte(nil), b...)
	return nil
}

func (c *Ceremony) checkRound1(guardian int, m *Round1Message, body []byte) error {
	s := c.setup
	// 6. The message is the guardian's own.
	if m.Dealer != guardian {
		return blame(guardian, ErrWrongGuardian, "the message is guardian %d's", m.Dealer)
	}
	// 7. It is signed with the guardian's long-term key.
	if err := m.Signature.Verify(signatureTranscript(s, guardian, body), group.G(), s.keys[guardian-1]); err != nil {
		return blame(guardian, ErrSignature, "%w", err)
	}
	// 8. It is the guardian's first.
	if c.round1[guardian-1] != nil {
		return blame(guardian, ErrDuplicate, "round 1")
	}
	// 9. The dealer knows the discrete logarithm of its constant term: no
	// rogue key.
	if err := m.PoK.Verify(pokTranscript(s, guardian, m.Commitments, m.Ephemeral), group.G(), m.Commitments[0]); err != nil {
		return blame(guardian, ErrProofOfKnowledge, "%w", err)
	}
	return nil
}

// AddRound2 checks guardian's round-2 message (SPEC.md §5.4, check K1),
// judges its complaints and records it. The first round-2 message closes
// round 1. It is rejected if it does not decode, names another guardian, is
// not signed by the guardian's long-term key, is the guardian's second,
// judges other round-1 messages than those recorded, or any complaint names
// a dealer without a recorded deal or carries a proof that does not verify.
func (c *Ceremony) AddRound2(guardian int, b []byte) error {
	s := c.setup
	// Checks 1 and 2: a guardian, the message decodes.
	if !s.guardian(guardian) {
		return blame(guardian, ErrWrongGuardian, "no guardian %d in a ceremony of %d", guardian, s.p.N)
	}
	m, err := DecodeRound2(s.p, b)
	if err != nil {
		return &GuardianError{Guardian: guardian, Err: err}
	}
	// 3. The message is the guardian's own.
	if m.Guardian != guardian {
		return blame(guardian, ErrWrongGuardian, "the message is guardian %d's", m.Guardian)
	}
	// 4. It is signed with the guardian's long-term key.
	if err := m.Signature.Verify(signatureTranscript(s, guardian, b[:len(b)-proof.SchnorrSize]), group.G(), s.keys[guardian-1]); err != nil {
		return blame(guardian, ErrSignature, "%w", err)
	}
	// 5. It is the guardian's first.
	if c.round2[guardian-1] != nil {
		return blame(guardian, ErrDuplicate, "round 2")
	}
	// 6. It judges exactly the recorded round-1 messages.
	if d := c.Round1Digest(); d != m.Round1Digest {
		return blame(guardian, ErrRound1Digest, "digest %x, recorded %x", m.Round1Digest[:8], d[:8])
	}
	// 7. Every complaint names a dealer and proves its revealed secret.
	rec := &round2Record{msg: m}
	for _, cp := range m.Complaints {
		v, err := c.judge(guardian, cp)
		if err != nil {
			return err
		}
		rec.verdicts = append(rec.verdicts, v)
	}
	c.round2[guardian-1] = rec
	c.closed = true
	return nil
}

// judge checks a complaint's proof and decides whether it is justified
// (SPEC.md §6.1 step 2).
func (c *Ceremony) judge(recipient int, cp Complaint) (verdict, error) {
	s := c.setup
	dealer := c.round1[cp.Dealer-1]
	if dealer == nil {
		return verdict{}, blame(recipient, ErrComplaint, "against guardian %d, who has no recorded deal", cp.Dealer)
	}
	// S = y_j·E_i, proven against P_j = y_j·G.
	if err := cp.Proof.Verify(complaintTranscript(s, cp.Dealer, recipient), group.G(), s.keys[recipient-1], dealer.Ephemeral, cp.SharedSecret); err != nil {
		return verdict{}, blame(recipient, ErrComplaint, "against guardian %d: %w", cp.Dealer, err)
	}
	share, err := openShare(s, cp.Dealer, recipient, dealer.Ephemeral, cp.SharedSecret, dealer.Shares[recipient-1])
	if err != nil {
		return verdict{justified: true, why: err.Error()}, nil
	}
	defer share.Zero()
	if !shareMatches(dealer.Commitments, recipient, share) {
		return verdict{justified: true, why: "the share does not match the dealer's commitments"}, nil
	}
	return verdict{justified: false}, nil
}

// shareMatches checks s·G == Σ_k j^k·C_k (SPEC.md §5.1, equation (V)).
func shareMatches(commitments []*ristretto255.Element, j int, s *group.Secret) bool {
	got := ristretto255.NewIdentityElement().ScalarBaseMult(s.Scalar())
	return got.Equal(varTimeEvalCommitments(commitments, j)) == 1
}

// Round1Digest returns the digest of the recorded round-1 messages (SPEC.md
// §5.1), which every round-2 message must carry.
func (c *Ceremony) Round1Digest() [32]byte {
	if c.closed {
		return c.digest
	}
	c.digest = round1Digest(c.setup, c.raw1)
	return c.digest
}

// Round1Messages returns the recorded round-1 messages by ascending dealer.
func (c *Ceremony) Round1Messages() []*Round1Message {
	var out []*Round1Message
	for _, m := range c.round1 {
		if m != nil {
			out = append(out, m)
		}
	}
	return out
}

// Round2Messages returns the recorded round-2 messages by ascending
// guardian.
func (c *Ceremony) Round2Messages() []*Round2Message {
	var out []*Round2Message
	for _, r := range c.round2 {
		if r != nil {
			out = append(out, r.msg)
		}
	}
	return out
}

// Result resolves the ceremony (SPEC.md §6.1): dealers without a recorded
// deal or with a justified complaint are disqualified, the rest form QUAL.
// If QUAL has fewer than T members it returns the partial result (QUAL,
// disqualifications, false complaints) with an error wrapping ErrQuorum;
// otherwise the joint key and every guardian's public share.
func (c *Ceremony) Result() (*Result, error) {
	s := c.setup
	r := &Result{}
	out := make([]error, s.p.N)
	// 1. Dealers without a recorded deal.
	for i := 1; i <= s.p.N; i++ {
		if c.round1[i-1] == nil {
			out[i-1] = ErrNoDeal
		}
	}
	// 2. Justified complaints, by ascending complainer; false ones are named.
	for j := 1; j <= s.p.N; j++ {
		rec := c.round2[j-1]
		if rec == nil {
			continue
		}
		for k, cp := range rec.msg.Complaints {
			v := rec.verdicts[k]
			switch {
			case !v.justified:
				r.FalseComplaints = append(r.FalseComplaints, FalseComplaint{By: j, Against: cp.Dealer})
			case out[cp.Dealer-1] == nil:
				out[cp.Dealer-1] = fmt.Errorf("%w: complaint of guardian %d: %s", ErrBadShare, j, v.why)
			}
		}
	}
	// 3. QUAL.
	for i := 1; i <= s.p.N; i++ {
		if out[i-1] != nil {
			r.Disqualified = append(r.Disqualified, Disqualification{Guardian: i, Reason: out[i-1]})
		} else {
			r.Qualified = append(r.Qualified, i)
		}
	}
	if len(r.Qualified) < s.p.T {
		return r, fmt.Errorf("%w: %d of %d dealers qualified, %d needed", ErrQuorum, len(r.Qualified), s.p.N, s.p.T)
	}
	// 4. Joint commitments, key and public shares.
	r.Commitments = make([]*ristretto255.Element, s.p.T)
	for k := range r.Commitments {
		r.Commitments[k] = ristretto255.NewIdentityElement()
		for _, i := range r.Qualified {
			r.Commitments[k].Add(r.Commitments[k], c.round1[i-1].Commitments[k])
		}
	}
	r.Key = ristretto255.NewIdentityElement().Set(r.Commitments[0])
	for j := 1; j <= s.p.N; j++ {
		r.PublicShares = append(r.PublicShares, varTimeEvalCommitments(r.Commitments, j))
	}
	return r, nil
}

// IsQualified reports whether guardian i is in QUAL.
func (r *Result) IsQualified(i int) bool { return slices.Contains(r.Qualified, i) }
