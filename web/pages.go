package web

import (
	"bytes"
	"embed"
	"encoding/base64"
	"encoding/json"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/urna-vote/urna/ballot"
	"github.com/urna-vote/urna/election"
	"github.com/urna-vote/urna/organiser"
	"github.com/urna-vote/urna/registry"
)

// The voter portal: server-rendered pages in Russian (the default) and
// English. Every form works without JavaScript; only the ballot page needs
// it, to run the WebAssembly build of the ballot code (client/wasm) that
// encrypts on the voter's device. The pages call the same services as the
// API, and show their errors in the reader's language.

//go:embed templates
var templateFS embed.FS

var pageTemplates = template.Must(template.New("").Funcs(template.FuncMap{
	"inc":     func(i uint64) uint64 { return i + 1 },
	"fieldOf": fieldOf,
}).ParseFS(templateFS, "templates/*.html"))

// field is one labelled input of a form.
type field struct {
	Name, Label, Type, Value, Auto string
	Invalid, Required              bool
}

// fieldOf describes an input: its label in the reader's language, and
// whether the error just shown concerns it.
func fieldOf(p *page, name, ru, en, typ, value, auto string) field {
	return field{Name: name, Label: p.L(ru, en), Type: typ, Value: value, Auto: auto,
		Invalid: p.Field == name, Required: name != "email"}
}

// page is what every template receives.
type page struct {
	Lang      string // "ru" or "en"
	Path      string // the request path, for the language switch
	Title     string
	Account   *registry.Account // nil when logged out
	Organiser bool              // the account holds the organiser role: the menu links the console
	Demo      bool
	Flash     string // a message carried over a redirect
	FlashBad  bool   // the message is a refusal
	Error     string // the error of the form just sent
	Field     string // the form field at fault
	Data      any    // the page's own data
	WasmPath  string // the ballot page's module, with its hash
	Refresh   int    // seconds after which the page reloads itself; 0: never
}

// L picks the reader's language.
func (p *page) L(ru, en string) string {
	if p.Lang == "en" {
		return en
	}
	return ru
}

// Text picks a bilingual text in the reader's language.
func (p *page) Text(t election.Text) string { return p.L(t.RU, t.EN) }

// Time formats Unix milliseconds in the time zone tz.
func (p *page) Time(ms int64, tz string) string {
	loc, err := time.LoadLocation(tz)
	if err != nil {
		loc = time.UTC
	}
	return time.UnixMilli(ms).In(loc).Format("02.01.2006 15:04 MST")
}

// Date formats a time in the time zone tz.
func (p *page) Date(t time.Time, tz string) string { return p.Time(t.UnixMilli(), tz) }

// Status names an application's status.
func (p *page) Status(s string) string {
	switch s {
	case registry.StatusAccounted:
		return p.L("Учтено", "Accounted")
	case registry.StatusCancelled:
		return p.L("Отозвано", "Cancelled")
	}
	return s
}

// Phase names an election's phase.
func (p *page) Phase(ph election.Phase) string {
	names := map[election.Phase][2]string{
		election.PhaseEmpty: {"не создано", "not defined"}, election.PhaseCeremony: {"формирование ключа", "key ceremony"},
		election.PhaseKeyed: {"ожидает начала голосования", "waiting for voting to open"}, election.PhaseOpen: {"идёт голосование", "voting open"},
		election.PhaseClosed: {"голосование завершено", "voting closed"}, election.PhaseTallied: {"итоги подсчитаны, идёт расшифрование", "tallied, being decrypted"},
		election.PhaseDecided: {"итоги объявлены", "result published"},
	}
	n := names[ph]
	return p.L(n[0], n[1])
}

// lang reads the reader's language: ?lang= switches it and is remembered
// in a cookie; Russian by default.
func lang(w http.ResponseWriter, r *http.Request) string {
	if l := r.URL.Query().Get("lang"); l == "ru" || l == "en" {
		http.SetCookie(w, &http.Cookie{Name: "lang", Value: l, Path: "/", MaxAge: 365 * 24 * 3600, SameSite: http.SameSiteLaxMode})
		return l
	}
	if c, err := r.Cookie("lang"); err == nil && (c.Value == "ru" || c.Value == "en") {
		return c.Value
	}
	return "ru"
}

// newPage starts the page data of a request: language, account, flash.
func (s *Server) newPage(w http.ResponseWriter, r *http.Request, titleRU, titleEN string) *page {
	p := &page{Lang: lang(w, r), Path: r.URL.Path, Demo: s.opts.Demo}
	p.Title = p.L(titleRU, titleEN)
	if id := s.sessions.GetString(r.Context(), "account"); id != "" {
		if acc, err := s.p.Registry.Account(r.Context(), id); err == nil {
			p.Account = &acc
			p.Organiser, _ = s.organiser.HasRole(r.Context(), id, organiser.RoleOrganiser)
		} else {
			s.log.Error("web: the session's account", "err", err)
		}
	}
	p.Flash = s.sessions.PopString(r.Context(), "flash")
	if p.Flash == "" {
		p.Flash, p.FlashBad = s.sessions.PopString(r.Context(), "refusal"), true
	}
	return p
}

// render writes a page; templates are executed into a buffer first, so a
// failing template never sends half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, p *page) {
	var buf bytes.Buffer
	if err := pageTemplates.ExecuteTemplate(&buf, name, p); err != nil {
		s.log.Error("web: rendering", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// formError shows err on the page, in the reader's language.
func (s *Server) formError(w http.ResponseWriter, r *http.Request, name string, p *page, err error) {
	status, e := s.describe(r, err)
	p.Error, p.Field = p.L(e.Message.RU, e.Message.EN), e.Field
	s.render(w, r, status, name, p)
}

// redirect answers a form with 303 See Other, carrying a flash message.
func (s *Server) redirect(w http.ResponseWriter, r *http.Request, to, flash string) {
	if flash != "" {
		s.sessions.Put(r.Context(), "flash", flash)
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// refuse answers a form with 303 See Other to to, carrying the reason err
// was refused.
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, p *page, to string, err error) {
	_, e := s.describe(r, err)
	s.sessions.Put(r.Context(), "refusal", p.L(e.Message.RU, e.Message.EN))
	http.Redirect(w, r, to, http.StatusSeeOther)
}

func (s *Server) pageRoutes(mux *http.ServeMux) {
	cop := http.NewCrossOriginProtection()
	pg := func(pattern string, h http.HandlerFunc) {
		mux.Handle(pattern, cop.Handler(s.sessions.LoadAndSave(h)))
	}
	pg("GET /{$}", s.homePage)
	pg("GET /register", s.registerPage)
	pg("POST /register", s.gated(s.ipLimited(s.registerForm)))
	pg("GET /login", s.loginPage)
	pg("POST /login", s.gated(s.ipLimited(s.loginForm)))
	pg("GET /login/code", s.codePage)
	pg("POST /login/code", s.ipLimited(s.codeForm))
	pg("POST /logout", s.logoutForm)
	pg("GET /account", s.accountPage)
	pg("POST /elections/{id}/apply", s.applyForm)
	pg("POST /elections/{id}/cancel", s.cancelForm)
	pg("GET /vote/{id}", s.votePage)
	pg("GET /track", s.trackPage)
	pg("GET /observers/{id}", s.observersPage)
	pg("GET /commission/{id}", s.commissionPage)
	pg("POST /commission/{id}", s.ipLimited(s.commissionLogin))
	pg("POST /elections/{id}/observers", s.inviteForm)
	pg("POST /invitations/{invitation}/accept", s.answerForm(true))
	pg("POST /invitations/{invitation}/decline", s.answerForm(false))
	s.consolePages(pg)
}

// electionRow is one election on the home page.
type electionRow struct {
	ID       string
	Title    election.Text
	Training bool
	Phase    election.Phase
	Voting   election.Window
	Entries  uint64
	Counts   election.Reconciliation
}

func (s *Server) homePage(w http.ResponseWriter, r *http.Request) {
	p := s.newPage(w, r, "Дистанционное электронное голосование", "Remote e-voting")
	var rows []electionRow
	for _, e := range s.p.Elections() {
		row := electionRow{ID: e.ID}
		e.Box.View(func(st *election.State) {
			row.Phase, row.Entries, row.Counts = st.Phase, st.Next, st.Counts
			if m := st.Manifest; m != nil {
				row.Title, row.Training, row.Voting = m.Title, m.Training, m.Voting
			}
		})
		rows = append(rows, row)
	}
	p.Data = rows
	s.render(w, r, http.StatusOK, "home.html", p)
}

func (s *Server) registerPage(w http.ResponseWriter, r *http.Request) {
	p := s.newPage(w, r, "Регистрация", "Register")
	p.Data = registry.Identity{}
	s.render(w, r, http.StatusOK, "register.html", p)
}

func (s *Server) registerForm(w http.ResponseWriter, r *http.Request) {
	p := s.newPage(w, r, "Регистрация", "Register")
	r.Body = http.MaxBytesReader(w, r.Body, maxJSON)
	id := registry.Identity{
		FullName: r.PostFormValue("full_name"), BirthDate: r.PostFormValue("birth_date"),
		Document: r.PostFormValue("document"), SNILS: r.PostFormValue("snils"),
		Phone: r.PostFormValue("phone"), Email: r.PostFormValue("email"), Address: r.PostFormValue("address"),
	}
	p.Data = id
	if r.PostFormValue("password") != r.PostFormValue("password2") {
		p.Error, p.Field = p.L("Пароли не совпадают.", "The passwords do not match."), "password2"
		s.render(w, r, http.StatusBadRequest, "register.html", p)
		return
	}
	if _, err := s.p.Registry.Register(r.Context(), id, r.PostFormValue("password"), clientIP(r)); err != nil {
		s.formError(w, r, "register.html", p, err)
		return
	}
	s.redirect(w, r, "/login", p.L(
		"Учётная запись создана. Чтобы подавать заявления, её нужно подтвердить: предъявите документ в центре обслуживания или войдите через подтверждённую учётную запись. Затем войдите.",
		"Your account is created. To apply for online voting it must be verified: show your document at a service centre, or log in with a verified identity provider. Then log in."))
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	p := s.newPage(w, r, "Вход", "Log in")
	p.Data = s.oidc
	s.render(w, r, http.StatusOK, "login.html", p)
}

func (s *Server) loginForm(w http.ResponseWriter, r *http.Request) {
	p := s.newPage(w, r, "Вход", "Log in")
	p.Data = s.oidc
	r.Body = http.MaxBytesReader(w, r.Body, maxJSON)
	challenge, err := s.p.Registry.StartLogin(r.Context(), r.PostFormValue("login"), r.PostFormValue("password"), clientIP(r))
	if err != nil {
		s.formError(w, r, "login.html", p, err)
		return
	}
	s.sessions.Put(r.Context(), "challenge", challenge)
	http.Redirect(w, r, "/login/code", http.StatusSeeOther)
}

func (s *Server) codePage(w http.ResponseWriter, r *http.Request) {
	p := s.newPage(w, r, "Код из СМС", "SMS code")
	if s.sessions.GetString(r.Context(), "challenge") == "" {
		s.redirect(w, r, "/login", "")
		return
	}
	s.render(w, r, http.StatusOK, "code.html", p)
}

func (s *Server) codeForm(w http.ResponseWriter, r *http.Request) {
	p := s.newPage(w, r, "Код из СМС", "SMS code")
	r.Body = http.MaxBytesReader(w, r.Body, maxJSON)
	acc, err := s.p.Registry.FinishLogin(r.Context(), s.sessions.GetString(r.Context(), "challenge"), r.PostFormValue("code"), clientIP(r))
	if err != nil {
		s.formError(w, r, "code.html", p, err)
		return
	}
	if err := s.sessions.RenewToken(r.Context()); err != nil {
		s.formError(w, r, "code.html", p, err)
		return
	}
	s.sessions.Remove(r.Context(), "challenge")
	s.sessions.Put(r.Context(), "account", acc.ID)
	http.Redirect(w, r, "/account", http.StatusSeeOther)
}

func (s *Server) logoutForm(w http.ResponseWriter, r *http.Request) {
	if err := s.sessions.Destroy(r.Context()); err != nil {
		s.log.Error("web: logout", "err", err)
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// accountRow is one election on the voter's page: their application, if
// any, and whether they can vote in it now.
type accountRow struct {
	ID          string
	Title       registry.Text
	Level       string
	Training    bool
	Closes      time.Time // applications
	TimeZone    string    // the election's
	Application *registry.Application
	CanApply    bool
	CanCancel   bool
	Open        bool // voting is open in the voter's district
	Voting      election.Window
	Nominator   string // the account's public name as a nominator of observers here
}

// accountView is the voter's page.
type accountView struct {
	Elections   []accountRow
	Invitations []registry.Invitation
}

func (s *Server) accountPage(w http.ResponseWriter, r *http.Request) {
	p := s.newPage(w, r, "Личный кабинет", "My account")
	if p.Account == nil {
		s.redirect(w, r, "/login", "")
		return
	}
	ctx := r.Context()
	infos, err := s.p.Registry.Elections(ctx)
	if err != nil {
		s.formError(w, r, "account.html", p, err)
		return
	}
	apps, err := s.p.Registry.Applications(ctx, p.Account.ID)
	if err != nil {
		s.formError(w, r, "account.html", p, err)
		return
	}
	invitations, err := s.p.Registry.Invitations(ctx, p.Account.ID)
	if err != nil {
		s.formError(w, r, "account.html", p, err)
		return
	}
	nominations, err := s.p.Registry.Nominations(ctx, p.Account.ID)
	if err != nil {
		s.formError(w, r, "account.html", p, err)
		return
	}
	byElection := map[string]registry.Application{}
	for _, a := range apps {
		byElection[a.ElectionID] = a
	}
	now := s.p.Config.Now()
	var rows []accountRow
	for _, info := range infos {
		row := accountRow{ID: info.ID, Title: info.Title, Level: info.Level, Training: info.Training, Closes: info.ApplicationsClose, TimeZone: "Europe/Moscow",
			Nominator: nominations[info.ID]}
		if e, ok := s.p.Election(info.ID); ok {
			e.Box.View(func(st *election.State) {
				if st.Manifest != nil {
					row.TimeZone = st.Manifest.Voting.TimeZone
				}
			})
		}
		before := now.Before(info.ApplicationsClose)
		if a, ok := byElection[info.ID]; ok {
			row.Application = &a
			row.CanCancel = a.Status == registry.StatusAccounted && before
			row.CanApply = a.Status == registry.StatusCancelled && before
		} else {
			row.CanApply = before
		}
		if e, ok := s.p.Election(info.ID); ok && row.Application != nil && row.Application.Status == registry.StatusAccounted {
			e.Box.View(func(st *election.State) {
				if st.Manifest != nil {
					row.Voting = st.Manifest.Window(row.Application.District)
				}
				row.TimeZone = row.Voting.TimeZone
				row.Open = st.Phase == election.PhaseOpen
			})
		}
		rows = append(rows, row)
	}
	p.Data = accountView{Elections: rows, Invitations: invitations}
	s.render(w, r, http.StatusOK, "account.html", p)
}

func (s *Server) applyForm(w http.ResponseWriter, r *http.Request) {
	id := s.sessions.GetString(r.Context(), "account")
	if id == "" {
		s.redirect(w, r, "/login", "")
		return
	}
	p := s.newPage(w, r, "Личный кабинет", "My account")
	app, err := s.p.Apply(r.Context(), id, r.PathValue("id"), clientIP(r))
	if err != nil {
		s.refuse(w, r, p, "/account", err)
		return
	}
	s.redirect(w, r, "/account", p.L("Заявление № "+app.Number+" учтено.", "Application No. "+app.Number+" is accounted."))
}

func (s *Server) cancelForm(w http.ResponseWriter, r *http.Request) {
	id := s.sessions.GetString(r.Context(), "account")
	if id == "" {
		s.redirect(w, r, "/login", "")
		return
	}
	p := s.newPage(w, r, "Личный кабинет", "My account")
	if err := s.p.Registry.CancelApplication(r.Context(), id, r.PathValue("id"), clientIP(r)); err != nil {
		s.refuse(w, r, p, "/account", err)
		return
	}
	s.redirect(w, r, "/account", p.L("Заявление отозвано. Вы можете голосовать на избирательном участке.", "Application cancelled. You may vote at your polling station."))
}

// ballotPage is the ballot of one election for the voter's district.
type ballotPage struct {
	ID         string
	Title      election.Text
	Training   bool
	District   string
	Open       bool
	Voting     election.Window
	Contests   []ballotContest
	ParamsJSON string // what the device needs to encrypt
	WasmSize   int
}

type ballotContest struct {
	Index   int
	Contest election.Contest
	Multi   bool // checkboxes rather than radio buttons
}

// ballotParams is what the page's script hands to the WebAssembly module:
// the election's context hash and key, the district's issuer key and
// ballot style. They are the values the public ledger holds; the server
// only copies them here.
type ballotParams struct {
	Election string  `json:"election"`
	Account  string  `json:"account"` // names the device's stored credential
	District string  `json:"district"`
	Context  string  `json:"context"` // base64
	Key      string  `json:"key"`
	Issuer   string  `json:"issuer"`
	Style    [][]int `json:"style"` // [index, options, min, max]
}

func (s *Server) votePage(w http.ResponseWriter, r *http.Request) {
	p := s.newPage(w, r, "Бюллетень", "Ballot")
	if p.Account == nil {
		s.redirect(w, r, "/login", "")
		return
	}
	e, ok := s.p.Election(r.PathValue("id"))
	if !ok {
		p.Error = p.L("Таких выборов нет.", "There is no such election.")
		s.render(w, r, http.StatusNotFound, "message.html", p)
		return
	}
	apps, err := s.p.Registry.Applications(r.Context(), p.Account.ID)
	if err != nil {
		s.formError(w, r, "message.html", p, err)
		return
	}
	district := ""
	for _, a := range apps {
		if a.ElectionID == e.ID && a.Status == registry.StatusAccounted {
			district = a.District
		}
	}
	if district == "" {
		p.Error = p.L("У вас нет учтённого заявления на эти выборы: подайте его в личном кабинете.",
			"You have no accounted application for this election: apply on your account page.")
		s.render(w, r, http.StatusForbidden, "message.html", p)
		return
	}
	bp := ballotPage{ID: e.ID, District: district, WasmSize: wasmSize}
	params := ballotParams{Election: e.ID, Account: p.Account.ID, District: district}
	e.Box.View(func(st *election.State) {
		m := st.Manifest
		if m == nil || st.BallotContext() == nil {
			return
		}
		bp.Title, bp.Training, bp.Voting = m.Title, m.Training, m.Window(district)
		bp.Open = st.Phase == election.PhaseOpen
		b64 := base64.StdEncoding.EncodeToString
		params.Context, params.Key = b64(st.ContextHash[:]), b64(st.Key.Bytes())
		for _, d := range m.Districts {
			if d.ID == district {
				params.Issuer = b64(d.Issuer)
			}
		}
		for _, c := range st.Style(district) {
			params.Style = append(params.Style, []int{int(c.Index), c.Options, c.Min, c.Max})
			mc := m.Contests[c.Index]
			bp.Contests = append(bp.Contests, ballotContest{Index: int(c.Index), Contest: mc, Multi: mc.Max > 1})
		}
	})
	if params.Context == "" {
		p.Error = p.L("Ключ этих выборов ещё не сформирован.", "This election's key is not ready yet.")
		s.render(w, r, http.StatusConflict, "message.html", p)
		return
	}
	js, _ := json.Marshal(params)
	bp.ParamsJSON = string(js)
	p.Data, p.WasmPath = bp, wasmPath
	p.Title = p.Text(bp.Title)
	// Browsers before CSP level 3 (Chrome < 97, Safari < 16) compile
	// WebAssembly only under 'unsafe-eval'; the portal's scripts never
	// evaluate strings, and no inline script is allowed.
	w.Header().Set("Content-Security-Policy", strings.Replace(csp, "'wasm-unsafe-eval'", "'wasm-unsafe-eval' 'unsafe-eval'", 1))
	s.render(w, r, http.StatusOK, "vote.html", p)
}

// trackResult is a tracking code looked up on an election's ledger.
type trackResult struct {
	Elections []electionRow
	Election  string
	Code      string
	Found     bool
	Tracked   election.Tracked
	Size      uint64
	Entry     string       // the entry's JSON as stored
	Dispute   *disputeForm // the dispute form's outcome (web/disputes.go)
}

func (s *Server) trackPage(w http.ResponseWriter, r *http.Request) {
	p := s.newPage(w, r, "Проверка бюллетеня в реестре", "Check a ballot on the ledger")
	q := r.URL.Query()
	tr := trackResult{Election: q.Get("election"), Code: q.Get("code")}
	for _, e := range s.p.Elections() {
		row := electionRow{ID: e.ID}
		e.Box.View(func(st *election.State) {
			if st.Manifest != nil {
				row.Title = st.Manifest.Title
			}
		})
		tr.Elections = append(tr.Elections, row)
	}
	p.Data = &tr
	if tr.Code == "" {
		s.render(w, r, http.StatusOK, "track.html", p)
		return
	}
	e, ok := s.p.Election(tr.Election)
	if !ok {
		p.Error = p.L("Выберите выборы.", "Choose an election.")
		s.render(w, r, http.StatusNotFound, "track.html", p)
		return
	}
	code, err := ballot.NormalizeTrackingCode(tr.Code)
	if err != nil {
		p.Error, p.Field = p.L("Код введён с ошибкой: проверьте его.", "The tracking code is mistyped: "+err.Error()), "code"
		s.render(w, r, http.StatusBadRequest, "track.html", p)
		return
	}
	tr.Code = code
	e.Box.View(func(st *election.State) { tr.Tracked, tr.Found = st.Track(code) })
	if !tr.Found {
		p.Error = p.L("Бюллетеня с таким кодом в реестре нет.", "No ballot with this tracking code is on the ledger.")
		s.render(w, r, http.StatusNotFound, "track.html", p)
		return
	}
	tr.Size = e.Box.Ledger().Size()
	for entry, err := range e.Box.Ledger().Entries(tr.Tracked.Index, tr.Tracked.Index+1) {
		if err == nil {
			tr.Entry = string(entry)
		}
	}
	s.render(w, r, http.StatusOK, "track.html", p)
}
