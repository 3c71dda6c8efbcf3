package election

import (
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
	if w := s.windows[district]; p.Entry.Time < w.Opens || p.Entry.Time >= w.Closes {
		return fail(CheckWindow, p.Index, "ballot cast at %d, outside district %q's voting window [%d, %d)", p.Entry.Time, district, w.Opens, w.Closes)
	}
	h := b.Hash()
	if s.spoiled[h] {
		return fail(CheckSpoiled, p.Index, "this ballot was opened by its voter and can never be cast")
	}
	code := b.TrackingCode()
	if len(code) != codeKeyLen {
		panic("election: a tracking code of unexpected length")
	}
	if prev, dup := s.codes[keyOf(code)]; dup {
		return fail(CheckUnique, p.Index, "tracking code %s is already on the ledger at entry %d", code, prev.index)
	}
	prev, voted := s.credentials[b.CredentialKey]
	if voted && b.Seq <= prev.seq {
		return fail(CheckSequence, p.Index, "sequence number %d does not exceed the credential's previous ballot's %d (entry %d)", b.Seq, prev.seq, prev.index)
	}
	if !voted && s.voted[district]+1 > s.issued[district] {
		return fail(CheckTurnout, p.Index, "more credentials would vote in district %q than the %d issued there", district, s.issued[district])
	}
	// All checks passed: apply.
	cts := ballotCiphertexts(b)
	if voted {
		s.addToTally(district, decodeCiphertexts(s.counted.get(prev.cts, len(cts))), true)
		s.Counts.Superseded++
	} else {
		s.voted[district]++
		s.Counts.Voted++
	}
	s.addToTally(district, b.Ciphertexts(), false)
	s.credentials[b.CredentialKey] = credentialState{seq: b.Seq, index: p.Index, cts: s.counted.add(cts)}
	s.codes[keyOf(code)] = codeEntry{index: p.Index, credential: b.CredentialKey}
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
	if prev, dup := s.codes[keyOf(code)]; dup {
		return fail(CheckSpoil, p.Index, "ballot %s was already cast or spoiled at entry %d", code, prev.index)
	}
	s.spoiled[b.Hash()] = true
	s.codes[keyOf(code)] = codeEntry{index: p.Index, credential: b.CredentialKey, spoiled: true}
	s.Counts.Spoiled++
	return nil
}

// A Tracked ballot is what a tracking code leads to.
type Tracked struct {
	Index      uint64 // the ballot's entry
	Spoiled    bool   // opened by its voter, never counted
	Counted    bool   // the counted ballot of its credential
	Superseded uint64 // if neither: the entry of the later ballot that replaced it
}

type codeEntry struct {
	index      uint64
	credential [32]byte
	spoiled    bool
}

// codeKey is a tracking code in canonical form (16 symbols in four groups
// of four, 19 bytes) as a map key without a pointer.
type codeKey [codeKeyLen]byte

const codeKeyLen = ballot.TrackingCodeLen + ballot.TrackingCodeLen/4 - 1

func keyOf(code string) (k codeKey) {
	copy(k[:], code)
	return k
}

// arena keeps byte strings in 1 MiB blocks, addressed by one integer:
// no pointer per string for the collector to follow, no copying as it
// grows.
type arena struct {
	blocks [][]byte
}

const arenaBlock = 1 << 20

func (a *arena) add(b []byte) uint64 {
	n := len(a.blocks)
	if n == 0 || len(a.blocks[n-1])+len(b) > arenaBlock {
		a.blocks = append(a.blocks, make([]byte, 0, max(arenaBlock, len(b))))
		n++
	}
	off := len(a.blocks[n-1])
	a.blocks[n-1] = append(a.blocks[n-1], b...)
	return uint64(n-1)<<32 | uint64(off)
}

func (a *arena) get(at uint64, n int) []byte {
	off := int(at & 0xffffffff)
	return a.blocks[at>>32][off : off+n]
}

// Track looks up a tracking code (canonical form) on the ledger so far.
func (s *State) Track(code string) (Tracked, bool) {
	if len(code) != codeKeyLen {
		return Tracked{}, false
	}
	c, ok := s.codes[keyOf(code)]
	if !ok {
		return Tracked{}, false
	}
	t := Tracked{Index: c.index, Spoiled: c.spoiled}
	if !c.spoiled {
		last := s.credentials[c.credential]
		t.Counted = last.index == c.index
		if !t.Counted {
			t.Superseded = last.index
		}
	}
	return t, true
}
