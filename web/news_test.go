package web_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/urna-vote/urna/demo"
	"github.com/urna-vote/urna/election"
)

// counted counts demo elections with every commission member signing,
// and waits until the platform has archived each.
func counted(t *testing.T, e *env, ids ...string) {
	t.Helper()
	ctx := context.Background()
	e.clock.advance(8 * 24 * time.Hour)
	a, err := e.p.Archive()
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		box, _ := e.p.Election(id)
		keys, err := demo.LoadKeys(e.data, id)
		if err != nil {
			t.Fatal(err)
		}
		if err := keys.Count(ctx, box.Box); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(30 * time.Second)
		for {
			if _, err := a.Get(id); err == nil {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s was not archived", id)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}

func get(t *testing.T, url string, header map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// feed is the part of an Atom document the test reads.
type feed struct {
	XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
	Lang    string   `xml:"http://www.w3.org/XML/1998/namespace lang,attr"`
	ID      string   `xml:"id"`
	Title   string   `xml:"title"`
	Updated string   `xml:"updated"`
	Author  string   `xml:"author>name"`
	Links   []struct {
		Rel  string `xml:"rel,attr"`
		Href string `xml:"href,attr"`
	} `xml:"link"`
	Entries []struct {
		ID        string `xml:"id"`
		Title     string `xml:"title"`
		Updated   string `xml:"updated"`
		Published string `xml:"published"`
		Summary   string `xml:"summary"`
		Links     []struct {
			Rel  string `xml:"rel,attr"`
			Type string `xml:"type,attr"`
			Href string `xml:"href,attr"`
		} `xml:"link"`
		Categories []struct {
			Term string `xml:"term,attr"`
		} `xml:"category"`
	} `xml:"entry"`
}

// The news page and its Atom feed list the published results, the
// training vote marked as such, with links to the protocol and the
// archive that work.
func TestNewsAndFeed(t *testing.T) {
	e := newEnv(t)
	// Before any result: an empty page and a valid, empty feed.
	if resp, body := get(t, e.url+"/news", nil); resp.StatusCode != 200 || !bytes.Contains(body, []byte("Итогов пока нет")) {
		t.Fatalf("empty news: %d\n%s", resp.StatusCode, body)
	}
	var empty feed
	if _, body := get(t, e.url+"/news.atom", nil); xml.Unmarshal(body, &empty) != nil || len(empty.Entries) != 0 || empty.ID == "" {
		t.Fatalf("empty feed:\n%s", body)
	}

	counted(t, e, "demo-park", "demo-training")
	// The conductor publishes the results of the elections nobody voted
	// in by itself, a moment after their close.
	for _, el := range e.p.Elections() {
		waitPhase(t, el.Box, election.PhaseDecided)
	}

	resp, page := get(t, e.url+"/news", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("news: %d", resp.StatusCode)
	}
	for _, want := range []string{`id="demo-park"`, `id="demo-training"`, "учебное голосование", `href="/api/v1/elections/demo-park/protocol.xml"`,
		`href="/api/v1/elections/demo-park/protocol.pdf"`, `href="/archive/demo-park.tar.gz"`, "Протокол подписан всеми членами комиссии"} {
		if !strings.Contains(string(page), want) {
			t.Errorf("the news page lacks %s", want)
		}
	}
	if i, j := strings.Index(string(page), `id="demo-park"`), strings.Index(string(page), `id="demo-training"`); j > i {
		t.Error("the latest result (demo-training, counted last) is not first")
	}
	if _, en := get(t, e.url+"/news?lang=en", nil); !bytes.Contains(en, []byte("training vote")) || !bytes.Contains(en, []byte("Published results")) {
		t.Error("the English news page is not in English")
	}

	resp, body := get(t, e.url+"/news.atom", nil)
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/atom+xml") {
		t.Errorf("feed type %q", ct)
	}
	if !bytes.HasPrefix(body, []byte(`<?xml version="1.0" encoding="UTF-8"?>`)) {
		t.Errorf("feed starts %q", body[:40])
	}
	var f feed
	if err := xml.Unmarshal(body, &f); err != nil {
		t.Fatalf("the feed is not XML: %v\n%s", err, body)
	}
	// Every demo election has a result by now: the conductor publishes
	// those without ballots by itself; demo-park and demo-training are
	// signed and archived.
	if f.Lang != "ru" || f.Title == "" || f.Author == "" || !strings.HasPrefix(f.ID, "urn:") || len(f.Entries) != 4 {
		t.Fatalf("feed %+v", f)
	}
	self := false
	for _, l := range f.Links {
		self = self || l.Rel == "self" && l.Href == e.url+"/news.atom"
	}
	if !self {
		t.Errorf("no self link: %+v", f.Links)
	}
	if f.Updated != f.Entries[0].Updated {
		t.Errorf("feed updated %s, latest entry %s", f.Updated, f.Entries[0].Updated)
	}
	ids := map[string]bool{}
	for _, en := range f.Entries {
		if ids[en.ID] || !strings.HasPrefix(en.ID, "urn:urna:result:") {
			t.Errorf("entry id %q", en.ID)
		}
		ids[en.ID] = true
		for _, ts := range []string{en.Updated, en.Published} {
			if _, err := time.Parse(time.RFC3339, ts); err != nil {
				t.Errorf("entry %s: time %q: %v", en.ID, ts, err)
			}
		}
		training := strings.HasSuffix(en.ID, "/demo-training")
		marked := strings.HasPrefix(en.Title, "[Учебное] ") && len(en.Categories) == 1 && en.Categories[0].Term == "training"
		if training != marked {
			t.Errorf("entry %s titled %q, categories %+v", en.ID, en.Title, en.Categories)
		}
		types := map[string]string{}
		for _, l := range en.Links {
			types[l.Type] = l.Href
			if l.Rel == "related" {
				if resp, _ := get(t, l.Href, nil); resp.StatusCode != 200 {
					t.Errorf("entry %s: link %s: %d", en.ID, l.Href, resp.StatusCode)
				}
			}
		}
		signed := training || strings.HasSuffix(en.ID, "/demo-park")
		if types["application/pdf"] == "" || (types["application/gzip"] != "") != signed || types["text/html"] == "" {
			t.Errorf("entry %s links %+v", en.ID, en.Links)
		}
		if want := map[bool]string{true: "Протокол подписали 3 из 3", false: "Протокол подписали 0 из 3"}[signed]; !strings.Contains(en.Summary, want) {
			t.Errorf("entry %s summary %q, want %q", en.ID, en.Summary, want)
		}
	}
	var fe feed
	if _, body := get(t, e.url+"/news.atom?lang=en", nil); xml.Unmarshal(body, &fe) != nil || fe.Lang != "en" || !strings.HasPrefix(fe.Title, "Published results") {
		t.Errorf("English feed:\n%s", body)
	}
}

// The archive: a public list; the tar.gz whose ETag is its SHA-256, in
// ranges too; a copy of the protocol identical to the live one; the
// operator archives by hand an election the commission has not signed.
func TestArchiveDownloads(t *testing.T) {
	e := newEnv(t)
	counted(t, e, "demo-park")

	resp, page := get(t, e.url+"/archive", nil)
	if resp.StatusCode != 200 || !bytes.Contains(page, []byte(`href="/archive/demo-park.tar.gz"`)) || !bytes.Contains(page, []byte("Хранится до")) {
		t.Fatalf("archive page: %d\n%s", resp.StatusCode, page)
	}
	resp, tgz := get(t, e.url+"/archive/demo-park.tar.gz", nil)
	sum := sha256.Sum256(tgz)
	if resp.StatusCode != 200 || resp.Header.Get("ETag") != `"`+hex.EncodeToString(sum[:])+`"` || resp.Header.Get("Content-Type") != "application/gzip" {
		t.Fatalf("download: %d, ETag %s, type %s", resp.StatusCode, resp.Header.Get("ETag"), resp.Header.Get("Content-Type"))
	}
	if resp, part := get(t, e.url+"/archive/demo-park.tar.gz", map[string]string{"Range": "bytes=10-19"}); resp.StatusCode != http.StatusPartialContent || !bytes.Equal(part, tgz[10:20]) {
		t.Errorf("range: %d", resp.StatusCode)
	}

	_, live := get(t, e.url+"/api/v1/elections/demo-park/protocol.xml", nil)
	resp, copyXML := get(t, e.url+"/archive/demo-park/protocol.xml", nil)
	if resp.StatusCode != 200 || !bytes.Equal(copyXML, live) {
		t.Errorf("the archived protocol differs from the live one (%d)", resp.StatusCode)
	}
	if resp, pdf := get(t, e.url+"/archive/demo-park/protocol.pdf", nil); resp.StatusCode != 200 || !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Errorf("the archived PDF: %d", resp.StatusCode)
	}
	for _, path := range []string{"/archive/demo-moscow.tar.gz", "/archive/demo-park.zip", "/archive/demo-park/ledger.jsonl",
		"/archive/..%2Fsecret.key/protocol.xml", "/archive/nope/protocol.pdf"} {
		if resp, _ := get(t, e.url+path, nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", path, resp.StatusCode)
		}
	}

	op := map[string]string{"Authorization": "Bearer operator-test-token"}
	if st, code := post(t, e.url+"/api/v1/operator/elections/demo-moscow/archive", "application/json", nil, nil); st != http.StatusUnauthorized {
		t.Errorf("archiving without the token: %d %s", st, code)
	}
	if st, code := post(t, e.url+"/api/v1/operator/elections/demo-moscow/archive", "application/json", nil, op); st != http.StatusCreated {
		t.Fatalf("the operator archiving: %d %s", st, code)
	}
	if st, code := post(t, e.url+"/api/v1/operator/elections/demo-moscow/archive", "application/json", nil, op); st != http.StatusConflict || code != "archived" {
		t.Errorf("archiving twice: %d %s", st, code)
	}
	a, _ := e.p.Archive()
	rec, err := a.Get("demo-moscow")
	if err != nil || rec.Signed || rec.ID != "demo-moscow" {
		t.Errorf("the unsigned election's record: %+v, %v", rec, err)
	}
}
