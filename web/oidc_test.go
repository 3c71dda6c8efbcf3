package web_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/urna-vote/urna/web"
)

// provider is a real OpenID Connect provider over HTTP: discovery, keys,
// an authorization endpoint that approves its one user at once, and a
// token endpoint that checks the client secret and the PKCE verifier and
// signs an ID token with the nonce.
type provider struct {
	srv     *httptest.Server
	key     *rsa.PrivateKey
	claims  map[string]any
	mu      sync.Mutex
	pending map[string][2]string // code → nonce, PKCE challenge
	nonce   string               // if set, signed instead of the request's
}

func newProvider(t *testing.T, claims map[string]any) *provider {
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	p := &provider{key: key, claims: claims, pending: map[string][2]string{}}
	mux := http.NewServeMux()
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{"issuer": p.srv.URL, "authorization_endpoint": p.srv.URL + "/authorize",
			"token_endpoint": p.srv.URL + "/token", "jwks_uri": p.srv.URL + "/jwks", "id_token_signing_alg_values_supported": []string{"RS256"},
			"response_types_supported": []string{"code"}, "subject_types_supported": []string{"public"}})
	})
	mux.HandleFunc("/jwks", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
	})
	mux.HandleFunc("/authorize", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		code := make([]byte, 16)
		rand.Read(code)
		c := base64.RawURLEncoding.EncodeToString(code)
		p.mu.Lock()
		p.pending[c] = [2]string{q.Get("nonce"), q.Get("code_challenge")}
		p.mu.Unlock()
		http.Redirect(w, r, q.Get("redirect_uri")+"?code="+c+"&state="+url.QueryEscape(q.Get("state")), http.StatusFound)
	})
	mux.HandleFunc("/token", func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		id, secret, ok := r.BasicAuth()
		if !ok {
			id, secret = r.Form.Get("client_id"), r.Form.Get("client_secret")
		}
		p.mu.Lock()
		pend, found := p.pending[r.Form.Get("code")]
		delete(p.pending, r.Form.Get("code")) // a code is good once
		p.mu.Unlock()
		sum := sha256.Sum256([]byte(r.Form.Get("code_verifier")))
		if id != "urna" || secret != "s3cret" || !found || base64.RawURLEncoding.EncodeToString(sum[:]) != pend[1] {
			w.WriteHeader(400)
			json.NewEncoder(w).Encode(map[string]string{"error": "invalid_grant"})
			return
		}
		nonce := pend[0]
		if p.nonce != "" {
			nonce = p.nonce
		}
		c := map[string]any{"iss": p.srv.URL, "aud": "urna", "sub": "person-1", "nonce": nonce,
			"iat": time.Now().Unix(), "exp": time.Now().Add(5 * time.Minute).Unix()}
		for k, v := range p.claims {
			c[k] = v
		}
		signer, _ := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: p.key, KeyID: "k1"}}, nil)
		payload, _ := json.Marshal(c)
		jws, _ := signer.Sign(payload)
		tok, _ := jws.CompactSerialize()
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"access_token": "at", "token_type": "Bearer", "expires_in": 300, "id_token": tok})
	})
	return p
}

func oidcClaims(trusted bool) map[string]any {
	return map[string]any{"family_name": "Смирнова", "given_name": "Анна", "middle_name": "Петровна", "birthdate": "1990-03-04",
		"email": "anna@example.test", "phone_number": "+79160000042", "address": map[string]any{"formatted": "Москва, ул. Лесная, д. 5"},
		"snils": "112-233-445 95", "document": "4510 000042", "trusted": trusted}
}

// oidcLogin runs the browser's part: start, follow the redirects, and
// return the callback's status and the session's /me.
func oidcLogin(t *testing.T, e *env, p *provider) (int, string) {
	t.Helper()
	s := web.New(e.p, web.Options{Demo: true, InsecureCookies: true})
	srv := httptest.NewServer(s)
	defer srv.Close()
	if err := s.EnableOIDC(context.Background(), web.OIDC{Issuer: p.srv.URL, ClientID: "urna", ClientSecret: "s3cret",
		RedirectURL: srv.URL + "/auth/oidc/callback"}); err != nil {
		t.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	var last int
	hc := &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if req.URL.Path == "/account" {
			return http.ErrUseLastResponse
		}
		return nil
	}}
	resp, err := hc.Get(srv.URL + "/auth/oidc/start")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	last = resp.StatusCode
	resp, err = hc.Get(srv.URL + "/api/v1/me")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var me struct {
		Account struct {
			Status     string `json:"status"`
			VerifiedBy string `json:"verified_by"`
		}
	}
	json.NewDecoder(resp.Body).Decode(&me)
	return last, me.Account.Status + " " + me.Account.VerifiedBy
}

func TestOIDCLogin(t *testing.T) {
	e := newEnv(t)
	p := newProvider(t, oidcClaims(true))
	st, me := oidcLogin(t, e, p)
	if st != http.StatusFound || !strings.HasPrefix(me, "verified idp:") {
		t.Fatalf("login through the provider: %d, account %q", st, me)
	}
	// Logging in again finds the same account.
	if _, me2 := oidcLogin(t, e, p); me2 != me {
		t.Errorf("second login: %q, want %q", me2, me)
	}
}

func TestOIDCRefusals(t *testing.T) {
	e := newEnv(t)
	p := newProvider(t, oidcClaims(false))
	if st, me := oidcLogin(t, e, p); st != http.StatusForbidden || strings.TrimSpace(me) != "" {
		t.Errorf("unverified person: %d, account %q; want 403 and no session", st, me)
	}
	p = newProvider(t, oidcClaims(true))
	p.nonce = "replayed-token-nonce"
	if st, me := oidcLogin(t, e, p); st != http.StatusUnauthorized || strings.TrimSpace(me) != "" {
		t.Errorf("token with another nonce: %d, account %q; want 401", st, me)
	}
}
