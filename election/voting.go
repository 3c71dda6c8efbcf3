package election

import (
	"fmt"

	"github.com/urna-vote/urna/ballot"
	"github.com/urna-vote/urna/crypto/elgamal"
)

func (s *State) applyBallot(p *Prepared) error {
	if err := s.needPhase(p, PhaseOpen); err != nil {
		return err
	}
	if p.Entry.Time >= s.Manifest.Voting.Closes {
		return fail(CheckWindow, p.Index, "ballot cast at %d, after the window closed at %d", p.Entry.Time, s.Manifest.Voting.Closes)
	}
	b, district := p.ballot, p.district
	if !p.verified {
		var err error
		if b == nil {
			if b, district, err = s.fixed.checkBallot(p.Index, p.Entry.Ballot.Ballot); err != nil {
				return err
			}
		}
		if err := b.Verify(s.fixed.ballot, s.styles[district]); err != nil {
			return &CheckError{ID: CheckProofs, Index: p.Index, Err: err}
		}
	}
	h := b.Hash()
	if s.spoiled[h] {
		return fail(CheckSpoiled, p.Index, "this ballot was opened by its voter and can never be cast")
	}
	code := b.TrackingCode()
	if prev, dup := s.codes[code]; dup {
		return fail(CheckUnique, p.Index, "tracking code %s is already on the ledger at entry %d", code, prev)
	}
	prev := s.credentials[b.CredentialKey]
	if prev != nil && b.Seq <= prev.seq {
		return fail(CheckSequence, p.Index, "sequence number %d does not exceed the credential's previous ballot's %d (entry %d)", b.Seq, prev.seq, prev.index)
	}
	if prev == nil && s.voted[district]+1 > s.issued[district] {
		return fail(CheckTurnout, p.Index, "more credentials would vote in district %q than the %d issued there", district, s.issued[district])
	}
	// All checks passed: apply.
	if prev != nil {
		s.addToTally(district, decodeCiphertexts(prev.cts), true)
		s.Counts.Superseded++
	} else {
		s.voted[district]++
		s.Counts.Voted++
		prev = &credentialState{district: district}
		s.credentials[b.CredentialKey] = prev
	}
	s.addToTally(district, b.Ciphertexts(), false)
	prev.seq, prev.index, prev.hash, prev.cts = b.Seq, p.Index, h, ballotCiphertexts(b)
	s.codes[code] = p.Index
	return nil
}

// ballotCiphertexts concatenates the encodings of a ballot's ciphertexts,
// contest by contest, option by option.
func ballotCiphertexts(b *ballot.Ballot) []byte {
	var out []byte
	for _, c := range b.Contests {
		for _, sel := range c.Selections {
			out = append(out, sel.CiphertextBytes()...)
		}
	}
	return out
}

func decodeCiphertexts(data []byte) []*elgamal.Ciphertext {
	var out []*elgamal.Ciphertext
	for off := 0; off < len(data); off += elgamal.CiphertextSize {
		ct, err := elgamal.DecodeCiphertext(data[off : off+elgamal.CiphertextSize])
		if err != nil {
			panic("election: stored ciphertext does not decode: " + err.Error())
		}
		out = append(out, ct)
	}
	return out
}

// addToTally adds (or, if subtract, removes) a ballot's ciphertexts to the
// district's running tally.
func (s *State) addToTally(district string, cts []*elgamal.Ciphertext, subtract bool) {
	sums := s.tally[district]
	if sums == nil {
		for _, c := range s.styles[district] {
			cs := &contestSum{contest: int(c.Index)}
			for o := 0; o < c.Options; o++ {
				cs.sums = append(cs.sums, elgamal.Zero())
			}
			sums = append(sums, cs)
		}
		s.tally[district] = sums
	}
	i := 0
	for _, cs := range sums {
		for _, sum := range cs.sums {
			ct := cts[i]
			i++
			if subtract {
				sum.A.Subtract(sum.A, ct.A)
				sum.B.Subtract(sum.B, ct.B)
			} else {
				sum.AddInPlace(ct)
			}
		}
	}
}

func (s *State) applySpoil(p *Prepared) error {
	if err := s.needPhase(p, PhaseOpen); err != nil {
		return err
	}
	sp := p.Entry.Spoil
	b, district, err := s.fixed.checkBallot(p.Index, sp.Ballot)
	if err != nil {
		err.(*CheckError).ID = CheckSpoil
		return err
	}
	if err := b.Verify(s.fixed.ballot, s.styles[district]); err != nil {
		return fail(CheckSpoil, p.Index, "%v", err)
	}
	op, err := ballot.DecodeOpening(sp.Opening)
	if err != nil {
		return fail(CheckSpoil, p.Index, "%v", err)
	}
	if _, err := ballot.VerifyOpening(s.fixed.ballot, b, op); err != nil {
		return fail(CheckSpoil, p.Index, "%v", err)
	}
	code := b.TrackingCode()
	if prev, dup := s.codes[code]; dup {
		return fail(CheckSpoil, p.Index, "ballot %s was already cast or spoiled at entry %d", code, prev)
	}
	s.spoiled[b.Hash()] = true
	s.codes[code] = p.Index
	s.Counts.Spoiled++
	return nil
}

// TrackingCode looks up a tracking code (in canonical form) and returns the
// index of its entry.
func (s *State) TrackingCode(code string) (uint64, bool) {
	i, ok := s.codes[code]
	return i, ok
}

// Counted reports whether the ballot entry at index is the counted ballot of
// its credential, and if not, the index of the ballot that superseded it.
func (s *State) Counted(credentialKey [32]byte, index uint64) (bool, uint64, error) {
	c := s.credentials[credentialKey]
	if c == nil {
		return false, 0, fmt.Errorf("no ballot of this credential is on the ledger")
	}
	return c.index == index, c.index, nil
}
