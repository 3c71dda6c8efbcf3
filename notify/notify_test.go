package notify

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestSMTPConversation speaks SMTP with a server on a loopback socket and
// checks the commands and the message it received.
// smtpServer is an SMTP server on a loopback socket that accepts every
// message; each conversation's lines arrive on the channel.
func smtpServer(t *testing.T) (string, <-chan []string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	got := make(chan []string, 16)
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go converse(conn, got)
		}
	}()
	return ln.Addr().String(), got
}

func converse(conn net.Conn, got chan<- []string) {
	defer conn.Close()
	r := bufio.NewReader(conn)
	say := func(s string) { conn.Write([]byte(s + "\r\n")) }
	var lines []string
	say("220 mail.test ESMTP")
	inData := false
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			got <- lines
			return
		}
		line = strings.TrimRight(line, "\r\n")
		lines = append(lines, line)
		switch {
		case inData && line == ".":
			inData = false
			say("250 queued")
		case inData:
		case strings.HasPrefix(line, "EHLO"):
			say("250-mail.test")
			say("250 8BITMIME")
		case strings.HasPrefix(line, "MAIL FROM:"), strings.HasPrefix(line, "RCPT TO:"):
			say("250 ok")
		case line == "DATA":
			inData = true
			say("354 go on")
		case line == "QUIT":
			say("221 bye")
			got <- lines
			return
		default:
			say("502 no")
		}
	}
}

func TestSMTPConversation(t *testing.T) {
	addr, got := smtpServer(t)
	s := &SMTP{Addr: addr, From: "urna@vybory.test"}
	if err := s.SendMail(context.Background(), "voter@example.test", "Заявление учтено", "Ваше заявление № Z-1 учтено.\n.начало строки с точки"); err != nil {
		t.Fatal(err)
	}
	lines := <-got
	text := strings.Join(lines, "\n")
	for _, want := range []string{"MAIL FROM:<urna@vybory.test>", "RCPT TO:<voter@example.test>", "DATA",
		"Subject: =?utf-8?q?", "Content-Type: text/plain; charset=utf-8", "Ваше заявление № Z-1 учтено.", "..начало строки с точки", "QUIT"} {
		if !strings.Contains(text, want) {
			t.Errorf("conversation lacks %q:\n%s", want, text)
		}
	}
}

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
