// Package verify checks an urna election from its public ledger alone: it
// replays every entry through the election state machine (every signature
// and proof, batched), checks the Merkle root against the signed checkpoint,
// checks voters' receipts, and reports the verified result or each failing
// check by its ID (docs/protocol.md), the entry and why.
package verify

import (
	"crypto/rand"
	"errors"
	"fmt"
	"iter"

	"github.com/urna-vote/urna/election"
)

// A Failure is one failed check.
type Failure struct {
	Check  string `json:"check"`
	Index  int64  `json:"entry"` // −1 when the failure concerns no single entry
	Reason string `json:"reason"`
}

func (f Failure) String() string {
	if f.Index < 0 {
		return fmt.Sprintf("%s: %s", f.Check, f.Reason)
	}
	return fmt.Sprintf("%s: entry %d: %s", f.Check, f.Index, f.Reason)
}

// MaxFailures bounds how many failures a report lists.
const MaxFailures = 100

// chunk is how many entries are prepared (decoded and batch-verified) at
// once; it bounds the verifier's memory.
const chunk = 8192

// Replay applies the entries in order to a fresh state. Entries are prepared
// in chunks on all cores, then applied one by one. A failing entry is
// reported and skipped, and replay goes on, so one tampered entry yields
// every check it breaks. progress, if not nil, is called after each chunk with
// the number of entries applied.
func Replay(entries iter.Seq2[[]byte, error], progress func(n uint64)) (*election.State, []Failure) {
	s := election.New()
	var failures []Failure
	report := func(f Failure) {
		if len(failures) < MaxFailures {
			failures = append(failures, f)
		}
	}
	// Reading (and whatever the iterator does, such as hashing) runs ahead
	// in its own goroutine, one chunk at a time, while the previous chunk is
	// prepared and applied.
	type chunkOf struct {
		raws [][]byte
		err  error
	}
	chunks := make(chan chunkOf, 1)
	go func() {
		defer close(chunks)
		var buf [][]byte
		for e, err := range entries {
			if err != nil {
				chunks <- chunkOf{buf, err}
				return
			}
			buf = append(buf, e)
			if len(buf) == chunk {
				chunks <- chunkOf{raws: buf}
				buf = nil
			}
		}
		chunks <- chunkOf{raws: buf}
	}()
	// While one chunk is applied (serially, cheaply), the next is prepared
	// (decoded and batch-verified on all cores).
	type preparedChunk struct {
		ps  []*election.Prepared
		err error
	}
	prepare := func(first uint64, raws [][]byte, readErr error) chan preparedChunk {
		out := make(chan preparedChunk, 1)
		go func() { out <- preparedChunk{s.Prepare(rand.Reader, first, raws), readErr} }()
		return out
	}
	var pending chan preparedChunk
	next := s.Next // index of the first entry not yet handed to Prepare
	apply := func(pc preparedChunk) bool {
		for i, p := range pc.ps {
			if err := s.ApplyPrepared(p); err != nil {
				report(failureOf(err, int64(p.Index)))
				s.Skip()
			}
			pc.ps[i] = nil // its decoded ballot can go
		}
		if progress != nil {
			progress(s.Next)
		}
		if pc.err != nil {
			report(Failure{Check: "L0", Index: int64(s.Next), Reason: pc.err.Error()})
			return false
		}
		return true
	}
	for c := range chunks {
		rest := c.raws
		if s.BallotContext() == nil {
			// Until the election key is known, ballots cannot be
			// batch-checked: apply entries one by one until it is.
			for len(rest) > 0 && s.BallotContext() == nil {
				if err := s.Apply(rest[0]); err != nil {
					report(failureOf(err, int64(s.Next)))
					s.Skip()
				}
				rest = rest[1:]
			}
			next = s.Next
		}
		p := prepare(next, rest, c.err)
		next += uint64(len(rest))
		if pending != nil && !apply(<-pending) {
			pending = nil
			break
		}
		pending = p
	}
	if pending != nil {
		apply(<-pending)
	}
	for range chunks {
	}
	return s, failures
}

func failureOf(err error, index int64) Failure {
	var ce *election.CheckError
	if errors.As(err, &ce) {
		return Failure{Check: ce.ID, Index: int64(ce.Index), Reason: ce.Err.Error()}
	}
	return Failure{Check: "E0", Index: index, Reason: err.Error()}
}
