package guardian

import (
	"bytes"
	"context"
	"crypto/sha3"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/urna-vote/urna/crypto/threshold"
	"github.com/urna-vote/urna/election"
)

// Resuming a ceremony. threshold.Guardian keeps its dealing polynomial in
// memory and cannot be stored, and Round2 needs the Guardian that made the
// deal. So that a guardian that stops between its deal and its complaints
// can still complain, the randomness of its deal — the polynomial, the
// ephemeral key, the nonces of the deal's proof and signature — is drawn
// from SHAKE256 over a 32-byte seed kept sealed in the deal file
// (KEY.ELECTION.deal) from before the deal is posted until its round-2
// message is on the ledger. Run again, the guardian draws the same deal,
// byte for byte (it checks this against the ledger), and judges the
// others' deals with a Guardian in the same state. Everything after the
// deal, the complaints' proofs and signature included, uses fresh
// randomness: a nonce of the seed's stream only ever signs the one deal it
// was drawn for.
//
// Without the deal file (lost, or from another machine) a guardian whose
// deal is on the ledger cannot sign a round-2 message. It then checks the
// shares dealt to it itself: if all are valid it had nothing to complain
// about and goes on without a round-2 message (its share is recovered
// after the key is published); otherwise it fails with ErrCannotComplain.

// dealLabel separates the deal's stream from every other use of SHAKE256.
const dealLabel = "urna/v1/guardian/deal\x00"

// dealRand is the randomness of one deal: the seed's stream until the
// round-1 message is made, live randomness after.
type dealRand struct {
	stream *sha3.SHAKE
	live   io.Reader
	done   bool
}

func (r *dealRand) Read(p []byte) (int, error) {
	if r.done {
		return r.live.Read(p)
	}
	return r.stream.Read(p)
}

// dealer makes this guardian's threshold.Guardian from the deal seed and
// returns it after Round1, with the round-1 message's bytes.
func (g *Guardian) dealer(key *threshold.LongTermKey, seed []byte) (*threshold.Guardian, []byte, error) {
	h := sha3.NewSHAKE256()
	h.Write([]byte(dealLabel))
	session := g.setup.Session()
	h.Write(session[:])
	h.Write(seed)
	r := &dealRand{stream: h, live: g.cfg.Rand}
	defer h.Reset()
	gd, err := threshold.NewGuardian(g.setup, g.index, key, r)
	if err != nil {
		return nil, nil, err
	}
	m, err := gd.Round1()
	if err != nil {
		return nil, nil, err
	}
	r.done = true
	return gd, m.Encode(), nil
}

// dealSeed reads the deal file, or with create makes a new seed and
// writes it. It returns nil if there is no file and create is false. The
// caller zeroes the seed.
func (g *Guardian) dealSeed(create bool) ([]byte, error) {
	path := dealPath(g.cfg.KeyFile, g.cfg.Election)
	if exists(path) {
		s, err := readSecret(path, g.cfg.Passphrase, kindDeal)
		if err != nil {
			return nil, err
		}
		if s.Election != g.cfg.Election || s.Guardian != g.index {
			s.zero()
			return nil, fmt.Errorf("guardian: %s is the deal of guardian %d of election %s, not of guardian %d of %s",
				path, s.Guardian, s.Election, g.index, g.cfg.Election)
		}
		return s.Secret, nil
	}
	if !create {
		return nil, nil
	}
	seed := make([]byte, secretSize)
	if _, err := io.ReadFull(g.cfg.Rand, seed); err != nil {
		return nil, fmt.Errorf("guardian: no randomness: %w", err)
	}
	s := &secretText{Kind: kindDeal, Election: g.cfg.Election, Guardian: g.index, Secret: seed}
	if err := writeSecret(path, g.cfg.Passphrase, s); err != nil {
		clear(seed)
		return nil, err
	}
	return seed, nil
}

// recorded returns this guardian's round-1 message as the ledger holds it
// (nil if none) and whether its round-2 message is there.
func (g *Guardian) recorded() (deal []byte, judged bool) {
	c := g.f.st.Ceremony()
	for _, m := range c.Round1Messages() {
		if m.Dealer == g.index {
			deal = m.Encode()
		}
	}
	for _, m := range c.Round2Messages() {
		if m.Guardian == g.index {
			judged = true
		}
	}
	return deal, judged
}

// round1Closed reports whether a round-2 message is on the ledger, which
// closes round 1.
func (g *Guardian) round1Closed() bool { return len(g.f.st.Ceremony().Round2Messages()) > 0 }

// deal runs rounds 1 and 2 of the ceremony for this guardian, resuming
// from what the ledger shows.
func (g *Guardian) deal(ctx context.Context, key *threshold.LongTermKey) error {
	if err := g.f.update(ctx, false); err != nil {
		return err
	}
	mine, judged := g.recorded()
	if judged {
		return nil
	}
	seed, err := g.dealSeed(mine == nil && !g.round1Closed())
	if err != nil {
		return err
	}
	defer clear(seed)
	inCeremony := func(st *election.State) bool { return st.Phase == election.PhaseCeremony }
	if mine == nil && seed != nil {
		_, deal, err := g.dealer(key, seed)
		if err != nil {
			return err
		}
		body := &entryBody{Type: election.TypeCeremony, Ceremony: &election.CeremonyEntry{Guardian: g.index, Round: election.RoundDeal, Message: deal}}
		if err := g.publish(ctx, "round 1 (the deal)", body, func(st *election.State) bool {
			d, _ := g.recorded()
			return d != nil || g.round1Closed() || !inCeremony(st)
		}); err != nil {
			return err
		}
		if mine, _ = g.recorded(); mine == nil {
			g.cfg.Log.Warn("guardian: round 1 closed before this guardian's deal was recorded; it will not be a dealer, but still judges the deals", "guardian", g.index)
		}
	}
	// The others' deals: all of them, or those present at the deadline, or
	// whatever was recorded when someone closed round 1.
	n := g.setup.Params().N
	wctx, cancel := context.WithTimeout(ctx, g.cfg.Deadline)
	err = g.f.until(wctx, "the other guardians' deals", func(st *election.State) (bool, error) {
		return len(st.Ceremony().Round1Messages()) == n || g.round1Closed() || !inCeremony(st), nil
	})
	cancel()
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case errors.Is(err, context.DeadlineExceeded):
		g.cfg.Log.Warn("guardian: the deadline passed; judging the deals on the ledger", "deals", len(g.f.st.Ceremony().Round1Messages()), "guardians", n)
	case err != nil:
		return err
	}
	return g.judge(ctx, key, mine, seed)
}

// judge posts this guardian's round-2 message: its verdict on the
// recorded deals, with a complaint against each dealer whose share to it
// does not open or does not match the dealer's commitments. A deal that
// arrives between judging and posting makes the platform refuse the
// message (it judges other deals than those recorded); the guardian then
// judges again.
func (g *Guardian) judge(ctx context.Context, key *threshold.LongTermKey, mine, seed []byte) error {
	for attempt := 0; attempt < 5; attempt++ {
		st := g.f.st
		if _, judged := g.recorded(); judged || st.Phase != election.PhaseCeremony {
			return nil
		}
		round1 := st.Ceremony().Round1Messages()
		var gd *threshold.Guardian
		switch {
		case mine != nil && seed != nil:
			var deal []byte
			var err error
			if gd, deal, err = g.dealer(key, seed); err != nil {
				return err
			}
			if !bytes.Equal(deal, mine) {
				return fmt.Errorf("guardian: the deal file %s does not give this guardian's deal on the ledger; it belongs to another ceremony",
					dealPath(g.cfg.KeyFile, g.cfg.Election))
			}
		case mine != nil:
			return g.judgeWithoutDeal(key, round1)
		default:
			// Not a dealer: a deal is drawn only to put the Guardian in
			// the state that judges; it is never posted.
			var err error
			if gd, err = threshold.NewGuardian(g.setup, g.index, key, g.cfg.Rand); err != nil {
				return err
			}
			if _, err := gd.Round1(); err != nil {
				return err
			}
		}
		m2, err := gd.Round2(round1)
		if err != nil {
			return fmt.Errorf("guardian: judging the deals: %w", err)
		}
		var against []int
		for _, c := range m2.Complaints {
			against = append(against, c.Dealer)
		}
		g.cfg.Log.Info("guardian: judged the shares dealt to this guardian", "deals", len(round1), "complaints_against", fmt.Sprint(against))
		body := &entryBody{Type: election.TypeCeremony, Ceremony: &election.CeremonyEntry{Guardian: g.index, Round: election.RoundComplaints, Message: m2.Encode()}}
		err = g.publish(ctx, "round 2 (complaints)", body, func(st *election.State) bool {
			_, judged := g.recorded()
			return judged || st.Phase != election.PhaseCeremony
		})
		if err == nil {
			return g.dropDeal()
		}
		if g.f.st.Phase == election.PhaseCeremony && g.f.st.Ceremony().Round1Digest() != m2.Round1Digest {
			g.cfg.Log.Info("guardian: the deals changed while judging them; judging again")
			continue
		}
		return err
	}
	return fmt.Errorf("guardian: the deals kept changing while this guardian judged them")
}

// judgeWithoutDeal is judging for a guardian whose deal is on the ledger
// but whose deal file is gone: it cannot sign a round-2 message, but it
// can check the shares dealt to it.
func (g *Guardian) judgeWithoutDeal(key *threshold.LongTermKey, round1 []*threshold.Round1Message) error {
	share, _, err := threshold.Recover(g.setup, g.index, key, round1, nil)
	if err != nil {
		return fmt.Errorf("%w: this guardian's deal is on the ledger but its deal file %s is gone, so it cannot sign a round-2 message, and a share dealt to it is invalid: %v",
			ErrCannotComplain, dealPath(g.cfg.KeyFile, g.cfg.Election), err)
	}
	share.Zero()
	g.cfg.Log.Warn("guardian: this guardian's deal is on the ledger but its deal file is gone: it posts no round-2 message; every share dealt to it is valid, so it had no complaint to file",
		"file", dealPath(g.cfg.KeyFile, g.cfg.Election))
	return nil
}

// dropDeal removes the deal file once the round-2 message is recorded:
// the deal is never needed again.
func (g *Guardian) dropDeal() error {
	path := dealPath(g.cfg.KeyFile, g.cfg.Election)
	if !exists(path) {
		return nil
	}
	if err := os.Remove(path); err != nil {
		return fmt.Errorf("guardian: removing the deal file: %w", err)
	}
	return nil
}
