package election

import (
	"bytes"
	"crypto/rsa"
	"io"
	"runtime"
	"sync"

	"github.com/urna-vote/urna/ballot"
)

// A Prepared entry has passed the checks that need no state beyond the
// election's fixed context: strict decoding and, for ballots, the
// credential, the shape and the batched proofs.
type Prepared struct {
	Index uint64
	Raw   []byte
	Entry *Entry

	ballot   *ballot.Ballot
	district string
	verified bool // ballot crypto (credential, shape, proofs) checked
	// operatorChecked: the operator's signature verified (O1).
	operatorChecked bool
	err             error
}

// prepareOne decodes one entry and, if the election's context is known,
// runs the stateless checks of a ballot except its proofs, which are left to
// the batch.
func prepareOne(index uint64, raw []byte, ctx *fixedContext) *Prepared {
	p := &Prepared{Index: index, Raw: raw}
	e, err := DecodeEntry(raw)
	if err != nil {
		p.err = &CheckError{ID: CheckDecode, Index: index, Err: err}
		return p
	}
	p.Entry = e
	if ctx != nil && ctx.operator != nil && e.Type != TypeElection {
		if p.err = verifyOperator(ctx.operator, ctx.operatorContext, index, e); p.err != nil {
			return p
		}
		p.operatorChecked = true
	}
	if e.Type == TypeBallot && ctx != nil {
		p.ballot, p.district, p.err = ctx.checkBallot(index, e.Ballot.Ballot)
	}
	return p
}

// fixedContext is what Prepare reads: set once the key is published and
// never changed, so preparing may run alongside Apply.
type fixedContext struct {
	ballot  *ballot.Context
	issuers map[string]*rsa.PublicKey
	styles  map[string]ballot.Style
	// operator and operatorContext check O1 (operator nil: no operator).
	operator        []byte
	operatorContext [32]byte
}

// checkBallot decodes a ballot and checks its credential and shape (B1, B3,
// B4).
func (c *fixedContext) checkBallot(index uint64, data []byte) (*ballot.Ballot, string, error) {
	b, err := ballot.Decode(data)
	if err != nil {
		return nil, "", &CheckError{ID: CheckBallotForm, Index: index, Err: err}
	}
	district, err := verifyCredential(b, c.issuers, c.ballot.Election)
	if err != nil {
		return nil, "", &CheckError{ID: CheckCredential, Index: index, Err: err}
	}
	if err := b.CheckShape(c.ballot, c.styles[district]); err != nil {
		return nil, "", &CheckError{ID: CheckShape, Index: index, Err: err}
	}
	return b, district, nil
}

// verifyBatch checks the proofs and signatures of the prepared ballots in
// one batch, marking each verified or failed (B5).
func (c *fixedContext) verifyBatch(ps []*Prepared, rand io.Reader) {
	var items []ballot.Item
	var which []*Prepared
	for _, p := range ps {
		if p.err == nil && p.ballot != nil {
			items = append(items, ballot.Item{Ballot: p.ballot, Style: c.styles[p.district]})
			which = append(which, p)
		}
	}
	if len(items) == 0 {
		return
	}
	errs, err := ballot.VerifyBatch(rand, c.ballot, items)
	if err != nil {
		return // left unverified: Apply checks them one by one
	}
	for i, p := range which {
		if errs[i] != nil {
			p.err = &CheckError{ID: CheckProofs, Index: p.Index, Err: errs[i]}
		} else {
			p.verified = true
		}
	}
}

// Prepare decodes entries that will be applied at indices first,
// first+1, …, and checks their ballots' credentials and proofs in batches
// spread over the machine's cores. rand keys the batch weights
// (crypto/rand.Reader). It reads only the election's fixed context, so it
// may be called while other entries are being applied; call it after the
// key entry has been applied to get any benefit for ballots.
func (s *State) Prepare(rand io.Reader, first uint64, raws [][]byte) []*Prepared {
	out := make([]*Prepared, len(raws))
	ctx := s.fixed
	workers := runtime.GOMAXPROCS(0)
	if workers > len(raws)/64+1 {
		workers = len(raws)/64 + 1
	}
	var seeds [][32]byte
	for w := 0; w < workers; w++ {
		var seed [32]byte
		if _, err := io.ReadFull(rand, seed[:]); err != nil {
			for i, raw := range raws {
				out[i] = prepareOne(first+uint64(i), raw, nil)
			}
			return out
		}
		seeds = append(seeds, seed)
	}
	var wg sync.WaitGroup
	chunk := (len(raws) + workers - 1) / workers
	for w := 0; w < workers; w++ {
		lo, hi := w*chunk, min((w+1)*chunk, len(raws))
		if lo >= hi {
			continue
		}
		wg.Add(1)
		go func(lo, hi int, seed [32]byte) {
			defer wg.Done()
			for i := lo; i < hi; i++ {
				out[i] = prepareOne(first+uint64(i), raws[i], ctx)
			}
			if ctx != nil {
				ctx.verifyBatch(out[lo:hi], bytes.NewReader(seed[:]))
			}
		}(lo, hi, seeds[w])
	}
	wg.Wait()
	return out
}

// CheckProposal checks, without changing the state, entries proposed to
// follow the ledger (a replicated ledger's block): each must decode, pass
// its stateless checks (the operator's signature, O1; a ballot's credential,
// shape and proofs, batched)
// and not repeat what the ledger already holds (a ballot's tracking code,
// a credential's pseudonym). It returns the first failure, or the prepared
// entries, ready for ApplyPrepared if the state has not changed meanwhile.
func (s *State) CheckProposal(raws [][]byte, rand io.Reader) ([]*Prepared, error) {
	ps := s.Prepare(rand, s.Next, raws)
	for _, p := range ps {
		if err := s.checkProposed(p); err != nil {
			return nil, err
		}
	}
	return ps, nil
}

// FilterProposal returns, in order, the entries of raws that CheckProposal
// would not refuse one by one — what an honest validator proposes from its
// mempool, leaving out any entry that would get the whole block voted
// down (an entry without the operator's signature, a replayed ballot) —
// prepared for the indexes they will take.
func (s *State) FilterProposal(raws [][]byte, rand io.Reader) []*Prepared {
	var out []*Prepared
	for _, p := range s.Prepare(rand, s.Next, raws) {
		if s.checkProposed(p) == nil {
			p.Index = s.Next + uint64(len(out))
			out = append(out, p)
		}
	}
	return out
}

// CheckEntry checks what CheckTx can afford for an entry offered to a
// replicated ledger: it decodes strictly and, once the election names an
// operator, carries its signature (O1).
func (s *State) CheckEntry(raw []byte) error {
	p := prepareOne(s.Next, raw, nil)
	if p.err != nil {
		return p.err
	}
	if s.Manifest == nil {
		return nil
	}
	return s.checkOperator(p)
}

// checkProposed is CheckProposal's check of one prepared entry.
func (s *State) checkProposed(p *Prepared) error {
	if p.err != nil {
		return p.err
	}
	// O1 needs the manifest; entries proposed with it are checked when
	// applied.
	if s.Manifest != nil {
		if err := s.checkOperator(p); err != nil {
			return err
		}
	}
	switch e := p.Entry; e.Type {
	case TypeBallot:
		if p.ballot != nil {
			if prev, dup := s.codes[keyOf(p.ballot.TrackingCode())]; dup {
				return fail(CheckUnique, p.Index, "the ballot is already on the ledger at entry %d", prev.index)
			}
		}
	case TypeCredential:
		var ps [32]byte
		copy(ps[:], e.Credential.Pseudonym)
		if s.pseudonyms[ps] {
			return fail(CheckIssue, p.Index, "a credential was already issued to this pseudonym")
		}
	}
	return nil
}
