package web_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/urna-vote/urna/demo"
	"github.com/urna-vote/urna/notify"
	"github.com/urna-vote/urna/platform"
	"github.com/urna-vote/urna/web"
)

// FuzzCastBody sends arbitrary bodies to the casting endpoint: each gets an
// error with a stable code or a receipt, never a crash, and a refused one
// leaves the ledger as it was.
func FuzzCastBody(f *testing.F) {
	p, err := platform.Open(context.Background(), platform.Config{Data: f.TempDir(), SMS: notify.NewOutbox(1)})
	if err != nil {
		f.Fatal(err)
	}
	defer p.Close()
	if err := demo.Setup(context.Background(), p, demo.Options{Voters: 1, Guardians: 3, Threshold: 2}); err != nil {
		f.Fatal(err)
	}
	h := web.New(p, web.Options{Demo: true})
	e, _ := p.Election("demo-federal")
	for _, s := range []string{`{"ballot":"AAAA"}`, `{`, `{"ballot":null}`, `{"ballot":"` + string(bytes.Repeat([]byte("A"), 4000)) + `"}`, `[1,2]`, ``} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		before := e.Box.Ledger().Size()
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("POST", "/cast/v1/elections/demo-federal/ballots", bytes.NewReader(body))
		h.ServeHTTP(rec, req)
		switch rec.Code {
		case http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity, http.StatusConflict:
		default:
			t.Fatalf("status %d: %s", rec.Code, rec.Body.String())
		}
		if !bytes.Contains(rec.Body.Bytes(), []byte(`"code":"`)) {
			t.Fatalf("no error code: %s", rec.Body.String())
		}
		if after := e.Box.Ledger().Size(); after != before {
			t.Fatalf("a refused ballot changed the ledger from %d to %d entries", before, after)
		}
	})
}
