package threshold

import (
	"bytes"
	"fmt"
	"io"

	"github.com/gtank/ristretto255"

	"github.com/urna-vote/urna/crypto/group"
	"github.com/urna-vote/urna/crypto/proof"
)

// A Guardian is one key holder's side of the ceremony, a state machine with
// no I/O: NewGuardian, then Round1, Round2 and Finish, each fed with the
// messages recorded on the ledger so far. Its dealing polynomial is erased
// as soon as Round1 has used it; after that it holds only its long-term
// key, from which Finish recovers its share out of the public messages.
//
// A Guardian holds secrets: it cannot be compared, printed or marshalled.
// It is not safe for concurrent use.
type Guardian struct {
	_     [0]func()
	setup *Setup
	index int
	key   *LongTermKey
	rand  io.Reader
	poly  *polynomial // nil once Round1 has run
	step  int         // the last step done: 0 (new), 1, 2, 3 (finished)
	sent1 []byte      // the round-1 message, as sent
	sent2 *Round2Message
	seen  *Ceremony // the deals Round2 judged
	share *Share
}

// NewGuardian prepares guardian index (1…N) of the ceremony s, holding its
// long-term key, and draws its polynomial from rand, which the guardian
// keeps for the randomness of its proofs (crypto/rand.Reader in production).
func NewGuardian(s *Setup, index int, key *LongTermKey, rand io.Reader) (*Guardian, error) {
	if !s.guardian(index) {
		return nil, fmt.Errorf("%w: guardian %d of %d", ErrParams, index, s.p.N)
	}
	if key.pub.Equal(s.keys[index-1]) != 1 {
		return nil, fmt.Errorf("%w: the long-term key is not guardian %d's", ErrParams, index)
	}
	f, err := randomPolynomial(s.p.T, rand)
	if err != nil {
		return nil, err
	}
	return &Guardian{setup: s, index: index, key: key, rand: rand, poly: f}, nil
}

// Index returns the guardian's index.
func (g *Guardian) Index() int { return g.index }

// Round1 returns the guardian's deal (SPEC.md §4.1). Calling it again
// returns the same message: a guardian never deals twice.
func (g *Guardian) Round1() (*Round1Message, error) {
	if g.step >= 1 {
		return DecodeRound1(g.setup.p, g.sent1)
	}
	s := g.setup
	f := g.poly
	// 1. The polynomial was drawn by NewGuardian. 2. Commitments.
	m := &Round1Message{Dealer: g.index, Commitments: f.commitments()}
	// 3. The ephemeral key.
	e, err := group.RandomSecret(g.rand)
	if err != nil {
		return nil, err
	}
	defer e.Zero()
	m.Ephemeral = ristretto255.NewIdentityElement().ScalarBaseMult(e.Scalar())
	// 4. Proof of knowledge of a_0.
	if m.PoK, err = proof.ProveSchnorr(pokTranscript(s, g.index, m.Commitments, m.Ephemeral), group.G(), m.Commitments[0], f.coeffs[0], g.rand); err != nil {
		return nil, err
	}
	// 5. Every guardian's share, its own included, sealed to its key.
	for j := 1; j <= s.p.N; j++ {
		sj := f.eval(j)
		sealed, err := sealShare(s, g.index, j, e, m.Ephemeral, sj)
		sj.Zero()
		if err != nil {
			return nil, err
		}
		m.Shares = append(m.Shares, sealed)
	}
	// 6. The signature.
	if m.Signature, err = g.sign(m.body()); err != nil {
		return nil, err
	}
	f.zero()
	g.poly = nil
	g.sent1 = m.Encode()
	g.step = 1
	return m, nil
}

func (g *Guardian) sign(body []byte) (*proof.Schnorr, error) {
	return proof.ProveSchnorr(signatureTranscript(g.setup, g.index, body), group.G(), g.key.pub, g.key.y, g.rand)
}

// replay records the messages in order in a fresh Ceremony; rejected
// messages are skipped, exactly as the ledger skips them. A round-1
// message byte-identical to one that known (a Ceremony of the same setup)
// recorded is taken without checking it again.
func replay(s *Setup, round1 []*Round1Message, round2 []*Round2Message, known *Ceremony) *Ceremony {
	c := NewCeremony(s)
	for _, m := range round1 {
		b := m.Encode()
		if i := m.Dealer; known != nil && s.guardian(i) && c.round1[i-1] == nil && bytes.Equal(known.raw1[i-1], b) {
			c.round1[i-1], c.raw1[i-1] = known.round1[i-1], known.raw1[i-1]
			continue
		}
		c.AddRound1(m.Dealer, b)
	}
	for _, m := range round2 {
		c.AddRound2(m.Guardian, m.Encode())
	}
	return c
}

// replay is the package's replay plus one check only the guardian can make:
// its own recorded deal, if any, is the one it sent. Anything else means its
// long-term key signed a message it did not.
func (g *Guardian) replay(round1 []*Round1Message, round2 []*Round2Message) (*Ceremony, error) {
	c := replay(g.setup, round1, round2, g.seen)
	if own := c.raw1[g.index-1]; own != nil && !bytes.Equal(own, g.sent1) {
		return nil, fmt.Errorf("%w: the recorded round-1 message of guardian %d is not the one it sent", ErrSignature, g.index)
	}
	return c, nil
}

// Round2 judges the shares dealt to this guardian in the recorded round-1
// messages (in ledger order; invalid ones are skipped as the ledger skips
// them) and returns its round-2 message, with a complaint against every
// dealer whose share does not decrypt or does not match its commitments
// (SPEC.md §5.2). Calling it again returns the same message.
func (g *Guardian) Round2(round1 []*Round1Message) (*Round2Message, error) {
	switch {
	case g.step < 1:
		return nil, fmt.Errorf("%w: round 2 before round 1", ErrState)
	case g.step >= 2:
		return g.sent2, nil
	}
	s := g.setup
	c, err := g.replay(round1, nil)
	if err != nil {
		return nil, err
	}
	m := &Round2Message{Guardian: g.index, Round1Digest: c.Round1Digest()}
	for i, d := range c.round1 {
		dealer := i + 1
		if d == nil || dealer == g.index {
			continue
		}
		secret := diffieHellman(g.key, d.Ephemeral)
		share, err := openShare(s, dealer, g.index, d.Ephemeral, secret, d.Shares[g.index-1])
		if err == nil {
			ok := shareMatches(d.Commitments, g.index, share)
			share.Zero()
			if ok {
				continue
			}
		}
		pf, err := proof.ProveDLEQ(complaintTranscript(s, dealer, g.index), group.G(), g.key.pub, d.Ephemeral, secret, g.key.y, g.rand)
		if err != nil {
			return nil, err
		}
		m.Complaints = append(m.Complaints, Complaint{Dealer: dealer, SharedSecret: secret, Proof: pf})
	}
	if m.Signature, err = g.sign(m.body()); err != nil {
		return nil, err
	}
	g.sent2, g.seen = m, c
	g.step = 2
	return m, nil
}

// Finish resolves the ceremony from all recorded messages, as the public
// Ceremony does, and computes the guardian's share x_j = Σ_{i∈QUAL} f_i(j),
// checking it against its public share. Share returns it afterwards.
func (g *Guardian) Finish(round1 []*Round1Message, round2 []*Round2Message) (*Result, error) {
	if g.step < 2 {
		return nil, fmt.Errorf("%w: finish before round 2", ErrState)
	}
	c, err := g.replay(round1, round2)
	if err != nil {
		return nil, err
	}
	res, err := c.Result()
	if err != nil {
		return res, err
	}
	share, err := recoverShare(c, res, g.index, g.key)
	if err != nil {
		return res, err
	}
	if g.share != nil {
		g.share.Zero()
	}
	g.share = share
	g.step = 3
	return res, nil
}

// Share returns the guardian's share once Finish has succeeded.
func (g *Guardian) Share() (*Share, error) {
	if g.step < 3 {
		return nil, fmt.Errorf("%w: no share before Finish", ErrState)
	}
	return g.share, nil
}

// Recover computes guardian index's share from the public messages of a
// ceremony and the guardian's long-term key alone: every dealer sealed a
// share to every guardian, the dealer itself included (SPEC.md §4.1 step
// 5). A guardian that lost its share but kept its long-term key runs it on
// the ledger's messages.
func Recover(s *Setup, index int, key *LongTermKey, round1 []*Round1Message, round2 []*Round2Message) (*Share, *Result, error) {
	if !s.guardian(index) || key.pub.Equal(s.keys[index-1]) != 1 {
		return nil, nil, fmt.Errorf("%w: the long-term key is not guardian %d's", ErrParams, index)
	}
	c := replay(s, round1, round2, nil)
	res, err := c.Result()
	if err != nil {
		return nil, res, err
	}
	share, err := recoverShare(c, res, index, key)
	return share, res, err
}

// recoverShare opens guardian j's share from every qualified dealer, checks
// each against the dealer's commitments, and sums them (SPEC.md §6.2).
func recoverShare(c *Ceremony, res *Result, j int, key *LongTermKey) (*Share, error) {
	x := ristretto255.NewScalar()
	defer x.Zero()
	for _, i := range res.Qualified {
		d := c.round1[i-1]
		sij, err := openShare(c.setup, i, j, d.Ephemeral, diffieHellman(key, d.Ephemeral), d.Shares[j-1])
		if err == nil && !shareMatches(d.Commitments, j, sij) {
			err = fmt.Errorf("the share does not match the dealer's commitments")
		}
		if err != nil {
			// An honest guardian complained in round 2, and the dealer is
			// then not qualified; reaching here means it did not.
			return nil, blame(i, ErrBadShare, "share for guardian %d, with no justified complaint: %v", j, err)
		}
		x.Add(x, sij.Scalar())
		sij.Zero()
	}
	share := newShare(j, x)
	if share.pub.Equal(res.PublicShares[j-1]) != 1 {
		share.Zero()
		return nil, fmt.Errorf("%w: guardian %d's share does not match its public share", ErrBadShare, j)
	}
	return share, nil
}

func (g *Guardian) String() string                 { return fmt.Sprintf("threshold.Guardian(%d, [secret])", g.index) }
func (g *Guardian) GoString() string               { return g.String() }
func (g *Guardian) Format(f fmt.State, verb rune)  { io.WriteString(f, g.String()) }
func (g *Guardian) MarshalJSON() ([]byte, error)   { return nil, errMarshalSecret }
func (g *Guardian) MarshalText() ([]byte, error)   { return nil, errMarshalSecret }
func (g *Guardian) MarshalBinary() ([]byte, error) { return nil, errMarshalSecret }
