package election

import (
	"bytes"
	"encoding/json"
	"slices"

	"github.com/urna-vote/urna/crypto/dlog"
	"github.com/urna-vote/urna/crypto/elgamal"
	"github.com/urna-vote/urna/crypto/transcript"
)

// ExpectedTally returns the tally entry the state implies: for each district
// with ballots, in manifest order, the sum of the last ballot of each
// credential, per contest and option.
func (s *State) ExpectedTally() *TallyEntry {
	t := &TallyEntry{Districts: []DistrictTally{}}
	for _, d := range s.Manifest.Districts {
		sums := s.tally[d.ID]
		if sums == nil {
			continue
		}
		dt := DistrictTally{District: d.ID}
		for _, cs := range sums {
			ct := ContestTally{Contest: s.Manifest.Contests[cs.contest].ID}
			for _, sum := range cs.sums {
				ct.Ciphertexts = append(ct.Ciphertexts, sum.Bytes())
			}
			dt.Contests = append(dt.Contests, ct)
		}
		t.Districts = append(t.Districts, dt)
	}
	return t
}

// ExpectedParticipants returns the participants entry for the given counts
// by district (absent districts count zero), in manifest order.
func (s *State) ExpectedParticipants(counts map[string]uint64) *ParticipantsEntry {
	e := &ParticipantsEntry{Districts: []DistrictCount{}}
	for _, d := range s.Manifest.Districts {
		e.Districts = append(e.Districts, DistrictCount{District: d.ID, Count: counts[d.ID]})
	}
	return e
}

// Issued returns the credentials issued in a district.
func (s *State) Issued(district string) uint64 { return s.issued[district] }

func (s *State) applyParticipants(p *Prepared) error {
	if err := s.needPhase(p, PhaseClosed); err != nil {
		return err
	}
	if s.Participants != nil {
		return fail(CheckParticipants, p.Index, "the participants are already published")
	}
	ds := p.Entry.Participants.Districts
	if len(ds) != len(s.Manifest.Districts) {
		return fail(CheckParticipants, p.Index, "%d districts, the manifest has %d", len(ds), len(s.Manifest.Districts))
	}
	out := make(map[string]uint64, len(ds))
	for i, d := range ds {
		if d.District != s.Manifest.Districts[i].ID {
			return fail(CheckParticipants, p.Index, "district %d is %q, the manifest's is %q", i, d.District, s.Manifest.Districts[i].ID)
		}
		if d.Count < s.issued[d.District] {
			return fail(CheckParticipants, p.Index, "district %s: %d participants, but %d credentials were issued", d.District, d.Count, s.issued[d.District])
		}
		out[d.District] = d.Count
	}
	s.Participants, s.Rejected = out, p.Entry.Participants.Rejected
	return nil
}

func (s *State) applyTally(p *Prepared) error {
	if err := s.needPhase(p, PhaseClosed); err != nil {
		return err
	}
	if s.Participants == nil {
		return fail(CheckTally, p.Index, "the participants are not published yet")
	}
	want := s.ExpectedTally()
	wantJSON, _ := json.Marshal(want)
	gotJSON, _ := json.Marshal(p.Entry.Tally)
	if !bytes.Equal(wantJSON, gotJSON) {
		return fail(CheckTally, p.Index, "the published tally is not the sum of the last ballot of each credential")
	}
	s.tallyEntry = want
	s.tallyCts = nil
	for _, d := range s.Manifest.Districts {
		for _, cs := range s.tally[d.ID] {
			s.tallyCts = append(s.tallyCts, cs.sums...)
		}
	}
	s.Phase = PhaseTallied
	return nil
}

// TallyCiphertexts returns the ciphertexts guardians decrypt, in tally
// order (district, contest, option).
func (s *State) TallyCiphertexts() []*elgamal.Ciphertext { return s.tallyCts }

func (s *State) applyShare(p *Prepared) error {
	if err := s.needPhase(p, PhaseTallied); err != nil {
		return err
	}
	sh := p.Entry.Share
	if len(s.tallyCts) == 0 {
		return fail(CheckShare, p.Index, "the tally is empty: there is nothing to decrypt")
	}
	if !slices.Contains(s.qualified, sh.Guardian) {
		return fail(CheckShare, p.Index, "guardian %d is not a qualified key holder", sh.Guardian)
	}
	if _, dup := s.shares[sh.Guardian]; dup {
		return fail(CheckShare, p.Index, "guardian %d already published a share", sh.Guardian)
	}
	if err := s.verifyShare(sh.Guardian, sh.Share); err != nil {
		return fail(CheckShare, p.Index, "guardian %d: %v", sh.Guardian, err)
	}
	s.shares[sh.Guardian] = sh.Share
	return nil
}

// ExpectedResult decrypts the tally from the shares published so far. It
// fails if fewer than the threshold have been published — unless nobody
// voted: an empty tally has nothing to decrypt, and its result (no
// district, no guardian) needs no share.
func (s *State) ExpectedResult() (*ResultEntry, error) {
	if len(s.tallyCts) == 0 {
		r := &ResultEntry{Districts: []DistrictResult{}, Counts: s.Counts, Guardians: []int{}}
		r.Counts.Counted = s.Counts.Voted
		return r, nil
	}
	values, guardians, err := s.combineShares()
	if err != nil {
		return nil, err
	}
	var max uint64
	for _, v := range s.voted {
		max = maxU(max, v)
	}
	table := dlog.NewTable(max)
	r := &ResultEntry{Districts: []DistrictResult{}, Counts: s.Counts, Guardians: guardians}
	r.Counts.Counted = s.Counts.Voted
	i := 0
	for _, d := range s.tallyEntry.Districts {
		dr := DistrictResult{District: d.District}
		for _, c := range d.Contests {
			cr := ContestResult{Contest: c.Contest}
			for range c.Ciphertexts {
				m, err := table.VarTimeLog(values[i])
				if err != nil {
					return nil, err
				}
				cr.Counts = append(cr.Counts, m)
				i++
			}
			dr.Contests = append(dr.Contests, cr)
		}
		r.Districts = append(r.Districts, dr)
	}
	return r, nil
}

func maxU(a, b uint64) uint64 {
	if a > b {
		return a
	}
	return b
}

func (s *State) applyResult(p *Prepared) error {
	if err := s.needPhase(p, PhaseTallied); err != nil {
		return err
	}
	want, err := s.ExpectedResult()
	if err != nil {
		return fail(CheckResult, p.Index, "%v", err)
	}
	got := p.Entry.Result
	if got.Counts != want.Counts {
		return fail(CheckCounts, p.Index, "reconciliation %+v, the ledger gives %+v", got.Counts, want.Counts)
	}
	wantJSON, _ := json.Marshal(want)
	gotJSON, _ := json.Marshal(got)
	if !bytes.Equal(wantJSON, gotJSON) {
		return fail(CheckResult, p.Index, "the published result is not the decryption of the tally")
	}
	s.Result, s.resultRaw = got, gotJSON
	s.Phase, s.DecidedAt = PhaseDecided, p.Entry.Time
	return nil
}

// ProtocolMessage is what each commission member signs: the election
// context hash and the exact result.
func (s *State) ProtocolMessage() []byte {
	d := transcript.New("urna/v1/protocol").Bytes("election", s.ContextHash[:]).
		Bytes("result", s.resultRaw).Digest("protocol/message")
	return d[:]
}

func (s *State) applySignature(p *Prepared) error {
	if err := s.needPhase(p, PhaseDecided); err != nil {
		return err
	}
	sg := p.Entry.Signature
	m, ok := s.Manifest.Member(sg.Member)
	if !ok {
		return fail(CheckSignature, p.Index, "%q is not a member of the commission", sg.Member)
	}
	if s.Signatures[sg.Member] {
		return fail(CheckSignature, p.Index, "%q already signed", sg.Member)
	}
	if open := s.Unresolved(); len(open) > 0 {
		return fail(CheckDisputes, p.Index, "the dispute at entry %d is unresolved", open[0])
	}
	if err := m.Verify(s.ProtocolMessage(), sg.Signature); err != nil {
		return fail(CheckSignature, p.Index, "the signature of %q: %v", sg.Member, err)
	}
	s.Signatures[sg.Member] = true
	s.Signed[sg.Member] = append([]byte(nil), sg.Signature...)
	return nil
}
