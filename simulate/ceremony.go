package simulate

import (
	"context"
	"crypto/rand"
	mrand "math/rand/v2"
	"sort"

	"github.com/gtank/ristretto255"

	"github.com/urna-vote/urna/crypto/group"
	"github.com/urna-vote/urna/crypto/threshold"
	"github.com/urna-vote/urna/election"
)

// guardian is one simulated key holder. In a real election each runs on
// its own machine (`urna guardian`).
type guardian struct {
	index  int
	public []byte
	secret *group.Secret
	g      *threshold.Guardian
	share  *threshold.Share
}

func newGuardians(n int) ([]*guardian, error) {
	var out []*guardian
	for i := 1; i <= n; i++ {
		x, err := group.RandomSecret(rand.Reader)
		if err != nil {
			return nil, err
		}
		out = append(out, &guardian{index: i, secret: x,
			public: ristretto255.NewIdentityElement().ScalarBaseMult(x.Scalar()).Bytes()})
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
	cctx := r.st.CeremonyContext()
	var deals []*election.Entry
	for _, g := range r.guardians {
		var err error
		if g.g, err = threshold.NewGuardian(p, cctx, g.index, g.secret, keys); err != nil {
			return err
		}
		msg, err := g.g.Round1(rand.Reader)
		if err != nil {
			return err
		}
		deals = append(deals, &election.Entry{Type: election.TypeCeremony, Time: r.tick(1000),
			Ceremony: &election.CeremonyEntry{Guardian: g.index, Round: election.RoundDeal, Message: msg}})
	}
	if _, err := r.appendEntries(ctx, deals...); err != nil {
		return err
	}
	var complaints []*election.Entry
	for _, g := range r.guardians {
		msg, err := g.g.Round2(r.st.Ceremony(), rand.Reader)
		if err != nil {
			return err
		}
		complaints = append(complaints, &election.Entry{Type: election.TypeCeremony, Time: r.tick(1000),
			Ceremony: &election.CeremonyEntry{Guardian: g.index, Round: election.RoundComplaints, Message: msg}})
	}
	if _, err := r.appendEntries(ctx, complaints...); err != nil {
		return err
	}
	res, err := r.st.Ceremony().Result()
	if err != nil {
		return err
	}
	for _, g := range r.guardians {
		if g.share, err = g.g.Share(res); err != nil {
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
