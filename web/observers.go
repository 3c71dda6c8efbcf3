package web

import (
	"crypto/subtle"
	"errors"
	"net/http"

	"github.com/urna-vote/urna/election"
	"github.com/urna-vote/urna/protocol"

	"github.com/urna-vote/urna/registry"
)

// Observers: nominators invite, invitees answer, the list is public
// (package registry, observers.go).

func (s *Server) setNominator(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Account string `json:"account"`
		Role    string `json:"role"`
		Name    string `json:"name"`
	}
	if err := decode(w, r, maxJSON, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.p.Registry.SetNominator(r.Context(), r.PathValue("id"), req.Account, req.Role, req.Name); err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
}

func (s *Server) inviteObserver(w http.ResponseWriter, r *http.Request) {
	id, ok := s.account(w, r)
	if !ok {
		return
	}
	var req struct {
		Login string `json:"login"`
	}
	if err := decode(w, r, maxJSON, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	inv, err := s.p.Registry.Invite(r.Context(), id, r.PathValue("id"), req.Login, clientIP(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, inv)
}

func (s *Server) invitations(w http.ResponseWriter, r *http.Request) {
	id, ok := s.account(w, r)
	if !ok {
		return
	}
	invs, err := s.p.Registry.Invitations(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"invitations": invs})
}

func (s *Server) answerInvitation(accept bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, ok := s.account(w, r)
		if !ok {
			return
		}
		if err := s.p.Registry.Answer(r.Context(), id, r.PathValue("invitation"), accept, clientIP(r)); err != nil {
			s.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
	}
}

func (s *Server) observers(w http.ResponseWriter, r *http.Request) {
	e, ok := s.election(w, r)
	if !ok {
		return
	}
	list, err := s.p.Registry.Observers(r.Context(), e.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"observers": list})
}

// The pages.

func (s *Server) inviteForm(w http.ResponseWriter, r *http.Request) {
	id := s.sessions.GetString(r.Context(), "account")
	if id == "" {
		s.redirect(w, r, "/login", "")
		return
	}
	p := s.newPage(w, r, "Личный кабинет", "My account")
	r.Body = http.MaxBytesReader(w, r.Body, maxJSON)
	if _, err := s.p.Registry.Invite(r.Context(), id, r.PathValue("id"), r.PostFormValue("login"), clientIP(r)); err != nil {
		s.refuse(w, r, p, "/account", err)
		return
	}
	s.redirect(w, r, "/account", p.L("Приглашение отправлено: человек увидит его в личном кабинете.", "Invitation sent: the person will see it on their account page."))
}

func (s *Server) answerForm(accept bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id := s.sessions.GetString(r.Context(), "account")
		if id == "" {
			s.redirect(w, r, "/login", "")
			return
		}
		p := s.newPage(w, r, "Личный кабинет", "My account")
		if err := s.p.Registry.Answer(r.Context(), id, r.PathValue("invitation"), accept, clientIP(r)); err != nil {
			s.refuse(w, r, p, "/account", err)
			return
		}
		msg := p.L("Вы отказались от приглашения.", "You declined the invitation.")
		if accept {
			msg = p.L("Вы зарегистрированы наблюдателем. Следите за выборами на странице хода выборов или своим узлом наблюдателя (urna observe).",
				"You are a registered observer. Follow the election on its dashboard, or with your own observer node (urna observe).")
		}
		s.redirect(w, r, "/account", msg)
	}
}

// observersView is an election's public list of observers.
type observersView struct {
	ID        string
	Title     registry.Text
	Observers []registry.PublicObserver
}

func (s *Server) observersPage(w http.ResponseWriter, r *http.Request) {
	p := s.newPage(w, r, "Наблюдатели", "Observers")
	info, err := s.p.Registry.Election(r.Context(), r.PathValue("id"))
	if err != nil {
		s.formError(w, r, "message.html", p, err)
		return
	}
	list, err := s.p.Registry.Observers(r.Context(), info.ID)
	if err != nil {
		s.formError(w, r, "message.html", p, err)
		return
	}
	p.Data = observersView{ID: info.ID, Title: info.Title, Observers: list}
	s.render(w, r, http.StatusOK, "observers.html", p)
}

// The commission's view: the list of voters who received ballots, for
// display on a computer in the commission's room. The operator's token
// opens it once per session (typed into a form, never put in a URL).

func (s *Server) commissionLogin(w http.ResponseWriter, r *http.Request) {
	p := s.newPage(w, r, "Комиссия", "Commission")
	r.Body = http.MaxBytesReader(w, r.Body, maxJSON)
	token := r.PostFormValue("token")
	if s.opts.OperatorToken == "" || subtle.ConstantTimeCompare([]byte(token), []byte(s.opts.OperatorToken)) != 1 {
		p.Error, p.Field = p.L("Неверный ключ комиссии.", "Wrong commission key."), "token"
		p.Data = commissionView{ID: r.PathValue("id")}
		s.render(w, r, http.StatusUnauthorized, "commission.html", p)
		return
	}
	if err := s.sessions.RenewToken(r.Context()); err != nil {
		s.formError(w, r, "commission.html", p, err)
		return
	}
	s.sessions.Put(r.Context(), "commission", true)
	http.Redirect(w, r, "/commission/"+r.PathValue("id"), http.StatusSeeOther)
}

// commissionView is the commission's page.
type commissionView struct {
	ID         string
	Title      registry.Text
	Open       bool // the list is shown
	Recipients []registry.Recipient
}

func (s *Server) commissionPage(w http.ResponseWriter, r *http.Request) {
	p := s.newPage(w, r, "Комиссия", "Commission")
	info, err := s.p.Registry.Election(r.Context(), r.PathValue("id"))
	if err != nil {
		s.formError(w, r, "message.html", p, err)
		return
	}
	v := commissionView{ID: info.ID, Title: info.Title, Open: s.sessions.GetBool(r.Context(), "commission")}
	if v.Open {
		if v.Recipients, err = s.p.Registry.Recipients(r.Context(), info.ID); err != nil {
			s.formError(w, r, "message.html", p, err)
			return
		}
	}
	p.Data = v
	if v.Open {
		p.Refresh = 30
	}
	s.render(w, r, http.StatusOK, "commission.html", p)
}

// protocolXML serves the result protocol of a decided election, built
// from the ledger as it stands (package protocol); urna verify --protocol
// rebuilds and compares it.
func (s *Server) protocolXML(w http.ResponseWriter, r *http.Request) {
	e, ok := s.election(w, r)
	if !ok {
		return
	}
	cp, _ := e.Box.Ledger().Checkpoint()
	var doc []byte
	var err error
	e.Box.View(func(st *election.State) {
		var p *protocol.Protocol
		if p, err = protocol.Build(st, cp); err == nil {
			doc, err = p.XML()
		}
	})
	if errors.Is(err, protocol.ErrNotDecided) {
		writeError(w, http.StatusConflict, apiError{Code: "not_decided",
			Message: text("Итоги этих выборов ещё не подведены.", "This election has no result yet.")})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="protocol-`+e.ID+`.xml"`)
	w.Write(doc)
}
