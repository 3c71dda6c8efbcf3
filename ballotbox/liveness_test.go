package ballotbox_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/urna-vote/urna/election"
)

// appendCheck appends e and returns the check it failed ("" if accepted).
func appendCheck(t *testing.T, te *testElection, e *election.Entry) string {
	t.Helper()
	_, err := te.box.Append(context.Background(), e)
	if err == nil {
		return ""
	}
	var ce *election.CheckError
	if !errors.As(err, &ce) {
		t.Fatalf("append %s: %v is no check error", e.Type, err)
	}
	return ce.ID
}

// lastEntry returns the last entry of the box's ledger, decoded.
func lastEntry(t *testing.T, te *testElection) *election.Entry {
	t.Helper()
	raw, err := te.box.Ledger().Entry(context.Background(), te.box.Ledger().Size()-1)
	if err != nil {
		t.Fatal(err)
	}
	e, err := election.DecodeEntry(raw)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestHeartbeatsAndKeyTest(t *testing.T) {
	te := newElection(t, 0)
	ctx := context.Background()
	if err := te.keys.Heartbeats(ctx, te.box); err != nil {
		t.Fatal(err)
	}
	hb := lastEntry(t, te) // guardian 3's
	if hb.Type != election.TypeHeartbeat || hb.Heartbeat.Guardian != 3 {
		t.Fatalf("last entry %+v, want guardian 3's heartbeat", hb)
	}
	var ready []int
	te.box.View(func(st *election.State) { ready = st.KeyTestReady() })
	if len(ready) != 3 {
		t.Fatalf("key test ready with %v, want all three guardians", ready)
	}

	// A heartbeat cannot be posted again, nor moved to a later ledger size
	// (its proof is bound to the size it read), nor claimed by another
	// guardian.
	again := *hb.Heartbeat
	if id := appendCheck(t, te, &election.Entry{Type: election.TypeHeartbeat, Heartbeat: &again}); id != election.CheckHeartbeat {
		t.Errorf("replayed heartbeat: check %q, want %s", id, election.CheckHeartbeat)
	}
	moved := *hb.Heartbeat
	moved.Seen = te.box.Ledger().Size()
	if id := appendCheck(t, te, &election.Entry{Type: election.TypeHeartbeat, Heartbeat: &moved}); id != election.CheckHeartbeat {
		t.Errorf("heartbeat moved to a later size: check %q, want %s", id, election.CheckHeartbeat)
	}
	other := *hb.Heartbeat
	other.Guardian = 2
	other.Seen = te.box.Ledger().Size()
	if id := appendCheck(t, te, &election.Entry{Type: election.TypeHeartbeat, Heartbeat: &other}); id != election.CheckHeartbeat {
		t.Errorf("heartbeat claimed by another guardian: check %q, want %s", id, election.CheckHeartbeat)
	}
	future := *hb.Heartbeat
	future.Seen = te.box.Ledger().Size() + 5
	if id := appendCheck(t, te, &election.Entry{Type: election.TypeHeartbeat, Heartbeat: &future}); id != election.CheckHeartbeat {
		t.Errorf("heartbeat claiming a future ledger size: check %q, want %s", id, election.CheckHeartbeat)
	}

	// Fewer than the threshold, out of order or repeated guardians are no
	// key test; a quorum is.
	for _, gs := range [][]int{{1}, {2, 1}, {1, 1}, {1, 4}} {
		if id := appendCheck(t, te, &election.Entry{Type: election.TypeKeyTest, KeyTest: &election.KeyTestEntry{Guardians: gs}}); id != election.CheckKeyTest {
			t.Errorf("key test by %v: check %q, want %s", gs, id, election.CheckKeyTest)
		}
	}
	if id := appendCheck(t, te, &election.Entry{Type: election.TypeKeyTest, KeyTest: &election.KeyTestEntry{Guardians: []int{1, 3}}}); id != "" {
		t.Fatalf("key test by guardians 1 and 3 refused: %s", id)
	}
	var tested int64
	var by []int
	te.box.View(func(st *election.State) { tested, by = st.KeyTestedAt, st.KeyTestedBy })
	if tested == 0 || len(by) != 2 {
		t.Fatalf("key tested at %d by %v", tested, by)
	}

	// After the close no heartbeat or key test is taken.
	te.clock.add(12 * time.Hour)
	if _, err := te.box.Append(ctx, &election.Entry{Type: election.TypeClose}); err != nil {
		t.Fatal(err)
	}
	if id := appendCheck(t, te, &election.Entry{Type: election.TypeKeyTest, KeyTest: &election.KeyTestEntry{Guardians: []int{1, 2}}}); id != election.CheckPhase {
		t.Errorf("key test after the close: check %q, want %s", id, election.CheckPhase)
	}
}

func TestDisputeBlocksSigning(t *testing.T) {
	te := newElection(t, 0)
	ctx := context.Background()
	v := te.issue(t)
	if _, err := te.box.Cast(ctx, te.ballot(t, v, 1).Bytes()); err != nil {
		t.Fatal(err)
	}
	for name, d := range map[string]election.DisputeEntry{
		"no tracking code": {Receipt: []byte("r"), Reason: "x"},
		"no receipt":       {Tracking: "abc"},
		"reason too long":  {Tracking: "abc", Receipt: []byte("r"), Reason: strings.Repeat("я", election.MaxReasonLen/2+1)},
	} {
		if id := appendCheck(t, te, &election.Entry{Type: election.TypeDispute, Dispute: &d}); id != election.CheckDispute {
			t.Errorf("%s: check %q, want %s", name, id, election.CheckDispute)
		}
	}
	at, err := te.box.Append(ctx, &election.Entry{Type: election.TypeDispute, Dispute: &election.DisputeEntry{
		Tracking: "QX7-ABCD", Receipt: []byte(`{"index":99}`), Reason: "Моего бюллетеня нет в реестре"}})
	if err != nil {
		t.Fatal(err)
	}
	te.clock.add(12 * time.Hour)
	err = te.keys.Count(ctx, te.box)
	var ce *election.CheckError
	if !errors.As(err, &ce) || ce.ID != election.CheckDisputes {
		t.Fatalf("signing with an open dispute: %v, want check %s", err, election.CheckDisputes)
	}
	// A resolution must be signed by a member, over its own words.
	forged := &election.ResolutionEntry{Dispute: at, Member: "m1", Outcome: election.OutcomeDismissed, Reason: "ok", Signature: make([]byte, 64)}
	if id := appendCheck(t, te, &election.Entry{Type: election.TypeResolution, Resolution: forged}); id != election.CheckResolution {
		t.Errorf("forged resolution: check %q, want %s", id, election.CheckResolution)
	}
	if err := te.keys.Resolve(ctx, te.box, "m1", at+1, election.OutcomeDismissed, "no such dispute"); err == nil {
		t.Error("a resolution of an entry that is no dispute was accepted")
	}
	if err := te.keys.Resolve(ctx, te.box, "m1", at, "maybe", "?"); err == nil {
		t.Error("an unknown outcome was accepted")
	}
	if err := te.keys.Resolve(ctx, te.box, "m1", at, election.OutcomeDismissed, "Бюллетень в реестре под тем же кодом"); err != nil {
		t.Fatal(err)
	}
	if err := te.keys.Resolve(ctx, te.box, "m1", at, election.OutcomeUpheld, "again"); err == nil {
		t.Error("a dispute was resolved twice")
	}
	if err := te.keys.Count(ctx, te.box); err != nil {
		t.Fatal(err)
	}
	var signed int
	te.box.View(func(st *election.State) { signed = len(st.Signatures) })
	if signed != 1 {
		t.Fatalf("%d signatures after the resolution, want 1", signed)
	}
	// Once the whole commission has signed, no dispute can be filed.
	if id := appendCheck(t, te, &election.Entry{Type: election.TypeDispute, Dispute: &election.DisputeEntry{Tracking: "a", Receipt: []byte("r")}}); id != election.CheckDispute {
		t.Errorf("dispute after the signing: check %q, want %s", id, election.CheckDispute)
	}
}

// The participants of each district are published after the close, before
// the tally, and no district has issued more credentials than it had
// participants.
func TestParticipants(t *testing.T) {
	te := newElection(t, 0)
	ctx := context.Background()
	te.issue(t)
	te.issue(t) // two credentials in d1
	te.clock.add(12 * time.Hour)
	if _, err := te.box.Append(ctx, &election.Entry{Type: election.TypeClose}); err != nil {
		t.Fatal(err)
	}
	var tally *election.TallyEntry
	te.box.View(func(st *election.State) { tally = st.ExpectedTally() })
	if id := appendCheck(t, te, &election.Entry{Type: election.TypeTally, Tally: tally}); id != election.CheckTally {
		t.Errorf("tally before the participants: check %q, want %s", id, election.CheckTally)
	}
	for name, ds := range map[string][]election.DistrictCount{
		"fewer than issued":  {{District: "d1", Count: 1}, {District: "d2", Count: 0}},
		"a district missing": {{District: "d1", Count: 5}},
		"out of order":       {{District: "d2", Count: 0}, {District: "d1", Count: 5}},
	} {
		if id := appendCheck(t, te, &election.Entry{Type: election.TypeParticipants, Participants: &election.ParticipantsEntry{Districts: ds}}); id != election.CheckParticipants {
			t.Errorf("%s: check %q, want %s", name, id, election.CheckParticipants)
		}
	}
	good := &election.ParticipantsEntry{Districts: []election.DistrictCount{{District: "d1", Count: 3}, {District: "d2", Count: 0}}}
	if id := appendCheck(t, te, &election.Entry{Type: election.TypeParticipants, Participants: good}); id != "" {
		t.Fatalf("participants refused: %s", id)
	}
	if id := appendCheck(t, te, &election.Entry{Type: election.TypeParticipants, Participants: good}); id != election.CheckParticipants {
		t.Errorf("participants twice: check %q, want %s", id, election.CheckParticipants)
	}
	if id := appendCheck(t, te, &election.Entry{Type: election.TypeTally, Tally: tally}); id != "" {
		t.Fatalf("tally refused: %s", id)
	}
}
