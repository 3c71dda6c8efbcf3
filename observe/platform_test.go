package observe_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/urna-vote/urna/ballot"
	"github.com/urna-vote/urna/client"
	"github.com/urna-vote/urna/demo"
	"github.com/urna-vote/urna/internal/browsertest"
	"github.com/urna-vote/urna/internal/storetest"
	"github.com/urna-vote/urna/ledger/witness"
	"github.com/urna-vote/urna/notify"
	"github.com/urna-vote/urna/observe"
	"github.com/urna-vote/urna/platform"
	"github.com/urna-vote/urna/verify"
	"github.com/urna-vote/urna/web"
)

// The demo platform with an observer node attached as its witness: ballots
// cast through the API show on the node's dashboard within seconds, every
// receipt and checkpoint carries the node's cosignature, the dashboards of
// both are checked in Chromium, and after the count the node verifies its
// own copy, which `urna verify` accepts with the witness policy.
func TestObserverOfTheDemo(t *testing.T) {
	ctx := context.Background()
	skey, wkey, err := witness.GenerateKey(nil, "observer.party-a")
	if err != nil {
		t.Fatal(err)
	}
	signer, _ := witness.NewSigner(skey)
	var nodeHandler atomic.Value
	nodeSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h, _ := nodeHandler.Load().(http.Handler)
		if h == nil {
			http.Error(w, "starting", http.StatusServiceUnavailable)
			return
		}
		h.ServeHTTP(w, r)
	}))
	defer nodeSrv.Close()
	policy, err := witness.ParsePolicy([]byte("witness observer.party-a " + wkey + " " + nodeSrv.URL + "/witness/add-checkpoint\nquorum 1\n"))
	if err != nil {
		t.Fatal(err)
	}

	var offset atomic.Int64
	now := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	outbox := notify.NewOutbox(64)
	p, err := platform.Open(ctx, platform.Config{Data: t.TempDir(), DB: storetest.DSN(t), SMS: outbox, Now: now, Witnesses: policy})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if err := demo.Setup(ctx, p, demo.Options{Voters: 6, Guardians: 3, Threshold: 2}); err != nil {
		t.Fatal(err)
	}
	webSrv := httptest.NewServer(web.New(p, web.Options{Demo: true, Outbox: outbox, InsecureCookies: true, ExemptLoopback: true}))
	defer webSrv.Close()

	var info struct {
		LogKey string `json:"log_key"`
	}
	getJSON(t, webSrv.URL+"/api/v1/elections/demo-park", &info)
	n, err := observe.Open(observe.Config{URL: webSrv.URL + "/ledger/demo-park/", LogKey: info.LogKey, Dir: t.TempDir(),
		Witness: signer, Interval: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	nodeHandler.Store(n.Handler())
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	go n.Run(runCtx)

	// Two demo voters of district 77-01 vote in the park referendum; one
	// votes again.
	cast := func(c *client.Client, dev *client.Device, choices ballot.Choices) {
		b, _, err := dev.Encrypt(choices)
		if err != nil {
			t.Fatal(err)
		}
		rc, err := c.Cast(ctx, "demo-park", b.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		if names, err := policy.Check([]byte(rc.Checkpoint)); err != nil {
			t.Errorf("receipt of entry %d: %v (cosigned by %v)", rc.Entry, err, names)
		}
		el, err := c.Election(ctx, "demo-park")
		if err != nil {
			t.Fatal(err)
		}
		if err := el.CheckReceipt(rc, b); err != nil {
			t.Errorf("receipt with cosignatures: %v", err)
		}
	}
	start := time.Now()
	for _, i := range []int{0, 3} {
		c := client.New(webSrv.URL, nil)
		if err := c.DemoLogin(ctx, demo.Voter(i), demo.Password); err != nil {
			t.Fatal(err)
		}
		el, err := c.Election(ctx, "demo-park")
		if err != nil {
			t.Fatal(err)
		}
		dev, err := c.Credential(ctx, el, "77-01")
		if err != nil {
			t.Fatal(err)
		}
		cast(c, dev, ballot.Choices{{1, 0, 0}})
		if i == 3 {
			cast(c, dev, ballot.Choices{{0, 1, 0}})
		}
	}
	// The node's dashboard shows them within seconds.
	var snap struct {
		Counts struct {
			Issued, Voted, Superseded uint64
		}
		Cosigners []string
		Alerts    []observe.Alert
	}
	for deadline := time.Now().Add(10 * time.Second); ; {
		getJSON(t, nodeSrv.URL+"/status", &snap)
		if snap.Counts.Voted == 2 && snap.Counts.Superseded == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 10 s the observer's dashboard shows %+v, want 2 voters and 1 re-vote", snap.Counts)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("the observer's dashboard counted the ballots %v after the first was cast", time.Since(start).Round(time.Millisecond))
	if len(snap.Alerts) != 0 {
		t.Fatalf("alerts on an honest platform: %v", snap.Alerts)
	}
	// The checkpoint the platform serves is cosigned (within moments of
	// the last entry: the conductor may have just posted one).
	for deadline := time.Now().Add(5 * time.Second); ; {
		resp, err := http.Get(webSrv.URL + "/ledger/demo-park/checkpoint")
		if err != nil {
			t.Fatal(err)
		}
		served, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		_, err = policy.Check(served)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the platform's checkpoint: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}

	// Both dashboards, in a real browser.
	b := browsertest.Start(t, webSrv.URL)
	for _, lang := range []string{"ru", "en"} {
		for _, d := range []struct{ name, url string }{
			{"dashboard-platform", webSrv.URL + "/dashboard/demo-park/?lang=" + lang},
			{"dashboard-observer", nodeSrv.URL + "/?lang=" + lang},
		} {
			b.Do(chromedp.Navigate(d.url), chromedp.WaitVisible(chromedp.CSS("#chart path")))
			if got := b.Text("#voted"); got != "2" {
				t.Errorf("%s: the page shows %q voters, want 2", d.name, got)
			}
			b.Shot(lang + "-" + d.name)
		}
	}
	b.Do(chromedp.Navigate(nodeSrv.URL+"/entry/3?lang=en"), chromedp.WaitVisible(chromedp.ID("entry-json")))
	b.Shot("en-dashboard-entry")

	// The count; the node verifies its copy, and so does urna verify.
	offset.Store(int64(8 * 24 * time.Hour))
	e, _ := p.Election("demo-park")
	keys, err := demo.LoadKeys(p.Config.Data, "demo-park")
	if err != nil {
		t.Fatal(err)
	}
	if err := keys.Count(ctx, e.Box); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(15 * time.Second); n.Snapshot().Verification == ""; {
		if time.Now().After(deadline) {
			t.Fatal("the node did not verify the finished election")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if v := n.Snapshot().Verification; v != "ok" {
		t.Fatalf("the node's verification: %s", v)
	}
	// Wait for the final checkpoint's cosignature, then verify the node's
	// copy with the policy.
	for deadline := time.Now().Add(10 * time.Second); ; {
		rep, err := verify.URL(ctx, nodeSrv.URL+"/ledger/", verify.Options{Key: info.LogKey, Witnesses: policy})
		if err != nil {
			t.Fatal(err)
		}
		if rep.OK {
			if rep.Results["park"]["r1"] != 1 || rep.Results["park"]["r2"] != 1 {
				t.Errorf("verified result %v, want one yes and one no", rep.Results)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("urna verify of the node's copy: %s", rep.Error)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET %s: %s %s", url, resp.Status, b)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}
