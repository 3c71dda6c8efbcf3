package web

import (
	"crypto/subtle"
	"errors"
	"io/fs"
	"net/http"
	"strconv"
	"strings"

	"github.com/urna-vote/urna/ballot"
	"github.com/urna-vote/urna/ballotbox"
	"github.com/urna-vote/urna/election"
	"github.com/urna-vote/urna/issuance"
	"github.com/urna-vote/urna/ledger"
	"github.com/urna-vote/urna/ledger/tiles"
	"github.com/urna-vote/urna/registry"
)

// Body limits.
const (
	maxJSON     = 64 << 10
	maxCast     = 2*ballotbox.MaxBallotSize + 4<<10 // base64 of a ballot and an opening
	maxRegister = 64 << 20
)

func (s *Server) routes() {
	mux := &recordingMux{ServeMux: http.NewServeMux()}
	cop := http.NewCrossOriginProtection()
	// The portal's API: sessions and cross-origin protection.
	api := func(pattern string, h http.HandlerFunc) {
		mux.Handle(pattern, cop.Handler(s.sessions.LoadAndSave(h)))
	}
	api("POST /api/v1/accounts", s.gated(s.ipLimited(s.register)))
	api("POST /api/v1/login", s.gated(s.ipLimited(s.login)))
	api("POST /api/v1/login/code", s.ipLimited(s.loginCode))
	api("POST /api/v1/logout", s.logout)
	api("GET /api/v1/me", s.me)
	api("POST /api/v1/elections/{id}/application", s.apply)
	api("DELETE /api/v1/elections/{id}/application", s.cancelApplication)
	api("GET /api/v1/ballots", s.ballots)
	api("POST /api/v1/elections/{id}/credential", s.gated(s.credential))
	api("POST /api/v1/elections/{id}/observers", s.inviteObserver)
	api("GET /api/v1/invitations", s.invitations)
	api("POST /api/v1/invitations/{invitation}/accept", s.answerInvitation(true))
	api("POST /api/v1/invitations/{invitation}/decline", s.answerInvitation(false))

	// Public, read-only: anyone may follow and check every election.
	mux.HandleFunc("GET /api/v1/elections", s.elections)
	mux.HandleFunc("GET /api/v1/elections/{id}", s.electionInfo)
	mux.HandleFunc("GET /api/v1/elections/{id}/entries", s.entries)
	mux.HandleFunc("GET /api/v1/elections/{id}/track/{code}", s.track)
	mux.HandleFunc("GET /api/v1/elections/{id}/proof", s.proof)
	mux.HandleFunc("GET /api/v1/elections/{id}/observers", s.observers)
	mux.HandleFunc("GET /api/v1/elections/{id}/protocol.xml", s.protocolXML)
	mux.HandleFunc("GET /api/v1/elections/{id}/protocol.signed.xml", s.protocolSignedXML)
	mux.HandleFunc("GET /api/v1/elections/{id}/protocol.pdf", s.protocolPDF)
	mux.HandleFunc("GET /api/v1/publisher.crt", s.publisherCertificate)
	mux.HandleFunc("GET /ledger/{id}/", s.tiles)
	mux.ServeMux.HandleFunc("GET /dashboard/{id}/", s.dashboard)
	mux.HandleFunc("GET /api/v1/openapi.json", s.openapi)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, http.StatusOK, map[string]bool{"ok": true}) })
	mux.HandleFunc("GET /readyz", s.ready)

	// Casting: no session, no cookie is ever read.
	mux.Handle("POST /cast/v1/elections/{id}/ballots", cop.Handler(http.HandlerFunc(s.cast)))
	mux.Handle("POST /cast/v1/elections/{id}/spoils", cop.Handler(http.HandlerFunc(s.spoil)))
	// Entries signed by their authors (guardians, the commission): no session.
	mux.Handle("POST /api/v1/elections/{id}/entries", cop.Handler(s.ipLimited(s.postEntry)))
	// Voters' disputes: a receipt whose ballot is missing (web/disputes.go).
	mux.Handle("POST /api/v1/elections/{id}/disputes", cop.Handler(s.ipLimited(s.postDispute)))
	mux.ServeMux.Handle("POST /track/dispute", cop.Handler(s.sessions.LoadAndSave(s.ipLimited(s.disputePage))))
	mux.ServeMux.HandleFunc("GET /track/dispute", s.disputePageGet)
	// Published results and the archive of closed elections (web/news.go,
	// web/archive.go): public.
	mux.ServeMux.Handle("GET /news", s.sessions.LoadAndSave(http.HandlerFunc(s.newsPage)))
	mux.HandleFunc("GET /news.atom", s.newsFeed)
	mux.ServeMux.Handle("GET /archive", s.sessions.LoadAndSave(http.HandlerFunc(s.archivePage)))
	mux.HandleFunc("GET /archive/{file}", s.archiveFile)
	mux.HandleFunc("GET /archive/{id}/{file}", s.archiveProtocol)
	mux.Handle("POST /api/v1/operator/elections/{id}/archive", cop.Handler(s.operator(s.archiveElection)))

	// The operator console's API.
	mux.Handle("POST /api/v1/operator/accounts/{account}/verify", cop.Handler(s.operator(s.verifyAccount)))
	mux.Handle("POST /api/v1/operator/register", cop.Handler(s.operator(s.importRegister)))
	mux.Handle("POST /api/v1/operator/elections/{id}/nominators", cop.Handler(s.operator(s.setNominator)))
	mux.Handle("GET /api/v1/operator/elections/{id}/paper-roll", s.operator(s.paperRoll))
	s.consoleAPI(mux, cop) // the organiser console (web/console.go)

	if s.opts.Demo {
		mux.HandleFunc("GET /api/v1/demo/sms", s.demoSMS)
	}
	// The voter portal's pages and their assets.
	s.pageRoutes(mux.ServeMux)
	static, _ := fs.Sub(assets, "static")
	files := http.StripPrefix("/static/", http.FileServerFS(static))
	mux.ServeMux.HandleFunc("GET /static/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		files.ServeHTTP(w, r)
	})
	mux.ServeMux.HandleFunc("GET /static/urna.wasm", serveWasm)
	s.mux, s.patterns = mux.ServeMux, mux.patterns
}

// recordingMux remembers the API's patterns, which the OpenAPI document
// must describe.
type recordingMux struct {
	*http.ServeMux
	patterns []string
}

func (m *recordingMux) Handle(pattern string, h http.Handler) {
	m.patterns = append(m.patterns, pattern)
	m.ServeMux.Handle(pattern, h)
}

func (m *recordingMux) HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request)) {
	m.Handle(pattern, http.HandlerFunc(h))
}

// account returns the session's account id, or writes 401.
func (s *Server) account(w http.ResponseWriter, r *http.Request) (string, bool) {
	id := s.sessions.GetString(r.Context(), "account")
	if id == "" {
		writeError(w, http.StatusUnauthorized, apiError{Code: "unauthenticated",
			Message: text("Войдите, чтобы продолжить.", "Please log in to continue.")})
		return "", false
	}
	return id, true
}

func (s *Server) register(w http.ResponseWriter, r *http.Request) {
	var req struct {
		registry.Identity
		Password string `json:"password"`
	}
	if err := decode(w, r, maxJSON, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	acc, err := s.p.Registry.Register(r.Context(), req.Identity, req.Password, clientIP(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, acc)
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Login    string `json:"login"`
		Password string `json:"password"`
	}
	if err := decode(w, r, maxJSON, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	challenge, err := s.p.Registry.StartLogin(r.Context(), req.Login, req.Password, clientIP(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"challenge": challenge})
}

func (s *Server) loginCode(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Challenge string `json:"challenge"`
		Code      string `json:"code"`
	}
	if err := decode(w, r, maxJSON, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	acc, err := s.p.Registry.FinishLogin(r.Context(), req.Challenge, req.Code, clientIP(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// A fresh token at login: a token planted before cannot ride the
	// session (session fixation).
	if err := s.sessions.RenewToken(r.Context()); err != nil {
		s.fail(w, r, err)
		return
	}
	s.sessions.Put(r.Context(), "account", acc.ID)
	writeJSON(w, http.StatusOK, acc)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if err := s.sessions.Destroy(r.Context()); err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
}

func (s *Server) me(w http.ResponseWriter, r *http.Request) {
	id, ok := s.account(w, r)
	if !ok {
		return
	}
	acc, err := s.p.Registry.Account(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	apps, err := s.p.Registry.Applications(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"account": acc, "applications": apps})
}

func (s *Server) apply(w http.ResponseWriter, r *http.Request) {
	id, ok := s.account(w, r)
	if !ok {
		return
	}
	app, err := s.p.Apply(r.Context(), id, r.PathValue("id"), clientIP(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, app)
}

func (s *Server) cancelApplication(w http.ResponseWriter, r *http.Request) {
	id, ok := s.account(w, r)
	if !ok {
		return
	}
	if err := s.p.Registry.CancelApplication(r.Context(), id, r.PathValue("id"), clientIP(r)); err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
}

// ballotInfo is one ballot a voter may receive now.
type ballotInfo struct {
	Election string        `json:"election"`
	Title    election.Text `json:"title"`
	District string        `json:"district"`
	Issued   bool          `json:"issued"`
	Opens    int64         `json:"opens"`
	Closes   int64         `json:"closes"`
	TimeZone string        `json:"tz"`
	Open     bool          `json:"open"`
}

// ballots lists every election the voter has an accounted application in:
// federal, regional and municipal at once.
func (s *Server) ballots(w http.ResponseWriter, r *http.Request) {
	id, ok := s.account(w, r)
	if !ok {
		return
	}
	apps, err := s.p.Registry.Applications(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := []ballotInfo{}
	for _, a := range apps {
		if a.Status != registry.StatusAccounted {
			continue
		}
		e, ok := s.p.Election(a.ElectionID)
		if !ok {
			continue
		}
		bi := ballotInfo{Election: e.ID, District: a.District}
		e.Box.View(func(st *election.State) {
			if st.Manifest != nil {
				w := st.Manifest.Window(a.District)
				bi.Title, bi.Opens, bi.Closes, bi.TimeZone = st.Manifest.Title, w.Opens, w.Closes, w.TimeZone
			}
			bi.Open = st.Phase == election.PhaseOpen
		})
		if bi.Issued, err = s.p.Registry.HasIssued(r.Context(), id, e.ID); err != nil {
			s.fail(w, r, err)
			return
		}
		out = append(out, bi)
	}
	writeJSON(w, http.StatusOK, map[string]any{"ballots": out})
}

func (s *Server) credential(w http.ResponseWriter, r *http.Request) {
	id, ok := s.account(w, r)
	if !ok {
		return
	}
	var req struct {
		Blinded []byte `json:"blinded"`
	}
	if err := decode(w, r, maxJSON, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	e, ok := s.election(w, r)
	if !ok {
		return
	}
	issued, err := s.p.Issuance.Issue(r.Context(), e, id, req.Blinded, clientIP(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, issued)
}

// election finds the election named in the path, or writes 404.
func (s *Server) election(w http.ResponseWriter, r *http.Request) (*issuance.Election, bool) {
	e, ok := s.p.Election(r.PathValue("id"))
	if !ok {
		writeError(w, http.StatusNotFound, apiError{Code: "unknown_election",
			Message: text("Таких выборов нет.", "There is no such election.")})
	}
	return e, ok
}

// electionSummary is the public state of an election.
type electionSummary struct {
	ID          string                  `json:"id"`
	Title       election.Text           `json:"title"`
	Training    bool                    `json:"training"`
	Phase       string                  `json:"phase"`
	Voting      election.Window         `json:"voting"`
	Entries     uint64                  `json:"entries"` // committed: what /entries serves
	Counts      election.Reconciliation `json:"counts"`
	VerifierKey string                  `json:"log_key"`
	Checkpoint  string                  `json:"checkpoint"`
}

func (s *Server) summary(e *issuance.Election) electionSummary {
	sum := electionSummary{ID: e.ID, VerifierKey: e.VerifierKey}
	_, signed := e.Box.Ledger().Checkpoint()
	sum.Checkpoint = string(signed)
	e.Box.View(func(st *election.State) {
		sum.Phase = st.Phase.Code()
		sum.Counts = st.Counts
		if m := st.Manifest; m != nil {
			sum.Title, sum.Training, sum.Voting = m.Title, m.Training, m.Voting
		}
	})
	// The state takes an entry before the ledger commits it; the count is
	// of the committed entries, which a client can fetch.
	sum.Entries = e.Box.Ledger().Size()
	return sum
}

func (s *Server) elections(w http.ResponseWriter, r *http.Request) {
	out := []electionSummary{}
	for _, e := range s.p.Elections() {
		out = append(out, s.summary(e))
	}
	writeJSON(w, http.StatusOK, map[string]any{"elections": out})
}

func (s *Server) electionInfo(w http.ResponseWriter, r *http.Request) {
	e, ok := s.election(w, r)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, s.summary(e))
}

// maxEntriesPage bounds one page of entries.
const maxEntriesPage = 1000

// entries serves entries [from, to) of the ledger as JSON lines, exactly as
// stored.
func (s *Server) entries(w http.ResponseWriter, r *http.Request) {
	e, ok := s.election(w, r)
	if !ok {
		return
	}
	size := e.Box.Ledger().Size()
	from, err1 := strconv.ParseUint(r.URL.Query().Get("from"), 10, 64)
	to, err2 := strconv.ParseUint(r.URL.Query().Get("to"), 10, 64)
	if err1 != nil || err2 != nil || from >= to || to > size || to-from > maxEntriesPage {
		writeError(w, http.StatusBadRequest, apiError{Code: "bad_range",
			Message: text("Неверный диапазон записей.", "from and to must satisfy from < to ≤ the ledger size ("+strconv.FormatUint(size, 10)+"), at most 1000 apart.")})
		return
	}
	w.Header().Set("Content-Type", "application/jsonl")
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	for entry, err := range e.Box.Ledger().Entries(from, to) {
		if err != nil {
			s.log.Error("web: reading entries", "err", err)
			return
		}
		w.Write(entry)
		w.Write([]byte{'\n'})
	}
}

func (s *Server) track(w http.ResponseWriter, r *http.Request) {
	e, ok := s.election(w, r)
	if !ok {
		return
	}
	code, err := ballot.NormalizeTrackingCode(r.PathValue("code"))
	if err != nil {
		writeError(w, http.StatusBadRequest, apiError{Code: "bad_tracking_code",
			Message: text("Код для проверки введён с ошибкой.", "The tracking code is malformed: "+err.Error())})
		return
	}
	var t election.Tracked
	var found bool
	e.Box.View(func(st *election.State) { t, found = st.Track(code) })
	if !found {
		writeError(w, http.StatusNotFound, apiError{Code: "not_found",
			Message: text("Бюллетеня с таким кодом в реестре нет.", "No ballot with this tracking code is on the ledger.")})
		return
	}
	status := "counted"
	switch {
	case t.Spoiled:
		status = "spoiled"
	case !t.Counted:
		status = "superseded"
	}
	out := map[string]any{"tracking_code": code, "entry": t.Index, "status": status}
	if status == "superseded" {
		out["superseded_by"] = t.Superseded
	}
	writeJSON(w, http.StatusOK, out)
}

// proof serves an inclusion proof (?entry=I&size=N) or a consistency proof
// (?from=M&size=N), in the ledger's text form.
func (s *Server) proof(w http.ResponseWriter, r *http.Request) {
	e, ok := s.election(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	size, err := strconv.ParseUint(q.Get("size"), 10, 64)
	if err != nil {
		size = e.Box.Ledger().Size()
	}
	var p ledger.Proof
	if q.Has("entry") {
		i, perr := strconv.ParseUint(q.Get("entry"), 10, 64)
		if perr != nil {
			err = perr
		} else {
			p, err = e.Box.Ledger().InclusionProof(i, size)
		}
	} else {
		from, perr := strconv.ParseUint(q.Get("from"), 10, 64)
		if perr != nil {
			err = perr
		} else {
			p, err = e.Box.Ledger().ConsistencyProof(from, size)
		}
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, apiError{Code: "bad_range",
			Message: text("Неверные параметры доказательства.", "Give entry=I or from=M, and size=N within the ledger: "+err.Error())})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"size": size, "proof": p})
}

func (s *Server) tiles(w http.ResponseWriter, r *http.Request) {
	e, ok := s.election(w, r)
	if !ok {
		return
	}
	h, ok := s.tileHandlers.Load(e.Box.Ledger())
	if !ok {
		h, _ = s.tileHandlers.LoadOrStore(e.Box.Ledger(), http.StripPrefix("/ledger/"+e.ID+"/", tiles.NewHandler(cosignedLog{e.Box.Ledger(), e}, s.log)))
	}
	h.(http.Handler).ServeHTTP(w, r)
}

func (s *Server) openapi(w http.ResponseWriter, r *http.Request) {
	b, _ := assets.ReadFile("openapi.json")
	w.Header().Set("Content-Type", "application/json")
	w.Write(b)
}

// cast takes a ballot. It reads no session: the ballot names no voter.
func (s *Server) cast(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Ballot []byte `json:"ballot"`
	}
	if err := decode(w, r, maxCast, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	e, ok := s.election(w, r)
	if !ok {
		return
	}
	rc, err := e.Box.Cast(r.Context(), req.Ballot)
	if err != nil {
		s.countRejected(e, err)
		s.boxError(w, r, e, err)
		return
	}
	if signed, proof, ok := s.withCosignatures(r.Context(), e, rc.Entry); ok {
		rc.Checkpoint, rc.Proof = signed, proof
	}
	writeJSON(w, http.StatusOK, rc)
}

func (s *Server) spoil(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Ballot  []byte `json:"ballot"`
		Opening []byte `json:"opening"`
	}
	if err := decode(w, r, maxCast, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	e, ok := s.election(w, r)
	if !ok {
		return
	}
	index, err := e.Box.Spoil(r.Context(), req.Ballot, req.Opening)
	if err != nil {
		s.boxError(w, r, e, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]uint64{"entry": index})
}

// countRejected counts a ballot refused by a check of the state machine
// while voting is open (Platform.BallotRejected): not one refused because
// the server is busy or failing, nor the very same ballot sent again
// (already on the ledger), nor one sent before the opening or after the
// close.
func (s *Server) countRejected(e *issuance.Election, err error) {
	var ce *election.CheckError
	if !errors.As(err, &ce) {
		return
	}
	var phase election.Phase
	e.Box.View(func(st *election.State) { phase = st.Phase })
	if code := ballotbox.Code(err, phase); phase == election.PhaseOpen && code != "duplicate_ballot" {
		s.p.BallotRejected(e.ID, code)
		s.metrics.rejected.WithLabelValues(e.ID, code).Inc()
	}
}

func (s *Server) boxError(w http.ResponseWriter, r *http.Request, e *issuance.Election, err error) {
	var be *ballotbox.BusyError
	if errors.As(err, &be) {
		busy(w, be.Position, be.Wait)
		return
	}
	var phase election.Phase
	e.Box.View(func(st *election.State) { phase = st.Phase })
	if ballotbox.Code(err, phase) == "unavailable" {
		s.log.Error("web: ballot box", "election", e.ID, "err", err)
	}
	castError(w, err, phase)
}

// operator admits requests bearing the operator token.
func (s *Server) operator(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if s.opts.OperatorToken == "" || !ok ||
			subtle.ConstantTimeCompare([]byte(token), []byte(s.opts.OperatorToken)) != 1 {
			writeError(w, http.StatusUnauthorized, apiError{Code: "unauthenticated",
				Message: text("Нужен ключ оператора.", "The operator token is required.")})
			return
		}
		h(w, r)
	})
}

func (s *Server) verifyAccount(w http.ResponseWriter, r *http.Request) {
	if err := s.p.Registry.VerifyAccount(r.Context(), r.PathValue("account"), "operator", clientIP(r)); err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
}

func (s *Server) importRegister(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxRegister)
	n, err := s.p.Registry.ImportRegister(r.Context(), r.Body)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]int{"imported": n})
}

func (s *Server) paperRoll(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	if err := s.p.Registry.PaperRoll(r.Context(), r.PathValue("id"), r.URL.Query().Get("district"), w); err != nil {
		s.fail(w, r, err)
	}
}

// demoSMS shows the last text message sent to a demo phone: the demo has
// no SMS gateway, so this is where a demo voter reads the one-time code.
func (s *Server) demoSMS(w http.ResponseWriter, r *http.Request) {
	if s.opts.Outbox == nil {
		writeError(w, http.StatusNotFound, apiError{Code: "not_found", Message: text("Нет ящика.", "No outbox.")})
		return
	}
	m, ok := s.opts.Outbox.Last(r.URL.Query().Get("phone"), registry.LoginCodeText)
	if !ok {
		writeError(w, http.StatusNotFound, apiError{Code: "not_found",
			Message: text("На этот номер сообщений нет.", "No message was sent to this number.")})
		return
	}
	writeJSON(w, http.StatusOK, m)
}
