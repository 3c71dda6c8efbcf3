package dashboard

import (
	"bytes"
	"embed"
	"encoding/json"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/urna-vote/urna/election"
)

//go:embed templates assets
var files embed.FS

var pages = template.Must(template.New("").Funcs(template.FuncMap{
	// utc shows a Unix-millisecond time to the minute, in UTC.
	"utc": func(ms int64) string { return time.UnixMilli(ms).UTC().Format("2006-01-02 15:04") + " UTC" },
}).ParseFS(files, "templates/*.html"))

// page is what the templates receive.
type page struct {
	Lang   string
	Prefix string // where the dashboard is mounted, ending in /
	Home   string // the link back: the portal, or the observer node's root
	S      Snapshot
	Entry  *entryView
}

type entryView struct {
	Index      uint64
	Raw        string
	Pretty     string
	Type       string
	Proof      []string
	Checkpoint string
}

// L picks the reader's language.
func (p *page) L(ru, en string) string {
	if p.Lang == "en" {
		return en
	}
	return ru
}

// Options of a dashboard handler.
type Options struct {
	Prefix string // where it is mounted, ending in /
	Home   string // the link back
	Logger *slog.Logger
	// Poll is how often the event stream looks for changes (default 500 ms).
	Poll time.Duration
}

// Handler serves a dashboard of src, mounted at opts.Prefix (use
// http.StripPrefix).
func Handler(src Source, opts Options) http.Handler {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Poll == 0 {
		opts.Poll = 500 * time.Millisecond
	}
	mux := http.NewServeMux()
	assets, _ := fs.Sub(files, "assets")
	mux.Handle("GET /assets/", http.StripPrefix("/assets/", http.FileServerFS(assets)))
	render := func(w http.ResponseWriter, name string, p *page) {
		var buf bytes.Buffer
		if err := pages.ExecuteTemplate(&buf, name, p); err != nil {
			opts.Logger.Error("dashboard: rendering", "err", err)
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.Write(buf.Bytes())
	}
	lang := func(r *http.Request) string {
		if r.URL.Query().Get("lang") == "en" {
			return "en"
		}
		return "ru"
	}
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		render(w, "dashboard.html", &page{Lang: lang(r), Prefix: opts.Prefix, Home: opts.Home, S: src.Snapshot()})
	})
	mux.HandleFunc("GET /status", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, src.Snapshot())
	})
	mux.HandleFunc("GET /events", func(w http.ResponseWriter, r *http.Request) {
		flusher, ok := w.(http.Flusher)
		if !ok {
			http.Error(w, "streaming unsupported", http.StatusInternalServerError)
			return
		}
		h := w.Header()
		h.Set("Content-Type", "text/event-stream")
		h.Set("Cache-Control", "no-store")
		h.Set("X-Accel-Buffering", "no")
		tick := time.NewTicker(opts.Poll)
		defer tick.Stop()
		var lastEntries uint64
		lastAlerts, lastCosigners, sent := -1, -1, time.Time{}
		for {
			s := src.Snapshot()
			if s.Entries != lastEntries || len(s.Alerts) != lastAlerts || len(s.Cosigners) != lastCosigners || time.Since(sent) > 15*time.Second {
				b, _ := json.Marshal(s)
				if _, err := w.Write(append(append([]byte("data: "), b...), '\n', '\n')); err != nil {
					return
				}
				flusher.Flush()
				lastEntries, lastAlerts, lastCosigners, sent = s.Entries, len(s.Alerts), len(s.Cosigners), time.Now()
			}
			select {
			case <-r.Context().Done():
				return
			case <-tick.C:
			}
		}
	})
	mux.HandleFunc("GET /entry/{n}", func(w http.ResponseWriter, r *http.Request) {
		p := &page{Lang: lang(r), Prefix: opts.Prefix, Home: opts.Home, S: src.Snapshot()}
		n, err := strconv.ParseUint(r.PathValue("n"), 10, 64)
		if err != nil || n >= p.S.Entries {
			w.WriteHeader(http.StatusNotFound)
			render(w, "entry.html", p)
			return
		}
		raw, proof, signed, err := src.Entry(n)
		if err != nil {
			opts.Logger.Error("dashboard: entry", "entry", n, "err", err)
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		ev := &entryView{Index: n, Raw: string(raw), Checkpoint: string(signed)}
		var pretty bytes.Buffer
		if json.Indent(&pretty, raw, "", "  ") == nil {
			ev.Pretty = pretty.String()
		}
		if e, err := election.DecodeEntry(raw); err == nil {
			ev.Type = string(e.Type)
		}
		for _, h := range proof {
			ev.Proof = append(ev.Proof, h.String())
		}
		p.Entry = ev
		render(w, "entry.html", p)
	})
	return mux
}

func writeJSON(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(append(b, '\n'))
}
