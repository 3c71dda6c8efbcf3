package web

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"strings"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/urna-vote/urna/registry"
)

// OIDC configures login through an external OpenID Connect provider that
// asserts a verified identity (a state-services style provider). An
// account it verifies needs no operator check.
type OIDC struct {
	Issuer, ClientID, ClientSecret, RedirectURL string
	// The claim that says the provider verified the person's identity
	// (default "trusted"), and the claims of the insurance number and the
	// passport (default "snils", "document").
	VerifiedClaim, SNILSClaim, DocumentClaim string
}

// oidcLogin is a discovered provider.
type oidcLogin struct {
	cfg      OIDC
	oauth    oauth2.Config
	verifier *oidc.IDTokenVerifier
}

// EnableOIDC discovers the provider and adds its login routes:
// GET /auth/oidc/start and GET /auth/oidc/callback.
func (s *Server) EnableOIDC(ctx context.Context, cfg OIDC) error {
	p, err := oidc.NewProvider(ctx, cfg.Issuer)
	if err != nil {
		return err
	}
	if cfg.VerifiedClaim == "" {
		cfg.VerifiedClaim = "trusted"
	}
	if cfg.SNILSClaim == "" {
		cfg.SNILSClaim = "snils"
	}
	if cfg.DocumentClaim == "" {
		cfg.DocumentClaim = "document"
	}
	o := &oidcLogin{cfg: cfg,
		oauth: oauth2.Config{ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, RedirectURL: cfg.RedirectURL,
			Endpoint: p.Endpoint(), Scopes: []string{oidc.ScopeOpenID, "profile", "email", "phone", "address"}},
		verifier: p.Verifier(&oidc.Config{ClientID: cfg.ClientID}),
	}
	s.mux.Handle("GET /auth/oidc/start", s.sessions.LoadAndSave(http.HandlerFunc(o.start(s))))
	s.mux.Handle("GET /auth/oidc/callback", s.sessions.LoadAndSave(http.HandlerFunc(o.callback(s))))
	s.patterns = append(s.patterns, "GET /auth/oidc/start", "GET /auth/oidc/callback")
	s.oidc = true
	return nil
}

func random() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// start sends the browser to the provider with a fresh state, nonce and
// PKCE verifier, kept in the server-side session.
func (o *oidcLogin) start(s *Server) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		state, nonce, pkce := random(), random(), oauth2.GenerateVerifier()
		s.sessions.Put(r.Context(), "oidc_state", state)
		s.sessions.Put(r.Context(), "oidc_nonce", nonce)
		s.sessions.Put(r.Context(), "oidc_pkce", pkce)
		http.Redirect(w, r, o.oauth.AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(pkce)), http.StatusFound)
	}
}

// callback checks the state, exchanges the code, verifies the ID token
// (signature, issuer, audience, expiry, nonce) and logs the verified
// person in, creating their account on first use.
func (o *oidcLogin) callback(s *Server) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		refuse := func(status int, code, ru, en string) {
			writeError(w, status, apiError{Code: code, Message: text(ru, en)})
		}
		state := s.sessions.PopString(ctx, "oidc_state")
		nonce := s.sessions.PopString(ctx, "oidc_nonce")
		pkce := s.sessions.PopString(ctx, "oidc_pkce")
		q := r.URL.Query()
		if state == "" || subtle.ConstantTimeCompare([]byte(state), []byte(q.Get("state"))) != 1 {
			refuse(http.StatusBadRequest, "idp_state_mismatch", "Вход прерван: начните его заново.", "The login does not match its start; start again.")
			return
		}
		if q.Get("error") != "" {
			refuse(http.StatusUnauthorized, "idp_denied", "Вход через портал отменён.", "The identity provider did not log you in.")
			return
		}
		tok, err := o.oauth.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(pkce))
		if err != nil {
			s.log.Warn("web: identity provider exchange", "err", err)
			refuse(http.StatusBadGateway, "idp_exchange_failed", "Портал не подтвердил вход.", "The identity provider refused the code.")
			return
		}
		raw, _ := tok.Extra("id_token").(string)
		idt, err := o.verifier.Verify(ctx, raw)
		if err != nil || subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(nonce)) != 1 {
			refuse(http.StatusUnauthorized, "idp_token_invalid", "Ответ портала не прошёл проверку.", "The identity provider's token does not verify.")
			return
		}
		var claims map[string]any
		if err := idt.Claims(&claims); err != nil {
			refuse(http.StatusUnauthorized, "idp_token_invalid", "Ответ портала не прошёл проверку.", "The identity provider's token does not verify.")
			return
		}
		str := func(k string) string { v, _ := claims[k].(string); return v }
		if v, _ := claims[o.cfg.VerifiedClaim].(bool); !v {
			refuse(http.StatusForbidden, "account_not_verified", "Ваша учётная запись на портале не подтверждена: подтвердите её там или у оператора.",
				"Your account with the identity provider is not verified: verify it there or with an operator.")
			return
		}
		name := str("name")
		if name == "" {
			name = strings.Join(strings.Fields(str("family_name")+" "+str("given_name")+" "+str("middle_name")), " ")
		}
		addr, _ := claims["address"].(map[string]any)
		formatted, _ := addr["formatted"].(string)
		id := registry.Identity{FullName: name, BirthDate: str("birthdate"), Document: str(o.cfg.DocumentClaim),
			SNILS: str(o.cfg.SNILSClaim), Phone: str("phone_number"), Email: str("email"), Address: formatted}
		acc, err := s.p.Registry.VerifyExternal(ctx, idt.Issuer, idt.Subject, id, clientIP(r))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if err := s.sessions.RenewToken(ctx); err != nil {
			s.fail(w, r, err)
			return
		}
		s.sessions.Put(ctx, "account", acc.ID)
		http.Redirect(w, r, "/account", http.StatusFound)
	}
}
