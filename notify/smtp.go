package notify

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"slices"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"
)

// SMTP sends e-mail through an SMTP submission server, one connection
// per message.
//
// A message is UTF-8 plain text, quoted-printable, with a Date and a
// Message-ID. TLS: the connection is upgraded with STARTTLS whenever the
// server offers it (the server's certificate must then verify); with
// RequireTLS a server that does not offer STARTTLS gets nothing, not even
// the sender's address. The password is sent (AUTH PLAIN, or AUTH LOGIN
// where the server offers no PLAIN) only over TLS or to a server on a
// loopback address. A conversation ends when ctx does or after Timeout,
// whichever comes first. Errors name the server and the step that failed
// and never contain the password or the recipient's address.
type SMTP struct {
	Addr               string // host:port
	From               string // address, or "Name <address>"
	Username, Password string // no AUTH when Username is empty
	// RequireTLS refuses to talk to a server that does not offer STARTTLS.
	RequireTLS bool
	// TLSConfig for STARTTLS; nil means verify the server's certificate
	// for the host of Addr against the system's roots.
	TLSConfig *tls.Config
	Timeout   time.Duration // default 20 s

	// dial connects to Addr; nil means a TCP connection. Tests point a
	// name that is not loopback at a server of theirs.
	dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// ErrClearPassword reports a server that would have had the password
// in clear: it did not start TLS and is not on a loopback address.
var ErrClearPassword = errors.New("the server did not start TLS, and the password is sent only over TLS or to a loopback address")

// SendMail sends one UTF-8 plain-text message with a fresh Message-ID.
func (s *SMTP) SendMail(ctx context.Context, to, subject, body string) error {
	b := make([]byte, 12)
	rand.Read(b)
	return s.SendMailID(ctx, hex.EncodeToString(b), to, subject, body)
}

// SendMailID sends a message whose Message-ID is <id@domain of From>, so
// that a copy sent again, after an attempt whose outcome is unknown, can
// be recognised by the receiver.
func (s *SMTP) SendMailID(ctx context.Context, id, to, subject, body string) error {
	msg, err := s.message(id, to, subject, body)
	if err != nil {
		return err
	}
	host, _, err := net.SplitHostPort(s.Addr)
	if err != nil {
		return fmt.Errorf("notify: SMTP server address %q: %w", s.Addr, err)
	}
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = 20 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	c, err := s.client(ctx, host, timeout)
	if err != nil {
		return fmt.Errorf("notify: SMTP: %w", err)
	}
	fail := func(step string, err error) error {
		if ctx.Err() != nil {
			err = fmt.Errorf("%w (%w)", ctx.Err(), err)
		}
		return &smtpError{text: redact(fmt.Sprintf("notify: SMTP %s: %s: %v", s.Addr, step, err), s.secrets(to)), err: err}
	}
	conn, err := c.DialToSMTPClientWithContext(ctx)
	if err != nil {
		return fail("connect", err)
	}
	defer c.CloseWithSMTPClient(conn)
	if s.RequireTLS {
		// go-mail's mandatory policy already refused a server without
		// STARTTLS; this keeps the promise should that ever change.
		if _, err := conn.GetTLSConnectionState(); err != nil {
			return fail("connect", fmt.Errorf("TLS required: %w", err))
		}
	}
	if err := c.SendWithSMTPClient(conn, msg); err != nil && !msg.IsDelivered() {
		var se *gomail.SendError
		if errors.As(err, &se) && se.Reason == gomail.ErrSMTPDataClose && se.ErrorCode() == 0 {
			return fail("send", fmt.Errorf("no answer after the message, which may have been delivered: %w", err))
		}
		return fail("send", err)
	}
	// Once the server has accepted the message, a failed RSET or QUIT is
	// no reason to send it again.
	return nil
}

// message builds the message: From, To, Subject, Date, Message-ID and a
// quoted-printable UTF-8 text body.
func (s *SMTP) message(id, to, subject, body string) (*gomail.Msg, error) {
	if strings.ContainsAny(to+s.From+subject, "\r\n") {
		return nil, errors.New("notify: a line break in an address or the subject")
	}
	if !isDotAtom(id) {
		return nil, fmt.Errorf("notify: message id %q is not a dot-atom", id)
	}
	from, err := mail.ParseAddress(s.From)
	if err != nil {
		return nil, fmt.Errorf("notify: sender address %q: %w", s.From, err)
	}
	_, domain, _ := strings.Cut(from.Address, "@")
	m := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	m.FromMailAddress(from)
	if err := m.To(to); err != nil {
		// The address itself stays out of the error, as it does out of logs.
		return nil, errors.New("notify: the recipient's address is not an e-mail address")
	}
	m.Subject(subject)
	m.SetDate()
	m.SetMessageIDWithValue(id + "@" + domain)
	m.SetBodyString(gomail.TypeTextPlain, body)
	return m, nil
}

// client configures a go-mail client for one conversation within ctx.
func (s *SMTP) client(ctx context.Context, host string, timeout time.Duration) (*gomail.Client, error) {
	tlsConfig := &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
	if s.TLSConfig != nil {
		tlsConfig = s.TLSConfig.Clone()
		if tlsConfig.ServerName == "" {
			tlsConfig.ServerName = host
		}
	}
	policy := gomail.TLSOpportunistic
	if s.RequireTLS {
		policy = gomail.TLSMandatory
	}
	dial := s.dial
	if dial == nil {
		dial = (&net.Dialer{}).DialContext
	}
	opts := []gomail.Option{
		gomail.WithTLSPolicy(policy),
		gomail.WithTLSConfig(tlsConfig),
		// ctx bounds the conversation: it closes the connection when it
		// ends. go-mail's own socket deadlines are only a backstop.
		gomail.WithTimeout(timeout + time.Second),
		gomail.WithDialContextFunc(func(_ context.Context, network, _ string) (net.Conn, error) {
			conn, err := dial(ctx, network, s.Addr)
			if err != nil {
				return nil, err
			}
			context.AfterFunc(ctx, func() { conn.Close() })
			return conn, nil
		}),
		gomail.WithoutNoop(),
		gomail.WithoutRset(),
	}
	if s.Username != "" {
		opts = append(opts, gomail.WithSMTPAuthCustom(&passwordAuth{
			username: s.Username, password: s.Password, host: host, loopback: isLoopback(host),
		}))
	}
	return gomail.NewClient(host, opts...)
}

// passwordAuth is AUTH PLAIN (RFC 4616), or LOGIN where the server
// offers no PLAIN, refused over a connection without TLS to a server
// that is not on a loopback address.
type passwordAuth struct {
	username, password, host string
	loopback                 bool
	login                    smtp.Auth // set when LOGIN was chosen
}

func (a *passwordAuth) Start(server *smtp.ServerInfo) (string, []byte, error) {
	if !server.TLS && !a.loopback {
		return "", nil, ErrClearPassword
	}
	switch {
	case slices.Contains(server.Auth, "PLAIN"):
		return "PLAIN", []byte("\x00" + a.username + "\x00" + a.password), nil
	case slices.Contains(server.Auth, "LOGIN"):
		// The check above is the one that counts; LOGIN's own would
		// refuse a loopback server under another name than "localhost".
		a.login = smtp.LoginAuth(a.username, a.password, a.host, true)
		return a.login.Start(server)
	}
	return "", nil, fmt.Errorf("the server offers neither AUTH PLAIN nor AUTH LOGIN (it offers %q)", strings.Join(server.Auth, " "))
}

func (a *passwordAuth) Next(challenge []byte, more bool) ([]byte, error) {
	if a.login != nil {
		return a.login.Next(challenge, more)
	}
	if more {
		return nil, errors.New("unexpected challenge after AUTH PLAIN")
	}
	return nil, nil
}

// smtpError is a failed conversation: its text is redacted, and it
// wraps the cause for errors.Is and errors.As.
type smtpError struct {
	text string
	err  error
}

func (e *smtpError) Error() string { return e.text }
func (e *smtpError) Unwrap() error { return e.err }

// secrets are the strings an error's text must not show: the password,
// also as a server might echo it back (in base64 on its own or inside
// AUTH PLAIN's answer), and the recipient's address.
func (s *SMTP) secrets(to string) []string {
	var l []string
	if s.Password != "" {
		l = append(l, s.Password, base64.StdEncoding.EncodeToString([]byte(s.Password)),
			base64.StdEncoding.EncodeToString([]byte("\x00"+s.Username+"\x00"+s.Password)))
	}
	if to != "" {
		l = append(l, to)
	}
	return l
}

// redact replaces each secret in text.
func redact(text string, secrets []string) string {
	for _, s := range secrets {
		text = strings.ReplaceAll(text, s, "[redacted]")
	}
	return text
}

// isLoopback reports whether host names this machine: "localhost" or a
// loopback IP address.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// isDotAtom reports whether id is a dot-atom (RFC 5322 §3.2.3), the
// left part of a Message-ID.
func isDotAtom(id string) bool {
	if id == "" || id[0] == '.' || id[len(id)-1] == '.' || strings.Contains(id, "..") {
		return false
	}
	for _, r := range id {
		if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || strings.ContainsRune("!#$%&'*+-/=?^_`{|}~.", r)) {
			return false
		}
	}
	return true
}
