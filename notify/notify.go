// Package notify sends text messages and e-mail: one-time login codes by
// SMS, notifications by e-mail.
package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
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

// The events a voter may be told of. An election lists the ones its
// voters are told of (registry.ElectionInfo.Notify).
const (
	EventApplied          = "applied"           // the application is accounted
	EventVotingStarted    = "voting_started"    // voting opened
	EventReminder         = "reminder"          // a day before the end, to those who have not voted
	EventVotingEnded      = "voting_ended"      // voting closed
	EventResultsPublished = "results_published" // the result is on the ledger
)
