package notify

import (
	"bufio"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestHTTPSMS(t *testing.T) {
	var got string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok" {
			w.WriteHeader(401)
			return
		}
		b := new(strings.Builder)
		bufio.NewReader(r.Body).WriteTo(b)
		got = b.String()
	}))
	g := &HTTPSMS{URL: srv.URL, Token: "tok"}
	if err := g.SendSMS(context.Background(), "+79000000001", "код 12345678"); err != nil {
		t.Fatal(err)
	}
	if got != `{"phone":"+79000000001","text":"код 12345678"}` {
		t.Errorf("gateway got %s", got)
	}
	if err := (&HTTPSMS{URL: srv.URL, Token: "wrong"}).SendSMS(context.Background(), "+7", "x"); err == nil {
		t.Error("a refused message reported as sent")
	}
	srv.Close()
	if err := g.SendSMS(context.Background(), "+7", "x"); err == nil {
		t.Error("a gateway that is down reported as sent")
	}
}

func TestOutboxKeepsTheLast(t *testing.T) {
	o := NewOutbox(2)
	for _, s := range []string{"a", "b", "c"} {
		o.SendSMS(context.Background(), "+7", s)
	}
	if m, ok := o.Last("+7", ""); !ok || m.Text != "c" {
		t.Errorf("last %+v %v", m, ok)
	}
	if _, ok := o.Last("+8", ""); ok {
		t.Error("a message for nobody")
	}
}
