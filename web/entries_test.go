package web_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gtank/ristretto255"

	"github.com/urna-vote/urna/crypto/elgamal"
	"github.com/urna-vote/urna/crypto/group"
	"github.com/urna-vote/urna/crypto/threshold"
	"github.com/urna-vote/urna/demo"
	"github.com/urna-vote/urna/election"
	"github.com/urna-vote/urna/keyholders"
	"github.com/urna-vote/urna/ledger"
	"github.com/urna-vote/urna/registry"
)

// postEntry posts body to an election's entries endpoint and decodes the
// answer.
func postEntry(t *testing.T, base, id string, body any) (int, map[string]any) {
	t.Helper()
	var b []byte
	switch v := body.(type) {
	case []byte:
		b = v
	default:
		var err error
		if b, err = json.Marshal(body); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := http.Post(base+"/api/v1/elections/"+id+"/entries", "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("status %d, body not JSON: %v", resp.StatusCode, err)
	}
	return resp.StatusCode, out
}

// guardianKey is simulated guardian g's long-term key, derived from its
// seed as package keyholders does.
func guardianKey(k *keyholders.Keys, g int) (*threshold.LongTermKey, error) {
	s, err := ristretto255.NewScalar().SetUniformBytes(k.Guardians[g-1])
	if err != nil {
		return nil, err
	}
	return threshold.NewLongTermKey(group.NewSecret(s))
}

// heartbeatOf makes guardian g's heartbeat in a demo election, whose keys
// the demo keeps, for the ledger size the state has reached.
func heartbeatOf(t *testing.T, e *env, id string, g int) *election.HeartbeatEntry {
	t.Helper()
	keys, err := demo.LoadKeys(e.data, id)
	if err != nil {
		t.Fatal(err)
	}
	el, _ := e.p.Election(id)
	var hb *election.HeartbeatEntry
	el.Box.View(func(st *election.State) {
		pubs := make([][]byte, len(st.Manifest.Guardians))
		for i, gd := range st.Manifest.Guardians {
			pubs[i] = gd.Key
		}
		setup, err := threshold.NewSetup(threshold.Params{N: len(pubs), T: st.Manifest.Threshold}, st.CeremonyContext(), pubs)
		if err != nil {
			t.Fatal(err)
		}
		key, err := guardianKey(keys, g)
		if err != nil {
			t.Fatal(err)
		}
		c := st.Ceremony()
		share, _, err := threshold.Recover(setup, g, key, c.Round1Messages(), c.Round2Messages())
		if err != nil {
			t.Fatal(err)
		}
		defer share.Zero()
		ds, err := threshold.PartialDecrypt(share, []*elgamal.Ciphertext{st.TestCiphertext()},
			election.HeartbeatContext(st.ContextHash, g, st.Next), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		hb = &election.HeartbeatEntry{Guardian: g, Seen: st.Next, Share: ds.Encode()}
	})
	return hb
}

// TestEntriesHeartbeat: a guardian's heartbeat is appended and answered
// with its index and a checkpoint that holds it; the same heartbeat again
// is refused by check H1 and nothing is appended.
func TestEntriesHeartbeat(t *testing.T) {
	e := newEnv(t)
	const id = "demo-park"
	hb := heartbeatOf(t, e, id, 2)
	before := e.size(t, id)
	body := map[string]any{"type": "heartbeat", "heartbeat": hb}
	status, out := postEntry(t, e.url, id, body)
	if status != http.StatusCreated {
		t.Fatalf("heartbeat: status %d %v", status, out)
	}
	if got := uint64(out["entry"].(float64)); got != before {
		t.Errorf("heartbeat at entry %d, want %d", got, before)
	}
	el, _ := e.p.Election(id)
	v, err := ledger.NewVerifier(el.VerifierKey)
	if err != nil {
		t.Fatal(err)
	}
	cp, err := ledger.OpenCheckpoint([]byte(out["checkpoint"].(string)), v)
	if err != nil || cp.Size <= before {
		t.Fatalf("checkpoint of %d entries, %v; want one past entry %d signed by the log key", cp.Size, err, before)
	}
	var seen uint64
	el.Box.View(func(st *election.State) { seen = st.Heartbeat(2) })
	if seen != hb.Seen {
		t.Errorf("the state records guardian 2's heartbeat at %d, want %d", seen, hb.Seen)
	}

	status, out = postEntry(t, e.url, id, body)
	if status != http.StatusUnprocessableEntity || out["code"] != "check_failed" || out["check"] != election.CheckHeartbeat {
		t.Fatalf("replayed heartbeat: status %d %v, want 422 check_failed H1", status, out)
	}
	if got := e.size(t, id); got != before+1 {
		t.Errorf("ledger of %d entries after the replay, want %d", got, before+1)
	}
}

// TestEntriesForgedCeremonyMessage: a round-1 message in guardian 1's name
// signed with another key is refused by check K1 and not appended; the
// guardian's own is appended.
func TestEntriesForgedCeremonyMessage(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	keys := keyholders.Generate(3, []string{"member-1"})
	now := e.clock.now()
	m := &election.Manifest{
		ID: "ceremony-test", Title: election.Text{RU: "Проверка церемонии", EN: "Ceremony test"},
		Voting:    election.Window{Opens: now.Add(time.Hour).UnixMilli(), Closes: now.Add(2 * time.Hour).UnixMilli(), TimeZone: "Europe/Moscow"},
		Districts: []election.District{{ID: "d1", Name: election.Text{RU: "Округ 1", EN: "District 1"}, Region: "77"}},
		Contests: []election.Contest{{ID: "q", Title: election.Text{RU: "Вопрос", EN: "Question"}, Kind: election.KindReferendum, Min: 1, Max: 1,
			Districts: []string{}, Options: []election.Option{{ID: "yes", Title: election.Text{RU: "За"}}, {ID: "no", Title: election.Text{RU: "Против"}}, {ID: "abstain", Title: election.Text{RU: "Воздержаться"}}}}},
	}
	if err := keys.Fill(m, 2, nil); err != nil {
		t.Fatal(err)
	}
	el, err := e.p.CreateElection(ctx, m, registry.ElectionInfo{Level: "municipal", ApplicationsClose: now.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	var pubs [][]byte
	var cctx [32]byte
	el.Box.View(func(st *election.State) {
		cctx = st.CeremonyContext()
		for _, g := range st.Manifest.Guardians {
			pubs = append(pubs, g.Key)
		}
	})
	deal := func(pubs [][]byte, key *threshold.LongTermKey) []byte {
		setup, err := threshold.NewSetup(threshold.Params{N: 3, T: 2}, cctx, pubs)
		if err != nil {
			t.Fatal(err)
		}
		g, err := threshold.NewGuardian(setup, 1, key, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		msg, err := g.Round1()
		if err != nil {
			t.Fatal(err)
		}
		return msg.Encode()
	}
	// The forger puts its own key in guardian 1's place and deals.
	forger, err := threshold.GenerateLongTermKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	forged := deal(append([][]byte{forger.Public().Bytes()}, pubs[1:]...), forger)
	before := e.size(t, m.ID)
	status, out := postEntry(t, e.url, m.ID, map[string]any{"type": "ceremony",
		"ceremony": election.CeremonyEntry{Guardian: 1, Round: election.RoundDeal, Message: forged}})
	if status != http.StatusUnprocessableEntity || out["check"] != election.CheckCeremony {
		t.Fatalf("forged round 1: status %d %v, want 422 K1", status, out)
	}
	if msg, _ := out["message"].(map[string]any); !strings.Contains(msg["en"].(string), "signature") {
		t.Errorf("forged round 1: message %v does not name the signature", msg)
	}
	if got := e.size(t, m.ID); got != before {
		t.Fatalf("the forged message was appended: %d entries, want %d", got, before)
	}

	key1, err := guardianKey(keys, 1)
	if err != nil {
		t.Fatal(err)
	}
	status, out = postEntry(t, e.url, m.ID, map[string]any{"type": "ceremony",
		"ceremony": election.CeremonyEntry{Guardian: 1, Round: election.RoundDeal, Message: deal(pubs, key1)}})
	if status != http.StatusCreated || uint64(out["entry"].(float64)) != before {
		t.Fatalf("guardian 1's own round 1: status %d %v, want 201 at entry %d", status, out, before)
	}
}

// TestEntriesRefused: what the endpoint turns away before the state
// machine sees it.
func TestEntriesRefused(t *testing.T) {
	e := newEnv(t)
	const id = "demo-park"
	before := e.size(t, id)
	for _, tc := range []struct {
		name   string
		body   string
		status int
		code   string
	}{
		{"ballot", `{"type":"ballot","ballot":{"ballot":"AAAA"}}`, 403, "entry_type_not_accepted"},
		{"open", `{"type":"open"}`, 403, "entry_type_not_accepted"},
		{"result", `{"type":"result","result":{"districts":[],"counts":{"issued":0,"voted":0,"counted":0,"superseded":0,"spoiled":0},"guardians":[]}}`, 403, "entry_type_not_accepted"},
		{"garbage", `not json at all`, 400, "malformed_json"},
		{"two values", `{"type":"heartbeat","heartbeat":{"guardian":1,"seen":1,"share":"AA=="}} {}`, 400, "malformed_json"},
		{"time", `{"type":"heartbeat","time":5,"heartbeat":{"guardian":1,"seen":1,"share":"AA=="}}`, 400, "malformed_json"},
		{"operator signature", `{"type":"heartbeat","heartbeat":{"guardian":1,"seen":1,"share":"AA=="},"operator":"AA=="}`, 400, "malformed_json"},
		{"unknown field", `{"type":"heartbeat","heartbeat":{"guardian":1,"seen":1,"share":"AA==","extra":1}}`, 400, "malformed_json"},
		{"other payload", `{"type":"heartbeat","share":{"guardian":1,"share":"AA=="}}`, 400, "malformed_json"},
		{"two payloads", `{"type":"share","share":{"guardian":1,"share":"AA=="},"heartbeat":{"guardian":1,"seen":1,"share":"AA=="}}`, 400, "malformed_json"},
		{"bad base64", `{"type":"share","share":{"guardian":1,"share":"!!"}}`, 400, "malformed_json"},
		{"malformed share", `{"type":"share","share":{"guardian":1,"share":"AA=="}}`, 422, "check_failed"},
	} {
		status, out := postEntry(t, e.url, id, []byte(tc.body))
		if status != tc.status || out["code"] != tc.code {
			t.Errorf("%s: status %d %v, want %d %s", tc.name, status, out, tc.status, tc.code)
		}
	}
	big := `{"type":"share","share":{"guardian":1,"share":"` + strings.Repeat("A", 2<<20) + `"}}`
	if status, out := postEntry(t, e.url, id, []byte(big)); status != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized: status %d %v, want 413", status, out)
	}
	if status, out := postEntry(t, e.url, "no-such-election", map[string]any{"type": "heartbeat", "heartbeat": heartbeatOf(t, e, id, 1)}); status != http.StatusNotFound {
		t.Errorf("unknown election: status %d %v, want 404", status, out)
	}
	if got := e.size(t, id); got != before {
		t.Errorf("%d entries appended by refused requests", got-before)
	}
}
