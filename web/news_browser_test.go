package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/urna-vote/urna/internal/browsertest"
	"github.com/urna-vote/urna/ledger"
)

// The pages of results, of the archive and of a voter's dispute in a real
// browser, in Russian and English; each one photographed is checked with
// axe-core (package internal/browsertest). The dispute is filed through
// the tracking page's form, without JavaScript.
func TestNewsArchiveDisputeInBrowser(t *testing.T) {
	e := newEnv(t)
	counted(t, e, "demo-park", "demo-training")
	b := browsertest.Start(t, e.url)

	for _, lang := range []string{"ru", "en"} {
		b.Do(chromedp.Navigate(e.url + "/news?lang=" + lang))
		b.Await("#demo-training")
		if got := b.Text("#demo-training .tag"); got != map[string]string{"ru": "учебное голосование", "en": "training vote"}[lang] {
			t.Errorf("%s: the training vote is marked %q", lang, got)
		}
		b.Shot(lang + "-20-news")
		b.Do(chromedp.Navigate(e.url + "/archive?lang=" + lang))
		b.Await("#demo-park")
		b.Shot(lang + "-21-archive")
	}

	// A refused receipt, then a genuine one the ledger contradicts.
	b.Do(chromedp.Navigate(e.url + "/track?lang=ru"))
	b.Await("#d-receipt")
	b.Shot("ru-22-track-dispute")
	b.Do(chromedp.SetValue(chromedp.ID("d-election"), "demo-federal"),
		chromedp.SetValue(chromedp.ID("d-receipt"), `{"tracking_code":"X"}`),
		chromedp.Submit(chromedp.ID("d-receipt")))
	b.Await("#dispute-error")
	if got := b.Text("#dispute-error"); !strings.Contains(got, "Это не квитанция платформы") {
		t.Errorf("refusal %q", got)
	}
	b.Shot("ru-23-dispute-refused")

	box, _ := e.p.Election("demo-federal")
	n := box.Box.Ledger().Size()
	receipt := forgedReceipt(t, e.data, "demo-federal", n+10, n+3, ledger.Hash{5}, someCode("browser"))
	b.Do(chromedp.Navigate(e.url + "/track?lang=en"))
	b.Await("#d-receipt")
	b.Do(chromedp.SetValue(chromedp.ID("d-election"), "demo-federal"),
		chromedp.SetValue(chromedp.ID("d-receipt"), string(receipt)),
		chromedp.SetValue(chromedp.ID("d-reason"), "My ballot is gone."),
		chromedp.Submit(chromedp.ID("d-receipt")))
	b.Await("#dispute-filed")
	if got := b.Text("#dispute-filed"); !strings.Contains(got, "The dispute is filed") {
		t.Errorf("filed: %q", got)
	}
	b.Shot("en-23-dispute-filed")
	if box.Box.Ledger().Size() != n+1 {
		t.Errorf("the ledger has %d entries, want %d", box.Box.Ledger().Size(), n+1)
	}
}
