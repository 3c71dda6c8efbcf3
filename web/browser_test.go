package web_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/urna-vote/urna/client"
	"github.com/urna-vote/urna/demo"
	"github.com/urna-vote/urna/election"
	"github.com/urna-vote/urna/internal/browsertest"
	"github.com/urna-vote/urna/verify"
)

// The voter portal in a real browser (package internal/browsertest).

// A new voter registers, is verified, applies, logs in with the SMS code,
// votes, checks a ballot's encryption, re-votes and finds both ballots on
// the ledger; a demo voter does the same in English with a two-of-four
// question. The elections are then counted and verified from the ledger:
// the browser's last ballots are what the result says.
func TestPortalInBrowser(t *testing.T) {
	e := newEnv(t)
	b := browsertest.Start(t, e.url)

	// The commission's register lists a person who has no account yet.
	row := "full_name,birth_date,document,snils,address,region,district\n" +
		"Петрова Анна Сергеевна,1990-04-12,4512 654321,123-456-789 64,\"Москва, ул. Тестовая, д. 1\",77,77-01\n"
	if code, body := post(t, e.url+"/api/v1/operator/register", "text/csv", []byte(row), map[string]string{"Authorization": "Bearer operator-test-token"}); code != http.StatusOK {
		t.Fatalf("register import: %d %s", code, body)
	}

	b.Do(chromedp.Navigate(e.url + "/?lang=ru"))
	b.Shot("ru-01-home")
	b.Do(chromedp.Navigate(e.url+"/register"), chromedp.WaitVisible(chromedp.ID("f-full_name")))
	b.Shot("ru-02-register")
	fill := func(fields map[string]string) {
		for name, v := range fields {
			b.Do(chromedp.SetValue(chromedp.ID("f-"+name), v))
		}
	}
	fill(map[string]string{"full_name": "Петрова Анна Сергеевна", "birth_date": "1990-04-12", "document": "4512 654321",
		"snils": "123-456-789 64", "phone": "+79161234567", "email": "anna@example.org", "address": "Москва, ул. Тестовая, д. 1",
		"password": "correct horse battery", "password2": "correct horse battery"})
	b.Do(chromedp.Submit(chromedp.ID("f-full_name")))
	b.Await(".flash")
	if got := b.Text(".flash"); !strings.Contains(got, "Учётная запись создана") {
		t.Fatalf("after registering: %q", got)
	}

	login := func(phone, password string, lang string) {
		b.Do(chromedp.Navigate(e.url+"/login?lang="+lang), chromedp.WaitVisible(chromedp.ID("f-login")))
		b.Shot(lang + "-03-login")
		fill(map[string]string{"login": phone, "password": password})
		b.Do(chromedp.Submit(chromedp.ID("f-login")))
		b.Await("#f-code")
		b.Shot(lang + "-04-sms-code")
		code, err := client.New(e.url, nil).DemoCode(context.Background(), phone)
		if err != nil {
			t.Fatal(err)
		}
		b.Do(chromedp.SetValue(chromedp.ID("f-code"), code), chromedp.Submit(chromedp.ID("f-code")))
		b.Await(".card")
	}
	login("+79161234567", "correct horse battery", "ru")

	// Not verified yet: applying says so, clearly.
	b.Do(chromedp.Click(chromedp.CSS(`form[action="/elections/demo-federal/apply"] button`)))
	b.Await(".flash")
	if got := b.Text(".flash"); !strings.Contains(got, "подтвер") {
		t.Errorf("applying unverified: %q, want it to say the account needs verifying", got)
	}
	b.Shot("ru-05-account-unverified")
	account := b.Eval(`fetch('/api/v1/me').then(function (r) { return r.json(); }).then(function (m) { return m.account.id; })`)
	if code, body := post(t, e.url+"/api/v1/operator/accounts/"+account+"/verify", "application/json", []byte("{}"),
		map[string]string{"Authorization": "Bearer operator-test-token"}); code != http.StatusOK {
		t.Fatalf("verifying the account: %d %s", code, body)
	}
	b.Do(chromedp.Navigate(e.url+"/account"), chromedp.Click(chromedp.CSS(`form[action="/elections/demo-federal/apply"] button`)))
	b.Await(".flash")
	if got := b.Text(".flash"); !strings.Contains(got, "учтено") {
		t.Fatalf("applying: %q", got)
	}
	b.Shot("ru-06-account-applied")

	first, second := voteTwice(b, "demo-federal", "ru", false)

	// The ledger page finds both: the first replaced, the second counted.
	for _, c := range []struct{ code, want string }{{first, "Заменён"}, {second, "Будет учтён"}} {
		b.Do(chromedp.Navigate(e.url+"/track?election=demo-federal&code="+c.code), chromedp.WaitVisible(chromedp.ID("tracked-status")))
		if got := b.Text("#tracked-status"); !strings.Contains(got, c.want) {
			t.Errorf("tracking %s: %q, want %q", c.code, got, c.want)
		}
		if got := b.Text("#tracked-code"); got != c.code {
			t.Errorf("tracking page shows %q, want %q", got, c.code)
		}
	}
	b.Shot("ru-10-track")

	// A demo voter, in English, with a two-of-four question.
	b.Do(chromedp.Navigate(e.url+"/?lang=en"), chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)))
	b.Await(`a[href="/login"]`)
	b.Shot("en-01-home")
	b.Do(chromedp.Navigate(e.url+"/register"), chromedp.WaitVisible(chromedp.ID("f-full_name")))
	b.Shot("en-02-register")
	login(demo.Voter(1), demo.Password, "en")
	b.Shot("en-06-account")
	voteTwice(b, "demo-moscow", "en", true)
	b.Do(chromedp.Navigate(e.url+"/track?election=demo-moscow"), chromedp.WaitVisible(chromedp.ID("f-code")))
	b.Shot("en-10-track")

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
		// The platform's published protocol is the one the ledger gives.
		resp, err := http.Get(e.url + "/api/v1/elections/" + c.id + "/protocol.xml")
		if err != nil {
			t.Fatal(err)
		}
		doc, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		rep.CheckProtocol(doc)
		if !rep.OK {
			t.Errorf("%s: the published protocol: %s", c.id, rep.Error)
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
func voteTwice(b *browsertest.Tab, id, lang string, multi bool) (first, second string) {
	t := b.T
	b.Do(chromedp.Navigate(b.URL+"/account"), chromedp.Click(chromedp.CSS(`a[href="/vote/`+id+`"]`)))
	b.Await("#choose")
	b.Shot(lang + "-07-ballot")
	pick := func(options ...int) {
		// Clear, then mark: radio buttons and checkboxes alike.
		b.Eval(`(function () { var xs = document.querySelectorAll('#choose input'); for (var i = 0; i < xs.length; i++) { if (xs[i].checked) { xs[i].click(); } } return ''; })()`)
		for _, o := range options {
			b.Do(chromedp.Click(chromedp.ID(fmt.Sprintf("o-0-%d", o))))
		}
		b.Do(chromedp.Click(chromedp.CSS(`#choose button[type=submit]`)), chromedp.WaitVisible(chromedp.ID("confirm")))
	}
	choice := []int{0}
	if multi {
		choice = []int{0, 1}
		// The limit is enforced as the voter chooses: a third is disabled.
		b.Do(chromedp.Click(chromedp.ID("o-0-0")), chromedp.Click(chromedp.ID("o-0-1")))
		if got := b.Eval(`String(document.getElementById('o-0-2').disabled)`); got != "true" {
			t.Errorf("a third choice of two is not disabled")
		}
		b.Do(chromedp.Click(chromedp.ID("o-0-0")), chromedp.Click(chromedp.ID("o-0-1")))
	}
	pick(choice...)
	b.Shot(lang + "-08-confirm")

	// Check the encryption: the device opens the ballot and shows it holds
	// exactly the choices.
	b.Do(chromedp.Click(chromedp.ID("challenge")), chromedp.WaitVisible(chromedp.ID("opened")))
	opened := b.Text("#opened-choices")
	want := b.Text(fmt.Sprintf(`label[for="o-0-%d"]`, choice[0]))
	if !strings.Contains(opened, want) {
		t.Errorf("the opened ballot shows %q, want it to hold %q", opened, want)
	}
	b.Shot(lang + "-09-challenge")
	b.Do(chromedp.Click(chromedp.ID("again")), chromedp.WaitVisible(chromedp.ID("choose")))

	pick(choice...)
	b.Do(chromedp.Click(chromedp.ID("cast")), chromedp.WaitVisible(chromedp.ID("done")))
	first = b.Text("#tracking-code")
	b.Shot(lang + "-09-cast")

	// Re-vote: the later ballot replaces the first.
	b.Do(chromedp.Click(chromedp.ID("revote")), chromedp.WaitVisible(chromedp.ID("choose")))
	if multi {
		pick(1, 2)
	} else {
		pick(1)
	}
	b.Do(chromedp.Click(chromedp.ID("cast")), chromedp.WaitVisible(chromedp.ID("done")))
	second = b.Text("#tracking-code")
	if first == "" || second == "" || first == second {
		t.Fatalf("tracking codes %q and %q", first, second)
	}
	return first, second
}
