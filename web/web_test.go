package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/urna-vote/urna/ballot"
	"github.com/urna-vote/urna/client"
	"github.com/urna-vote/urna/demo"
	"github.com/urna-vote/urna/election"
	"github.com/urna-vote/urna/internal/storetest"
	"github.com/urna-vote/urna/notify"
	"github.com/urna-vote/urna/platform"
	"github.com/urna-vote/urna/web"
)

// flakySMS is the demo outbox with a switch that makes the SMS provider
// fail.
type flakySMS struct {
	*notify.Outbox
	down atomic.Bool
}

func (f *flakySMS) SendSMS(ctx context.Context, phone, text string) error {
	if f.down.Load() {
		return errors.New("gateway unreachable")
	}
	return f.Outbox.SendSMS(ctx, phone, text)
}

// testClock is a clock the tests move.
type testClock struct{ off atomic.Int64 }

func (c *testClock) now() time.Time          { return time.Now().Add(time.Duration(c.off.Load())) }
func (c *testClock) advance(d time.Duration) { c.off.Add(int64(d)) }

type env struct {
	url   string
	p     *platform.Platform
	sms   *flakySMS
	clock *testClock
	data  string
}

var (
	sharedOnce sync.Once
	shared     *env
	sharedErr  error
)

// newEnv starts a demo platform with 9 voters behind a test server. Its
// outbox keeps each phone's last 64 messages: a voter of four elections
// gets four "application accounted", four "voting started" and the login
// codes, and a test counts them.
func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{sms: &flakySMS{Outbox: notify.NewOutbox(64)}, clock: &testClock{}, data: t.TempDir()}
	p, err := platform.Open(context.Background(), platform.Config{Data: e.data, DB: storetest.DSN(t), SMS: e.sms, Now: e.clock.now})
	if err != nil {
		t.Fatal(err)
	}
	if err := demo.Setup(context.Background(), p, demo.Options{Voters: 9, Guardians: 3, Threshold: 2}); err != nil {
		t.Fatal(err)
	}
	e.p = p
	srv := httptest.NewServer(web.New(p, web.Options{Demo: true, Outbox: e.sms.Outbox, InsecureCookies: true,
		ExemptLoopback: true, OperatorToken: "operator-test-token"}))
	t.Cleanup(func() { srv.Close(); p.Close() })
	e.url = srv.URL
	return e
}

// login logs demo voter i in.
func (e *env) login(t *testing.T, i int) *client.Client {
	t.Helper()
	c := client.New(e.url, nil)
	ctx := context.Background()
	if err := c.DemoLogin(ctx, demo.Voter(i), demo.Password); err != nil {
		t.Fatal(err)
	}
	return c
}

func errCode(err error) string {
	var e *client.Error
	if errors.As(err, &e) {
		return e.Code
	}
	if err == nil {
		return "<nil>"
	}
	return "not an API error: " + err.Error()
}

func TestVoteEndToEnd(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.login(t, 0) // district 77-01: four ballots at once
	bs, err := c.Ballots(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, b := range bs {
		ids = append(ids, b.Election)
	}
	sort.Strings(ids)
	if want := "demo-federal demo-moscow demo-park demo-training"; strings.Join(ids, " ") != want {
		t.Fatalf("ballots %v, want %s", ids, want)
	}
	for _, b := range bs {
		el, err := c.Election(ctx, b.Election)
		if err != nil {
			t.Fatal(err)
		}
		dev, err := c.Credential(ctx, el, b.District)
		if err != nil {
			t.Fatalf("%s: credential: %v", b.Election, err)
		}
		first := cast(t, c, dev)
		second := cast(t, c, dev) // a re-vote
		for _, x := range []struct {
			code, status string
		}{{first, "superseded"}, {second, "counted"}} {
			var got struct{ Status string }
			getJSON(t, e.url+"/api/v1/elections/"+b.Election+"/track/"+x.code, &got)
			if got.Status != x.status {
				t.Errorf("%s: ballot %s is %q, want %q", b.Election, x.code, got.Status, x.status)
			}
		}
	}
	bs, _ = c.Ballots(ctx)
	for _, b := range bs {
		if !b.Issued {
			t.Errorf("%s: not marked issued after the credential", b.Election)
		}
	}
}

// cast encrypts a random valid ballot, casts it, checks its receipt and
// returns its tracking code.
func cast(t *testing.T, c *client.Client, dev *client.Device) string {
	t.Helper()
	choices := make(ballot.Choices, len(dev.Style()))
	for i, ct := range dev.Style() {
		choices[i] = make([]uint8, ct.Options)
		for k := 0; k < ct.Min; k++ {
			choices[i][k] = 1
		}
	}
	b, _, err := dev.Encrypt(choices)
	if err != nil {
		t.Fatal(err)
	}
	rc, err := c.Cast(context.Background(), dev.Election.ID, b.Bytes())
	if err != nil {
		t.Fatalf("cast: %v", err)
	}
	if err := dev.Election.CheckReceipt(rc, b); err != nil {
		t.Fatalf("receipt: %v", err)
	}
	return rc.TrackingCode
}

func getJSON(t *testing.T, url string, v any) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("%s: %v", url, err)
	}
	return resp.StatusCode
}

// post sends a raw body and returns the status and the error code.
func post(t *testing.T, url, contentType string, body []byte, header map[string]string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", url, bytes.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var e struct{ Code string }
	b, _ := io.ReadAll(resp.Body)
	json.Unmarshal(b, &e)
	return resp.StatusCode, e.Code
}

func (e *env) size(t *testing.T, id string) uint64 {
	el, ok := e.p.Election(id)
	if !ok {
		t.Fatalf("no election %s", id)
	}
	return el.Box.Ledger().Size()
}

// written counts the entries of election id that a voter's request can
// make the platform write; the entries it posts on its own (heartbeats
// and key tests) come at any time and are left out.
func (e *env) written(t *testing.T, id string) uint64 {
	el, ok := e.p.Election(id)
	if !ok {
		t.Fatalf("no election %s", id)
	}
	lg := el.Box.Ledger()
	var n uint64
	for raw, err := range lg.Entries(0, lg.Size()) {
		if err != nil {
			t.Fatal(err)
		}
		entry, err := election.DecodeEntry(raw)
		if err != nil {
			t.Fatal(err)
		}
		if entry.Type != election.TypeKeyTest && entry.Type != election.TypeHeartbeat {
			n++
		}
	}
	return n
}

// TestBadInput: each bad request gets its status and stable code, and
// nothing is written.
func TestBadInput(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.login(t, 0)
	el, err := c.Election(ctx, "demo-federal")
	if err != nil {
		t.Fatal(err)
	}
	dev, err := c.Credential(ctx, el, "77-01")
	if err != nil {
		t.Fatal(err)
	}
	castURL := e.url + "/cast/v1/elections/demo-federal/ballots"

	t.Run("malformed JSON", func(t *testing.T) {
		before := e.written(t, "demo-federal")
		for _, body := range []string{`{`, `{"ballot":"AAAA"} {}`, `{"ballot":"AAAA","voter":"x"}`, `[]`, `{"ballot":"not base64!"}`} {
			if st, code := post(t, castURL, "application/json", []byte(body), nil); st != 400 || code != "malformed_json" {
				t.Errorf("%s: %d %q, want 400 malformed_json", body, st, code)
			}
		}
		if after := e.written(t, "demo-federal"); after != before {
			t.Errorf("ledger grew from %d to %d", before, after)
		}
	})
	t.Run("oversized body", func(t *testing.T) {
		body := []byte(`{"ballot":"` + strings.Repeat("A", 1<<20) + `"}`)
		if st, code := post(t, castURL, "application/json", body, nil); st != 413 || code != "too_large" {
			t.Errorf("%d %q, want 413 too_large", st, code)
		}
	})
	t.Run("invalid proof", func(t *testing.T) {
		before := e.written(t, "demo-federal")
		b, _, err := dev.Encrypt(ballot.Choices{{1, 0, 0, 0, 0}})
		if err != nil {
			t.Fatal(err)
		}
		data := b.Bytes()
		data[len(data)-70] ^= 1
		if _, err := c.Cast(ctx, "demo-federal", data); errCode(err) != "invalid_proof" {
			t.Errorf("forged proof: %v, want invalid_proof", err)
		}
		if after := e.written(t, "demo-federal"); after != before {
			t.Errorf("ledger grew from %d to %d", before, after)
		}
	})
	t.Run("second credential request", func(t *testing.T) {
		before := e.written(t, "demo-federal")
		if _, err := c.Credential(ctx, el, "77-01"); errCode(err) != "credential_already_issued" {
			t.Errorf("second credential: %v, want credential_already_issued", err)
		}
		if after := e.written(t, "demo-federal"); after != before {
			t.Errorf("ledger grew from %d to %d", before, after)
		}
	})
	t.Run("wrong, reused and expired one-time codes", func(t *testing.T) {
		c2 := client.New(e.url, nil)
		ch, err := c2.Login(ctx, demo.Voter(1), demo.Password)
		if err != nil {
			t.Fatal(err)
		}
		code, _ := c2.DemoCode(ctx, demo.Voter(1))
		wrong := fmt.Sprintf("%08d", (atoi(code)+1)%100000000)
		if err := c2.LoginCode(ctx, ch, wrong); errCode(err) != "code_invalid" {
			t.Errorf("wrong code: %v, want code_invalid", err)
		}
		if err := c2.LoginCode(ctx, ch, code); err != nil {
			t.Fatalf("right code after a wrong one: %v", err)
		}
		if err := c2.LoginCode(ctx, ch, code); errCode(err) != "code_used" {
			t.Errorf("reused code: %v, want code_used", err)
		}
		c3 := client.New(e.url, nil)
		ch, err = c3.Login(ctx, demo.Voter(1), demo.Password)
		if err != nil {
			t.Fatal(err)
		}
		code, _ = c3.DemoCode(ctx, demo.Voter(1))
		e.clock.advance(11 * time.Minute)
		if err := c3.LoginCode(ctx, ch, code); errCode(err) != "code_expired" {
			t.Errorf("expired code: %v, want code_expired", err)
		}
	})
	t.Run("ballot for a closed election", func(t *testing.T) {
		c4 := e.login(t, 3) // 77-01 as well
		el, err := c4.Election(ctx, "demo-park")
		if err != nil {
			t.Fatal(err)
		}
		dev, err := c4.Credential(ctx, el, "77-01")
		if err != nil {
			t.Fatal(err)
		}
		cast(t, c4, dev)
		b, _, err := dev.Encrypt(ballot.Choices{{1, 0, 0}})
		if err != nil {
			t.Fatal(err)
		}
		box, _ := e.p.Election("demo-park")
		keys, err := demo.LoadKeys(e.data, "demo-park")
		if err != nil {
			t.Fatal(err)
		}
		e.clock.advance(8 * 24 * time.Hour)
		if err := keys.Count(ctx, box.Box); err != nil {
			t.Fatal(err)
		}
		before := e.written(t, "demo-park")
		if _, err := c4.Cast(ctx, "demo-park", b.Bytes()); errCode(err) != "voting_closed" {
			t.Errorf("ballot after the close: %v, want voting_closed", err)
		}
		if after := e.written(t, "demo-park"); after != before {
			t.Errorf("ledger grew from %d to %d", before, after)
		}
		var res *election.ResultEntry
		box.Box.View(func(st *election.State) { res = st.Result })
		if res == nil {
			t.Error("no result after counting")
		}
	})
}

func atoi(s string) int {
	n := 0
	for _, r := range s {
		n = n*10 + int(r-'0')
	}
	return n
}

// TestSMSDown: when the SMS provider fails, new logins are refused with a
// clear code, and voters already logged in go on voting.
func TestSMSDown(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.login(t, 2) // 54-01
	e.sms.down.Store(true)
	if _, err := client.New(e.url, nil).Login(ctx, demo.Voter(5), demo.Password); errCode(err) != "sms_unavailable" {
		t.Errorf("login with the SMS provider down: %v, want sms_unavailable", err)
	}
	el, err := c.Election(ctx, "demo-federal")
	if err != nil {
		t.Fatal(err)
	}
	dev, err := c.Credential(ctx, el, "54-01")
	if err != nil {
		t.Fatalf("credential with the SMS provider down: %v", err)
	}
	cast(t, c, dev)
}

// TestCrossOrigin: a state-changing request from another site is refused;
// the same request from the platform's own pages or a non-browser client
// is not.
func TestCrossOrigin(t *testing.T) {
	e := newEnv(t)
	body := []byte(`{"login":"` + demo.Voter(0) + `","password":"` + demo.Password + `"}`)
	st, _ := post(t, e.url+"/api/v1/login", "application/json", body, map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"})
	if st != http.StatusForbidden {
		t.Errorf("cross-site login: %d, want 403", st)
	}
	st, _ = post(t, e.url+"/cast/v1/elections/demo-federal/ballots", "application/json", []byte(`{"ballot":"AAAA"}`), map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"})
	if st != http.StatusForbidden {
		t.Errorf("cross-site cast: %d, want 403", st)
	}
	st, _ = post(t, e.url+"/api/v1/login", "application/json", body, map[string]string{"Sec-Fetch-Site": "same-origin"})
	if st != http.StatusOK {
		t.Errorf("same-origin login: %d, want 200", st)
	}
}

// TestHeadersAndCookies: the security headers on every response, and a
// session cookie that scripts cannot read.
func TestHeadersAndCookies(t *testing.T) {
	e := newEnv(t)
	for _, path := range []string{"/", "/api/v1/elections", "/api/v1/openapi.json", "/nope"} {
		resp, err := http.Get(e.url + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		csp := resp.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
			t.Errorf("%s: CSP %q", path, csp)
		}
		if resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("X-Frame-Options") != "DENY" {
			t.Errorf("%s: headers %v", path, resp.Header)
		}
	}
	c := client.New(e.url, nil)
	ch, err := c.Login(context.Background(), demo.Voter(0), demo.Password)
	if err != nil {
		t.Fatal(err)
	}
	code, _ := c.DemoCode(context.Background(), demo.Voter(0))
	body, _ := json.Marshal(map[string]string{"challenge": ch, "code": code})
	resp, err := http.Post(e.url+"/api/v1/login/code", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var found bool
	for _, ck := range resp.Cookies() {
		if ck.Name == "urna_session" {
			found = true
			if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || len(ck.Value) < 22 {
				t.Errorf("session cookie %+v", ck)
			}
		}
	}
	if !found {
		t.Error("no session cookie at login")
	}
}

// TestOpenAPIDescribesEveryRoute: the served document lists exactly the
// routes the server has, with their methods.
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	e := newEnv(t)
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if st := getJSON(t, e.url+"/api/v1/openapi.json", &doc); st != 200 {
		t.Fatalf("status %d", st)
	}
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			documented[strings.ToUpper(method)+" "+path] = true
		}
	}
	served := map[string]bool{}
	s := web.New(e.p, web.Options{Demo: true})
	if err := s.EnableOIDC(context.Background(), web.OIDC{Issuer: newProvider(t, nil).srv.URL, ClientID: "urna", RedirectURL: "http://x/"}); err != nil {
		t.Fatal(err)
	}
	for _, p := range s.Routes() {
		if strings.HasSuffix(p, "/") {
			p += "{path}"
		}
		served[p] = true
	}
	for r := range served {
		if !documented[r] {
			t.Errorf("route %s is not in the OpenAPI document", r)
		}
	}
	for r := range documented {
		if !served[r] {
			t.Errorf("the OpenAPI document describes %s, which the server does not serve", r)
		}
	}
	if len(served) < 20 {
		t.Errorf("only %d routes", len(served))
	}
}

// Observers: the operator entitles a nominator, who invites a verified
// person by login; the invitee accepts, and appears on the public list.
func TestObserverInvitations(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	nom, inv := e.login(t, 0), e.login(t, 1)
	var me struct{ Account struct{ ID string } }
	if err := nom.Call(ctx, "GET", "/api/v1/me", nil, &me); err != nil {
		t.Fatal(err)
	}
	invite := func(login string) error {
		return nom.Call(ctx, "POST", "/api/v1/elections/demo-federal/observers", map[string]string{"login": login}, nil)
	}
	if err := invite(demo.Voter(1)); errCode(err) != "not_nominator" {
		t.Fatalf("inviting before being a nominator: %v", err)
	}
	body, _ := json.Marshal(map[string]string{"account": me.Account.ID, "role": "party", "name": "Партия зелёных садов"})
	operator := map[string]string{"Authorization": "Bearer operator-test-token"}
	if st, code := post(t, e.url+"/api/v1/operator/elections/demo-federal/nominators", "application/json", body, nil); st != http.StatusUnauthorized {
		t.Fatalf("setting a nominator without the operator token: %d %s", st, code)
	}
	if st, code := post(t, e.url+"/api/v1/operator/elections/demo-federal/nominators", "application/json", body, operator); st != http.StatusOK {
		t.Fatalf("setting a nominator: %d %s", st, code)
	}
	if err := invite("+79999999999"); errCode(err) != "not_found" {
		t.Errorf("inviting an unknown login: %v", err)
	}
	if err := invite(demo.Voter(1)); err != nil {
		t.Fatal(err)
	}
	if err := invite(demo.Voter(1)); errCode(err) != "exists" {
		t.Errorf("inviting twice: %v", err)
	}
	var got struct {
		Invitations []struct{ ID, Status, Nominator string }
	}
	if err := inv.Call(ctx, "GET", "/api/v1/invitations", nil, &got); err != nil || len(got.Invitations) != 1 || got.Invitations[0].Status != "invited" {
		t.Fatalf("the invitee's invitations: %+v %v", got, err)
	}
	id := got.Invitations[0].ID
	if err := nom.Call(ctx, "POST", "/api/v1/invitations/"+id+"/accept", nil, nil); errCode(err) != "not_found" {
		t.Errorf("accepting someone else's invitation: %v", err)
	}
	if err := inv.Call(ctx, "POST", "/api/v1/invitations/"+id+"/accept", nil, nil); err != nil {
		t.Fatal(err)
	}
	if err := inv.Call(ctx, "POST", "/api/v1/invitations/"+id+"/accept", nil, nil); errCode(err) != "not_found" {
		t.Errorf("accepting twice: %v", err)
	}
	var list struct {
		Observers []struct {
			Name        string `json:"name"`
			NominatedBy string `json:"nominated_by"`
		}
	}
	getJSON(t, e.url+"/api/v1/elections/demo-federal/observers", &list)
	if len(list.Observers) != 1 || list.Observers[0].NominatedBy != "Партия зелёных садов" || list.Observers[0].Name == "" {
		t.Fatalf("public list: %+v", list)
	}
	resp, err := http.Get(e.url + "/observers/demo-federal")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(page), list.Observers[0].Name) {
		t.Error("the public page does not list the observer")
	}
}

// The commission's list of voters who received ballots opens with the
// commission's key, typed into a form.
func TestCommissionList(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.login(t, 0)
	el, err := c.Election(ctx, "demo-park")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Credential(ctx, el, "77-01"); err != nil {
		t.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar}
	get := func() string {
		resp, err := hc.Get(e.url + "/commission/demo-park")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	name := "Иванов Александр Александрович" // demo voter 0
	if page := get(); strings.Contains(page, name) || !strings.Contains(page, `name="token"`) {
		t.Fatal("the list shows without the commission's key")
	}
	for _, c := range []struct {
		token string
		want  int
	}{{"wrong", http.StatusUnauthorized}, {"operator-test-token", http.StatusOK}} {
		resp, err := hc.PostForm(e.url+"/commission/demo-park", url.Values{"token": {c.token}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Fatalf("key %q: %d, want %d", c.token, resp.StatusCode, c.want)
		}
	}
	if page := get(); !strings.Contains(page, name) || !strings.Contains(page, `id="recipients">1<`) {
		t.Fatalf("the opened list does not show the one voter who received a ballot:\n%s", page)
	}
}

// Metrics name routes by pattern and count what the elections hold;
// readiness follows the ledgers.
func TestMetricsAndReadiness(t *testing.T) {
	e := newEnv(t)
	s := web.New(e.p, web.Options{Demo: true})
	srv := httptest.NewServer(s)
	defer srv.Close()
	for _, path := range []string{"/readyz", "/api/v1/elections/demo-park", "/api/v1/elections/demo-park"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d", path, resp.StatusCode)
		}
	}
	resp, err := http.Post(srv.URL+"/cast/v1/elections/demo-park/ballots", "application/json", strings.NewReader(`{"ballot":"bm90IGEgYmFsbG90"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("a malformed ballot: %d", resp.StatusCode)
	}
	rec := httptest.NewRecorder()
	s.MetricsHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body := rec.Body.String()
	for _, want := range []string{
		`urna_http_requests_total{code="200",route="GET /api/v1/elections/{id}"} 2`,
		`urna_ledger_entries{election="demo-park"}`,
		`urna_ballotbox_ok{election="demo-park"} 1`,
		`urna_ballots_rejected_total{election="demo-park",reason="malformed_ballot"} 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if strings.Contains(body, "demo-park\"} 2\n") && strings.Contains(body, "/api/v1/elections/demo-park") {
		t.Error("a path, not a pattern, is a label")
	}
}

// Voters are told, once each, by SMS through the persistent outbox, that
// voting started in each election they applied to.
func TestNotifications(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.login(t, 0)
	// Voter 0's applications were made by the demo's set-up, which tells
	// no one. Applying again through the API changes nothing and tells the
	// voter once that the application is accounted, however often it is
	// sent.
	for range 2 {
		if err := c.Call(ctx, "POST", "/api/v1/elections/demo-park/application", nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	count := func(text string) int {
		n := 0
		for _, m := range e.sms.Outbox.All(demo.Voter(0)) {
			if strings.Contains(m.Text, text) {
				n++
			}
		}
		return n
	}
	started := func() int { return count("голосование началось") }
	const elections = 4 // voter 0 votes in all four demo elections
	deadline := time.Now().Add(30 * time.Second)
	for started() < elections {
		if time.Now().After(deadline) {
			t.Fatalf("%d 'voting started' messages after 30 s, want %d: %+v", started(), elections, e.sms.Outbox.All(demo.Voter(0)))
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(2500 * time.Millisecond) // more dispatches and phase checks
	if n := started(); n != elections {
		t.Errorf("%d 'voting started' messages, want one for each of %d elections", n, elections)
	}
	if n := count("учтено"); n != 1 {
		t.Errorf("%d 'application accounted' messages, want 1", n)
	}
	if _, _, failed, err := e.p.Notifications.Counts(ctx); err != nil || failed != 0 {
		t.Errorf("outbox: %d failed, %v", failed, err)
	}
}
