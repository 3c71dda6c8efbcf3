package election

import "sort"

// Progress is what the dashboards show of an election: where it stands,
// turnout per district, and how far the key ceremony and the decryption
// have come. It is computed from the state alone, so the platform and an
// observer node that replayed the same ledger show the same figures.
type Progress struct {
	Phase     Phase
	Entries   uint64
	LastTime  int64 // the last entry's time, Unix milliseconds
	Counts    Reconciliation
	Districts []DistrictTurnout

	Guardians        int // in the manifest
	Threshold        int
	CeremonyPosted   int // guardians whose first-round messages are on the ledger
	CeremonyComplete int // guardians whose second-round messages are
	KeyPublished     bool
	SharesPublished  int // guardians who published their decryption share
	Signatures       int // commission members who signed the result
	Commission       int
	KeyTestedAt      int64 // when a quorum last decrypted the test ciphertext (0: never)
	Heartbeats       int   // guardians with a heartbeat on the ledger
	Disputes         int   // disputes filed
	Unresolved       int   // disputes not yet resolved
}

// DistrictTurnout is one district's credentials issued and credentials
// that voted.
type DistrictTurnout struct {
	District string
	Region   string
	Issued   uint64
	Voted    uint64
}

// Progress reports the state's progress.
func (s *State) Progress() Progress {
	p := Progress{Phase: s.Phase, Entries: s.Next, LastTime: s.LastTime, Counts: s.Counts,
		KeyPublished: s.Key != nil, SharesPublished: len(s.shares), Signatures: len(s.Signatures),
		KeyTestedAt: s.KeyTestedAt, Heartbeats: len(s.Heartbeats), Disputes: len(s.Disputes), Unresolved: len(s.Unresolved())}
	if m := s.Manifest; m != nil {
		p.Guardians, p.Threshold, p.Commission = len(m.Guardians), m.Threshold, len(m.Commission)
		for _, d := range m.Districts {
			p.Districts = append(p.Districts, DistrictTurnout{District: d.ID, Region: d.Region, Issued: s.issued[d.ID], Voted: s.voted[d.ID]})
		}
		sort.SliceStable(p.Districts, func(i, j int) bool { return p.Districts[i].Region < p.Districts[j].Region })
	}
	if s.ceremony != nil && s.ceremony.public != nil {
		p.CeremonyPosted = len(s.ceremony.public.Round1Messages())
		p.CeremonyComplete = len(s.ceremony.public.Round2Messages())
	}
	return p
}
