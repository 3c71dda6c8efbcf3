// Package client is a voter's device speaking the platform's HTTP API: it
// logs in, learns each election from its public ledger (replaying the
// entries up to the joint key through the same state machine the server
// runs, so it trusts no summary), obtains a blind-signed credential,
// encrypts ballots on the device and casts them, and checks the receipts.
//
// The load generator drives it, and it is the reference for other
// clients of the API.
package client

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/urna-vote/urna/ballot"
	"github.com/urna-vote/urna/ballotbox"
	"github.com/urna-vote/urna/crypto/credential"
	"github.com/urna-vote/urna/election"
	"github.com/urna-vote/urna/ledger"
)

// A Client talks to one platform as one voter (one session).
type Client struct {
	base    string
	hc      *http.Client
	session string // the session cookie, sent back as is
}

// New returns a client of the platform at base (e.g. http://127.0.0.1:8080).
func New(base string, hc *http.Client) *Client {
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	return &Client{base: strings.TrimRight(base, "/"), hc: hc}
}

// An Error is the platform's refusal: the HTTP status and the body's
// stable code, message and, for a full queue, position and wait.
type Error struct {
	Status      int
	Code        string `json:"code"`
	Field       string `json:"field"`
	Position    int    `json:"position"`
	WaitSeconds int    `json:"wait_seconds"`
	Message     struct {
		RU string `json:"ru"`
		EN string `json:"en"`
	} `json:"message"`
}

func (e *Error) Error() string {
	return fmt.Sprintf("HTTP %d %s: %s", e.Status, e.Code, e.Message.EN)
}

// do sends a JSON request and decodes a JSON answer into out.
func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.session != "" && !strings.HasPrefix(path, "/cast/") {
		req.Header.Set("Cookie", c.session)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	for _, ck := range resp.Cookies() {
		if ck.Name == "urna_session" {
			c.session = (&http.Cookie{Name: ck.Name, Value: ck.Value}).String()
		}
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		e := &Error{Status: resp.StatusCode}
		if json.Unmarshal(data, e) != nil || e.Code == "" {
			e.Code = "http_" + strconv.Itoa(resp.StatusCode)
		}
		return e
	}
	if out == nil {
		return nil
	}
	if raw, ok := out.(*[]byte); ok {
		*raw = data
		return nil
	}
	return json.Unmarshal(data, out)
}

// Call calls any endpoint of the API: in is sent as JSON, the answer is
// decoded into out (if not nil). An error answer is an *Error.
func (c *Client) Call(ctx context.Context, method, path string, in, out any) error {
	return c.do(ctx, method, path, in, out)
}

// Login starts a login with a phone number or e-mail and a password; the
// platform sends a one-time code by SMS.
func (c *Client) Login(ctx context.Context, login, password string) (challenge string, err error) {
	var out struct {
		Challenge string `json:"challenge"`
	}
	err = c.do(ctx, "POST", "/api/v1/login", map[string]string{"login": login, "password": password}, &out)
	return out.Challenge, err
}

// LoginCode finishes the login with the one-time code.
func (c *Client) LoginCode(ctx context.Context, challenge, code string) error {
	return c.do(ctx, "POST", "/api/v1/login/code", map[string]string{"challenge": challenge, "code": code}, nil)
}

var codeRE = regexp.MustCompile(`\b\d{6,10}\b`)

// DemoCode reads the one-time code last sent to a demo phone from a demo
// server's outbox.
func (c *Client) DemoCode(ctx context.Context, phone string) (string, error) {
	var raw []byte
	if err := c.do(ctx, "GET", "/api/v1/demo/sms?phone="+url.QueryEscape(phone), nil, &raw); err != nil {
		return "", err
	}
	code := codeRE.Find(raw)
	if code == nil {
		return "", fmt.Errorf("client: no code in the demo message to %s", phone)
	}
	return string(code), nil
}

// DemoLogin logs in on a demo platform: password, then the one-time code
// read from the demo's SMS page.
func (c *Client) DemoLogin(ctx context.Context, login, password string) error {
	ch, err := c.Login(ctx, login, password)
	if err != nil {
		return err
	}
	code, err := c.DemoCode(ctx, login)
	if err != nil {
		return err
	}
	return c.LoginCode(ctx, ch, code)
}

// BallotInfo is one ballot the voter may receive.
type BallotInfo struct {
	Election string        `json:"election"`
	Title    election.Text `json:"title"`
	District string        `json:"district"`
	Issued   bool          `json:"issued"`
	Open     bool          `json:"open"`
}

// Ballots lists the ballots the logged-in voter may receive.
func (c *Client) Ballots(ctx context.Context) ([]BallotInfo, error) {
	var out struct {
		Ballots []BallotInfo `json:"ballots"`
	}
	err := c.do(ctx, "GET", "/api/v1/ballots", nil, &out)
	return out.Ballots, err
}

// An Election is what a device knows of an election: the state replayed
// from the ledger's entries up to the joint key, and the key that
// verifies the ledger's checkpoints.
type Election struct {
	ID       string
	State    *election.State
	Verifier note.Verifier
}

// Election fetches an election's ledger up to its joint key and replays it.
// It checks the ceremony as any verifier would; the checkpoint key comes
// from the server here, and a careful device pins it from the manifest
// published by the commission.
func (c *Client) Election(ctx context.Context, id string) (*Election, error) {
	var sum struct {
		Entries uint64 `json:"entries"`
		LogKey  string `json:"log_key"`
	}
	if err := c.do(ctx, "GET", "/api/v1/elections/"+url.PathEscape(id), nil, &sum); err != nil {
		return nil, err
	}
	v, err := ledger.NewVerifier(sum.LogKey)
	if err != nil {
		return nil, err
	}
	st := election.New()
	for from := uint64(0); st.BallotContext() == nil; {
		if from >= sum.Entries {
			return nil, fmt.Errorf("client: election %s has no joint key yet", id)
		}
		to := min(from+100, sum.Entries)
		var raw []byte
		if err := c.do(ctx, "GET", fmt.Sprintf("/api/v1/elections/%s/entries?from=%d&to=%d", url.PathEscape(id), from, to), nil, &raw); err != nil {
			return nil, err
		}
		for line := range bytes.Lines(raw) {
			if st.BallotContext() != nil {
				break
			}
			if err := st.Apply(bytes.TrimSuffix(line, []byte("\n"))); err != nil {
				return nil, fmt.Errorf("client: election %s: the ledger does not check: %w", id, err)
			}
		}
		from = to
	}
	return &Election{ID: id, State: st, Verifier: v}, nil
}

// A Device holds one credential: what casts a voter's ballots in one
// election, and re-votes with increasing sequence numbers.
type Device struct {
	Election *Election
	District string
	cred     []byte
	key      *credential.Key
	seq      uint32
}

// Credential obtains the voter's credential in an election: the device
// makes a credential key, blinds it, the platform signs, the device
// unblinds.
func (c *Client) Credential(ctx context.Context, e *Election, district string) (*Device, error) {
	var issuer []byte
	for _, d := range e.State.Manifest.Districts {
		if d.ID == district {
			issuer = d.Issuer
		}
	}
	if issuer == nil {
		return nil, fmt.Errorf("client: district %q is not in election %s", district, e.ID)
	}
	pub, err := credential.ParsePublicKey(issuer)
	if err != nil {
		return nil, err
	}
	req, err := credential.NewRequest(rand.Reader, pub, e.State.ContextHash, district)
	if err != nil {
		return nil, err
	}
	var out struct {
		District       string `json:"district"`
		BlindSignature []byte `json:"blind_signature"`
	}
	if err := c.do(ctx, "POST", "/api/v1/elections/"+url.PathEscape(e.ID)+"/credential", map[string][]byte{"blinded": req.Blinded()}, &out); err != nil {
		return nil, err
	}
	cred, err := req.Finalize(out.BlindSignature)
	if err != nil {
		return nil, fmt.Errorf("client: the platform's signature does not verify: %w", err)
	}
	key, err := req.Key()
	if err != nil {
		return nil, err
	}
	return &Device{Election: e, District: district, cred: cred.Encode(), key: key}, nil
}

// Encrypt encrypts and proves a ballot with the next sequence number.
func (d *Device) Encrypt(choices ballot.Choices) (*ballot.Ballot, *ballot.Opening, error) {
	d.seq++
	return ballot.Encrypt(rand.Reader, d.Election.State.BallotContext(), d.Election.State.Style(d.District),
		d.cred, d.key.Secret(), d.seq, choices)
}

// Style is the ballot style of the device's district.
func (d *Device) Style() ballot.Style { return d.Election.State.Style(d.District) }

// Cast casts a ballot on the session-less endpoint: no cookie is sent.
func (c *Client) Cast(ctx context.Context, electionID string, b []byte) (*ballotbox.Receipt, error) {
	var rc ballotbox.Receipt
	err := c.do(ctx, "POST", "/cast/v1/elections/"+url.PathEscape(electionID)+"/ballots", map[string][]byte{"ballot": b}, &rc)
	if err != nil {
		return nil, err
	}
	return &rc, nil
}

// CheckReceipt checks a receipt of ballot b: the checkpoint's signature,
// the tracking code, and that the entry made of the ballot, the receipt's
// time and operator signature is in the checkpoint's tree at the
// receipt's index.
func (e *Election) CheckReceipt(rc *ballotbox.Receipt, b *ballot.Ballot) error {
	cp, err := ledger.OpenCheckpoint([]byte(rc.Checkpoint), e.Verifier)
	if err != nil {
		return err
	}
	if rc.TrackingCode != b.TrackingCode() {
		return fmt.Errorf("client: the receipt's tracking code %s is not the ballot's %s", rc.TrackingCode, b.TrackingCode())
	}
	entry, err := (&election.Entry{Type: election.TypeBallot, Time: rc.Time, Ballot: &election.BallotEntry{Ballot: b.Bytes()}, Operator: rc.Operator}).Encode()
	if err != nil {
		return err
	}
	return ledger.VerifyInclusion(entry, rc.Entry, cp, rc.Proof)
}
