package web

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/urna-vote/urna/election"
	"github.com/urna-vote/urna/organiser"
)

// The organiser console: its JSON API under /api/v1/organiser/ and its
// pages under /console/. An organiser is an account the operator granted
// the organiser role; it works in the portal's session (password and SMS
// code), the API also takes the operator's token. Drafts are edited at the
// version read (a stale edit gets 409 stale_version) until the vote is
// fixed on the ledger, which starts its key ceremony; the console then
// shows the ceremony guardian by guardian, the heartbeats, the key tests,
// who decrypted and who signed.

// Body limits of the console.
const (
	maxDraft        = 16 << 20
	maxParticipants = organiser.MaxParticipantsBytes + 1<<20
)

// consoleAPI registers the console's API and the operator's role and key
// endpoints.
func (s *Server) consoleAPI(mux *recordingMux, cop *http.CrossOriginProtection) {
	org := func(pattern string, h organiserHandler) {
		mux.Handle(pattern, cop.Handler(s.sessions.LoadAndSave(s.asOrganiser(h))))
	}
	org("GET /api/v1/organiser/votes", s.listVotes)
	org("POST /api/v1/organiser/votes", s.createVote)
	org("GET /api/v1/organiser/votes/{id}", s.getVote)
	org("PUT /api/v1/organiser/votes/{id}", s.updateVote)
	org("DELETE /api/v1/organiser/votes/{id}", s.deleteVote)
	org("POST /api/v1/organiser/votes/{id}/fix", s.fixVote)
	org("PUT /api/v1/organiser/votes/{id}/participants", s.uploadParticipants)
	org("GET /api/v1/organiser/votes/{id}/status", s.voteStatus)
	org("POST /api/v1/organiser/votes/{id}/ceremony/finish", s.finishCeremony)
	mux.Handle("POST /api/v1/operator/accounts/{account}/roles", cop.Handler(s.operator(s.grantRole)))
	mux.Handle("DELETE /api/v1/operator/accounts/{account}/roles/{role}", cop.Handler(s.operator(s.revokeRole)))
	mux.Handle("PUT /api/v1/operator/accounts/{account}/signature-key", cop.Handler(s.operator(s.setSignatureKey)))
}

// An organiserHandler serves a request of an organiser, who is an account
// id or "operator".
type organiserHandler func(w http.ResponseWriter, r *http.Request, who string)

// asOrganiser admits the operator's token or a session whose account
// holds the organiser role: 401 without either, 403 for an account
// without the role.
func (s *Server) asOrganiser(h organiserHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if auth := r.Header.Get("Authorization"); auth != "" {
			token, ok := strings.CutPrefix(auth, "Bearer ")
			if s.opts.OperatorToken == "" || !ok || subtle.ConstantTimeCompare([]byte(token), []byte(s.opts.OperatorToken)) != 1 {
				writeError(w, http.StatusUnauthorized, apiError{Code: "unauthenticated",
					Message: text("Ключ оператора неверен.", "The operator token is wrong.")})
				return
			}
			h(w, r, "operator")
			return
		}
		id := s.sessions.GetString(r.Context(), "account")
		if id == "" {
			writeError(w, http.StatusUnauthorized, apiError{Code: "unauthenticated",
				Message: text("Войдите как организатор, чтобы продолжить.", "Log in as an organiser to continue.")})
			return
		}
		ok, err := s.organiser.HasRole(r.Context(), id, organiser.RoleOrganiser)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if !ok {
			writeError(w, http.StatusForbidden, apiError{Code: "not_organiser",
				Message: text("Это может только организатор голосования. Роль организатора назначает оператор платформы.",
					"Only a vote's organiser may do this. The platform's operator grants the organiser role.")})
			return
		}
		h(w, r, id)
	}
}

// organiserStatus is the HTTP status of an organiser refusal.
func organiserStatus(code string) int {
	switch code {
	case organiser.CodeStale, organiser.CodeFixed, organiser.CodeExists, organiser.CodeNotFixed,
		organiser.CodeNoCeremony, organiser.CodeTooFew:
		return http.StatusConflict
	case organiser.CodeNotFound:
		return http.StatusNotFound
	}
	return http.StatusBadRequest
}

// describeConsole is describe for the console: an organiser refusal with
// its status, code, field and message, anything else as the portal does.
func (s *Server) describeConsole(r *http.Request, err error) (int, apiError) {
	var oe *organiser.Error
	if errors.As(err, &oe) {
		return organiserStatus(oe.Code), apiError{Code: oe.Code, Field: oe.Field, Message: oe.Message}
	}
	return s.describe(r, err)
}

func (s *Server) consoleFail(w http.ResponseWriter, r *http.Request, err error) {
	status, e := s.describeConsole(r, err)
	writeError(w, status, e)
}

// voteView is a vote as the API shows it: the draft and what Fix would
// find wrong with it now.
type voteView struct {
	organiser.Draft
	Problems []*organiser.Error `json:"problems"`
}

func (s *Server) view(d organiser.Draft) voteView {
	v := voteView{Draft: d, Problems: []*organiser.Error{}}
	if d.State == organiser.StateDraft {
		v.Problems = append(v.Problems, s.organiser.Check(d)...)
	}
	return v
}

// draftBody is a draft as sent: what GET returned may come back whole, its
// problems ignored.
type draftBody struct {
	organiser.Draft
	Problems json.RawMessage `json:"problems"`
}

func (s *Server) listVotes(w http.ResponseWriter, r *http.Request, who string) {
	votes, err := s.organiser.List(r.Context())
	if err != nil {
		s.consoleFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"votes": votes})
}

func (s *Server) createVote(w http.ResponseWriter, r *http.Request, who string) {
	var b draftBody
	if err := decode(w, r, maxDraft, &b); err != nil {
		s.fail(w, r, err)
		return
	}
	d, err := s.organiser.Create(r.Context(), b.Draft, who)
	if err != nil {
		s.consoleFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, s.view(d))
}

func (s *Server) getVote(w http.ResponseWriter, r *http.Request, who string) {
	d, err := s.organiser.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		s.consoleFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.view(d))
}

func (s *Server) updateVote(w http.ResponseWriter, r *http.Request, who string) {
	var b draftBody
	if err := decode(w, r, maxDraft, &b); err != nil {
		s.fail(w, r, err)
		return
	}
	id := r.PathValue("id")
	if b.ID != "" && b.ID != id {
		writeError(w, http.StatusBadRequest, apiError{Code: organiser.CodeInvalid, Field: "id",
			Message: text("Идентификатор голосования изменить нельзя.", "A vote's id cannot change.")})
		return
	}
	if b.Version <= 0 {
		writeError(w, http.StatusBadRequest, missingVersion)
		return
	}
	b.ID = id
	d, err := s.organiser.Update(r.Context(), b.Draft, who)
	if err != nil {
		s.consoleFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.view(d))
}

var missingVersion = apiError{Code: organiser.CodeInvalid, Field: "version",
	Message: text("Укажите версию черновика, которую вы видели (version).", "Give the draft's version you read (version).")}

// queryVersion reads ?version=N.
func queryVersion(r *http.Request) (int64, bool) {
	v, err := strconv.ParseInt(r.URL.Query().Get("version"), 10, 64)
	return v, err == nil && v > 0
}

func (s *Server) deleteVote(w http.ResponseWriter, r *http.Request, who string) {
	v, ok := queryVersion(r)
	if !ok {
		writeError(w, http.StatusBadRequest, missingVersion)
		return
	}
	if err := s.organiser.Delete(r.Context(), r.PathValue("id"), v, who); err != nil {
		s.consoleFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
}

func (s *Server) fixVote(w http.ResponseWriter, r *http.Request, who string) {
	var req struct {
		Version int64 `json:"version"`
	}
	if err := decode(w, r, maxJSON, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	if req.Version <= 0 {
		writeError(w, http.StatusBadRequest, missingVersion)
		return
	}
	d, err := s.organiser.Fix(r.Context(), r.PathValue("id"), req.Version, who)
	if err != nil {
		s.consoleFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.view(d))
}

func (s *Server) uploadParticipants(w http.ResponseWriter, r *http.Request, who string) {
	v, ok := queryVersion(r)
	if !ok {
		writeError(w, http.StatusBadRequest, missingVersion)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxParticipants)
	entries, err := organiser.ParseParticipants(r.Body)
	if err != nil {
		s.consoleFail(w, r, err)
		return
	}
	d, err := s.organiser.SetParticipants(r.Context(), r.PathValue("id"), v, entries, who)
	if err != nil {
		s.consoleFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.view(d))
}

func (s *Server) voteStatus(w http.ResponseWriter, r *http.Request, who string) {
	st, err := s.organiser.Status(r.Context(), r.PathValue("id"))
	if err != nil {
		s.consoleFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

// finishCeremony publishes the key without the guardians who have not
// answered (organiser.Service.FinishCeremony).
func (s *Server) finishCeremony(w http.ResponseWriter, r *http.Request, who string) {
	st, err := s.organiser.FinishCeremony(r.Context(), r.PathValue("id"), who)
	if err != nil {
		s.consoleFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

func (s *Server) grantRole(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Role string `json:"role"`
	}
	if err := decode(w, r, maxJSON, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.organiser.Grant(r.Context(), r.PathValue("account"), req.Role, "operator"); err != nil {
		s.consoleFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
}

func (s *Server) revokeRole(w http.ResponseWriter, r *http.Request) {
	if err := s.organiser.Revoke(r.Context(), r.PathValue("account"), r.PathValue("role"), "operator"); err != nil {
		s.consoleFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
}

func (s *Server) setSignatureKey(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Key string `json:"key"`
	}
	if err := decode(w, r, maxJSON, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.organiser.SetSignatureKey(r.Context(), r.PathValue("account"), req.Key, "operator"); err != nil {
		s.consoleFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
}

// The console's pages.

func (s *Server) consolePages(pg func(pattern string, h http.HandlerFunc)) {
	pg("GET /console/{$}", s.consoleListPage)
	pg("POST /console/{$}", s.consoleCreateForm)
	pg("GET /console/{id}", s.consoleVotePage)
	pg("POST /console/{id}", s.consoleSaveForm)
	pg("POST /console/{id}/participants", s.consoleParticipantsForm)
	pg("GET /console/{id}/fix", s.consoleFixPage)
	pg("POST /console/{id}/fix", s.consoleFixForm)
	pg("POST /console/{id}/delete", s.consoleDeleteForm)
	pg("POST /console/{id}/finish-ceremony", s.consoleFinishCeremonyForm)
}

// consolePage starts a console page for a logged-in organiser: a reader
// who is not logged in goes to the login page, one without the role is
// told who grants it.
func (s *Server) consolePage(w http.ResponseWriter, r *http.Request, titleRU, titleEN string) (*page, bool) {
	p := s.newPage(w, r, titleRU, titleEN)
	if p.Account == nil {
		s.redirect(w, r, "/login", p.L("Войдите, чтобы открыть консоль организатора.", "Log in to open the organiser console."))
		return nil, false
	}
	ok, err := s.organiser.HasRole(r.Context(), p.Account.ID, organiser.RoleOrganiser)
	if err != nil {
		s.formError(w, r, "message.html", p, err)
		return nil, false
	}
	if !ok {
		p.Title = p.L("Консоль организатора", "Organiser console")
		p.Error = p.L("Консоль доступна только организаторам голосований. Роль организатора назначает оператор платформы.",
			"The console is for the organisers of votes. The platform's operator grants the organiser role.")
		s.render(w, r, http.StatusForbidden, "message.html", p)
		return nil, false
	}
	return p, true
}

// consoleError shows err on a console page in the reader's language,
// marking the form field at fault.
func (s *Server) consoleError(w http.ResponseWriter, r *http.Request, name string, p *page, err error) {
	status, e := s.describeConsole(r, err)
	p.Error, p.Field = p.L(e.Message.RU, e.Message.EN), formField(e.Field)
	s.render(w, r, status, name, p)
}

// Invalid marks an input the error just shown concerns.
func (p *page) Invalid(name string) template.HTMLAttr {
	if p.Field != "" && p.Field == name {
		return `aria-invalid="true" aria-describedby="form-error"`
	}
	return ""
}

// DateIn formats Unix milliseconds in a time zone, "—" for 0.
func (p *page) DateIn(ms int64, tz string) string {
	if ms == 0 {
		return "—"
	}
	return p.Time(ms, tz)
}

// consoleURL is a console address in the reader's language.
func consoleURL(p *page, path string) string {
	if p.Lang == "en" {
		return path + "?lang=en"
	}
	return path
}

func (s *Server) consoleListPage(w http.ResponseWriter, r *http.Request) {
	p, ok := s.consolePage(w, r, "Консоль организатора", "Organiser console")
	if !ok {
		return
	}
	votes, err := s.organiser.List(r.Context())
	if err != nil {
		s.formError(w, r, "message.html", p, err)
		return
	}
	p.Data = consoleList{Votes: votes}
	s.render(w, r, http.StatusOK, "console.html", p)
}

// consoleList is the console's first page: the votes, and a form for a
// new one.
type consoleList struct {
	Votes     []organiser.Summary
	ID, Title string
	Training  bool
}

func (s *Server) consoleCreateForm(w http.ResponseWriter, r *http.Request) {
	p, ok := s.consolePage(w, r, "Консоль организатора", "Organiser console")
	if !ok {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxJSON)
	form := consoleList{ID: strings.TrimSpace(r.PostFormValue("id")), Title: strings.TrimSpace(r.PostFormValue("title_ru")),
		Training: r.PostFormValue("training") == "yes"}
	d := organiser.Draft{ID: form.ID, Training: form.Training}
	d.Title.RU = form.Title
	if _, err := s.organiser.Create(r.Context(), d, p.Account.ID); err != nil {
		form.Votes, _ = s.organiser.List(r.Context())
		p.Data = form
		s.consoleError(w, r, "console.html", p, err)
		return
	}
	s.redirect(w, r, consoleURL(p, "/console/"+url.PathEscape(d.ID)), p.L("Черновик создан. Заполните его и сохраните.", "The draft is created. Fill it in and save it."))
}

// consoleEdit is the edit page of a draft.
type consoleEdit struct {
	Form     consoleForm
	Draft    organiser.Draft
	Problems []consoleProblem
	Kinds    []string
	Levels   []string
	Events   []consoleEvent
}

// consoleProblem is one thing Fix would refuse, linked to its field.
type consoleProblem struct {
	Field, Message string
}

// consoleEvent is a notification event with its label.
type consoleEvent struct {
	Name, RU, EN string
}

var consoleEvents = []consoleEvent{
	{organiser.NotifyApplied, "заявление учтено", "application accounted"},
	{organiser.NotifyVotingStarted, "голосование началось", "voting started"},
	{organiser.NotifyReminder, "напоминание за сутки до конца тем, кто не проголосовал", "reminder a day before the end to those who have not voted"},
	{organiser.NotifyVotingEnded, "голосование завершено", "voting ended"},
	{organiser.NotifyResultsPublished, "итоги опубликованы", "results published"},
}

func (s *Server) editData(p *page, d organiser.Draft, f consoleForm) consoleEdit {
	return consoleEdit{Form: f, Draft: d, Kinds: []string{"one_of_n", "k_of_n", "referendum"}, Levels: organiser.Levels, Events: consoleEvents,
		Problems: s.problems(p, d)}
}

// problems is what Fix would find wrong with d now, in the reader's
// language, each tied to its form field.
func (s *Server) problems(p *page, d organiser.Draft) []consoleProblem {
	var out []consoleProblem
	for _, pr := range s.organiser.Check(d) {
		out = append(out, consoleProblem{Field: formField(pr.Field), Message: p.L(pr.Message.RU, pr.Message.EN)})
	}
	return out
}

func (s *Server) consoleVotePage(w http.ResponseWriter, r *http.Request) {
	p, ok := s.consolePage(w, r, "Голосование", "Vote")
	if !ok {
		return
	}
	d, err := s.organiser.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		s.consoleError(w, r, "message.html", p, err)
		return
	}
	p.Title = p.Text(d.Title)
	if p.Title == "" {
		p.Title = d.ID
	}
	if d.State != organiser.StateDraft {
		s.renderStatus(w, r, p, d)
		return
	}
	p.Data = s.editData(p, d, formOf(d))
	s.render(w, r, http.StatusOK, "console_edit.html", p)
}

// consoleStatus is the status page of a fixed vote.
type consoleStatus struct {
	Draft  organiser.Draft
	Status organiser.Status
	Ready  bool      // the status could be read
	Now    time.Time // for the heartbeats' ages
}

func (s *Server) renderStatus(w http.ResponseWriter, r *http.Request, p *page, d organiser.Draft) {
	st, err := s.organiser.Status(r.Context(), d.ID)
	cs := consoleStatus{Draft: d, Status: st, Ready: err == nil, Now: s.p.Config.Now()}
	if err != nil {
		_, e := s.describeConsole(r, err)
		p.Error = p.L(e.Message.RU, e.Message.EN)
	}
	p.Data = cs
	s.render(w, r, http.StatusOK, "console_status.html", p)
}

func (s *Server) consoleSaveForm(w http.ResponseWriter, r *http.Request) {
	p, ok := s.consolePage(w, r, "Голосование", "Vote")
	if !ok {
		return
	}
	id := r.PathValue("id")
	cur, err := s.organiser.Get(r.Context(), id)
	if err != nil {
		s.consoleError(w, r, "message.html", p, err)
		return
	}
	p.Title = p.Text(cur.Title)
	r.Body = http.MaxBytesReader(w, r.Body, maxDraft)
	if err := r.ParseForm(); err != nil {
		s.consoleError(w, r, "message.html", p, err)
		return
	}
	f := readForm(r.PostForm)
	f.ID, f.State = id, cur.State
	d, err := f.draft()
	if err == nil {
		if r.PostFormValue("action") == "add_contest" {
			d.Contests = append(d.Contests, election0Contest())
		}
		d, err = s.organiser.Update(r.Context(), d, p.Account.ID)
	}
	if err != nil {
		p.Data = s.editData(p, cur, f)
		s.consoleError(w, r, "console_edit.html", p, err)
		return
	}
	to, flash := consoleURL(p, "/console/"+url.PathEscape(id)), p.L("Сохранено, версия ", "Saved, version ")+strconv.FormatInt(d.Version, 10)+"."
	if r.PostFormValue("action") == "add_contest" {
		to += "#contest-" + strconv.Itoa(len(d.Contests)-1)
		flash = p.L("Вопрос добавлен: заполните его и сохраните.", "A question is added: fill it in and save.")
	}
	s.redirect(w, r, to, flash)
}

func (s *Server) consoleParticipantsForm(w http.ResponseWriter, r *http.Request) {
	p, ok := s.consolePage(w, r, "Голосование", "Vote")
	if !ok {
		return
	}
	id := r.PathValue("id")
	back := consoleURL(p, "/console/"+url.PathEscape(id)) + "#participants"
	r.Body = http.MaxBytesReader(w, r.Body, maxParticipants)
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		s.refuse(w, r, p, back, err)
		return
	}
	defer r.MultipartForm.RemoveAll()
	version, _ := strconv.ParseInt(r.FormValue("version"), 10, 64)
	file, _, err := r.FormFile("list")
	if err != nil {
		s.sessions.Put(r.Context(), "refusal", p.L("Выберите файл со списком участников.", "Choose the file with the list of participants."))
		http.Redirect(w, r, back, http.StatusSeeOther)
		return
	}
	defer file.Close()
	entries, err := organiser.ParseParticipants(file)
	if err == nil {
		_, err = s.organiser.SetParticipants(r.Context(), id, version, entries, p.Account.ID)
	}
	if err != nil {
		_, e := s.describeConsole(r, err)
		s.sessions.Put(r.Context(), "refusal", p.L(e.Message.RU, e.Message.EN))
		http.Redirect(w, r, back, http.StatusSeeOther)
		return
	}
	s.redirect(w, r, back, p.L("Список участников загружен: ", "The list of participants is uploaded: ")+strconv.Itoa(len(entries))+p.L(" чел.", " people."))
}

// consoleFix is the page that confirms a fix.
type consoleFix struct {
	Draft    organiser.Draft
	Problems []consoleProblem
}

func (s *Server) fixData(p *page, d organiser.Draft) consoleFix {
	return consoleFix{Draft: d, Problems: s.problems(p, d)}
}

func (s *Server) consoleFixPage(w http.ResponseWriter, r *http.Request) {
	p, ok := s.consolePage(w, r, "Зафиксировать голосование", "Fix the vote")
	if !ok {
		return
	}
	d, err := s.organiser.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		s.consoleError(w, r, "message.html", p, err)
		return
	}
	if d.State != organiser.StateDraft {
		http.Redirect(w, r, consoleURL(p, "/console/"+url.PathEscape(d.ID)), http.StatusSeeOther)
		return
	}
	p.Data = s.fixData(p, d)
	s.render(w, r, http.StatusOK, "console_fix.html", p)
}

func (s *Server) consoleFixForm(w http.ResponseWriter, r *http.Request) {
	p, ok := s.consolePage(w, r, "Зафиксировать голосование", "Fix the vote")
	if !ok {
		return
	}
	d, err := s.organiser.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		s.consoleError(w, r, "message.html", p, err)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxJSON)
	version, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	if r.PostFormValue("confirm") != "yes" {
		p.Data = s.fixData(p, d)
		p.Error, p.Field = p.L("Подтвердите, что после фиксации голосование изменить нельзя.", "Confirm that the vote cannot be changed once fixed."), "confirm"
		s.render(w, r, http.StatusBadRequest, "console_fix.html", p)
		return
	}
	fixed, err := s.organiser.Fix(r.Context(), d.ID, version, p.Account.ID)
	if err != nil {
		p.Data = s.fixData(p, d)
		s.consoleError(w, r, "console_fix.html", p, err)
		return
	}
	s.redirect(w, r, consoleURL(p, "/console/"+url.PathEscape(fixed.ID)),
		p.L("Голосование зафиксировано в реестре (запись 0): хранители ключа могут начинать церемонию.",
			"The vote is fixed on the ledger (entry 0): the guardians may start the key ceremony."))
}

func (s *Server) consoleDeleteForm(w http.ResponseWriter, r *http.Request) {
	p, ok := s.consolePage(w, r, "Голосование", "Vote")
	if !ok {
		return
	}
	id := r.PathValue("id")
	r.Body = http.MaxBytesReader(w, r.Body, maxJSON)
	version, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	back := consoleURL(p, "/console/"+url.PathEscape(id))
	if r.PostFormValue("confirm") != "yes" {
		s.sessions.Put(r.Context(), "refusal", p.L("Отметьте, что черновик удаляется безвозвратно.", "Tick the box to confirm the draft is deleted for good."))
		http.Redirect(w, r, back+"#delete", http.StatusSeeOther)
		return
	}
	if err := s.organiser.Delete(r.Context(), id, version, p.Account.ID); err != nil {
		_, e := s.describeConsole(r, err)
		s.sessions.Put(r.Context(), "refusal", p.L(e.Message.RU, e.Message.EN))
		http.Redirect(w, r, back, http.StatusSeeOther)
		return
	}
	s.redirect(w, r, consoleURL(p, "/console/"), p.L("Черновик «"+id+"» удалён.", "Draft "+id+" is deleted."))
}

// Guardian and member names on the status page, and ages of heartbeats.

// Ago says how long before now a Unix-millisecond time was.
func (p *page) Ago(ms int64, now time.Time) string {
	if ms == 0 {
		return p.L("нет", "none")
	}
	d := now.Sub(time.UnixMilli(ms)).Round(time.Second)
	if d < 0 {
		d = 0
	}
	return p.L(d.String()+" назад", d.String()+" ago")
}

// Helpers of the console's templates.

// consoleInput is what a sub-template of the edit form receives.
type consoleInput struct {
	P                  *page
	Name, Value, Label string
}

// Pair describes one input of the edit form.
func (p *page) Pair(name, value, ru, en string) consoleInput {
	return consoleInput{P: p, Name: name, Value: value, Label: p.L(ru, en)}
}

// Access describes one kind of account the access rules may admit.
func (p *page) Access(name, value, ru, en string) consoleInput { return p.Pair(name, value, ru, en) }

// Num numbers from 1.
func (p *page) Num(i int) int { return i + 1 }

// Described ties an input to its hint and, if the error just shown
// concerns it, to the error.
func (p *page) Described(name, hint string) template.HTMLAttr {
	if p.Field != "" && p.Field == name {
		return template.HTMLAttr(`aria-invalid="true" aria-describedby="form-error ` + template.HTMLEscapeString(hint) + `"`)
	}
	return template.HTMLAttr(`aria-describedby="` + template.HTMLEscapeString(hint) + `"`)
}

// LevelName names a vote's level.
func (p *page) LevelName(level string) string {
	switch level {
	case "federal":
		return p.L("федеральный", "federal")
	case "regional":
		return p.L("региональный", "regional")
	case "municipal":
		return p.L("муниципальный", "municipal")
	}
	return p.L("другой", "other")
}

// KindName names a contest's kind.
func (p *page) KindName(kind string) string {
	switch kind {
	case "one_of_n":
		return p.L("один из нескольких", "one of several")
	case "k_of_n":
		return p.L("несколько из нескольких", "several of several")
	case "referendum":
		return p.L("референдум: за, против, воздержался", "referendum: yes, no, abstain")
	}
	return kind
}

// PhaseCode names a phase given by its code (election.Phase.Code).
func (p *page) PhaseCode(code string) string {
	for ph := election.PhaseEmpty; ph <= election.PhaseDecided; ph++ {
		if ph.Code() == code {
			return p.Phase(ph)
		}
	}
	return code
}

func (s *Server) consoleFinishCeremonyForm(w http.ResponseWriter, r *http.Request) {
	p, ok := s.consolePage(w, r, "Голосование", "Vote")
	if !ok {
		return
	}
	id := r.PathValue("id")
	r.Body = http.MaxBytesReader(w, r.Body, maxJSON)
	back := consoleURL(p, "/console/"+url.PathEscape(id))
	if r.PostFormValue("confirm") != "yes" {
		s.sessions.Put(r.Context(), "refusal", p.L("Отметьте, что хранители, не ответившие до сих пор, не получат долю ключа.",
			"Tick the box to confirm the guardians who have not answered get no share of the key."))
		http.Redirect(w, r, back+"#finish", http.StatusSeeOther)
		return
	}
	if _, err := s.organiser.FinishCeremony(r.Context(), id, p.Account.ID); err != nil {
		_, e := s.describeConsole(r, err)
		s.sessions.Put(r.Context(), "refusal", p.L(e.Message.RU, e.Message.EN))
		http.Redirect(w, r, back+"#finish", http.StatusSeeOther)
		return
	}
	s.redirect(w, r, back, p.L("Ключ выборов сформирован из долей ответивших хранителей и опубликован в реестре.",
		"The election key is formed from the answering guardians' deals and published on the ledger."))
}
