package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/urna-vote/urna/client"
	"github.com/urna-vote/urna/demo"
	"github.com/urna-vote/urna/election"
	"github.com/urna-vote/urna/internal/browsertest"
	"github.com/urna-vote/urna/keyholders"
	"github.com/urna-vote/urna/organiser"
)

// The organiser console in a real browser, without a line of the page's
// own script: an organiser logs in with the SMS code, creates a training
// vote, fills it in (a question added with the form's own button), is
// told when someone else saved it meanwhile, fixes it after confirming,
// and watches its status, in Russian and in English. Every page is
// photographed and checked with axe-core.
func TestConsoleInBrowser(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.organiserOf(t, 0)
	b := browsertest.Start(t, e.url)

	// Log in: password, then the code from the SMS.
	b.Do(chromedp.Navigate(e.url+"/login?lang=ru"), chromedp.WaitVisible(chromedp.ID("f-login")))
	b.Do(chromedp.SetValue(chromedp.ID("f-login"), demo.Voter(0)), chromedp.SetValue(chromedp.ID("f-password"), demo.Password),
		chromedp.Submit(chromedp.ID("f-login")))
	b.Await("#f-code")
	code, err := client.New(e.url, nil).DemoCode(ctx, demo.Voter(0))
	if err != nil {
		t.Fatal(err)
	}
	b.Do(chromedp.SetValue(chromedp.ID("f-code"), code), chromedp.Submit(chromedp.ID("f-code")))
	b.Await(".card")

	// submit clicks a button and waits for sel on the page that follows
	// (not on the page the click left).
	submit := func(button, sel string) {
		t.Helper()
		b.Eval(`document.body.dataset.left = '1'; ''`)
		b.Do(chromedp.Click(chromedp.CSS(button)))
		b.Await("body:not([data-left]) " + sel)
	}
	fill := func(fields map[string]string) {
		t.Helper()
		for id, v := range fields {
			b.Do(chromedp.SetValue(chromedp.ID(id), v))
		}
	}

	b.Do(chromedp.Navigate(e.url + "/console/"))
	b.Await("#f-id")
	b.Shot("console-ru-01-list")
	fill(map[string]string{"f-id": "park-2027", "f-title_ru": "Опрос о парке"})
	b.Do(chromedp.Click(chromedp.ID("f-training")))
	submit(`form[action="/console/"] button`, "#edit")
	if got := b.Text("#problems"); !strings.Contains(got, "открываться раньше") {
		t.Errorf("the new draft's problems: %q", got)
	}
	b.Shot("console-ru-02-draft")

	// Fill it in; "add a question" saves and adds one.
	k := keyholders.Generate(3, []string{"chair", "secretary"})
	var scratch election.Manifest
	if err := k.Fill(&scratch, 2, nil); err != nil {
		t.Fatal(err)
	}
	var guardians, members strings.Builder
	for i, g := range scratch.Guardians {
		fmt.Fprintf(&guardians, "Хранитель %d | %s\n", i+1, organiser.FormatGuardianKey(g.Key))
	}
	for _, m := range scratch.Commission {
		fmt.Fprintf(&members, "%s | %s | %s\n", m.ID, strings.ToUpper(m.ID[:1])+m.ID[1:], organiser.FormatMemberKey("ed25519", m.Key))
	}
	moscow, _ := time.LoadLocation("Europe/Moscow")
	at := func(d time.Duration) string { return e.clock.now().Add(d).In(moscow).Format("2006-01-02T15:04") }
	fill(map[string]string{
		"f-title_en": "Park poll", "f-applications_closes": at(2 * time.Hour),
		"f-voting_opens": at(time.Hour), "f-voting_closes": at(3 * time.Hour),
		"f-districts": "77-01 | Москва, округ 1 | Moscow, district 1 | 77\n77-02 | Москва, округ 2 | Moscow, district 2 | 77\n",
		"f-guardians": guardians.String(), "f-threshold": "2", "f-commission": members.String(),
	})
	submit(`button[value="add_contest"]`, "#f-contest-0-id")
	fill(map[string]string{"f-contest-0-id": "park", "f-contest-0-title_ru": "Где разбить парк?", "f-contest-0-title_en": "Where to lay out the park?",
		"f-contest-0-options": "north | На севере | In the north\nsouth | На юге | In the south\n"})
	submit(`#edit button[value="save"]`, ".flash")
	if got := b.Text(".flash"); !strings.Contains(got, "Сохранено, версия 3") {
		t.Errorf("after saving: %q", got)
	}
	b.Await("#ready")
	b.Shot("console-ru-03-edit")

	// Someone else saves meanwhile: this page's save is refused, clearly.
	var current json.RawMessage
	if st, _ := call(t, "GET", e.url+"/api/v1/organiser/votes/park-2027", "", nil, operatorToken, &current); st != http.StatusOK {
		t.Fatalf("reading the draft: %d", st)
	}
	if st, code := call(t, "PUT", e.url+"/api/v1/organiser/votes/park-2027", "application/json", current, operatorToken, nil); st != http.StatusOK {
		t.Fatalf("the other organiser's save: %d %s", st, code)
	}
	fill(map[string]string{"f-title_ru": "Опрос о новом парке"})
	submit(`#edit button[value="save"]`, "#form-error")
	if got := b.Text("#form-error"); !strings.Contains(got, "кто-то другой") || !strings.Contains(got, "версия 4") {
		t.Errorf("a stale save: %q", got)
	}
	b.Shot("console-ru-03-stale")
	b.Do(chromedp.Navigate(e.url + "/console/park-2027"))
	b.Await("#ready")

	// Fix it, confirming first.
	submit("#to-fix", "#fix")
	b.Shot("console-ru-04-fix")
	b.Do(chromedp.Click(chromedp.ID("f-confirm")))
	submit("#fix", "#phase")
	if got := b.Text("#fixed-note"); !strings.Contains(got, "запись 0") {
		t.Errorf("the status page: %q", got)
	}
	if got := b.Text("h1 .tag"); got != "учебное" {
		t.Errorf("the training label: %q", got)
	}
	b.Shot("console-ru-05-status")
	b.Do(chromedp.Navigate(e.url + "/console/park-2027?lang=en"))
	b.Await("#phase")
	if got := b.Text("#key-published"); got != "not formed yet" {
		t.Errorf("the key, in English: %q", got)
	}
	b.Shot("console-en-05-status")
	b.Do(chromedp.Navigate(e.url + "/console/?lang=en"))
	b.Await(".vote-state")
	b.Shot("console-en-01-list")

	el, ok := e.p.Election("park-2027")
	if !ok {
		t.Fatal("no election after the fix")
	}
	var m *election.Manifest
	el.Box.View(func(st *election.State) { m = st.Manifest })
	if !m.Training || m.Title.EN != "Park poll" || len(m.Districts) != 2 || len(m.Contests) != 1 || len(m.Contests[0].Options) != 2 ||
		m.Threshold != 2 || len(m.Guardians) != 3 || m.Voting.TimeZone != "Europe/Moscow" {
		t.Errorf("the ledger's manifest: %+v", m)
	}
}
