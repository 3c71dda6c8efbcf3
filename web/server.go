// Package web is the platform's HTTP interface: the JSON API that the
// voter portal and any other client use (documented by the OpenAPI
// document it serves at /api/v1/openapi.json), the public ledger of every
// election as tlog tiles, and the pages.
//
// Two kinds of endpoint:
//
//   - /api/v1/…: the portal's API. Sessions are server-side (the cookie
//     carries only a random token), state-changing requests are checked by
//     http.CrossOriginProtection, expensive ones (login, credentials) go
//     through an admission gate that answers 503 with an honest queue
//     position and wait when the server is saturated.
//   - /cast/v1/…: casting and spoiling ballots. It never reads a session or
//     a cookie: a ballot arrives with nothing that names its voter, only
//     its credential, and can be served by a separate process.
//
// Every response carries a strict Content Security Policy; request bodies
// are bounded; every handler runs under a deadline.
package web

import (
	"context"
	"embed"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/alexedwards/scs/v2"

	"github.com/urna-vote/urna/notify"
	"github.com/urna-vote/urna/organiser"
	"github.com/urna-vote/urna/platform"
	"github.com/urna-vote/urna/store"
)

// Options configure the web interface.
type Options struct {
	// Demo enables the demo's endpoints (the SMS outbox) and marks pages
	// as a demo. Outbox is the demo's SMS sender.
	Demo   bool
	Outbox *notify.Outbox

	// InsecureCookies drops the Secure attribute of the session cookie,
	// for plain HTTP (only ever on loopback: the demo).
	InsecureCookies bool

	// OperatorToken authorises the operator console's API (Authorization:
	// Bearer …); empty disables it.
	OperatorToken string

	// PerIPRate and PerIPBurst limit the authentication endpoints per
	// client address (default 5 a second, burst 50); 0 rate means the
	// default, negative means no limit. ExemptLoopback exempts 127.0.0.0/8
	// and ::1, so a load generator on the same machine is not limited.
	PerIPRate      float64
	PerIPBurst     int
	ExemptLoopback bool

	// Slots bounds the expensive requests running at once (default 4);
	// Waiting bounds those that wait for a slot (default 256). Beyond
	// Waiting a request is turned away at once with its queue position.
	Slots, Waiting int

	Logger *slog.Logger
}

// Server is the web interface of a platform.
type Server struct {
	p        *platform.Platform
	opts     Options
	log      *slog.Logger
	sessions *scs.SessionManager
	gate     *gate
	ips      *ipLimiter
	mux      *http.ServeMux
	patterns []string // the API's routes, "METHOD /path/{param}"
	oidc     bool     // login through an identity provider is enabled

	tileHandlers sync.Map // *ledger.Ledger → http.Handler
	dashboards   sync.Map // election ID → http.Handler
	// signedProtocols holds the last signed exports of each election's
	// ballot box (*ballotbox.Box → *signedProtocol); they are made again
	// once the ledger grows.
	signedProtocols sync.Map
	metrics         *metrics
	organiser       *organiser.Service // the organiser console (web/console.go)
}

//go:embed static openapi.json
var assets embed.FS

// New returns the web interface of p.
func New(p *platform.Platform, opts Options) *Server {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	s := &Server{p: p, opts: opts, log: opts.Logger}
	s.organiser = organiser.New(p.DB, p.Registry, p, organiser.Options{Now: p.Config.Now, Logger: opts.Logger})
	sm := scs.New()
	sm.Store = store.NewSessions(p.DB)
	sm.IdleTimeout = 20 * time.Minute
	sm.Lifetime = 8 * time.Hour
	sm.Cookie.Name = "urna_session"
	sm.Cookie.HttpOnly = true
	sm.Cookie.Secure = !opts.InsecureCookies
	sm.Cookie.SameSite = http.SameSiteLaxMode
	sm.Cookie.Path = "/"
	sm.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) {
		s.log.Error("web: session store", "err", err)
		writeError(w, http.StatusServiceUnavailable, apiError{Code: "unavailable", Message: text("Сервис временно недоступен.", "The service is temporarily unavailable.")})
	}
	s.sessions = sm
	s.gate = newGate(opts.Slots, opts.Waiting)
	s.ips = newIPLimiter(opts.PerIPRate, opts.PerIPBurst, opts.ExemptLoopback)
	s.metrics = newMetrics(s)
	s.routes()
	return s
}

// ServeHTTP serves every request with the security headers and a
// deadline.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", csp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
	if r.TLS != nil {
		h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
	}
	ctx, cancel := context.WithTimeout(r.Context(), handlerTimeout)
	defer cancel()
	start := time.Now()
	sw := &statusWriter{ResponseWriter: w}
	req := r.WithContext(ctx)
	s.mux.ServeHTTP(sw, req)
	s.metrics.observe(req.Pattern, sw.code, time.Since(start))
}

// csp allows only the platform's own scripts, styles and connections: no
// inline script, no third party.
const csp = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// handlerTimeout bounds every handler.
const handlerTimeout = 30 * time.Second

// HTTPServer returns an http.Server for s on addr with every timeout set.
func (s *Server) HTTPServer(addr string) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           s,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       20 * time.Second,
		WriteTimeout:      40 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
}

// clientIP is the request's peer address (no proxy headers are trusted).
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// Routes returns the patterns of the API's routes ("METHOD /path/{param}"),
// which the OpenAPI document describes.
func (s *Server) Routes() []string { return append([]string(nil), s.patterns...) }
