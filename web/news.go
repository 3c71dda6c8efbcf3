package web

import (
	"bytes"
	"encoding/xml"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"time"

	"github.com/urna-vote/urna/archive"
	"github.com/urna-vote/urna/election"
)

// The public news of results: GET /news, a page listing every published
// result — its title, when it was published, whether the commission has
// signed, links to the protocol (XML, signed XML, PDF) and to the
// election's archive — and GET /news.atom, the same as an Atom 1.0 feed
// (RFC 4287). Training votes are marked as such in both. Russian first,
// English with ?lang=en.

// newsItem is one published result.
type newsItem struct {
	ID         string
	Title      election.Text
	Training   bool
	Decided    time.Time
	TimeZone   string
	Counts     election.Reconciliation
	Signed     int // commission members who signed
	Commission int
	Origin     string // the ledger's name
	Live       bool   // the platform serves the election's ledger
	Archived   bool   // its archive can be downloaded
	Protocol   string // path of the protocol (XML)
	SignedXML  string // path of the signed XML, if any
	PDF        string // path of the PDF, if any
}

// newsItems returns the published results, the latest first: those of
// the platform's elections, and those only the archive still holds.
func (s *Server) newsItems() []newsItem {
	var recs map[string]archive.Record
	if a, err := s.p.Archive(); err == nil {
		if list, err := a.List(); err == nil {
			recs = map[string]archive.Record{}
			for _, r := range list {
				recs[r.ID] = r
			}
		}
	} else {
		s.log.Error("web: the archive", "err", err)
	}
	var out []newsItem
	for _, e := range s.p.Elections() {
		it := newsItem{ID: e.ID, Live: true}
		e.Box.View(func(st *election.State) {
			if st.Result == nil || st.Manifest == nil {
				return
			}
			m := st.Manifest
			it.Title, it.Training, it.TimeZone = m.Title, m.Training, m.Voting.TimeZone
			it.Decided = time.UnixMilli(st.DecidedAt).UTC()
			it.Counts, it.Signed, it.Commission = st.Result.Counts, len(st.Signatures), len(m.Commission)
		})
		if it.Decided.IsZero() {
			continue
		}
		it.Origin = e.Box.Ledger().Origin()
		base := "/api/v1/elections/" + url.PathEscape(e.ID)
		it.Protocol, it.SignedXML, it.PDF = base+"/protocol.xml", base+"/protocol.signed.xml", base+"/protocol.pdf"
		_, it.Archived = recs[e.ID]
		delete(recs, e.ID)
		out = append(out, it)
	}
	for _, r := range recs {
		if r.Decided.IsZero() {
			continue
		}
		it := newsItem{ID: r.ID, Title: r.Title, Training: r.Training, Decided: r.Decided, TimeZone: "Europe/Moscow", Archived: true}
		base := "/archive/" + url.PathEscape(r.ID) + "/"
		for _, f := range r.Files {
			switch f {
			case archive.FileProtocol:
				it.Protocol = base + f
			case archive.FileSignedXML:
				it.SignedXML = base + f
			case archive.FileProtocolPDF:
				it.PDF = base + f
			}
		}
		out = append(out, it)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Decided.Equal(out[j].Decided) {
			return out[i].Decided.After(out[j].Decided)
		}
		return out[i].ID < out[j].ID
	})
	return out
}

func (s *Server) newsPage(w http.ResponseWriter, r *http.Request) {
	p := s.newPage(w, r, "Итоги голосований", "Published results")
	p.Data = s.newsItems()
	s.render(w, r, http.StatusOK, "news.html", p)
}

// Atom 1.0 (RFC 4287).
type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Lang    string      `xml:"http://www.w3.org/XML/1998/namespace lang,attr"`
	ID      string      `xml:"id"`
	Title   string      `xml:"title"`
	Updated string      `xml:"updated"`
	Links   []atomLink  `xml:"link"`
	Author  atomAuthor  `xml:"author"`
	Entries []atomEntry `xml:"entry"`
}

type atomLink struct {
	Rel   string `xml:"rel,attr,omitempty"`
	Type  string `xml:"type,attr,omitempty"`
	Href  string `xml:"href,attr"`
	Title string `xml:"title,attr,omitempty"`
}

type atomAuthor struct {
	Name string `xml:"name"`
}

type atomEntry struct {
	ID         string        `xml:"id"`
	Title      string        `xml:"title"`
	Updated    string        `xml:"updated"`
	Published  string        `xml:"published"`
	Links      []atomLink    `xml:"link"`
	Categories []atomTerm    `xml:"category"`
	Summary    atomPlainText `xml:"summary"`
}

type atomTerm struct {
	Term  string `xml:"term,attr"`
	Label string `xml:"label,attr,omitempty"`
}

type atomPlainText struct {
	Type string `xml:"type,attr"`
	Text string `xml:",chardata"`
}

// atomTime is an Atom date (RFC 3339, UTC).
func atomTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// newsFeed is GET /news.atom.
func (s *Server) newsFeed(w http.ResponseWriter, r *http.Request) {
	en := r.URL.Query().Get("lang") == "en"
	l := func(ru, eng string) string {
		if en {
			return eng
		}
		return ru
	}
	scheme := "https"
	if r.TLS == nil {
		scheme = "http"
	}
	base := scheme + "://" + r.Host
	suffix := ""
	if en {
		suffix = "?lang=en"
	}
	items := s.newsItems()
	origin := s.p.Config.Origin
	if origin == "" {
		origin = "urna.local"
	}
	f := atomFeed{Lang: l("ru", "en"), ID: "urn:urna:news:" + origin,
		Title:   l("Итоги голосований — ", "Published results — ") + origin,
		Updated: atomTime(time.Unix(0, 0)),
		Links: []atomLink{{Rel: "self", Type: "application/atom+xml", Href: base + "/news.atom" + suffix},
			{Rel: "alternate", Type: "text/html", Href: base + "/news" + suffix}},
		Author: atomAuthor{Name: l("Избирательная комиссия", "Election commission") + " (" + origin + ")"},
	}
	if len(items) > 0 {
		f.Updated = atomTime(items[0].Decided)
	}
	for _, it := range items {
		title := l(it.Title.RU, it.Title.EN)
		if it.Training {
			title = l("[Учебное] ", "[Training] ") + title
		}
		e := atomEntry{ID: "urn:urna:result:" + origin + "/elections/" + it.ID, Title: title,
			Updated: atomTime(it.Decided), Published: atomTime(it.Decided),
			Links: []atomLink{{Rel: "alternate", Type: "text/html", Href: base + "/news" + suffix + "#" + it.ID}}}
		if it.Protocol != "" {
			e.Links = append(e.Links, atomLink{Rel: "related", Type: "application/xml", Href: base + it.Protocol, Title: l("Протокол (XML)", "Protocol (XML)")})
		}
		if it.SignedXML != "" {
			e.Links = append(e.Links, atomLink{Rel: "related", Type: "application/xml", Href: base + it.SignedXML, Title: l("Протокол с подписью (XML)", "Signed protocol (XML)")})
		}
		if it.PDF != "" {
			e.Links = append(e.Links, atomLink{Rel: "related", Type: "application/pdf", Href: base + it.PDF, Title: l("Протокол (PDF)", "Protocol (PDF)")})
		}
		if it.Archived {
			e.Links = append(e.Links, atomLink{Rel: "related", Type: "application/gzip", Href: base + "/archive/" + url.PathEscape(it.ID) + ".tar.gz", Title: l("Архив выборов", "Election archive")})
		}
		if it.Training {
			e.Categories = append(e.Categories, atomTerm{Term: "training", Label: l("Учебное голосование", "Training vote")})
		}
		summary := l("Итоги опубликованы ", "Result published ") + atomTime(it.Decided) + "."
		if it.Live {
			summary += l(" Проголосовали: ", " Voted: ") + strconv.FormatUint(it.Counts.Voted, 10) +
				l(", учтено бюллетеней: ", ", ballots counted: ") + strconv.FormatUint(it.Counts.Counted, 10) +
				l(". Протокол подписали ", ". Protocol signed by ") + strconv.Itoa(it.Signed) + l(" из ", " of ") + strconv.Itoa(it.Commission) +
				l(" членов комиссии.", " commission members.")
		}
		e.Summary = atomPlainText{Type: "text", Text: summary}
		f.Entries = append(f.Entries, e)
	}
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", " ")
	if err := enc.Encode(f); err != nil {
		s.fail(w, r, err)
		return
	}
	buf.WriteByte('\n')
	w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=60")
	w.Write(buf.Bytes())
}
