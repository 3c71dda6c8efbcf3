package threshold

import (
	"fmt"
	"slices"

	"github.com/gtank/ristretto255"
	"github.com/urna-vote/urna/crypto/group"
)

// A Ceremony is the public side of a key ceremony: it takes the messages as
// they appear on the ledger, checks each, judges complaints and yields the
// joint key. The verifier and the ledger state machine run it; it needs no
// secret.
type Ceremony struct {
	p      Params
	ctx    [32]byte
	keys   []*ristretto255.Element // long-term keys, by index − 1
	round1 map[int]*Round1
	round2 map[int]*Round2
	// disqualified records why a dealer was excluded.
	disqualified map[int]string
}

// A Result is the outcome of a ceremony.
type Result struct {
	Key          *ristretto255.Element
	Qualified    []int                   // ascending
	PublicShares []*ristretto255.Element // X_j for j = 1..N, by j − 1
	Disqualified map[int]string          // dealer → reason
}

// NewCeremony starts the public record of a ceremony with context hash ctx
// among guardians whose long-term public keys are keys (by index − 1).
func NewCeremony(p Params, ctx [32]byte, keys [][]byte) (*Ceremony, error) {
	if err := p.Check(); err != nil {
		return nil, err
	}
	if len(keys) != p.N {
		return nil, fmt.Errorf("threshold: %d guardian keys for %d guardians", len(keys), p.N)
	}
	c := &Ceremony{p: p, ctx: ctx, round1: map[int]*Round1{}, round2: map[int]*Round2{}, disqualified: map[int]string{}}
	for i, k := range keys {
		e, err := group.DecodeElement(k)
		if err != nil {
			return nil, fmt.Errorf("threshold: key of guardian %d: %w", i+1, err)
		}
		c.keys = append(c.keys, e)
	}
	return c, nil
}

// AddRound1 checks and records guardian's round-1 message: well formed, from
// that guardian, once, with a valid proof of knowledge of its constant
// term. A message that fails is rejected with an error and not recorded; a
// dealer without a recorded round-1 message is not qualified.
func (c *Ceremony) AddRound1(guardian int, b []byte) error {
	if len(c.round2) > 0 {
		return blame(guardian, fmt.Errorf("%w: round 1 after round 2 began", ErrInvalid))
	}
	m, err := DecodeRound1(c.p, b)
	if err != nil {
		return blame(guardian, err)
	}
	if m.Dealer != guardian {
		return blame(guardian, fmt.Errorf("%w: message of guardian %d", ErrInvalid, m.Dealer))
	}
	if _, dup := c.round1[guardian]; dup {
		return blame(guardian, fmt.Errorf("%w: second round-1 message", ErrInvalid))
	}
	if err := m.PoK.Verify(pokTranscript(c.ctx, guardian), group.G(), m.Commitments[0]); err != nil {
		return blame(guardian, fmt.Errorf("%w: proof of knowledge of the secret: %w", ErrInvalid, err))
	}
	c.round1[guardian] = m
	return nil
}

// AddRound2 checks and records guardian's complaints: each names a dealer
// with a recorded round-1 message and proves the revealed secret S is
// x_j·E for the complainer's long-term key. Whether a complaint is
// justified is judged by Result.
func (c *Ceremony) AddRound2(guardian int, b []byte) error {
	m, err := DecodeRound2(c.p, b)
	if err != nil {
		return blame(guardian, err)
	}
	if m.Guardian != guardian {
		return blame(guardian, fmt.Errorf("%w: message of guardian %d", ErrInvalid, m.Guardian))
	}
	if _, ok := c.round1[guardian]; !ok {
		return blame(guardian, fmt.Errorf("%w: complaints from a guardian without a round-1 message", ErrInvalid))
	}
	if _, dup := c.round2[guardian]; dup {
		return blame(guardian, fmt.Errorf("%w: second round-2 message", ErrInvalid))
	}
	for _, cp := range m.Complaints {
		dealer := c.round1[cp.Dealer]
		if dealer == nil {
			return blame(guardian, fmt.Errorf("%w: complaint against guardian %d, who dealt nothing", ErrInvalid, cp.Dealer))
		}
		e, _ := group.DecodeElement(dealer.Sealed[guardian][:group.Size])
		err := cp.Proof.Verify(complaintTranscript(c.ctx, cp.Dealer, guardian), group.G(), c.keys[guardian-1], e, cp.S)
		if err != nil {
			return blame(guardian, fmt.Errorf("%w: complaint against %d: %w", ErrInvalid, cp.Dealer, err))
		}
	}
	c.round2[guardian] = m
	return nil
}

// justified reports whether a complaint by recipient against dealer holds:
// the revealed secret does not open the share, or the share does not match
// the dealer's commitments.
func (c *Ceremony) justified(dealer, recipient int, s *ristretto255.Element) bool {
	m := c.round1[dealer]
	share, err := open(c.ctx, dealer, recipient, m.Sealed[recipient], s)
	if err != nil {
		return true
	}
	return !shareMatches(m.Commitments, recipient, share)
}

func shareMatches(commitments []*ristretto255.Element, j int, share *ristretto255.Scalar) bool {
	want := evalCommitments(commitments, j)
	return ristretto255.NewIdentityElement().ScalarBaseMult(share).Equal(want) == 1
}

// Result judges the complaints and returns the joint key, the qualified
// guardians and every guardian's public share. It fails with ErrQuorum if
// fewer than T guardians qualify.
func (c *Ceremony) Result() (*Result, error) {
	r := &Result{Disqualified: map[int]string{}}
	for i := 1; i <= c.p.N; i++ {
		if c.round1[i] == nil {
			r.Disqualified[i] = "no valid round-1 message"
		}
	}
	for j := 1; j <= c.p.N; j++ {
		m := c.round2[j]
		if m == nil {
			continue
		}
		for _, cp := range m.Complaints {
			if _, out := r.Disqualified[cp.Dealer]; !out && c.justified(cp.Dealer, j, cp.S) {
				r.Disqualified[cp.Dealer] = fmt.Sprintf("justified complaint by guardian %d", j)
			}
		}
	}
	for i := 1; i <= c.p.N; i++ {
		if _, out := r.Disqualified[i]; !out {
			r.Qualified = append(r.Qualified, i)
		}
	}
	if len(r.Qualified) < c.p.T {
		return r, fmt.Errorf("%w: %d qualified, %d needed", ErrQuorum, len(r.Qualified), c.p.T)
	}
	r.Key = ristretto255.NewIdentityElement()
	for _, i := range r.Qualified {
		r.Key.Add(r.Key, c.round1[i].Commitments[0])
	}
	for j := 1; j <= c.p.N; j++ {
		x := ristretto255.NewIdentityElement()
		for _, i := range r.Qualified {
			x.Add(x, evalCommitments(c.round1[i].Commitments, j))
		}
		r.PublicShares = append(r.PublicShares, x)
	}
	return r, nil
}

// IsQualified reports whether i is in the result's qualified set.
func (r *Result) IsQualified(i int) bool { return slices.Contains(r.Qualified, i) }
