// Package dashboard shows an election as it happens: turnout per region
// and district over time (credentials issued, voters who voted, ballots
// cast, re-votes), the voting window's state, the ledger's height and last
// checkpoint, the key ceremony's and the decryption's progress, and any
// entry with its inclusion proof. The platform (web) serves it for each
// election, and an observer node (observe) for the election it follows,
// computed from its own replay of the ledger; both use this package, so
// both show the same figures for the same ledger.
//
// A dashboard is an HTML page that updates itself from a stream of
// snapshots (server-sent events), a JSON snapshot for programs, and an
// entry inspector:
//
//	<prefix>/              the page (?lang=en for English)
//	<prefix>/status        the snapshot as JSON
//	<prefix>/events        snapshots as server-sent events, as they change
//	<prefix>/entry/{n}     one entry, decoded, with its inclusion proof
//	<prefix>/assets/…      the page's script and style
package dashboard

import (
	"sync"

	"github.com/urna-vote/urna/election"
	"github.com/urna-vote/urna/ledger"
)

// Snapshot is one moment of an election as a dashboard shows it.
type Snapshot struct {
	Node       string                  `json:"node"` // "platform" or "observer"
	Election   string                  `json:"election"`
	Title      election.Text           `json:"title"`
	Training   bool                    `json:"training"`
	Phase      string                  `json:"phase"`
	Voting     election.Window         `json:"voting"`
	Now        int64                   `json:"now"` // the last entry's time, Unix ms
	Entries    uint64                  `json:"entries"`
	Checkpoint string                  `json:"checkpoint"` // the signed checkpoint, with any cosignatures
	Cosigners  []string                `json:"cosigners"`
	Counts     election.Reconciliation `json:"counts"`
	Regions    []Region                `json:"regions"`
	Ceremony   Ceremony                `json:"ceremony"`
	Decryption Decryption              `json:"decryption"`
	Series     []Point                 `json:"series"`
	Alerts     []Alert                 `json:"alerts"`
	// Verification is an observer node's full check of its copy once the
	// result is signed: "" before, "ok", or why it failed.
	Verification string `json:"verification,omitempty"`
}

// Region is one region's turnout and its districts'.
type Region struct {
	ID        string          `json:"id"`
	Name      election.Text   `json:"name"`
	Voting    election.Window `json:"voting"`
	Issued    uint64          `json:"issued"`
	Voted     uint64          `json:"voted"`
	Districts []District      `json:"districts"`
}

// District is one district's turnout.
type District struct {
	ID     string        `json:"id"`
	Name   election.Text `json:"name"`
	Issued uint64        `json:"issued"`
	Voted  uint64        `json:"voted"`
}

// Ceremony is the key ceremony's progress.
type Ceremony struct {
	Guardians    int   `json:"guardians"`
	Threshold    int   `json:"threshold"`
	Round1       int   `json:"round1"`
	Round2       int   `json:"round2"`
	KeyPublished bool  `json:"key_published"`
	Heartbeats   int   `json:"heartbeats"`    // guardians with a heartbeat on the ledger
	KeyTestedAt  int64 `json:"key_tested_at"` // Unix ms of the last key test (0: none)
}

// Decryption is the count's progress.
type Decryption struct {
	Shares     int  `json:"shares"`
	Threshold  int  `json:"threshold"`
	Result     bool `json:"result"`
	Signatures int  `json:"signatures"`
	Commission int  `json:"commission"`
	Disputes   int  `json:"disputes"`
	Unresolved int  `json:"unresolved"`
}

// Point is turnout at one time (the time of the last entry then).
type Point struct {
	Time     int64             `json:"t"`
	Issued   uint64            `json:"issued"`
	Voted    uint64            `json:"voted"`
	Cast     uint64            `json:"cast"` // ballots cast, re-votes included
	Revotes  uint64            `json:"revotes"`
	ByRegion map[string]uint64 `json:"by_region"` // voters who voted
}

// Alert is an observer node's finding: the ledger misbehaved.
type Alert struct {
	Time   int64  `json:"time"` // Unix ms, when it was found
	Kind   string `json:"kind"`
	Entry  int64  `json:"entry"` // −1 when no single entry
	Detail string `json:"detail"`
}

// FromState fills a snapshot from a state (read under its owner's lock).
func FromState(id string, st *election.State) Snapshot {
	p := st.Progress()
	s := Snapshot{Election: id, Phase: p.Phase.Code(), Now: p.LastTime, Entries: p.Entries, Counts: p.Counts,
		Ceremony: Ceremony{Guardians: p.Guardians, Threshold: p.Threshold, Round1: p.CeremonyPosted, Round2: p.CeremonyComplete, KeyPublished: p.KeyPublished,
			Heartbeats: p.Heartbeats, KeyTestedAt: p.KeyTestedAt},
		Decryption: Decryption{Shares: p.SharesPublished, Threshold: p.Threshold, Result: st.Result != nil, Signatures: p.Signatures, Commission: p.Commission,
			Disputes: p.Disputes, Unresolved: p.Unresolved},
		Regions: []Region{}, Series: []Point{}, Alerts: []Alert{}, Cosigners: []string{}}
	m := st.Manifest
	if m == nil {
		return s
	}
	s.Title, s.Training, s.Voting = m.Title, m.Training, m.Voting
	names := map[string]election.Text{}
	for _, d := range m.Districts {
		names[d.ID] = d.Name
	}
	regions := map[string]*Region{}
	for _, d := range p.Districts {
		r := regions[d.Region]
		if r == nil {
			r = &Region{ID: d.Region, Name: election.Text{RU: d.Region, EN: d.Region}, Voting: m.Voting}
			for _, mr := range m.Regions {
				if mr.ID == d.Region {
					r.Name, r.Voting = mr.Name, mr.Voting
				}
			}
			regions[d.Region] = r
			s.Regions = append(s.Regions, Region{ID: d.Region})
		}
		r.Issued += d.Issued
		r.Voted += d.Voted
		r.Districts = append(r.Districts, District{ID: d.District, Name: names[d.District], Issued: d.Issued, Voted: d.Voted})
	}
	for i := range s.Regions {
		s.Regions[i] = *regions[s.Regions[i].ID]
	}
	return s
}

// Series records turnout over time, one point per change, thinned to at
// most maxPoints (every other point dropped when full).
type Series struct {
	mu     sync.Mutex
	points []Point
}

const maxPoints = 2000

// Record adds the snapshot's turnout if it changed.
func (se *Series) Record(s Snapshot) {
	se.mu.Lock()
	defer se.mu.Unlock()
	p := Point{Time: s.Now, Issued: s.Counts.Issued, Voted: s.Counts.Voted,
		Cast: s.Counts.Counted + s.Counts.Superseded + s.Counts.Spoiled, Revotes: s.Counts.Superseded, ByRegion: map[string]uint64{}}
	for _, r := range s.Regions {
		p.ByRegion[r.ID] = r.Voted
	}
	if n := len(se.points); n > 0 {
		last := se.points[n-1]
		if last.Issued == p.Issued && last.Cast == p.Cast {
			return
		}
	}
	if len(se.points) == maxPoints {
		kept := se.points[:0]
		for i, q := range se.points {
			if i%2 == 0 {
				kept = append(kept, q)
			}
		}
		se.points = kept
	}
	se.points = append(se.points, p)
}

// Points returns the recorded points.
func (se *Series) Points() []Point {
	se.mu.Lock()
	defer se.mu.Unlock()
	return append([]Point{}, se.points...)
}

// A Source is what a dashboard shows.
type Source interface {
	// Snapshot returns the election now.
	Snapshot() Snapshot
	// Entry returns entry i, an inclusion proof of it in the checkpoint
	// (signed) of the snapshot's tree, and that checkpoint.
	Entry(i uint64) (entry []byte, proof ledger.Proof, signed []byte, err error)
}
