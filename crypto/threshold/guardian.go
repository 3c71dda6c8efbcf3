package threshold

import (
	"fmt"
	"io"

	"github.com/gtank/ristretto255"

	"github.com/urna-vote/urna/crypto/group"
	"github.com/urna-vote/urna/crypto/proof"
)

// A Guardian is one key holder's side of the ceremony. It holds secrets and
// cannot be compared, printed or marshalled.
type Guardian struct {
	_        [0]func()
	p        Params
	ctx      [32]byte
	index    int
	longTerm *group.Secret
	keys     [][]byte
	coeffs   []*group.Secret
	received map[int]*ristretto255.Scalar // dealer → verified share
}

// NewGuardian prepares guardian index (1..N) of a ceremony with context
// hash ctx, holding its long-term secret key; keys are every guardian's
// long-term public keys, by index − 1.
func NewGuardian(p Params, ctx [32]byte, index int, longTerm *group.Secret, keys [][]byte) (*Guardian, error) {
	if err := p.Check(); err != nil {
		return nil, err
	}
	if index < 1 || index > p.N || len(keys) != p.N {
		return nil, fmt.Errorf("threshold: guardian %d of %d with %d keys", index, p.N, len(keys))
	}
	pub := ristretto255.NewIdentityElement().ScalarBaseMult(longTerm.Scalar())
	if pub.Equal(mustDecode(keys[index-1])) != 1 {
		return nil, fmt.Errorf("threshold: the long-term secret is not guardian %d's", index)
	}
	return &Guardian{p: p, ctx: ctx, index: index, longTerm: longTerm, keys: keys, received: map[int]*ristretto255.Scalar{}}, nil
}

func mustDecode(b []byte) *ristretto255.Element {
	e, err := group.DecodeElement(b)
	if err != nil {
		return ristretto255.NewIdentityElement()
	}
	return e
}

// poly evaluates the guardian's polynomial at j.
func (g *Guardian) poly(j int) *ristretto255.Scalar {
	x := group.ScalarFromUint64(uint64(j))
	v := ristretto255.NewScalar()
	for k := len(g.coeffs) - 1; k >= 0; k-- {
		v.Multiply(v, x)
		v.Add(v, g.coeffs[k].Scalar())
	}
	return v
}

// Round1 draws the guardian's polynomial and returns its round-1 message:
// commitments, proof of knowledge and every other guardian's share sealed
// to its key.
func (g *Guardian) Round1(rand io.Reader) ([]byte, error) {
	if g.coeffs != nil {
		return nil, fmt.Errorf("threshold: round 1 already done")
	}
	for k := 0; k < g.p.T; k++ {
		a, err := group.RandomSecret(rand)
		if err != nil {
			return nil, err
		}
		g.coeffs = append(g.coeffs, a)
	}
	out := []byte{version, byte(g.index)}
	var commitments []*ristretto255.Element
	for _, a := range g.coeffs {
		c := ristretto255.NewIdentityElement().ScalarBaseMult(a.Scalar())
		commitments = append(commitments, c)
		out = c.Encode(out)
	}
	pok, err := proof.ProveSchnorr(pokTranscript(g.ctx, g.index), group.G(), commitments[0], g.coeffs[0], rand)
	if err != nil {
		return nil, err
	}
	out = append(out, pok.Bytes()...)
	for j := 1; j <= g.p.N; j++ {
		if j == g.index {
			continue
		}
		sealed, err := seal(rand, g.ctx, g.index, j, mustDecode(g.keys[j-1]), g.poly(j))
		if err != nil {
			return nil, err
		}
		out = append(out, sealed...)
	}
	return out, nil
}

// Round2 opens the shares dealt to this guardian in the ceremony's
// recorded round-1 messages, checks each against its dealer's commitments,
// and returns the round-2 message with a complaint for each bad one.
func (g *Guardian) Round2(c *Ceremony, rand io.Reader) ([]byte, error) {
	m := &Round2{Guardian: g.index}
	for dealer := 1; dealer <= g.p.N; dealer++ {
		r1 := c.round1[dealer]
		if r1 == nil || dealer == g.index {
			continue
		}
		sealed := r1.Sealed[g.index]
		e := mustDecode(sealed[:group.Size])
		s := ristretto255.NewIdentityElement().ScalarMult(g.longTerm.Scalar(), e)
		share, err := open(g.ctx, dealer, g.index, sealed, s)
		if err == nil && shareMatches(r1.Commitments, g.index, share) {
			g.received[dealer] = share
			continue
		}
		pf, err := proof.ProveDLEQ(complaintTranscript(g.ctx, dealer, g.index), group.G(), mustDecode(g.keys[g.index-1]), e, s, g.longTerm, rand)
		if err != nil {
			return nil, err
		}
		m.Complaints = append(m.Complaints, Complaint{Dealer: dealer, S: s, Proof: pf})
	}
	return m.Encode(), nil
}

// Share returns the guardian's share of the election key once the
// ceremony's result is known: x_j = Σ_{i∈QUAL} f_i(j).
func (g *Guardian) Share(r *Result) (*Share, error) {
	if !r.IsQualified(g.index) {
		return nil, fmt.Errorf("threshold: guardian %d is not qualified", g.index)
	}
	x := ristretto255.NewScalar()
	for _, i := range r.Qualified {
		if i == g.index {
			x.Add(x, g.poly(g.index))
			continue
		}
		s, ok := g.received[i]
		if !ok {
			return nil, fmt.Errorf("threshold: no verified share from guardian %d", i)
		}
		x.Add(x, s)
	}
	return &Share{Index: g.index, x: group.NewSecret(x)}, nil
}

// A Share is a guardian's share x_j of the election key. It cannot be
// compared, printed or marshalled; Bytes is for deliberate encrypted storage.
type Share struct {
	_     [0]func()
	Index int
	x     *group.Secret
}

// NewShare restores a share from its index and 32-byte scalar.
func NewShare(index int, secret []byte) (*Share, error) {
	s, err := group.DecodeScalar(secret)
	if err != nil {
		return nil, err
	}
	return &Share{Index: index, x: group.NewSecret(s)}, nil
}

// Bytes returns the 32-byte secret, only for encrypted storage.
func (s *Share) Bytes() []byte { return s.x.Bytes() }

// String implements fmt.Stringer without revealing the share.
func (s *Share) String() string { return fmt.Sprintf("threshold.Share(%d, [secret])", s.Index) }

// GoString implements fmt.GoStringer without revealing the share.
func (s *Share) GoString() string { return s.String() }

// Format implements fmt.Formatter without revealing the share.
func (s *Share) Format(f fmt.State, verb rune) { io.WriteString(f, s.String()) }

// MarshalJSON refuses to marshal a share.
func (s *Share) MarshalJSON() ([]byte, error) {
	return nil, fmt.Errorf("threshold: refusing to marshal a secret share")
}

// String implements fmt.Stringer without revealing the guardian's secrets.
func (g *Guardian) String() string { return fmt.Sprintf("threshold.Guardian(%d, [secret])", g.index) }

// Format implements fmt.Formatter without revealing the guardian's secrets.
func (g *Guardian) Format(f fmt.State, verb rune) { io.WriteString(f, g.String()) }

// MarshalJSON refuses to marshal a guardian.
func (g *Guardian) MarshalJSON() ([]byte, error) {
	return nil, fmt.Errorf("threshold: refusing to marshal a guardian's secrets")
}
