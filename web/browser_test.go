package web_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/urna-vote/urna/client"
	"github.com/urna-vote/urna/demo"
	"github.com/urna-vote/urna/election"
	"github.com/urna-vote/urna/verify"
)

// The voter portal in a real browser: Debian's Chromium, headless, driven
// over the DevTools protocol. .ci/run installs Chromium and sets
// URNA_REQUIRE_BROWSER=1, so there a missing browser fails the test;
// elsewhere it is skipped. Each page shown is checked with axe-core's
// WCAG 2.1 A and AA rules when $URNA_AXE names axe.min.js. Screenshots of every step, in Russian and
// English at phone and desktop widths, go to $URNA_ARTIFACTS/screenshots
// (default: the system's temporary folder).

func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("URNA_REQUIRE_BROWSER") != "" {
		t.Fatal("no Chromium found, and URNA_REQUIRE_BROWSER is set")
	}
	t.Skip("no Chromium found (apt-get install chromium); .ci/run installs it")
	return ""
}

// browser starts a headless Chromium for the test.
func browser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)),
		chromedp.NoSandbox,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.WindowSize(1280, 900),
	)
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	if err := chromedp.Do(ctx); err != nil { // start the browser
		t.Fatal(err)
	}
	return ctx
}

// tab runs browser steps with a time limit, failing the test with what
// the page shows when one does not complete.
type tab struct {
	t   *testing.T
	ctx context.Context
	url string
	dir string // screenshots
}

func (b *tab) do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 60*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		body, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.location.href + "\n" + document.body.innerText`))
		b.t.Fatalf("browser: %v\nthe page:\n%s", err, body)
	}
}

func (b *tab) text(sel string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 60*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("browser: text of %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

func (b *tab) eval(js string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("browser: %s: %v", js, err)
	}
	return s
}

// shot saves the page at phone and desktop widths.
func (b *tab) shot(name string) {
	b.t.Helper()
	for _, v := range []struct {
		width, height int64
		kind          string
	}{{390, 844, "phone"}, {1280, 900, "desktop"}} {
		var png []byte
		b.do(chromedp.EmulateViewport(v.width, v.height), chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			var err error
			png, err = chromedp.FullScreenshot(100)(ctx, t)
			return err
		}))
		if err := os.WriteFile(filepath.Join(b.dir, name+"-"+v.kind+".png"), png, 0o644); err != nil {
			b.t.Fatal(err)
		}
		b.accessible(name + " (" + v.kind + ")")
	}
}

// axeSource is axe-core, the accessibility checker, when $URNA_AXE names
// its axe.min.js (.ci/run installs it with npm).
var axeSource = func() string {
	b, _ := os.ReadFile(os.Getenv("URNA_AXE"))
	return string(b)
}()

// accessible runs axe-core's WCAG 2.1 A and AA rules on the page as shown
// and fails the test on any violation.
func (b *tab) accessible(name string) {
	b.t.Helper()
	if axeSource == "" {
		if os.Getenv("URNA_REQUIRE_BROWSER") != "" {
			b.t.Fatal("URNA_AXE does not name axe-core's axe.min.js")
		}
		return
	}
	if b.eval(`typeof axe`) == "undefined" {
		if _, err := chromedp.Run(b.ctx, chromedp.Evaluate[chromedp.Void](axeSource+";undefined")); err != nil {
			b.t.Fatalf("loading axe-core: %v", err)
		}
	}
	got := b.eval(`axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}}).then(function (r) {
		return r.violations.map(function (v) {
			return v.id + ' (' + v.impact + '): ' + v.help + ' — ' + v.nodes.map(function (n) { return n.target.join(' '); }).join(', ');
		}).join('\n');
	})`)
	if got != "" {
		b.t.Errorf("%s: WCAG 2.1 AA violations:\n%s", name, got)
	}
}

func screenshotDir(t *testing.T) string {
	base := os.Getenv("URNA_ARTIFACTS")
	if base == "" {
		base = filepath.Join(os.TempDir(), "urna-artifacts")
	}
	dir := filepath.Join(base, "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots in %s", dir)
	return dir
}

// A new voter registers, is verified, applies, logs in with the SMS code,
// votes, checks a ballot's encryption, re-votes and finds both ballots on
// the ledger; a demo voter does the same in English with a two-of-four
// question. The elections are then counted and verified from the ledger:
// the browser's last ballots are what the result says.
func TestPortalInBrowser(t *testing.T) {
	e := newEnv(t)
	b := &tab{t: t, ctx: browser(t), url: e.url, dir: screenshotDir(t)}

	// The commission's register lists a person who has no account yet.
	row := "full_name,birth_date,document,snils,address,region,district\n" +
		"Петрова Анна Сергеевна,1990-04-12,4512 654321,123-456-789 64,\"Москва, ул. Тестовая, д. 1\",77,77-01\n"
	if code, body := post(t, e.url+"/api/v1/operator/register", "text/csv", []byte(row), map[string]string{"Authorization": "Bearer operator-test-token"}); code != http.StatusOK {
		t.Fatalf("register import: %d %s", code, body)
	}

	b.do(chromedp.Navigate(e.url + "/?lang=ru"))
	b.shot("ru-01-home")
	b.do(chromedp.Navigate(e.url+"/register"), chromedp.WaitVisible(chromedp.ID("f-full_name")))
	b.shot("ru-02-register")
	fill := func(fields map[string]string) {
		for name, v := range fields {
			b.do(chromedp.SetValue(chromedp.ID("f-"+name), v))
		}
	}
	fill(map[string]string{"full_name": "Петрова Анна Сергеевна", "birth_date": "1990-04-12", "document": "4512 654321",
		"snils": "123-456-789 64", "phone": "+79161234567", "email": "anna@example.org", "address": "Москва, ул. Тестовая, д. 1",
		"password": "correct horse battery", "password2": "correct horse battery"})
	b.do(chromedp.Submit(chromedp.ID("f-full_name")), chromedp.WaitVisible(chromedp.CSS(".flash")))
	if got := b.text(".flash"); !strings.Contains(got, "Учётная запись создана") {
		t.Fatalf("after registering: %q", got)
	}

	login := func(phone, password string, lang string) {
		b.do(chromedp.Navigate(e.url+"/login?lang="+lang), chromedp.WaitVisible(chromedp.ID("f-login")))
		b.shot(lang + "-03-login")
		fill(map[string]string{"login": phone, "password": password})
		b.do(chromedp.Submit(chromedp.ID("f-login")), chromedp.WaitVisible(chromedp.ID("f-code")))
		b.shot(lang + "-04-sms-code")
		code, err := client.New(e.url, nil).DemoCode(context.Background(), phone)
		if err != nil {
			t.Fatal(err)
		}
		b.do(chromedp.SetValue(chromedp.ID("f-code"), code), chromedp.Submit(chromedp.ID("f-code")),
			chromedp.WaitVisible(chromedp.CSS(".card")))
	}
	login("+79161234567", "correct horse battery", "ru")

	// Not verified yet: applying says so, clearly.
	b.do(chromedp.Click(chromedp.CSS(`form[action="/elections/demo-federal/apply"] button`)), chromedp.WaitVisible(chromedp.CSS(".flash")))
	if got := b.text(".flash"); !strings.Contains(got, "подтвер") {
		t.Errorf("applying unverified: %q, want it to say the account needs verifying", got)
	}
	b.shot("ru-05-account-unverified")
	account := b.eval(`fetch('/api/v1/me').then(function (r) { return r.json(); }).then(function (m) { return m.account.id; })`)
	if code, body := post(t, e.url+"/api/v1/operator/accounts/"+account+"/verify", "application/json", []byte("{}"),
		map[string]string{"Authorization": "Bearer operator-test-token"}); code != http.StatusOK {
		t.Fatalf("verifying the account: %d %s", code, body)
	}
	b.do(chromedp.Navigate(e.url+"/account"),
		chromedp.Click(chromedp.CSS(`form[action="/elections/demo-federal/apply"] button`)), chromedp.WaitVisible(chromedp.CSS(".flash")))
	if got := b.text(".flash"); !strings.Contains(got, "учтено") {
		t.Fatalf("applying: %q", got)
	}
	b.shot("ru-06-account-applied")

	first, second := voteTwice(b, "demo-federal", "ru", false)

	// The ledger page finds both: the first replaced, the second counted.
	for _, c := range []struct{ code, want string }{{first, "Заменён"}, {second, "Будет учтён"}} {
		b.do(chromedp.Navigate(e.url+"/track?election=demo-federal&code="+c.code), chromedp.WaitVisible(chromedp.ID("tracked-status")))
		if got := b.text("#tracked-status"); !strings.Contains(got, c.want) {
			t.Errorf("tracking %s: %q, want %q", c.code, got, c.want)
		}
		if got := b.text("#tracked-code"); got != c.code {
			t.Errorf("tracking page shows %q, want %q", got, c.code)
		}
	}
	b.shot("ru-10-track")

	// A demo voter, in English, with a two-of-four question.
	b.do(chromedp.Navigate(e.url+"/?lang=en"), chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)), chromedp.WaitVisible(chromedp.CSS("h1")))
	b.shot("en-01-home")
	b.do(chromedp.Navigate(e.url+"/register"), chromedp.WaitVisible(chromedp.ID("f-full_name")))
	b.shot("en-02-register")
	login(demo.Voter(1), demo.Password, "en")
	b.shot("en-06-account")
	voteTwice(b, "demo-moscow", "en", true)
	b.do(chromedp.Navigate(e.url+"/track?election=demo-moscow"), chromedp.WaitVisible(chromedp.ID("f-code")))
	b.shot("en-10-track")

	// Count both elections and verify them from their public ledgers.
	e.clock.advance(8 * 24 * time.Hour)
	for _, c := range []struct {
		id   string
		want map[string]map[string]uint64 // the browsers' last ballots
	}{
		{"demo-federal", map[string]map[string]uint64{"party-list": {"p1": 0, "p2": 1, "p3": 0, "p4": 0, "p5": 0}}},
		{"demo-moscow", map[string]map[string]uint64{"council": {"c1": 0, "c2": 1, "c3": 1, "c4": 0}}},
	} {
		box, _ := e.p.Election(c.id)
		keys, err := demo.LoadKeys(e.data, c.id)
		if err != nil {
			t.Fatal(err)
		}
		if err := keys.Count(context.Background(), box.Box); err != nil {
			t.Fatal(err)
		}
		var sum struct {
			LogKey string `json:"log_key"`
		}
		getJSON(t, e.url+"/api/v1/elections/"+c.id, &sum)
		rep, err := verify.URL(context.Background(), e.url+"/ledger/"+c.id+"/", verify.Options{Key: sum.LogKey})
		if err != nil {
			t.Fatal(err)
		}
		if !rep.OK {
			t.Fatalf("%s: urna verify: %s", c.id, rep.Error)
		}
		if got, want := fmt.Sprint(rep.Results), fmt.Sprint(c.want); got != want {
			t.Errorf("%s: verified result %s, want %s", c.id, got, want)
		}
		var counts election.Reconciliation
		box.Box.View(func(st *election.State) { counts = st.Result.Counts })
		if counts.Spoiled != 1 || counts.Superseded != 1 || counts.Counted != 1 {
			t.Errorf("%s: counts %+v, want one counted, one superseded, one spoiled", c.id, counts)
		}
	}
}

// voteTwice votes in election id from the account page: checks one
// ballot's encryption (a Benaloh challenge), casts a ballot, then re-votes.
// It picks options 1 (then 2) of a one-of-n question, or options 1 and 2
// (then 2 and 3) of a k-of-n one, and returns the two tracking codes.
func voteTwice(b *tab, id, lang string, multi bool) (first, second string) {
	t := b.t
	b.do(chromedp.Navigate(b.url+"/account"), chromedp.Click(chromedp.CSS(`a[href="/vote/`+id+`"]`)),
		chromedp.WaitVisible(chromedp.ID("choose")))
	b.shot(lang + "-07-ballot")
	pick := func(options ...int) {
		// Clear, then mark: radio buttons and checkboxes alike.
		b.eval(`(function () { var xs = document.querySelectorAll('#choose input'); for (var i = 0; i < xs.length; i++) { if (xs[i].checked) { xs[i].click(); } } return ''; })()`)
		for _, o := range options {
			b.do(chromedp.Click(chromedp.ID(fmt.Sprintf("o-0-%d", o))))
		}
		b.do(chromedp.Click(chromedp.CSS(`#choose button[type=submit]`)), chromedp.WaitVisible(chromedp.ID("confirm")))
	}
	choice := []int{0}
	if multi {
		choice = []int{0, 1}
		// The limit is enforced as the voter chooses: a third is disabled.
		b.do(chromedp.Click(chromedp.ID("o-0-0")), chromedp.Click(chromedp.ID("o-0-1")))
		if got := b.eval(`String(document.getElementById('o-0-2').disabled)`); got != "true" {
			t.Errorf("a third choice of two is not disabled")
		}
		b.do(chromedp.Click(chromedp.ID("o-0-0")), chromedp.Click(chromedp.ID("o-0-1")))
	}
	pick(choice...)
	b.shot(lang + "-08-confirm")

	// Check the encryption: the device opens the ballot and shows it holds
	// exactly the choices.
	b.do(chromedp.Click(chromedp.ID("challenge")), chromedp.WaitVisible(chromedp.ID("opened")))
	opened := b.text("#opened-choices")
	want := b.text(fmt.Sprintf(`label[for="o-0-%d"]`, choice[0]))
	if !strings.Contains(opened, want) {
		t.Errorf("the opened ballot shows %q, want it to hold %q", opened, want)
	}
	b.shot(lang + "-09-challenge")
	b.do(chromedp.Click(chromedp.ID("again")), chromedp.WaitVisible(chromedp.ID("choose")))

	pick(choice...)
	b.do(chromedp.Click(chromedp.ID("cast")), chromedp.WaitVisible(chromedp.ID("done")))
	first = b.text("#tracking-code")
	b.shot(lang + "-09-cast")

	// Re-vote: the later ballot replaces the first.
	b.do(chromedp.Click(chromedp.ID("revote")), chromedp.WaitVisible(chromedp.ID("choose")))
	if multi {
		pick(1, 2)
	} else {
		pick(1)
	}
	b.do(chromedp.Click(chromedp.ID("cast")), chromedp.WaitVisible(chromedp.ID("done")))
	second = b.text("#tracking-code")
	if first == "" || second == "" || first == second {
		t.Fatalf("tracking codes %q and %q", first, second)
	}
	return first, second
}
