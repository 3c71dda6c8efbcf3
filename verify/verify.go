package verify

import (
	"bufio"
	"encoding/json"
	"fmt"
	"iter"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/mod/sumdb/note"

	"github.com/urna-vote/urna/election"
	"github.com/urna-vote/urna/ledger"
	"github.com/urna-vote/urna/ledger/witness"
)

// Ledger-level check IDs (docs/protocol.md §11).
const (
	CheckLogRead    = "L0" // the log can be read, one canonical entry per line
	CheckCheckpoint = "L1" // the checkpoint is signed by the log key
	CheckRoot       = "L2" // the entries are exactly those the checkpoint commits to
	CheckComplete   = "L3" // the ledger holds a whole election: a result signed by the commission
	CheckWitnesses  = "L4" // with a witness policy: the checkpoint carries a quorum of cosignatures
)

// Report is the outcome of a verification. It is also what `urna verify
// --json` prints.
type Report struct {
	OK       bool                         `json:"ok"`
	Ballots  uint64                       `json:"ballots"`
	Results  map[string]map[string]uint64 `json:"results"`
	Error    string                       `json:"error,omitempty"`
	Counts   *election.Reconciliation     `json:"counts,omitempty"`
	Failures []Failure                    `json:"failures,omitempty"`
	Entries  uint64                       `json:"entries"`

	state *election.State
	tree  *tree
	check ledger.Checkpoint
}

// Options of a verification.
type Options struct {
	// Key is the log's note verifier key; empty: DIR/log.pub.
	Key string
	// Progress, if set, is told how many entries have been checked.
	Progress func(done, total uint64)
	// Witnesses, if set, is the policy whose quorum of cosignatures the
	// checkpoint must carry (check L4).
	Witnesses *witness.Policy
}

// Dir verifies the election in dir: dir/ledger.jsonl, one entry a line;
// dir/checkpoint, the signed checkpoint; and the log's public key.
func Dir(dir string, opts Options) (*Report, error) {
	key := opts.Key
	if key == "" {
		b, err := os.ReadFile(filepath.Join(dir, "log.pub"))
		if err != nil {
			return nil, fmt.Errorf("reading the log key: %w (give it with --log-key)", err)
		}
		key = strings.TrimSpace(string(b))
	}
	v, err := ledger.NewVerifier(key)
	if err != nil {
		return nil, fmt.Errorf("log key: %w", err)
	}
	signed, err := os.ReadFile(filepath.Join(dir, "checkpoint"))
	if err != nil {
		return nil, err
	}
	f, err := os.Open(filepath.Join(dir, "ledger.jsonl"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Entries(ledger.ReadJSONL(bufio.NewReaderSize(f, 1<<20)), signed, v, opts), nil
}

// Entries verifies a ledger given as its entries, its signed checkpoint and
// the log's key.
func Entries(entries iter.Seq2[[]byte, error], signed []byte, v note.Verifier, opts Options) *Report {
	r := &Report{tree: &tree{}}
	var failures []Failure
	c, err := ledger.OpenCheckpoint(signed, v)
	if err != nil {
		failures = append(failures, Failure{Check: CheckCheckpoint, Index: -1, Reason: err.Error()})
	}
	r.check = c
	hashed := func(yield func([]byte, error) bool) {
		for e, err := range entries {
			if err == nil {
				err = r.tree.add(e)
			}
			if !yield(e, err) || err != nil {
				return
			}
		}
	}
	var progress func(uint64)
	if opts.Progress != nil {
		progress = func(n uint64) { opts.Progress(n, c.Size) }
	}
	s, replayFailures := Replay(hashed, progress)
	r.state = s
	r.Entries = uint64(r.tree.n)
	if err == nil {
		if uint64(r.tree.n) != c.Size {
			failures = append(failures, Failure{Check: CheckRoot, Index: -1,
				Reason: fmt.Sprintf("the log has %d entries, the checkpoint commits to %d", r.tree.n, c.Size)})
		} else if root, err := r.tree.root(r.tree.n); err != nil || root != c.Root {
			failures = append(failures, Failure{Check: CheckRoot, Index: -1,
				Reason: "the entries do not give the checkpoint's root: the log was altered"})
		}
	}
	if opts.Witnesses != nil {
		if _, werr := opts.Witnesses.Check(signed); werr != nil {
			failures = append(failures, Failure{Check: CheckWitnesses, Index: -1, Reason: werr.Error()})
		}
	}
	failures = append(failures, replayFailures...)
	if s.Result == nil || len(s.Signatures) == 0 {
		failures = append(failures, Failure{Check: CheckComplete, Index: -1,
			Reason: fmt.Sprintf("the election is %s; no signed result to verify", s.Phase)})
	}
	r.finish(failures)
	return r
}

func (r *Report) finish(failures []Failure) {
	r.Failures = failures
	r.OK = len(failures) == 0
	if !r.OK {
		msgs := make([]string, len(failures))
		for i, f := range failures {
			msgs[i] = f.String()
		}
		r.Error = strings.Join(msgs, "; ")
	}
	s := r.state
	r.Results = map[string]map[string]uint64{}
	if s.Result != nil {
		counts := s.Result.Counts
		r.Counts = &counts
		r.Ballots = counts.Counted
		r.Results = s.Result.Totals(s.Manifest)
	}
}

// JSON returns the report as `urna verify --json` prints it.
func (r *Report) JSON() []byte {
	b, _ := json.Marshal(struct {
		OK      bool                         `json:"ok"`
		Ballots uint64                       `json:"ballots"`
		Results map[string]map[string]uint64 `json:"results"`
		Error   string                       `json:"error,omitempty"`
	}{r.OK, r.Ballots, r.Results, r.Error})
	return b
}

// Text returns the report for people: the verified result per contest, or
// each failed check.
func (r *Report) Text() string {
	var sb strings.Builder
	if !r.OK {
		fmt.Fprintf(&sb, "VERIFICATION FAILED (%d entries read)\n", r.Entries)
		for _, f := range r.Failures {
			fmt.Fprintf(&sb, "  %s\n", f)
		}
		return sb.String()
	}
	m := r.state.Manifest
	fmt.Fprintf(&sb, "Election %q verified: %d entries, every check passed.\n", m.ID, r.Entries)
	c := r.Counts
	fmt.Fprintf(&sb, "Credentials issued %d, voted %d; ballots counted %d, superseded by re-votes %d, spoiled %d.\n",
		c.Issued, c.Voted, c.Counted, c.Superseded, c.Spoiled)
	if r.state.Participants != nil {
		var participants uint64
		for _, n := range r.state.Participants {
			participants += n
		}
		fmt.Fprintf(&sb, "Participants (applications accounted) %d; ballots the platform declares it rejected %d.\n", participants, r.state.Rejected)
	}
	names := make([]string, 0, len(r.state.Signatures))
	for n := range r.state.Signatures {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintf(&sb, "Result signed by %s.\n", strings.Join(names, ", "))
	for _, ct := range m.Contests {
		fmt.Fprintf(&sb, "\n%s (%s)\n", ct.Title.EN, ct.ID)
		for _, o := range ct.Options {
			fmt.Fprintf(&sb, "  %-24s %d\n", o.Title.EN, r.Results[ct.ID][o.ID])
		}
	}
	return sb.String()
}
