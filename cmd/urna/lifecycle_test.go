package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/urna-vote/urna/ballot"
	"github.com/urna-vote/urna/client"
	"github.com/urna-vote/urna/demo"
)

// urnaCommand returns a command running this test binary as urna.
func urnaCommand(t *testing.T, env []string, args ...string) *exec.Cmd {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "urna")
	if err := os.Symlink(self, bin); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	return cmd
}

// urnaRun runs urna to the end and returns its standard output.
func urnaRun(t *testing.T, env []string, args ...string) string {
	t.Helper()
	cmd := urnaCommand(t, env, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("urna %s: %v\n%s%s", strings.Join(args, " "), err, out, stderr.Bytes())
	}
	return string(out)
}

// field returns the rest of the first line of out that starts with prefix.
func field(t *testing.T, out, prefix string) string {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		if rest, ok := strings.CutPrefix(line, prefix); ok {
			return strings.TrimSpace(rest)
		}
	}
	t.Fatalf("no line %q in\n%s", prefix, out)
	return ""
}

// api calls the platform's JSON API with the operator's token.
func api(t *testing.T, method, url, token string, in, out any) int {
	t.Helper()
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v in %s", method, url, err, b)
		}
	}
	if resp.StatusCode >= 300 {
		t.Logf("%s %s: %d %s", method, url, resp.StatusCode, b)
	}
	return resp.StatusCode
}

// TestWholeElection runs the life of a vote through the real binary, each
// party its own process: an organiser creates a vote through the console's
// API and edits it, then fixes it on the ledger; seven `urna guardian run`
// processes hold the key ceremony and post heartbeats; voters of the
// register's region apply and vote (one re-votes, one outside the region is
// refused); the platform closes voting, publishes the participants and the
// tally; the guardians decrypt and the platform publishes the result; three
// commission members (one with a GOST key) sign with `urna commission
// sign`; the XML and PDF protocols are published, and `urna verify`
// accepts the ledger and the signed protocol.
func TestWholeElection(t *testing.T) {
	if testing.Short() {
		t.Skip("the whole election takes about two minutes")
	}
	ctx := context.Background()
	const token = "organiser-token-of-the-whole-election-test"
	data := t.TempDir()
	_, url := startDemo(t, data, 8, "--operator-token", token)
	keys := t.TempDir()
	env := append(os.Environ(), "URNA_PASSPHRASE=correct horse battery staple")

	// The key holders make their keys on their own machines and hand the
	// public halves to the organiser.
	var guardians []map[string]string
	for i := 1; i <= 7; i++ {
		out := urnaRun(t, env, "guardian", "init", "--key", filepath.Join(keys, fmt.Sprintf("guardian-%d.key", i)))
		guardians = append(guardians, map[string]string{"name": fmt.Sprintf("Хранитель %d", i), "key": field(t, out, "public key:")})
	}
	var members []map[string]string
	for i, scheme := range []string{"ed25519", "gost2012-256", "ed25519"} {
		out := urnaRun(t, env, "member", "keygen", "--scheme", scheme, "--out", filepath.Join(keys, fmt.Sprintf("member-%d.key", i+1)))
		members = append(members, map[string]string{"id": fmt.Sprintf("member-%d", i+1), "name": fmt.Sprintf("Член комиссии %d", i+1),
			"key": strings.SplitN(out, "\n", 2)[0]})
	}

	// The organiser creates the vote, edits it, and fixes it.
	now := time.Now()
	opens, closes := now.Add(30*time.Second), now.Add(65*time.Second)
	draft := map[string]any{
		"id": "city-2027", "title": map[string]string{"ru": "Городской опрос", "en": "City poll"},
		"voting": map[string]any{"opens": opens.UnixMilli(), "closes": closes.UnixMilli(), "tz": "Europe/Moscow"},
		"districts": []map[string]any{
			{"id": "77-01", "name": map[string]string{"ru": "Москва, округ 1", "en": "Moscow, district 1"}, "region": "77"},
			{"id": "77-02", "name": map[string]string{"ru": "Москва, округ 2", "en": "Moscow, district 2"}, "region": "77"},
		},
		"contests": []map[string]any{{"id": "park", "title": map[string]string{"ru": "Парк или парковка?", "en": "Park or car park?"},
			"kind": "one_of_n", "min": 1, "max": 1, "districts": []string{},
			"options": []map[string]any{{"id": "park", "title": map[string]string{"ru": "Парк", "en": "Park"}},
				{"id": "parking", "title": map[string]string{"ru": "Парковка", "en": "Car park"}}}}},
		"guardians": guardians, "threshold": 4, "commission": members,
		"level":        "municipal",
		"applications": map[string]any{"opens": 0, "closes": closes.UnixMilli()},
		"participants": map[string]any{"source": "register", "regions": []string{"77"}, "districts": []string{}},
		"access":       []map[string]string{{"accounts": "verified", "auth": "any"}},
	}
	var got struct {
		Version  int64  `json:"version"`
		State    string `json:"state"`
		Problems []any  `json:"problems"`
	}
	if code := api(t, "POST", url+"/api/v1/organiser/votes", token, draft, &got); code != http.StatusCreated {
		t.Fatalf("creating the vote: %d", code)
	}
	draft["title"] = map[string]string{"ru": "Городской опрос о парке", "en": "City poll on the park"}
	draft["version"] = got.Version
	if code := api(t, "PUT", url+"/api/v1/organiser/votes/city-2027", token, draft, &got); code != http.StatusOK {
		t.Fatalf("editing the vote: %d", code)
	}
	if code := api(t, "POST", url+"/api/v1/organiser/votes/city-2027/fix", token, map[string]int64{"version": got.Version}, &got); code != http.StatusOK {
		t.Fatalf("fixing the vote: %d", code)
	}
	if code := api(t, "PUT", url+"/api/v1/organiser/votes/city-2027", token, draft, nil); code != http.StatusConflict {
		t.Errorf("editing a fixed vote: %d, want 409", code)
	}

	// Seven guardians, each its own process, for the whole election.
	gctx, stopGuardians := context.WithCancel(ctx)
	defer stopGuardians()
	done := make(chan error, 7)
	for i := 1; i <= 7; i++ {
		cmd := urnaCommand(t, env, "guardian", "run", url, "--election", "city-2027",
			"--key", filepath.Join(keys, fmt.Sprintf("guardian-%d.key", i)), "--every", "3s")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go func() {
			err := cmd.Wait()
			if err != nil && gctx.Err() == nil {
				err = fmt.Errorf("guardian %d: %v\n%s", i, err, out.String())
			}
			done <- err
		}()
		t.Cleanup(func() { cmd.Process.Kill() })
	}

	// phase is the election's phase as the platform reports it.
	phase := func() string {
		var info struct {
			Phase string `json:"phase"`
		}
		if code := api(t, "GET", url+"/api/v1/elections/city-2027", "", nil, &info); code != http.StatusOK {
			t.Fatalf("the election: %d", code)
		}
		return info.Phase
	}
	waitFor := func(what string, d time.Duration, ok func() bool) {
		t.Helper()
		deadline := time.Now().Add(d)
		for !ok() {
			if time.Now().After(deadline) {
				t.Fatalf("no %s after %v", what, d)
			}
			select {
			case err := <-done:
				if err != nil {
					t.Fatal(err)
				}
			case <-time.After(250 * time.Millisecond):
			}
		}
	}
	waitFor("voting", time.Until(opens)+30*time.Second, func() bool { return phase() == "open" })

	// Voters of region 77 apply and vote; one votes again. A voter of
	// region 54 is not a participant.
	voters := []int{0, 1, 3}
	var receipts int
	for n, i := range append(voters, 2) {
		c := client.New(url, nil)
		if err := c.DemoLogin(ctx, demo.Voter(i), demo.Password); err != nil {
			t.Fatal(err)
		}
		err := c.Call(ctx, "POST", "/api/v1/elections/city-2027/application", nil, nil)
		if i == 2 {
			if err == nil || !strings.Contains(err.Error(), "not_eligible") {
				t.Errorf("a voter outside the vote's region applied: %v", err)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		el, err := c.Election(ctx, "city-2027")
		if err != nil {
			t.Fatal(err)
		}
		district := []string{"77-01", "77-02", "54-01"}[i%3]
		dev, err := c.Credential(ctx, el, district)
		if err != nil {
			t.Fatal(err)
		}
		for range 1 + n%2 { // the second voter votes twice
			b, _, err := dev.Encrypt(ballot.Choices{{1, 0}})
			if err != nil {
				t.Fatal(err)
			}
			rc, err := c.Cast(ctx, "city-2027", b.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			if err := el.CheckReceipt(rc, b); err != nil {
				t.Error(err)
			}
			receipts++
			if n == 0 {
				// The same ballot again is refused and not counted as
				// rejected (it is on the ledger); a changed one is both.
				if _, err := c.Cast(ctx, "city-2027", b.Bytes()); err == nil {
					t.Error("the same ballot was accepted twice")
				}
				bad := bytes.Clone(b.Bytes())
				bad[len(bad)/2] ^= 1
				if _, err := c.Cast(ctx, "city-2027", bad); err == nil {
					t.Error("a changed ballot was accepted")
				}
			}
		}
	}

	// The platform closes voting at the window's end; the guardians
	// decrypt; the platform publishes the result.
	waitFor("result", time.Until(closes)+60*time.Second, func() bool { return phase() == "decided" })

	// Every member signs with their own key, after reading the result.
	for i := 1; i <= 3; i++ {
		out := urnaRun(t, env, "commission", "sign", url, "--election", "city-2027", "--member", fmt.Sprintf("member-%d", i),
			"--key", filepath.Join(keys, fmt.Sprintf("member-%d.key", i)), "--yes")
		if !strings.Contains(out, "signed:") {
			t.Errorf("member %d: %s", i, out)
		}
	}
	stopGuardians()

	// The published protocols, and the verifier's word on the ledger and
	// on the signed protocol.
	for _, f := range []string{"protocol.xml", "protocol.signed.xml", "protocol.pdf"} {
		resp, err := http.Get(url + "/api/v1/elections/city-2027/" + f)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d %s", f, resp.StatusCode, b)
		}
		if err := os.WriteFile(filepath.Join(keys, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	xml, _ := os.ReadFile(filepath.Join(keys, "protocol.xml"))
	for _, want := range []string{`<participants>3</participants>`, `<option id="park" votes="3">`, `<ballots-superseded>1</ballots-superseded>`, `<ballots-rejected>1</ballots-rejected>`, `<region id="77" participants="3">`, `scheme="gost2012-256"`} {
		if !bytes.Contains(xml, []byte(want)) {
			t.Errorf("the protocol lacks %s:\n%s", want, xml)
		}
	}
	if bytes.Count(xml, []byte("<signature>")) != 3 {
		t.Errorf("the protocol does not carry three signatures:\n%s", xml)
	}
	var info struct {
		LogKey string `json:"log_key"`
	}
	api(t, "GET", url+"/api/v1/elections/city-2027", "", nil, &info)
	logKey := filepath.Join(keys, "log.pub")
	if err := os.WriteFile(logKey, []byte(info.LogKey+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := urnaRun(t, env, "verify", url+"/ledger/city-2027/", "--log-key", logKey, "--protocol", filepath.Join(keys, "protocol.signed.xml"))
	t.Logf("urna verify:\n%s", out)
	news, err := http.Get(url + "/news")
	if err != nil {
		t.Fatal(err)
	}
	nb, _ := io.ReadAll(news.Body)
	news.Body.Close()
	if !bytes.Contains(nb, []byte("Городской опрос о парке")) {
		t.Errorf("the news page does not list the result")
	}
	if receipts != 4 {
		t.Errorf("%d receipts, want 4", receipts)
	}
}
