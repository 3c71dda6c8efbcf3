package web_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gtank/ristretto255"

	"github.com/urna-vote/urna/ballotbox"
	"github.com/urna-vote/urna/client"
	"github.com/urna-vote/urna/crypto/group"
	"github.com/urna-vote/urna/crypto/threshold"
	"github.com/urna-vote/urna/demo"
	"github.com/urna-vote/urna/election"
	"github.com/urna-vote/urna/keyholders"
	"github.com/urna-vote/urna/organiser"
)

const operatorToken = "operator-test-token"

// call sends a request with a raw body and an optional bearer token and
// returns the status and the decoded body.
func call(t *testing.T, method, url, contentType string, body []byte, token string, out any) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, bytes.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var e struct{ Code string }
	json.Unmarshal(b, &e)
	if out != nil && resp.StatusCode/100 == 2 {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v", method, url, err)
		}
	}
	return resp.StatusCode, e.Code
}

// organiserOf logs demo voter i in and has the operator grant them the
// organiser role; it returns their client and account id.
func (e *env) organiserOf(t *testing.T, i int) (*client.Client, string) {
	t.Helper()
	c := e.login(t, i)
	var me struct{ Account struct{ ID string } }
	if err := c.Call(context.Background(), "GET", "/api/v1/me", nil, &me); err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(map[string]string{"role": organiser.RoleOrganiser})
	if st, code := call(t, "POST", e.url+"/api/v1/operator/accounts/"+me.Account.ID+"/roles", "application/json", body, operatorToken, nil); st != http.StatusOK {
		t.Fatalf("granting the organiser role: %d %s", st, code)
	}
	return c, me.Account.ID
}

// consoleDraft is a complete vote for the demo's register: voting opens
// in an hour for two hours in Moscow's districts, with k's guardians (two
// of three decrypt) and commission.
func consoleDraft(t *testing.T, e *env, id string, k *keyholders.Keys) organiser.Draft {
	t.Helper()
	var scratch election.Manifest
	if err := k.Fill(&scratch, 2, map[string]string{"chair": "Председатель", "secretary": "Секретарь"}); err != nil {
		t.Fatal(err)
	}
	now := e.clock.now().UnixMilli()
	hour := time.Hour.Milliseconds()
	d := organiser.Draft{ID: id, Title: election.Text{RU: "Опрос жителей", EN: "Residents' poll"}, Level: "municipal",
		Applications: organiser.Period{Closes: now + 2*hour},
		Voting:       election.Window{Opens: now + hour, Closes: now + 3*hour, TimeZone: "Europe/Moscow"},
		Districts:    []organiser.District{{ID: "77-01", Name: election.Text{RU: "Москва, округ 1"}, Region: "77"}},
		Contests: []election.Contest{{ID: "park", Title: election.Text{RU: "Где разбить парк?", EN: "Where to lay out a park?"}, Kind: election.KindOneOfN,
			Min: 1, Max: 1, Options: []election.Option{{ID: "north", Title: election.Text{RU: "На севере"}}, {ID: "south", Title: election.Text{RU: "На юге"}}}}},
		Threshold: scratch.Threshold}
	for _, g := range scratch.Guardians {
		d.Guardians = append(d.Guardians, organiser.Guardian{Name: g.Name, Key: organiser.FormatGuardianKey(g.Key)})
	}
	for _, m := range scratch.Commission {
		d.Commission = append(d.Commission, organiser.Member{ID: m.ID, Name: m.Name, Key: organiser.FormatMemberKey("ed25519", m.Key)})
	}
	return d
}

type voteView struct {
	organiser.Draft
	Problems []organiser.Error `json:"problems"`
}

// The console's API: who may call it, a draft edited at its version, a
// stale edit refused, a list uploaded, the vote fixed and then never
// edited; a voter outside the list is refused when applying; the status
// follows the vote through its ceremony, voting, decryption (guardian by
// guardian) and signatures.
func TestConsoleAPI(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	votes := e.url + "/api/v1/organiser/votes"

	// Who may call it.
	if st, code := call(t, "GET", votes, "", nil, "", nil); st != http.StatusUnauthorized || code != "unauthenticated" {
		t.Errorf("without a session: %d %s", st, code)
	}
	if st, _ := call(t, "GET", votes, "", nil, "wrong-token", nil); st != http.StatusUnauthorized {
		t.Errorf("with a wrong token: %d", st)
	}
	voter := e.login(t, 4)
	if err := voter.Call(ctx, "GET", "/api/v1/organiser/votes", nil, nil); errCode(err) != "not_organiser" || err.(*client.Error).Status != http.StatusForbidden {
		t.Errorf("a voter without the role: %v", err)
	}
	body, _ := json.Marshal(map[string]string{"role": organiser.RoleOrganiser})
	if st, _ := call(t, "POST", e.url+"/api/v1/operator/accounts/x/roles", "application/json", body, "", nil); st != http.StatusUnauthorized {
		t.Errorf("granting a role without the operator token: %d", st)
	}
	org, _ := e.organiserOf(t, 0)

	// Create, edit, a stale edit.
	k := keyholders.Generate(3, []string{"chair", "secretary"})
	d := consoleDraft(t, e, "poll", k)
	var v voteView
	if err := org.Call(ctx, "POST", "/api/v1/organiser/votes", organiser.Draft{ID: "poll", Title: d.Title}, &v); err != nil {
		t.Fatal(err)
	}
	if v.Version != 1 || len(v.Problems) == 0 {
		t.Fatalf("created: version %d, %d problems", v.Version, len(v.Problems))
	}
	d.Version = 1
	if err := org.Call(ctx, "PUT", "/api/v1/organiser/votes/poll", d, &v); err != nil {
		t.Fatal(err)
	}
	if v.Version != 2 || len(v.Problems) != 0 {
		t.Fatalf("edited: version %d, problems %+v", v.Version, v.Problems)
	}
	err := org.Call(ctx, "PUT", "/api/v1/organiser/votes/poll", d, nil)
	if ce, ok := err.(*client.Error); !ok || ce.Status != http.StatusConflict || ce.Code != organiser.CodeStale || !strings.Contains(ce.Message.EN, "version 2") {
		t.Fatalf("a stale edit: %v", err)
	}
	// What GET returns may be sent back whole.
	var got json.RawMessage
	if err := org.Call(ctx, "GET", "/api/v1/organiser/votes/poll", nil, &got); err != nil {
		t.Fatal(err)
	}
	if st, code := call(t, "PUT", votes+"/poll", "application/json", got, operatorToken, &v); st != http.StatusOK || v.Version != 3 {
		t.Fatalf("sending back what GET returned, with the operator's token: %d %s", st, code)
	}

	// The participants list: a bad line refuses it whole.
	csv := demo.Voter(0) + "\n" + demo.Voter(1) + "\nnot a person\n"
	if st, code := call(t, "PUT", votes+"/poll/participants?version=3", "text/csv", []byte(csv), operatorToken, nil); st != http.StatusBadRequest || code != organiser.CodeBadParticipants {
		t.Fatalf("a list with a bad line: %d %s", st, code)
	}
	csv = demo.Voter(0) + "\n" + demo.Voter(1) + "\n"
	if st, code := call(t, "PUT", votes+"/poll/participants?version=3", "text/csv", []byte(csv), operatorToken, &v); st != http.StatusOK || v.Participants.ListSize != 2 || v.Version != 4 {
		t.Fatalf("uploading the list: %d %s %+v", st, code, v.Participants)
	}

	// Fix, then no more edits.
	if err := org.Call(ctx, "POST", "/api/v1/organiser/votes/poll/fix", map[string]int{"version": 3}, nil); errCode(err) != organiser.CodeStale {
		t.Errorf("fixing a stale version: %v", err)
	}
	if err := org.Call(ctx, "POST", "/api/v1/organiser/votes/poll/fix", map[string]int{"version": 4}, &v); err != nil {
		t.Fatal(err)
	}
	if v.State != organiser.StateFixed {
		t.Fatalf("after the fix: %q", v.State)
	}
	d.Version = v.Version
	err = org.Call(ctx, "PUT", "/api/v1/organiser/votes/poll", d, nil)
	if ce, ok := err.(*client.Error); !ok || ce.Status != http.StatusConflict || ce.Code != organiser.CodeFixed || !strings.Contains(ce.Message.EN, "entry 0") {
		t.Errorf("editing a fixed vote: %v", err)
	}
	if st, code := call(t, "DELETE", votes+"/poll?version="+strconv.FormatInt(v.Version, 10), "", nil, operatorToken, nil); st != http.StatusConflict || code != organiser.CodeFixed {
		t.Errorf("deleting a fixed vote: %d %s", st, code)
	}
	// From another site, the session is not enough.
	st, _ := post(t, votes, "application/json", []byte(`{"id":"x"}`), map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"})
	if st != http.StatusForbidden {
		t.Errorf("a cross-site create: %d", st)
	}

	// The key cannot be formed before a quorum of guardians has dealt.
	err = org.Call(ctx, "POST", "/api/v1/organiser/votes/poll/ceremony/finish", nil, nil)
	if ce, ok := err.(*client.Error); !ok || ce.Status != http.StatusConflict || ce.Code != organiser.CodeTooFew {
		t.Errorf("finishing a ceremony nobody dealt in: %v", err)
	}

	// Voters apply: one on the list is accepted, one off it is told so.
	box, _ := e.p.Election("poll")
	if err := k.Ceremony(ctx, box.Box); err != nil {
		t.Fatal(err)
	}
	if st, code := call(t, "POST", votes+"/poll/ceremony/finish", "", nil, operatorToken, nil); st != http.StatusConflict || code != organiser.CodeNoCeremony {
		t.Errorf("finishing a finished ceremony: %d %s", st, code)
	}
	voter0 := e.login(t, 0)
	if err := voter0.Call(ctx, "POST", "/api/v1/elections/poll/application", nil, nil); err != nil {
		t.Fatalf("a voter on the list applies: %v", err)
	}
	err = e.login(t, 3).Call(ctx, "POST", "/api/v1/elections/poll/application", nil, nil)
	if ce, ok := err.(*client.Error); !ok || ce.Status != http.StatusForbidden || ce.Code != "not_eligible" || !strings.Contains(ce.Message.RU, "списке участников") {
		t.Errorf("a voter off the list: %v", err)
	}

	// Voting opens by the clock; the voter votes; it closes and is tallied.
	e.clock.advance(time.Hour + time.Minute)
	waitPhase(t, box.Box, election.PhaseOpen)
	el, err := voter0.Election(ctx, "poll")
	if err != nil {
		t.Fatal(err)
	}
	dev, err := voter0.Credential(ctx, el, "77-01")
	if err != nil {
		t.Fatal(err)
	}
	cast(t, voter0, dev)
	// Two ballots the platform refuses are counted, and declared on the
	// ledger when voting closes.
	for _, bad := range [][]byte{[]byte("not a ballot"), {0}} {
		if _, err := voter0.Cast(ctx, "poll", bad); errCode(err) != "malformed_ballot" {
			t.Fatalf("a malformed ballot: %v", err)
		}
	}
	e.clock.advance(2 * time.Hour)
	waitPhase(t, box.Box, election.PhaseTallied)
	var rejected uint64
	box.Box.View(func(st *election.State) { rejected = st.Rejected })
	if rejected != 2 {
		t.Errorf("the participants entry declares %d rejected ballots, want 2", rejected)
	}

	// Guardian 1 decrypts: the status says who.
	postShare(t, box.Box, k, 1)
	var status organiser.Status
	if err := org.Call(ctx, "GET", "/api/v1/organiser/votes/poll/status", nil, &status); err != nil {
		t.Fatal(err)
	}
	if status.Phase != "tallied" || status.Decrypted != 1 || !status.Guardians[0].Decrypted || status.Guardians[1].Decrypted || !status.KeyPublished ||
		status.Guardians[2].Qualified != organiser.QualQualified || !status.Guardians[1].Dealt || !status.Guardians[1].Judged {
		t.Fatalf("status with one share: %+v", status)
	}
	postShare(t, box.Box, k, 3)
	waitPhase(t, box.Box, election.PhaseDecided)
	if err := k.Count(ctx, box.Box); err != nil {
		t.Fatal(err)
	}
	if st, _ := call(t, "GET", votes+"/poll/status", "", nil, operatorToken, &status); st != http.StatusOK {
		t.Fatalf("status: %d", st)
	}
	if status.Phase != "decided" || !status.Guardians[0].Decrypted || status.Guardians[1].Decrypted || !status.Guardians[2].Decrypted ||
		status.Signed != 2 || !status.Commission[0].Signed || status.Counts.Voted != 1 {
		t.Errorf("status after the result: %+v", status)
	}
	resp, err := http.Get(e.url + "/api/v1/elections/poll/protocol.xml")
	if err != nil {
		t.Fatal(err)
	}
	xml, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(xml), "<ballots-rejected>2</ballots-rejected>") {
		t.Errorf("the protocol does not list the 2 rejected ballots:\n%s", xml)
	}
}

// waitPhase waits for the platform's conductor to bring an election to a
// phase, and for that entry to be committed.
func waitPhase(t *testing.T, box *ballotbox.Box, want election.Phase) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var ph election.Phase
		var next uint64
		box.View(func(st *election.State) { ph, next = st.Phase, st.Next })
		// The state takes an entry before the ledger's commit is done:
		// wait for both, so the entries it counts can be read.
		if ph >= want && box.Ledger().Size() >= next {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the election is %s after 20 s, want %s", ph, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// postShare has guardian i (simulated by k) recover its key share from
// the ledger and publish its share of the tally's decryption.
func postShare(t *testing.T, box *ballotbox.Box, k *keyholders.Keys, i int) {
	t.Helper()
	keys := make([]*threshold.LongTermKey, len(k.Guardians))
	pubs := make([][]byte, len(k.Guardians))
	for j, seed := range k.Guardians {
		s, err := ristretto255.NewScalar().SetUniformBytes(seed)
		if err != nil {
			t.Fatal(err)
		}
		if keys[j], err = threshold.NewLongTermKey(group.NewSecret(s)); err != nil {
			t.Fatal(err)
		}
		pubs[j] = keys[j].Public().Bytes()
	}
	var entry *election.Entry
	var err error
	box.View(func(st *election.State) {
		var setup *threshold.Setup
		if setup, err = threshold.NewSetup(threshold.Params{N: len(keys), T: st.Manifest.Threshold}, st.CeremonyContext(), pubs); err != nil {
			return
		}
		var share *threshold.Share
		if share, _, err = threshold.Recover(setup, i, keys[i-1], st.Ceremony().Round1Messages(), st.Ceremony().Round2Messages()); err != nil {
			return
		}
		var ds *threshold.DecryptionShare
		if ds, err = threshold.PartialDecrypt(share, st.TallyCiphertexts(), st.ContextHash, rand.Reader); err != nil {
			return
		}
		entry = &election.Entry{Type: election.TypeShare, Share: &election.ShareEntry{Guardian: i, Share: ds.Encode()}}
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := box.Append(context.Background(), entry); err != nil {
		t.Fatal(err)
	}
}

// The console's pages: a reader who is not logged in is sent to log in,
// a voter without the role is told who grants it, and a form with a
// mistake is shown again with the mistake named and tied to its field,
// and nothing saved.
func TestConsolePages(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	page := func(method, path string, form url.Values) (int, string, string) {
		t.Helper()
		var resp *http.Response
		var err error
		if method == "GET" {
			resp, err = hc.Get(e.url + path)
		} else {
			resp, err = hc.PostForm(e.url+path, form)
		}
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Location"), string(b)
	}
	if st, to, _ := page("GET", "/console/", nil); st != http.StatusSeeOther || to != "/login" {
		t.Errorf("logged out: %d → %q", st, to)
	}
	login := client.New(e.url, hc)
	if err := login.DemoLogin(ctx, demo.Voter(1), demo.Password); err != nil {
		t.Fatal(err)
	}
	if st, _, body := page("GET", "/console/", nil); st != http.StatusForbidden || !strings.Contains(body, "оператор") {
		t.Errorf("without the role: %d", st)
	}
	if _, _, body := page("GET", "/account", nil); strings.Contains(body, `href="/console/"`) {
		t.Error("the menu links the console for an account without the role")
	}
	var me struct{ Account struct{ ID string } }
	if err := login.Call(ctx, "GET", "/api/v1/me", nil, &me); err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(map[string]string{"role": organiser.RoleOrganiser})
	if st, _ := call(t, "POST", e.url+"/api/v1/operator/accounts/"+me.Account.ID+"/roles", "application/json", body, operatorToken, nil); st != http.StatusOK {
		t.Fatal(st)
	}
	if st, _, body := page("GET", "/console/", nil); st != http.StatusOK || !strings.Contains(body, `action="/console/"`) {
		t.Fatalf("the console: %d", st)
	}
	if _, _, body := page("GET", "/account", nil); !strings.Contains(body, `<a href="/console/">Консоль организатора</a>`) {
		t.Error("the menu does not link the console for an organiser")
	}
	if st, _, body := page("POST", "/console/", url.Values{"id": {"no/slash"}}); st != http.StatusBadRequest ||
		!strings.Contains(body, `id="f-id" name="id" type="text" value="no/slash"`) || !strings.Contains(body, `aria-invalid="true"`) {
		t.Errorf("a bad id: %d\n%s", st, body)
	}
	if st, to, _ := page("POST", "/console/", url.Values{"id": {"town"}, "title_ru": {"Городской опрос"}}); st != http.StatusSeeOther || to != "/console/town" {
		t.Fatalf("creating: %d → %q", st, to)
	}
	form := url.Values{"version": {"1"}, "title_ru": {"Городской опрос"}, "tz": {"Europe/Moscow"}, "level": {"municipal"},
		"source": {"register"}, "access_verified": {"yes"}, "access_verified_auth": {"any"},
		"regions": {"54 | Новосибирская область | Novosibirsk | Asia/Novosibirsk | 2027-01-01 08:00\n"}}
	st, _, html := page("POST", "/console/town", form)
	if st != http.StatusBadRequest || !strings.Contains(html, "Регионы, строка 1: нужны поля через «|»") ||
		!strings.Contains(html, `id="f-regions" name="regions" rows="4" cols="60" spellcheck="false" aria-invalid="true" aria-describedby="form-error hint-regions"`) {
		t.Errorf("a region line short of a field: %d\n%s", st, html)
	}
	form.Set("regions", "")
	form.Set("voting_opens", "tomorrow")
	if st, _, html := page("POST", "/console/town", form); st != http.StatusBadRequest || !strings.Contains(html, "Начало голосования: дата и время") {
		t.Errorf("a bad date: %d", st)
	}
	var d voteView
	if st, _ := call(t, "GET", e.url+"/api/v1/organiser/votes/town", "", nil, operatorToken, &d); st != http.StatusOK || d.Version != 1 {
		t.Errorf("refused forms saved the draft: version %d", d.Version)
	}
	form.Set("voting_opens", "")
	form.Set("notify_reminder", "yes")
	if st, to, _ := page("POST", "/console/town", form); st != http.StatusSeeOther || to != "/console/town" {
		t.Fatalf("saving: %d → %q", st, to)
	}
	call(t, "GET", e.url+"/api/v1/organiser/votes/town", "", nil, operatorToken, &d)
	if d.Version != 2 || d.Level != "municipal" || strings.Join(d.Notifications, ",") != organiser.NotifyReminder {
		t.Errorf("after saving: version %d, level %q, notifications %v", d.Version, d.Level, d.Notifications)
	}
	if st, _, html := page("GET", "/console/town/fix", nil); st != http.StatusOK || strings.Contains(html, `id="fix"`) || !strings.Contains(html, `id="problems"`) {
		t.Errorf("the fix page of an incomplete draft offers to fix it: %d", st)
	}
}
