package simulate

import (
	"context"
	"crypto/rand"
	mrand "math/rand/v2"
	"sort"

	"github.com/urna-vote/urna/crypto/threshold"
	"github.com/urna-vote/urna/election"
)

// guardian is one simulated key holder. In a real election each runs on
// its own machine (`urna guardian`).
type guardian struct {
	index  int
	public []byte
	key    *threshold.LongTermKey
	g      *threshold.Guardian
	share  *threshold.Share
}

func newGuardians(n int) ([]*guardian, error) {
	var out []*guardian
	for i := 1; i <= n; i++ {
		k, err := threshold.GenerateLongTermKey(rand.Reader)
		if err != nil {
			return nil, err
		}
		out = append(out, &guardian{index: i, key: k, public: k.Public().Bytes()})
	}
	return out, nil
}

// ceremony runs the key ceremony through the ledger: every guardian deals,
// every guardian files its (empty) complaints, and the joint key is
// published.
func (r *run) ceremony(ctx context.Context) error {
	p := threshold.Params{N: len(r.guardians), T: r.opts.Threshold}
	keys := make([][]byte, len(r.guardians))
	for i, g := range r.guardians {
		keys[i] = g.public
	}
	setup, err := threshold.NewSetup(p, r.st.CeremonyContext(), keys)
	if err != nil {
		return err
	}
	var deals []*election.Entry
	for _, g := range r.guardians {
		if g.g, err = threshold.NewGuardian(setup, g.index, g.key, rand.Reader); err != nil {
			return err
		}
		msg, err := g.g.Round1()
		if err != nil {
			return err
		}
		deals = append(deals, &election.Entry{Type: election.TypeCeremony, Time: r.tick(1000),
			Ceremony: &election.CeremonyEntry{Guardian: g.index, Round: election.RoundDeal, Message: msg.Encode()}})
	}
	if _, err := r.appendEntries(ctx, deals...); err != nil {
		return err
	}
	var complaints []*election.Entry
	for _, g := range r.guardians {
		msg, err := g.g.Round2(r.st.Ceremony().Round1Messages())
		if err != nil {
			return err
		}
		complaints = append(complaints, &election.Entry{Type: election.TypeCeremony, Time: r.tick(1000),
			Ceremony: &election.CeremonyEntry{Guardian: g.index, Round: election.RoundComplaints, Message: msg.Encode()}})
	}
	if _, err := r.appendEntries(ctx, complaints...); err != nil {
		return err
	}
	res, err := r.st.Ceremony().Result()
	if err != nil {
		return err
	}
	c := r.st.Ceremony()
	for _, g := range r.guardians {
		if _, err := g.g.Finish(c.Round1Messages(), c.Round2Messages()); err != nil {
			return err
		}
		if g.share, err = g.g.Share(); err != nil {
			return err
		}
	}
	_, err = r.appendEntries(ctx, &election.Entry{Type: election.TypeKey, Time: r.tick(1000),
		Key: &election.KeyEntry{Key: res.Key.Bytes(), Qualified: res.Qualified}})
	return err
}

// decrypt lets a random quorum of Threshold guardians decrypt the tally;
// the others are absent.
func (r *run) decrypt() ([]*election.Entry, error) {
	present := mrand.Perm(len(r.guardians))[:r.opts.Threshold]
	sort.Ints(present)
	var out []*election.Entry
	for _, i := range present {
		g := r.guardians[i]
		ds, err := threshold.PartialDecrypt(g.share, r.st.TallyCiphertexts(), r.st.ContextHash, rand.Reader)
		if err != nil {
			return nil, err
		}
		out = append(out, &election.Entry{Type: election.TypeShare,
			Share: &election.ShareEntry{Guardian: g.index, Share: ds.Encode()}})
	}
	return out, nil
}
