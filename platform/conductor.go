package platform

import (
	"context"
	"errors"
	"time"

	"github.com/urna-vote/urna/election"
	"github.com/urna-vote/urna/issuance"
)

// The conductor moves an election through its life by the clock and the
// ledger, posting the entries that are the platform's to post: the joint
// key once every guardian has dealt and answered, voting opened and closed
// at the manifest's times, a key test whenever a quorum of guardians has
// fresh heartbeats, the number of participants (accounted applications) of
// each district and the encrypted tally right after the close, and the
// result as soon as threshold guardians have published their decryption
// shares. Guardians, commission members and voters post their own entries;
// the state machine judges everything, so a conductor step that races
// another poster of the same entry simply fails and is not repeated.

// KeyTestEvery is how often, at most, the conductor posts a key test while
// guardians keep sending heartbeats.
const KeyTestEvery = 10 * time.Minute

// step is one entry the conductor would post now, or nil.
func (p *Platform) step(st *election.State, now time.Time) (*election.Entry, error) {
	m := st.Manifest
	if m == nil {
		return nil, nil
	}
	ms := now.UnixMilli()
	switch st.Phase {
	case election.PhaseCeremony:
		pr := st.Progress()
		if pr.CeremonyPosted == pr.Guardians && pr.CeremonyComplete == pr.Guardians {
			return keyEntry(st)
		}
	case election.PhaseKeyed, election.PhaseOpen:
		if gs := st.KeyTestReady(); gs != nil && (st.KeyTestedAt == 0 || ms-st.KeyTestedAt >= KeyTestEvery.Milliseconds()) {
			return &election.Entry{Type: election.TypeKeyTest, KeyTest: &election.KeyTestEntry{Guardians: gs}}, nil
		}
		if st.Phase == election.PhaseKeyed && ms >= m.Voting.Opens && ms < m.Voting.Closes {
			return &election.Entry{Type: election.TypeOpen}, nil
		}
		if st.Phase == election.PhaseOpen && ms >= m.Voting.Closes {
			return &election.Entry{Type: election.TypeClose}, nil
		}
	case election.PhaseClosed:
		if st.Participants == nil {
			return nil, errParticipants
		}
		return &election.Entry{Type: election.TypeTally, Tally: st.ExpectedTally()}, nil
	case election.PhaseTallied:
		if st.Progress().SharesPublished >= m.Threshold || len(st.TallyCiphertexts()) == 0 {
			res, err := st.ExpectedResult()
			if err != nil {
				return nil, err
			}
			return &election.Entry{Type: election.TypeResult, Result: res}, nil
		}
	}
	return nil, nil
}

// errParticipants says the next step is the participants, which need the
// private database.
var errParticipants = errors.New("platform: the participants are due")

// FinishCeremony publishes the joint key of an election whose ceremony
// has not heard from every guardian: those who dealt and answered are
// qualified if they are at least the threshold (the organiser decides
// when to stop waiting).
func (p *Platform) FinishCeremony(ctx context.Context, id string) (uint64, error) {
	e, ok := p.Election(id)
	if !ok {
		return 0, errors.New("platform: no such election")
	}
	var entry *election.Entry
	var err error
	e.Box.View(func(st *election.State) {
		if st.Phase != election.PhaseCeremony {
			err = errors.New("platform: the key ceremony is not running")
			return
		}
		entry, err = keyEntry(st)
	})
	if err != nil {
		return 0, err
	}
	return e.Box.Append(ctx, entry)
}

func keyEntry(st *election.State) (*election.Entry, error) {
	res, err := st.Ceremony().Result()
	if err != nil {
		return nil, err
	}
	return &election.Entry{Type: election.TypeKey, Key: &election.KeyEntry{Key: res.Key.Bytes(), Qualified: res.Qualified}}, nil
}

// conduct takes the steps that are due for one election, at most a few per
// call (each is one entry; the background loop calls again a second
// later).
func (p *Platform) conduct(ctx context.Context, e *issuance.Election) {
	for range 4 {
		var entry *election.Entry
		var err error
		e.Box.View(func(st *election.State) { entry, err = p.step(st, p.Config.Now()) })
		if err == errParticipants {
			entry, err = p.participants(ctx, e)
		}
		if err != nil {
			if ctx.Err() == nil {
				p.Log.Error("platform: conductor", "election", e.ID, "err", err)
			}
			return
		}
		if entry == nil {
			return
		}
		if _, err := e.Box.Append(ctx, entry); err != nil {
			// Someone else may have posted the same step first; the next
			// round sees the new phase. Anything else is worth a line.
			var ce *election.CheckError
			if !errors.As(err, &ce) || ce.ID != election.CheckPhase {
				if ctx.Err() == nil {
					p.Log.Warn("platform: conductor step refused", "election", e.ID, "type", entry.Type, "err", err)
				}
			}
			return
		}
		p.Log.Info("platform: conductor", "election", e.ID, "posted", entry.Type)
	}
}

// participants is the entry with the number of accounted applications of
// each district and the number of ballots refused while voting was open.
func (p *Platform) participants(ctx context.Context, e *issuance.Election) (*election.Entry, error) {
	counts, err := p.Registry.Participants(ctx, e.ID)
	if err != nil {
		return nil, err
	}
	rejected, err := p.RejectedBallots(ctx, e.ID)
	if err != nil {
		return nil, err
	}
	var pe *election.ParticipantsEntry
	e.Box.View(func(st *election.State) { pe = st.ExpectedParticipants(counts) })
	for _, n := range rejected {
		pe.Rejected += n
	}
	return &election.Entry{Type: election.TypeParticipants, Participants: pe}, nil
}
