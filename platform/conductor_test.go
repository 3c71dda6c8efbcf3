package platform_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/urna-vote/urna/ballotbox"
	"github.com/urna-vote/urna/election"
	"github.com/urna-vote/urna/internal/storetest"
	"github.com/urna-vote/urna/issuance"
	"github.com/urna-vote/urna/keyholders"
	"github.com/urna-vote/urna/platform"
	"github.com/urna-vote/urna/registry"
)

// clock is a settable clock.
type clock struct{ ms atomic.Int64 }

func (c *clock) now() time.Time { return time.UnixMilli(c.ms.Load()) }

// keyedElection creates election id on p (a training vote, open to every
// verified account, if training) — one district, one question,
// voting for twelve hours from start, three guardians of whom two decrypt,
// one commission member — holds its key ceremony and waits for the key.
// It returns the election and its key holders.
func keyedElection(t *testing.T, p *platform.Platform, id string, training bool, start time.Time, info registry.ElectionInfo) (*issuance.Election, *keyholders.Keys) {
	t.Helper()
	ctx := context.Background()
	tx := func(s string) election.Text { return election.Text{RU: s, EN: s} }
	m := &election.Manifest{ID: id, Title: tx("Проверка " + id), Training: training,
		Voting:    election.Window{Opens: start.UnixMilli(), Closes: start.Add(12 * time.Hour).UnixMilli(), TimeZone: "Europe/Moscow"},
		Districts: []election.District{{ID: "d1", Name: tx("Округ"), Region: "77"}},
		Contests: []election.Contest{{ID: "q", Title: tx("Вопрос"), Kind: election.KindOneOfN, Min: 1, Max: 1,
			Districts: []string{}, Options: []election.Option{{ID: "a", Title: tx("А")}, {ID: "b", Title: tx("Б")}}}},
	}
	k := keyholders.Generate(3, []string{"m1"})
	if err := k.Fill(m, 2, nil); err != nil {
		t.Fatal(err)
	}
	e, err := p.CreateElection(ctx, m, info)
	if err != nil {
		t.Fatal(err)
	}
	if err := k.Ceremony(ctx, e.Box); err != nil {
		t.Fatal(err)
	}
	waitPhase(t, e.Box, election.PhaseKeyed)
	return e, k
}

// waitPhase waits up to ten seconds for the election to reach phase.
func waitPhase(t *testing.T, box *ballotbox.Box, want election.Phase) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var phase election.Phase
		box.View(func(st *election.State) { phase = st.Phase })
		if phase == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the election is %s, want %s", phase, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// The conductor publishes the key once every guardian has answered, opens
// and closes voting at the manifest's times, tests the key when a quorum
// has heartbeats, and publishes the tally at the close and the result.
func TestConductor(t *testing.T) {
	ctx := context.Background()
	start := time.Date(2027, 9, 19, 5, 0, 0, 0, time.UTC)
	c := &clock{}
	c.ms.Store(start.Add(-time.Hour).UnixMilli())
	p, err := platform.Open(ctx, platform.Config{Data: t.TempDir(), DB: storetest.DSN(t), Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	e, k := keyedElection(t, p, "conducted", false, start, registry.ElectionInfo{Level: "municipal", ApplicationsClose: start})
	time.Sleep(1500 * time.Millisecond) // the conductor must not open early
	waitPhase(t, e.Box, election.PhaseKeyed)

	c.ms.Store(start.Add(time.Minute).UnixMilli())
	waitPhase(t, e.Box, election.PhaseOpen)
	if err := k.Heartbeats(ctx, e.Box); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		var tested int64
		e.Box.View(func(st *election.State) { tested = st.KeyTestedAt })
		if tested != 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no key test after every guardian's heartbeat")
		}
		time.Sleep(50 * time.Millisecond)
	}

	// Nobody voted: the tally is empty, and its result needs no
	// decryption, so the conductor publishes it right after the tally.
	c.ms.Store(start.Add(12 * time.Hour).UnixMilli())
	waitPhase(t, e.Box, election.PhaseDecided)
	var res *election.ResultEntry
	e.Box.View(func(st *election.State) { res = st.Result })
	if len(res.Districts) != 0 || res.Counts != (election.Reconciliation{}) {
		t.Errorf("result of an election nobody voted in: %+v", res)
	}
	if err := k.Count(ctx, e.Box); err != nil { // the member signs
		t.Fatal(err)
	}

	// Every platform entry came once, in order.
	var types []string
	for i := uint64(0); i < e.Box.Ledger().Size(); i++ {
		raw, err := e.Box.Ledger().Entry(ctx, i)
		if err != nil {
			t.Fatal(err)
		}
		en, err := election.DecodeEntry(raw)
		if err != nil {
			t.Fatal(err)
		}
		if en.Type != election.TypeCeremony && en.Type != election.TypeHeartbeat && en.Type != election.TypeShare {
			types = append(types, en.Type)
		}
	}
	want := []string{"election", "key", "open", "keytest", "close", "participants", "tally", "result", "signature"}
	if len(types) != len(want) {
		t.Fatalf("platform entries %v, want %v", types, want)
	}
	for i := range want {
		if types[i] != want[i] {
			t.Fatalf("platform entries %v, want %v", types, want)
		}
	}
}
