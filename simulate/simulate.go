// Package simulate runs a whole urna election in one process, as `urna
// simulate` does: key ceremony, voters obtaining anonymous credentials and
// casting random valid ballots (some re-vote, some challenge and spoil a
// ballot), close, tally, a quorum of guardians decrypting while the rest are
// absent, and the commission's signatures. Every entry goes through the
// election state machine before it is appended to the ledger, exactly as
// on the platform. It writes the ledger, its signed checkpoint, the result
// expected from the plaintext choices it generated, and voters' receipts.
//
// The simulation holds every key in one process, which a real election
// never does: it exists to test and measure, and the files it writes
// (operator.key, the log key, and operator-entries.key, the seed of the
// key that signs entries, above all) are for tests that play a malicious
// operator.
package simulate

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"runtime"
	"sync"

	"github.com/urna-vote/urna/ballot"
	"github.com/urna-vote/urna/crypto/credential"
	"github.com/urna-vote/urna/election"
)

// Options configure a simulation.
type Options struct {
	Voters      int
	Manifest    *election.Manifest // nil: DefaultManifest
	Guardians   int                // default 7
	Threshold   int                // default 4
	RevoteShare float64            // share of voters who vote again
	SpoilShare  float64            // share of voters who challenge a ballot first
	Receipts    int                // voters whose receipts are written
	Out         string             // the output folder
	Start       int64              // voting opens (Unix ms); 0: a fixed date
	Progress    func(done, total int)
}

// Summary is what a simulation produced.
type Summary struct {
	Ballots  int // ballot entries (including re-votes)
	Spoiled  int
	Entries  uint64
	Expected Expected
}

// Expected is DIR/expected.json: the result computed from the plaintext
// choices the simulation generated, by contest and option, summed over
// districts.
type Expected struct {
	Results map[string]map[string]uint64 `json:"results"`
}

// voter is one simulated voter's plan.
type voter struct {
	district string
	revote   bool
	spoil    bool
	receipt  int // the receipt's number, −1 for none
	key      *credential.Key
	cred     []byte
	final    ballot.Choices
}

// rng is a non-cryptographic source for the simulation's choices of who
// votes what. Every cryptographic value (keys, nonces, batch weights) comes
// from crypto/rand.
func newRNG() *mrand.Rand {
	var seed [16]byte
	if _, err := io.ReadFull(rand.Reader, seed[:]); err != nil {
		panic(err)
	}
	return mrand.New(mrand.NewPCG(binary.LittleEndian.Uint64(seed[:8]), binary.LittleEndian.Uint64(seed[8:])))
}

// randomChoices draws a valid choice for a style.
func randomChoices(rng *mrand.Rand, style ballot.Style) ballot.Choices {
	ch := make(ballot.Choices, len(style))
	for i, c := range style {
		row := make([]uint8, c.Options)
		k := c.Min + rng.IntN(c.Max-c.Min+1)
		for _, o := range rng.Perm(c.Options)[:k] {
			row[o] = 1
		}
		ch[i] = row
	}
	return ch
}

// parallel runs f(i) for i in [0, n) on all cores.
func parallel(n int, f func(i int) error) error {
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	errs := make([]error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < n; i += workers {
				if err := f(i); err != nil && errs[w] == nil {
					errs[w] = fmt.Errorf("item %d: %w", i, err)
				}
			}
		}(w)
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
