package notify

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"
)

const (
	ruSubject = "Заявление учтено"
	ruBody    = "Ваше заявление № Z-1 учтено.\n.начало строки с точки\nПоследняя строка."
)

// A message in Russian over a plain conversation with a server on
// loopback: the envelope, the headers a mail reader shows, and the body
// as it decodes (a line that starts with a dot survives dot-stuffing).
func TestSMTPConversation(t *testing.T) {
	srv := newSMTPServer(t, serverConf{})
	s := &SMTP{Addr: srv.addr, From: "urna@vybory.test"}
	before := time.Now().Add(-time.Second)
	if err := s.SendMailID(context.Background(), "a1b2c3", "voter@example.test", ruSubject, ruBody); err != nil {
		t.Fatal(err)
	}
	ss := srv.next(t)
	for _, want := range []string{"EHLO ", "MAIL FROM:<urna@vybory.test>", "RCPT TO:<voter@example.test>", "DATA", "QUIT"} {
		if !ss.has(want) {
			t.Errorf("the conversation lacks %q:\n%s", want, strings.Join(ss.lines, "\n"))
		}
	}
	if len(ss.data) != 1 {
		t.Fatalf("%d messages received, want 1", len(ss.data))
	}
	m := parse(t, ss.data[0])
	if m.subject != ruSubject {
		t.Errorf("Subject decodes to %q, want %q (raw %q)", m.subject, ruSubject, m.header.Get("Subject"))
	}
	if raw := m.header.Get("Subject"); !strings.HasPrefix(raw, "=?") {
		t.Errorf("Subject is not an RFC 2047 encoded word: %q", raw)
	}
	if m.body != ruBody {
		t.Errorf("body decodes to %q, want %q", m.body, ruBody)
	}
	if m.contentType != "text/plain" || m.charset != "utf-8" {
		t.Errorf("Content-Type %s; charset=%s", m.contentType, m.charset)
	}
	if m.encoding != "quoted-printable" && m.encoding != "base64" {
		t.Errorf("Content-Transfer-Encoding %q: 8-bit text in a message", m.encoding)
	}
	for i, l := range strings.Split(ss.data[0], "\r\n") {
		for _, r := range l {
			if r > 127 {
				t.Fatalf("line %d of the message is not 7-bit: %q", i+1, l)
			}
		}
	}
	if m.messageID != "<a1b2c3@vybory.test>" {
		t.Errorf("Message-ID %q, want <a1b2c3@vybory.test>", m.messageID)
	}
	if m.from != "urna@vybory.test" || m.fromName != "" || m.to != "voter@example.test" {
		t.Errorf("From %q, To %q", m.from, m.to)
	}
	if m.date.Before(before) || m.date.After(time.Now().Add(time.Second)) {
		t.Errorf("Date %v is not now", m.date)
	}
	if m.header.Get("User-Agent") != "" || m.header.Get("X-Mailer") != "" {
		t.Errorf("the message names its mailer: %q %q", m.header.Get("User-Agent"), m.header.Get("X-Mailer"))
	}
}

// SendMail gives each message a Message-ID of its own.
func TestSMTPSendMailMessageID(t *testing.T) {
	srv := newSMTPServer(t, serverConf{})
	s := &SMTP{Addr: srv.addr, From: "Выборы <urna@vybory.test>"}
	ids := map[string]bool{}
	for range 2 {
		if err := s.SendMail(context.Background(), "voter@example.test", "Тема", "Текст"); err != nil {
			t.Fatal(err)
		}
		m := parse(t, srv.next(t).data[0])
		if !strings.HasSuffix(m.messageID, "@vybory.test>") || ids[m.messageID] {
			t.Errorf("Message-ID %q (seen before: %v)", m.messageID, ids[m.messageID])
		}
		ids[m.messageID] = true
		if m.fromName != "Выборы" || m.from != "urna@vybory.test" {
			t.Errorf("From decodes to %q <%s>", m.fromName, m.from)
		}
	}
}

// With a server under its own name (not loopback): STARTTLS, the
// certificate verified, then AUTH over TLS.
func TestSMTPStartTLSAndAuth(t *testing.T) {
	serverTLS, roots := testCert(t)
	for _, mech := range []string{"PLAIN LOGIN", "LOGIN"} {
		t.Run(mech, func(t *testing.T) {
			srv := newSMTPServer(t, serverConf{tls: serverTLS, auth: mech, user: "urna", password: "s3cret pass"})
			for _, require := range []bool{false, true} {
				s := &SMTP{Addr: "mail.example.test:587", From: "urna@vybory.test", Username: "urna", Password: "s3cret pass",
					RequireTLS: require, TLSConfig: &tls.Config{RootCAs: roots}, dial: srv.dialer()}
				if err := s.SendMailID(context.Background(), "x1", "voter@example.test", ruSubject, ruBody); err != nil {
					t.Fatal(err)
				}
				ss := srv.next(t)
				if !ss.tls || ss.user != "urna" || len(ss.data) != 1 {
					t.Errorf("RequireTLS %v: TLS %v, authenticated as %q, %d messages", require, ss.tls, ss.user, len(ss.data))
				}
				if want := "AUTH " + strings.Fields(mech)[0]; !ss.has(want) {
					t.Errorf("no %q in\n%s", want, strings.Join(ss.lines, "\n"))
				}
			}
		})
	}
}

// Failures that must stop the conversation before anything is sent, with
// an error that says why.
func TestSMTPRefusesToSend(t *testing.T) {
	serverTLS, roots := testCert(t)
	cases := []struct {
		name    string
		conf    serverConf
		smtp    SMTP
		wantErr string
		wantIs  error
		never   string // a command the server must not have seen
	}{{
		name:    "RequireTLS and a server without STARTTLS",
		conf:    serverConf{},
		smtp:    SMTP{Addr: "mail.example.test:587", RequireTLS: true},
		wantErr: "STARTTLS",
		never:   "MAIL",
	}, {
		name:    "RequireTLS on loopback too",
		conf:    serverConf{auth: "PLAIN", user: "urna", password: "pw-1"},
		smtp:    SMTP{Username: "urna", Password: "pw-1", RequireTLS: true},
		wantErr: "STARTTLS",
		never:   "AUTH",
	}, {
		name:    "a password in clear to a server that is not loopback",
		conf:    serverConf{auth: "PLAIN LOGIN", user: "urna", password: "pw-2"},
		smtp:    SMTP{Addr: "mail.example.test:587", Username: "urna", Password: "pw-2"},
		wantIs:  ErrClearPassword,
		wantErr: "password is sent only over TLS",
		never:   "AUTH",
	}, {
		name:    "a certificate that does not verify",
		conf:    serverConf{tls: serverTLS},
		smtp:    SMTP{Addr: "mail.example.test:587"},
		wantErr: "certificate",
		never:   "MAIL",
	}, {
		name:    "a certificate for another name",
		conf:    serverConf{tls: serverTLS},
		smtp:    SMTP{Addr: "other.example.test:587", TLSConfig: &tls.Config{RootCAs: roots}},
		wantErr: "certificate",
		never:   "MAIL",
	}, {
		name:    "no AUTH offered",
		conf:    serverConf{tls: serverTLS},
		smtp:    SMTP{Addr: "mail.example.test:587", Username: "urna", Password: "pw-3", TLSConfig: &tls.Config{RootCAs: roots}},
		wantErr: "AUTH",
		never:   "MAIL",
	}, {
		name:    "only mechanisms other than PLAIN and LOGIN",
		conf:    serverConf{tls: serverTLS, auth: "CRAM-MD5 XOAUTH2"},
		smtp:    SMTP{Addr: "mail.example.test:587", Username: "urna", Password: "pw-4", TLSConfig: &tls.Config{RootCAs: roots}},
		wantErr: "neither AUTH PLAIN nor AUTH LOGIN",
		never:   "AUTH",
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := newSMTPServer(t, c.conf)
			s := c.smtp
			s.From = "urna@vybory.test"
			if s.Addr == "" {
				s.Addr = srv.addr
			} else {
				s.dial = srv.dialer()
			}
			err := s.SendMailID(context.Background(), "id1", "voter@example.test", ruSubject, ruBody)
			if err == nil {
				t.Fatal("sent")
			}
			if !strings.Contains(err.Error(), c.wantErr) || !strings.Contains(err.Error(), s.Addr) {
				t.Errorf("error %q, want the server and %q", err, c.wantErr)
			}
			if c.wantIs != nil && !errors.Is(err, c.wantIs) {
				t.Errorf("error %q is not %v", err, c.wantIs)
			}
			checkRedacted(t, err, s.Password, "voter@example.test")
			if ss := srv.next(t); ss.has(c.never) || len(ss.data) != 0 {
				t.Errorf("the server saw %s:\n%s", c.never, strings.Join(ss.lines, "\n"))
			}
		})
	}
}

// Refusals by the server: the error names the step and the server's
// answer, and shows neither the password nor the recipient, even when
// the server's answer repeats them.
func TestSMTPServerRefuses(t *testing.T) {
	serverTLS, roots := testCert(t)
	pass := "correct horse battery"
	for _, c := range []struct {
		name, password string
		conf           serverConf
		want           []string
	}{
		{"AUTH", "wrong " + pass, serverConf{tls: serverTLS, auth: "PLAIN", user: "urna", password: pass}, []string{"connect", "535", "AUTH"}},
		{"AUTH LOGIN", "wrong " + pass, serverConf{tls: serverTLS, auth: "LOGIN", user: "urna", password: pass}, []string{"connect", "535", "AUTH"}},
		{"RCPT", pass, serverConf{tls: serverTLS, auth: "PLAIN", user: "urna", password: pass, refuseRcpt: true}, []string{"send", "RCPT", "550", "5.1.1", "[redacted]"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := newSMTPServer(t, c.conf)
			s := &SMTP{Addr: "mail.example.test:587", From: "urna@vybory.test", Username: "urna", Password: c.password,
				TLSConfig: &tls.Config{RootCAs: roots}, dial: srv.dialer()}
			err := s.SendMailID(context.Background(), "id1", "voter@example.test", ruSubject, ruBody)
			if err == nil {
				t.Fatal("sent")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			checkRedacted(t, err, c.password, "voter@example.test")
			if ss := srv.next(t); len(ss.data) != 0 {
				t.Error("a message went through")
			}
		})
	}
}

// checkRedacted fails if err's text shows the password, in clear or in
// base64, or the recipient's address.
func checkRedacted(t *testing.T, err error, password, to string) {
	t.Helper()
	text := err.Error()
	for _, secret := range []string{password, base64.StdEncoding.EncodeToString([]byte(password)), to} {
		if secret != "" && strings.Contains(text, secret) {
			t.Errorf("error %q shows %q", text, secret)
		}
	}
}

// The context bounds the whole conversation: a server that never
// answers is left when the context's deadline passes or it is cancelled.
func TestSMTPContext(t *testing.T) {
	srv := newSMTPServer(t, serverConf{silent: true})
	s := &SMTP{Addr: srv.addr, From: "urna@vybory.test", Timeout: time.Hour}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	err := s.SendMailID(ctx, "id1", "voter@example.test", "s", "b")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("deadline: %v", err)
	}
	srv.next(t)

	ctx, cancel = context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	if err := s.SendMailID(ctx, "id1", "voter@example.test", "s", "b"); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	srv.next(t)

	s.Timeout = 200 * time.Millisecond
	if err := s.SendMailID(context.Background(), "id1", "voter@example.test", "s", "b"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Timeout: %v", err)
	}
}

// Input that would change the message's headers, or a server address
// that is not one, is refused before any connection.
func TestSMTPBadInput(t *testing.T) {
	srv := newSMTPServer(t, serverConf{})
	for _, c := range []struct {
		name, addr, from, id, to, subject string
	}{
		{"line break in the subject", srv.addr, "urna@vybory.test", "id1", "v@example.test", "Тема\r\nBcc: all@example.test"},
		{"line break in the recipient", srv.addr, "urna@vybory.test", "id1", "v@example.test\r\nBcc: all@example.test", "s"},
		{"not an address", srv.addr, "urna@vybory.test", "id1", "voter", "s"},
		{"bad sender", srv.addr, "urna", "id1", "v@example.test", "s"},
		{"bad message id", srv.addr, "urna@vybory.test", "a>b", "v@example.test", "s"},
		{"empty message id", srv.addr, "urna@vybory.test", "", "v@example.test", "s"},
		{"no port", "127.0.0.1", "urna@vybory.test", "id1", "v@example.test", "s"},
	} {
		s := &SMTP{Addr: c.addr, From: c.from}
		if err := s.SendMailID(context.Background(), c.id, c.to, c.subject, "b"); err == nil {
			t.Errorf("%s: sent", c.name)
		}
	}
	select {
	case ss := <-srv.got:
		t.Errorf("a conversation began:\n%s", strings.Join(ss.lines, "\n"))
	default:
	}
}

func TestIsLoopback(t *testing.T) {
	for host, want := range map[string]bool{
		"localhost": true, "LocalHost": true, "127.0.0.1": true, "127.3.2.1": true, "::1": true,
		"mail.example.test": false, "10.0.0.1": false, "::ffff:10.0.0.1": false, "localhost.example.test": false,
	} {
		if got := isLoopback(host); got != want {
			t.Errorf("isLoopback(%q) = %v", host, got)
		}
	}
}
