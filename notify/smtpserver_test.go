package notify

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"io"
	"math/big"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"
)

// serverConf is how the test SMTP server behaves towards the next
// connections.
type serverConf struct {
	tls            *tls.Config // STARTTLS offered when not nil
	auth           string      // mechanisms offered in EHLO, e.g. "PLAIN LOGIN"
	user, password string      // the account AUTH accepts
	refuseRcpt     bool        // 550 to every RCPT, echoing the address
	dropAfterData  bool        // read the message, then hang up without answering
	silent         bool        // accept the connection and say nothing
}

// A session is one conversation as the server saw it.
type session struct {
	lines []string // every line the client sent, message included
	tls   bool     // STARTTLS completed
	user  string   // the user AUTH accepted
	data  []string // each message accepted or read, dot-unstuffed
}

// testSMTP is an SMTP server on a loopback socket that speaks enough of
// RFC 5321 for a client's whole conversation: EHLO, STARTTLS (RFC 3207),
// AUTH PLAIN and LOGIN (RFC 4954), MAIL, RCPT, DATA with dot-stuffing,
// RSET, NOOP, QUIT. Each finished conversation arrives on got.
type testSMTP struct {
	addr string
	got  chan *session
	mu   sync.Mutex
	conf serverConf
}

func newSMTPServer(t *testing.T, conf serverConf) *testSMTP {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	s := &testSMTP{addr: ln.Addr().String(), got: make(chan *session, 16), conf: conf}
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			conf := s.conf
			s.mu.Unlock()
			go s.converse(conn, conf)
		}
	}()
	return s
}

// set changes how the server treats the next connections.
func (s *testSMTP) set(conf serverConf) {
	s.mu.Lock()
	s.conf = conf
	s.mu.Unlock()
}

// next returns the next finished conversation.
func (s *testSMTP) next(t *testing.T) *session {
	t.Helper()
	select {
	case ss := <-s.got:
		return ss
	case <-time.After(10 * time.Second):
		t.Fatal("no SMTP conversation ended")
		return nil
	}
}

// dialer connects to this server whatever address is asked for, so that
// a client may use a name that is not loopback.
func (s *testSMTP) dialer() func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, s.addr)
	}
}

func (s *testSMTP) converse(conn net.Conn, conf serverConf) {
	ss := &session{}
	defer func() { s.got <- ss }()
	defer func() { conn.Close() }()
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	if conf.silent {
		io.Copy(io.Discard, conn)
		return
	}
	r := bufio.NewReader(conn)
	say := func(lines ...string) { conn.Write([]byte(strings.Join(lines, "\r\n") + "\r\n")) }
	read := func() (string, bool) {
		line, err := r.ReadString('\n')
		if err != nil {
			return "", false
		}
		line = strings.TrimSuffix(line, "\n")
		line = strings.TrimSuffix(line, "\r")
		ss.lines = append(ss.lines, line)
		return line, true
	}
	say("220 mail.example.test ESMTP")
	greeted := false
	for {
		line, ok := read()
		if !ok {
			return
		}
		verb := strings.ToUpper(strings.SplitN(line, " ", 2)[0])
		switch {
		case verb == "EHLO":
			greeted = true
			ext := []string{"250-mail.example.test", "250-8BITMIME", "250-ENHANCEDSTATUSCODES"}
			if conf.tls != nil && !ss.tls {
				ext = append(ext, "250-STARTTLS")
			}
			if conf.auth != "" {
				ext = append(ext, "250-AUTH "+conf.auth)
			}
			ext = append(ext, "250 SIZE 10240000")
			say(ext...)
		case verb == "STARTTLS" && conf.tls != nil && !ss.tls:
			say("220 2.0.0 ready to start TLS")
			tc := tls.Server(conn, conf.tls)
			if err := tc.Handshake(); err != nil {
				return
			}
			conn, r, ss.tls, greeted = tc, bufio.NewReader(tc), true, false
		case verb == "AUTH" && greeted && conf.auth != "":
			user, pass, ok := s.authenticate(line, say, read)
			if !ok {
				return
			}
			if user != conf.user || pass != conf.password {
				// A careless server that echoes what it was sent.
				say("535 5.7.8 authentication failed for " + user + " with " + pass + " (" + base64.StdEncoding.EncodeToString([]byte(pass)) + ")")
				continue
			}
			ss.user = user
			say("235 2.7.0 authenticated")
		case !greeted:
			say("503 5.5.1 EHLO first")
		case verb == "MAIL" || verb == "RSET" || verb == "NOOP":
			say("250 2.0.0 ok")
		case verb == "RCPT" && conf.refuseRcpt:
			addr := strings.TrimPrefix(line, "RCPT TO:")
			say("550 5.1.1 " + addr + ": mailbox unavailable")
		case verb == "RCPT":
			say("250 2.1.5 ok")
		case verb == "DATA":
			say("354 end with <CRLF>.<CRLF>")
			var msg []string
			for {
				l, ok := read()
				if !ok {
					return
				}
				if l == "." {
					break
				}
				msg = append(msg, strings.TrimPrefix(l, "."))
			}
			ss.data = append(ss.data, strings.Join(msg, "\r\n")+"\r\n")
			if conf.dropAfterData {
				return
			}
			say("250 2.0.0 queued")
		case verb == "QUIT":
			say("221 2.0.0 bye")
			return
		default:
			say("502 5.5.2 not implemented")
		}
	}
}

// authenticate runs AUTH PLAIN or LOGIN and returns what the client sent.
func (s *testSMTP) authenticate(line string, say func(...string), read func() (string, bool)) (user, pass string, ok bool) {
	f := strings.Fields(line)
	decode := func(s string) string {
		b, _ := base64.StdEncoding.DecodeString(s)
		return string(b)
	}
	switch strings.ToUpper(f[1]) {
	case "PLAIN":
		resp := ""
		if len(f) > 2 {
			resp = f[2]
		} else {
			say("334 ")
			if resp, ok = read(); !ok {
				return "", "", false
			}
		}
		parts := strings.Split(decode(resp), "\x00")
		if len(parts) != 3 {
			return "", "", true
		}
		return parts[1], parts[2], true
	case "LOGIN":
		say("334 " + base64.StdEncoding.EncodeToString([]byte("Username:")))
		u, ok := read()
		if !ok {
			return "", "", false
		}
		say("334 " + base64.StdEncoding.EncodeToString([]byte("Password:")))
		p, ok := read()
		if !ok {
			return "", "", false
		}
		return decode(u), decode(p), true
	}
	return "", "", true
}

// has reports whether the client sent a line starting with prefix.
func (ss *session) has(prefix string) bool {
	for _, l := range ss.lines {
		if strings.HasPrefix(strings.ToUpper(l), strings.ToUpper(prefix)) {
			return true
		}
	}
	return false
}

// received is a message as a mail reader shows it.
type received struct {
	header                         mail.Header
	fromName, from, to, subject    string
	messageID                      string
	contentType, charset, encoding string
	date                           time.Time
	body                           string // decoded, with \n line ends, no final one
}

// parse reads a message the way a mail reader does: RFC 5322 headers,
// RFC 2047 encoded words, the transfer encoding of the body.
func parse(t *testing.T, data string) received {
	t.Helper()
	m, err := mail.ReadMessage(strings.NewReader(data))
	if err != nil {
		t.Fatalf("the message does not parse: %v\n%s", err, data)
	}
	var dec mime.WordDecoder
	var r received
	r.header = m.Header
	if r.subject, err = dec.DecodeHeader(m.Header.Get("Subject")); err != nil {
		t.Fatalf("Subject %q: %v", m.Header.Get("Subject"), err)
	}
	from, err := mail.ParseAddress(m.Header.Get("From"))
	if err != nil {
		t.Fatalf("From %q: %v", m.Header.Get("From"), err)
	}
	r.fromName, r.from = from.Name, from.Address
	to, err := mail.ParseAddress(m.Header.Get("To"))
	if err != nil {
		t.Fatalf("To %q: %v", m.Header.Get("To"), err)
	}
	r.to = to.Address
	if r.date, err = m.Header.Date(); err != nil {
		t.Errorf("Date: %v", err)
	}
	r.messageID = m.Header.Get("Message-Id")
	var params map[string]string
	if r.contentType, params, err = mime.ParseMediaType(m.Header.Get("Content-Type")); err != nil {
		t.Fatalf("Content-Type %q: %v", m.Header.Get("Content-Type"), err)
	}
	r.charset = strings.ToLower(params["charset"])
	r.encoding = strings.ToLower(m.Header.Get("Content-Transfer-Encoding"))
	var body io.Reader = m.Body
	switch r.encoding {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body)
	}
	b, err := io.ReadAll(body)
	if err != nil {
		t.Fatalf("body (%s): %v", r.encoding, err)
	}
	r.body = strings.TrimSuffix(strings.ReplaceAll(string(b), "\r\n", "\n"), "\n")
	return r
}

// testCert is a self-signed certificate for mail.example.test and
// 127.0.0.1, and a pool of roots that trusts it.
func testCert(t *testing.T) (*tls.Config, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "mail.example.test"},
		DNSNames:              []string{"mail.example.test"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}, pool
}
