package simulate

import (
	"context"
	"crypto/ed25519"
	"sort"

	"github.com/urna-vote/urna/election"
)

// count tallies, lets a quorum of guardians decrypt, publishes the result
// and has the commission sign it; it also computes the expected result from
// the plaintext choices.
func (r *run) count(ctx context.Context) error {
	// Every simulated voter applied and received a credential.
	issued := map[string]uint64{}
	for _, d := range r.st.Manifest.Districts {
		issued[d.ID] = r.st.Issued(d.ID)
	}
	if _, err := r.appendEntries(ctx, &election.Entry{Type: election.TypeParticipants, Time: r.tick(1000), Participants: r.st.ExpectedParticipants(issued)}); err != nil {
		return err
	}
	if _, err := r.appendEntries(ctx, &election.Entry{Type: election.TypeTally, Time: r.tick(60_000), Tally: r.st.ExpectedTally()}); err != nil {
		return err
	}
	shares, err := r.decrypt()
	if err != nil {
		return err
	}
	for _, sh := range shares {
		sh.Time = r.tick(1000)
	}
	if _, err := r.appendEntries(ctx, shares...); err != nil {
		return err
	}
	res, err := r.st.ExpectedResult()
	if err != nil {
		return err
	}
	if _, err := r.appendEntries(ctx, &election.Entry{Type: election.TypeResult, Time: r.tick(1000), Result: res}); err != nil {
		return err
	}
	msg := r.st.ProtocolMessage()
	ids := make([]string, 0, len(r.members))
	for id := range r.members {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var sigs []*election.Entry
	for _, id := range ids {
		sigs = append(sigs, &election.Entry{Type: election.TypeSignature, Time: r.tick(1000),
			Signature: &election.SignatureEntry{Member: id, Signature: ed25519.Sign(r.members[id], msg)}})
	}
	if _, err := r.appendEntries(ctx, sigs...); err != nil {
		return err
	}
	r.sum.Expected = r.expected()
	return nil
}

// expected sums the plaintext final choices of every voter.
func (r *run) expected() Expected {
	m := r.st.Manifest
	out := Expected{Results: map[string]map[string]uint64{}}
	for _, c := range m.Contests {
		out.Results[c.ID] = map[string]uint64{}
		for _, o := range c.Options {
			out.Results[c.ID][o.ID] = 0
		}
	}
	for _, v := range r.voters {
		for i, sc := range r.st.Style(v.district) {
			c := m.Contests[sc.Index]
			for o, sel := range v.final[i] {
				out.Results[c.ID][c.Options[o].ID] += uint64(sel)
			}
		}
	}
	return out
}
