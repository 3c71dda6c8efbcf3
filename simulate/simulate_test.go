package simulate

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/urna-vote/urna/election"
)

func TestOptionsRejected(t *testing.T) {
	for name, tc := range map[string]struct {
		opts Options
		want string
	}{
		"no voters":    {Options{Voters: 0}, "at least one voter"},
		"revote share": {Options{Voters: 1, RevoteShare: 1.5}, "shares must lie in [0, 1]"},
		"spoil share":  {Options{Voters: 1, SpoilShare: -0.1}, "shares must lie in [0, 1]"},
	} {
		tc.opts.Out = t.TempDir()
		_, err := Run(context.Background(), tc.opts)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %q", name, err, tc.want)
		}
	}
}

// TestRunWritesALedgerThatReplays: a small run writes its files, and its
// ledger replays through the state machine to the result it expected.
func TestRunWritesALedgerThatReplays(t *testing.T) {
	dir := t.TempDir()
	sum, err := Run(context.Background(), Options{Voters: 12, Guardians: 3, Threshold: 2, RevoteShare: 1, Receipts: 2, Out: dir})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"ledger.jsonl", "checkpoint", "log.pub", "operator.key", "expected.json", "receipts/0.json", "receipts/1.json"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("missing %s", f)
		}
	}
	b, _ := os.ReadFile(filepath.Join(dir, "ledger.jsonl"))
	st := election.New()
	for i, line := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
		if err := st.Apply([]byte(line)); err != nil {
			t.Fatalf("entry %d: %v", i, err)
		}
	}
	if st.Phase != election.PhaseDecided || len(st.Signatures) != 3 {
		t.Fatalf("phase %s, %d signatures", st.Phase, len(st.Signatures))
	}
	if st.Counts.Voted != 12 || st.Counts.Superseded != 12 || uint64(sum.Ballots) != st.Counts.Voted+st.Counts.Superseded {
		t.Fatalf("counts %+v, %d ballots", st.Counts, sum.Ballots)
	}
	var exp Expected
	eb, _ := os.ReadFile(filepath.Join(dir, "expected.json"))
	if err := json.Unmarshal(eb, &exp); err != nil {
		t.Fatal(err)
	}
	got := map[string]map[string]uint64{}
	for _, d := range st.Result.Districts {
		for _, c := range d.Contests {
			if got[c.Contest] == nil {
				got[c.Contest] = map[string]uint64{}
			}
			for i, n := range c.Counts {
				got[c.Contest][st.Manifest.Contests[contestIndex(st.Manifest, c.Contest)].Options[i].ID] += n
			}
		}
	}
	for c, opts := range exp.Results {
		for o, n := range opts {
			if got[c][o] != n {
				t.Errorf("%s/%s: ledger %d, expected %d", c, o, got[c][o], n)
			}
		}
	}
}

func contestIndex(m *election.Manifest, id string) int {
	for i, c := range m.Contests {
		if c.ID == id {
			return i
		}
	}
	return -1
}
