package organiser

import (
	"context"
	"encoding/json"
	"slices"

	"github.com/urna-vote/urna/election"
	"github.com/urna-vote/urna/issuance"
)

// Status is a fixed vote as its ledger shows it: where it stands, how far
// the key ceremony has come guardian by guardian, each guardian's last
// heartbeat, the last test of the key, who decrypted the tally and who
// signed the result. It is read from the state machine's replay of the
// ledger, as every observer can.
type Status struct {
	ID       string          `json:"id"`
	Title    election.Text   `json:"title"`
	Training bool            `json:"training"`
	Phase    string          `json:"phase"` // election.Phase.Code
	Entries  uint64          `json:"entries"`
	Voting   election.Window `json:"voting"`

	Threshold    int              `json:"threshold"`
	Guardians    []GuardianStatus `json:"guardians"`
	KeyPublished bool             `json:"key_published"`
	// KeyTestedAt is when a quorum last decrypted the test ciphertext
	// (Unix ms; 0: not yet), and by which guardians.
	KeyTestedAt int64 `json:"key_tested_at"`
	KeyTestedBy []int `json:"key_tested_by"`
	// Decrypted: how many guardians published their share of the tally.
	Decrypted  int                     `json:"decrypted"`
	Commission []MemberStatus          `json:"commission"`
	Signed     int                     `json:"signed"`
	Counts     election.Reconciliation `json:"counts"`
}

// Qualification of a guardian in the key ceremony.
const (
	QualPending      = "pending"      // the key is not published yet
	QualQualified    = "qualified"    // its deal is part of the key
	QualDisqualified = "disqualified" // no deal, or a justified complaint against it
)

// GuardianStatus is one guardian's part so far.
type GuardianStatus struct {
	Index int    `json:"index"`
	Name  string `json:"name"`
	// Dealt: its round-1 message (commitments and sealed shares) is on the
	// ledger. Judged: its round-2 message is, with Complaints complaints.
	Dealt      bool   `json:"dealt"`
	Judged     bool   `json:"complaints_filed"`
	Complaints int    `json:"complaints"`
	Qualified  string `json:"qualified"`
	// Heartbeat is the time of its last heartbeat (Unix ms; 0: none).
	Heartbeat int64 `json:"heartbeat"`
	// Decrypted: its share of the tally's decryption is on the ledger.
	Decrypted bool `json:"decrypted"`
}

// MemberStatus is one commission member and whether they signed.
type MemberStatus struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Signed bool   `json:"signed"`
}

// Status returns the status of a fixed vote of the console.
func (s *Service) Status(ctx context.Context, id string) (Status, error) {
	e, err := s.fixedElection(ctx, id)
	if err != nil {
		return Status{}, err
	}
	var st Status
	var fromLedger bool
	e.Box.View(func(es *election.State) { st, fromLedger = statusOf(id, es) })
	if fromLedger {
		shares, err := sharesOnLedger(e)
		if err != nil {
			return Status{}, err
		}
		for i := range st.Guardians {
			st.Guardians[i].Decrypted = slices.Contains(shares, st.Guardians[i].Index)
		}
	}
	return st, nil
}

// fixedElection returns the election of a vote fixed on the ledger.
func (s *Service) fixedElection(ctx context.Context, id string) (*issuance.Election, error) {
	d, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	e, ok := s.el.Election(id)
	if d.State != StateFixed || !ok {
		return nil, refuse(CodeNotFixed, "", "Голосование ещё не зафиксировано в реестре: церемонии ключа пока нет.",
			"The vote is not fixed on the ledger yet: there is no key ceremony so far.")
	}
	return e, nil
}

// statusOf reads the status from a state. Before the result, which names
// the guardians whose shares it combined, the state counts the shares but
// does not say whose: fromLedger asks the caller to read that off the
// ledger.
func statusOf(id string, es *election.State) (st Status, fromLedger bool) {
	m := es.Manifest
	if m == nil {
		return Status{ID: id, Phase: es.Phase.Code()}, false
	}
	p := es.Progress()
	st = Status{ID: id, Title: m.Title, Training: m.Training, Phase: es.Phase.Code(), Entries: es.Next, Voting: m.Voting,
		Threshold: m.Threshold, KeyPublished: es.Key != nil, KeyTestedAt: es.KeyTestedAt, KeyTestedBy: slices.Clone(es.KeyTestedBy),
		Decrypted: p.SharesPublished, Signed: len(es.Signatures), Counts: es.Counts}
	c := es.Ceremony()
	for _, g := range m.Guardians {
		st.Guardians = append(st.Guardians, GuardianStatus{Index: g.Index, Name: g.Name, Qualified: QualPending, Heartbeat: es.Heartbeats[g.Index]})
	}
	if c != nil {
		for _, r1 := range c.Round1Messages() {
			st.Guardians[r1.Dealer-1].Dealt = true
		}
		for _, r2 := range c.Round2Messages() {
			st.Guardians[r2.Guardian-1].Judged, st.Guardians[r2.Guardian-1].Complaints = true, len(r2.Complaints)
		}
		if es.Key != nil {
			if res, err := c.Result(); err == nil {
				for i := range st.Guardians {
					st.Guardians[i].Qualified = QualDisqualified
					if res.IsQualified(st.Guardians[i].Index) {
						st.Guardians[i].Qualified = QualQualified
					}
				}
			}
		}
	}
	if es.Result != nil {
		for i := range st.Guardians {
			st.Guardians[i].Decrypted = slices.Contains(es.Result.Guardians, st.Guardians[i].Index)
		}
	}
	for _, mb := range m.Commission {
		st.Commission = append(st.Commission, MemberStatus{ID: mb.ID, Name: mb.Name, Signed: es.Signatures[mb.ID]})
	}
	return st, es.Result == nil && p.SharesPublished > 0
}

// maxShareScan bounds how far back sharesOnLedger reads.
const maxShareScan = 100_000

// sharesOnLedger returns the guardians whose decryption shares are on the
// ledger after its tally, reading back from the newest entry to the
// tally (only shares, heartbeats, disputes and their resolutions come
// after it).
func sharesOnLedger(e *issuance.Election) ([]int, error) {
	lg := e.Box.Ledger()
	var out []int
	to := lg.Size()
	for to > 0 && lg.Size()-to < maxShareScan {
		from := to - min(to, 256)
		var batch [][]byte
		for raw, err := range lg.Entries(from, to) {
			if err != nil {
				return nil, err
			}
			batch = append(batch, raw)
		}
		for i := len(batch) - 1; i >= 0; i-- {
			var en struct {
				Type  string `json:"type"`
				Share *struct {
					Guardian int `json:"guardian"`
				} `json:"share"`
			}
			if err := json.Unmarshal(batch[i], &en); err != nil {
				return nil, err
			}
			switch {
			case en.Type == election.TypeTally:
				return out, nil
			case en.Type == election.TypeShare && en.Share != nil:
				out = append(out, en.Share.Guardian)
			}
		}
		to = from
	}
	return out, nil
}
