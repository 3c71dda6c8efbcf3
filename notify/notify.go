// Package notify sends text messages and e-mail: one-time login codes by
// SMS, notifications by e-mail.
package notify

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"mime"
	"net"
	"net/http"
	"net/smtp"
	"strings"
	"sync"
	"time"
)

// SMS sends a text message to a phone number (E.164).
type SMS interface {
	SendSMS(ctx context.Context, phone, text string) error
}

// Mail sends an e-mail.
type Mail interface {
	SendMail(ctx context.Context, to, subject, body string) error
}

// A Message is one message an Outbox kept.
type Message struct {
	To      string    `json:"to"`
	Subject string    `json:"subject,omitempty"`
	Text    string    `json:"text"`
	Sent    time.Time `json:"sent"`
}

// An Outbox is a sender FOR DEMOS AND TESTS ONLY: it delivers nothing and
// keeps the last messages of each recipient, so the demo's voters can read
// their one-time codes on the demo's page.
type Outbox struct {
	mu   sync.Mutex
	keep int
	m    map[string][]Message
}

// NewOutbox keeps the last keep messages of each recipient.
func NewOutbox(keep int) *Outbox { return &Outbox{keep: max(keep, 1), m: map[string][]Message{}} }

func (o *Outbox) put(m Message) {
	o.mu.Lock()
	defer o.mu.Unlock()
	l := append(o.m[m.To], m)
	if len(l) > o.keep {
		l = l[len(l)-o.keep:]
	}
	o.m[m.To] = l
}

// SendSMS keeps the message.
func (o *Outbox) SendSMS(ctx context.Context, phone, text string) error {
	o.put(Message{To: phone, Text: text, Sent: time.Now()})
	return nil
}

// SendMail keeps the message.
func (o *Outbox) SendMail(ctx context.Context, to, subject, body string) error {
	o.put(Message{To: to, Subject: subject, Text: body, Sent: time.Now()})
	return nil
}

// Last returns the last message to a recipient whose text contains
// substr ("" for any).
func (o *Outbox) Last(to, substr string) (Message, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	l := o.m[to]
	for i := len(l) - 1; i >= 0; i-- {
		if strings.Contains(l[i].Text, substr) {
			return l[i], true
		}
	}
	return Message{}, false
}

// All returns the messages kept for a recipient, oldest first.
func (o *Outbox) All(to string) []Message {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]Message(nil), o.m[to]...)
}

// HTTPSMS sends text messages through an HTTP gateway: POST of JSON
// {"phone", "text"} with a bearer token; any 2xx answer is success.
type HTTPSMS struct {
	URL, Token string
	Client     *http.Client // nil: a client with a 10 s timeout
}

// SendSMS posts the message to the gateway.
func (g *HTTPSMS) SendSMS(ctx context.Context, phone, text string) error {
	body, _ := json.Marshal(map[string]string{"phone": phone, "text": text})
	req, err := http.NewRequestWithContext(ctx, "POST", g.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if g.Token != "" {
		req.Header.Set("Authorization", "Bearer "+g.Token)
	}
	hc := g.Client
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Second}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("notify: SMS gateway: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("notify: SMS gateway answered %s", resp.Status)
	}
	return nil
}

// SMTP sends e-mail through an SMTP server: STARTTLS when the server
// offers it, authentication (PLAIN) only over TLS.
type SMTP struct {
	Addr               string // host:port
	From               string
	Username, Password string
	// TLSConfig for STARTTLS; nil means verify the server's name.
	TLSConfig *tls.Config
	Timeout   time.Duration // default 20 s
}

// SendMail sends one UTF-8 plain-text message.
func (s *SMTP) SendMail(ctx context.Context, to, subject, body string) error {
	return s.SendMailID(ctx, "", to, subject, body)
}

// SendMailID sends a message with a Message-ID made of id (when not
// empty), so that a copy sent again after a crash can be recognised.
func (s *SMTP) SendMailID(ctx context.Context, id, to, subject, body string) error {
	if strings.ContainsAny(to+s.From, "\r\n") {
		return fmt.Errorf("notify: address with a line break")
	}
	timeout := s.Timeout
	if timeout == 0 {
		timeout = 20 * time.Second
	}
	d := net.Dialer{Timeout: timeout}
	conn, err := d.DialContext(ctx, "tcp", s.Addr)
	if err != nil {
		return fmt.Errorf("notify: SMTP: %w", err)
	}
	conn.SetDeadline(time.Now().Add(timeout))
	host, _, _ := net.SplitHostPort(s.Addr)
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("notify: SMTP: %w", err)
	}
	defer c.Close()
	if ok, _ := c.Extension("STARTTLS"); ok {
		cfg := s.TLSConfig
		if cfg == nil {
			cfg = &tls.Config{ServerName: host}
		}
		if err := c.StartTLS(cfg); err != nil {
			return fmt.Errorf("notify: SMTP STARTTLS: %w", err)
		}
	}
	if s.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", s.Username, s.Password, host)); err != nil {
			return fmt.Errorf("notify: SMTP auth: %w", err)
		}
	}
	if err := c.Mail(s.From); err != nil {
		return fmt.Errorf("notify: SMTP MAIL: %w", err)
	}
	if err := c.Rcpt(to); err != nil {
		return fmt.Errorf("notify: SMTP RCPT: %w", err)
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("notify: SMTP DATA: %w", err)
	}
	messageID := ""
	if id != "" && !strings.ContainsAny(id, "\r\n<>") {
		_, domain, _ := strings.Cut(s.From, "@")
		messageID = "Message-ID: <" + id + "@" + domain + ">\r\n"
	}
	msg := messageID + "From: " + s.From + "\r\nTo: " + to + "\r\nSubject: " + mime.QEncoding.Encode("utf-8", subject) +
		"\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\nDate: " +
		time.Now().UTC().Format(time.RFC1123Z) + "\r\n\r\n" + strings.ReplaceAll(strings.ReplaceAll(body, "\r\n", "\n"), "\n", "\r\n")
	if _, err := w.Write([]byte(msg)); err != nil {
		return fmt.Errorf("notify: SMTP: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("notify: SMTP: %w", err)
	}
	return c.Quit()
}
