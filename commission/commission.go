// Package commission is what a member of an election's commission does with
// a running platform: read the result, the reconciliation counts, the
// voters' disputes and who has signed; resolve a dispute; sign the result.
// `urna commission` is its command line.
//
// A member trusts nothing the platform says about the election. Open
// fetches the ledger as tlog tiles, checks every entry against a checkpoint
// signed with the election's log key, and replays it through the same state
// machine `urna verify` runs (package election): the counts a member is
// shown are the ones the ledger gives, and what a member signs is the
// state's own protocol message (election.State.ProtocolMessage), never a
// document the platform hands over. The signature is made with the
// member's key (package crypto/sign, any scheme the manifest names) on the
// member's machine and posted as a ledger entry; Open's caller then checks
// that the platform put it on the same ledger it replayed.
//
//	e, err := commission.Open(ctx, "https://vybory.example", "city-2026", commission.Options{LogKey: key})
//	fmt.Print(e.Summary().Text())
//	posted, err := e.Sign(ctx, "member-1", signer)
//
// While a voter's dispute is unresolved the state machine accepts no
// signature (check P2), and Sign refuses before it asks the key: an
// *UnresolvedError lists the disputes to resolve first (Resolve).
package commission

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/urna-vote/urna/client"
	"github.com/urna-vote/urna/crypto/sign"
	"github.com/urna-vote/urna/election"
	"github.com/urna-vote/urna/ledger"
	"github.com/urna-vote/urna/ledger/tiles"
	"github.com/urna-vote/urna/verify"
)

// Options configure Open.
type Options struct {
	// LogKey is the election's log verifier key (note format), obtained
	// from the organiser out of band. Empty: the platform's own answer is
	// used, which proves the ledger is the platform's, not that the
	// platform is the one the member meant.
	LogKey string
	// HTTP is the client to use; nil means one with a two-minute timeout.
	HTTP *http.Client
}

// An Election is one election's ledger as a member has replayed it.
type Election struct {
	ID string
	// State is the ledger replayed through the state machine.
	State *election.State
	// Checkpoint is the signed checkpoint the replay was checked against.
	Checkpoint ledger.Checkpoint
	// LogKey is the log's verifier key; KeyFromPlatform says it came from
	// the platform rather than from Options.LogKey.
	LogKey          string
	KeyFromPlatform bool

	base     string
	hc       *http.Client
	api      *client.Client
	verifier note.Verifier
}

// Errors that callers decide on.
var (
	// ErrNotDecided: the ledger holds no result yet.
	ErrNotDecided = errors.New("commission: the election has no result yet: nothing to sign")
	// ErrNotMember: the member id is not in the manifest's commission.
	ErrNotMember = errors.New("commission: not a member of this election's commission")
	// ErrWrongKey: the key is not the one the manifest lists for the member.
	ErrWrongKey = errors.New("commission: the key is not the member's key in the manifest")
	// ErrAlreadySigned: the member's signature is already on the ledger.
	ErrAlreadySigned = errors.New("commission: the member has already signed the result")
	// ErrInvalidLedger: the ledger does not replay cleanly.
	ErrInvalidLedger = errors.New("commission: the ledger does not verify")
)

// An UnresolvedError is the refusal to sign while voters' disputes are
// open: the state machine would refuse the signature (check P2).
type UnresolvedError struct {
	Disputes []uint64 // the disputes' ledger entries, ascending
}

func (e *UnresolvedError) Error() string {
	s := make([]string, len(e.Disputes))
	for i, d := range e.Disputes {
		s[i] = fmt.Sprint(d)
	}
	return fmt.Sprintf("commission: %d voters' disputes are unresolved (entries %s): no member can sign until each is resolved (urna commission resolve)",
		len(e.Disputes), strings.Join(s, ", "))
}

// Open fetches election id's ledger from the platform at base (e.g.
// https://vybory.example), checks it against its signed checkpoint and
// replays it. Any entry the state machine refuses is an error wrapping
// ErrInvalidLedger: a member never works from a ledger that does not
// verify.
func Open(ctx context.Context, base, id string, opts Options) (*Election, error) {
	hc := opts.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 2 * time.Minute}
	}
	base = strings.TrimRight(base, "/")
	e := &Election{ID: id, base: base, hc: hc, api: client.New(base, hc), LogKey: opts.LogKey}
	if e.LogKey == "" {
		var sum struct {
			LogKey string `json:"log_key"`
		}
		if err := e.api.Call(ctx, "GET", "/api/v1/elections/"+url.PathEscape(id), nil, &sum); err != nil {
			return nil, fmt.Errorf("commission: election %s: %w", id, err)
		}
		e.LogKey, e.KeyFromPlatform = sum.LogKey, true
	}
	v, err := ledger.NewVerifier(strings.TrimSpace(e.LogKey))
	if err != nil {
		return nil, fmt.Errorf("commission: the log key: %w", err)
	}
	e.verifier = v
	tc := tiles.NewClient(base+"/ledger/"+url.PathEscape(id)+"/", v, hc)
	cp, _, err := tc.Checkpoint(ctx)
	if err != nil {
		return nil, fmt.Errorf("commission: the ledger's checkpoint: %w", err)
	}
	st, failures := verify.Replay(tc.Entries(ctx, cp, 0), nil)
	if len(failures) > 0 {
		return nil, fmt.Errorf("%w: %s", ErrInvalidLedger, failures[0])
	}
	if st.Next != cp.Size {
		return nil, fmt.Errorf("%w: %d entries replayed, the checkpoint has %d", ErrInvalidLedger, st.Next, cp.Size)
	}
	if st.Manifest == nil || st.Manifest.ID != id {
		return nil, fmt.Errorf("%w: the ledger does not define election %s", ErrInvalidLedger, id)
	}
	e.State, e.Checkpoint = st, cp
	return e, nil
}

// member returns the manifest's member id and checks that signer holds
// that member's key.
func (e *Election) member(id string, s sign.Signer) (election.Member, error) {
	m, ok := e.State.Manifest.Member(id)
	if !ok {
		return election.Member{}, fmt.Errorf("%w: %q", ErrNotMember, id)
	}
	want, err := sign.Canonical(m.Scheme)
	if err != nil {
		return election.Member{}, err
	}
	if s.Scheme() != want || !bytes.Equal(s.Public(), m.Key) {
		return election.Member{}, fmt.Errorf("%w: %q signs with %s key %s, this is a %s key %s", ErrWrongKey, id,
			want, sign.Fingerprint(want, m.Key), s.Scheme(), sign.Fingerprint(s.Scheme(), s.Public()))
	}
	return m, nil
}

// CanSign says whether member could sign the result now, and if not why:
// ErrNotDecided, ErrNotMember, ErrAlreadySigned or an *UnresolvedError.
// It needs no key, so a command checks it before asking for one.
func (e *Election) CanSign(member string) error {
	st := e.State
	if st.Phase != election.PhaseDecided || st.Result == nil {
		return fmt.Errorf("%w (the election is %s)", ErrNotDecided, st.Phase)
	}
	if _, ok := st.Manifest.Member(member); !ok {
		return fmt.Errorf("%w: %q", ErrNotMember, member)
	}
	if st.Signatures[member] {
		return fmt.Errorf("%w: %q", ErrAlreadySigned, member)
	}
	if open := st.Unresolved(); len(open) > 0 {
		return &UnresolvedError{Disputes: open}
	}
	return nil
}

// Posted is where an entry a member posted is on the ledger: its index,
// the time the platform stamped and the checkpoint that holds it, all
// checked by the member (the checkpoint's signature, the entry's inclusion
// and the consistency of that checkpoint with the one replayed).
type Posted struct {
	Entry      uint64
	Time       int64
	Checkpoint ledger.Checkpoint
}

// Sign signs the result as member with s — the state's protocol message,
// which binds the election's context and the exact result — and posts the
// signature entry. It refuses (see CanSign, ErrWrongKey) before signing.
func (e *Election) Sign(ctx context.Context, member string, s sign.Signer) (*Posted, error) {
	if err := e.CanSign(member); err != nil {
		return nil, err
	}
	m, err := e.member(member, s)
	if err != nil {
		return nil, err
	}
	msg := e.State.ProtocolMessage()
	sig, err := s.Sign(rand.Reader, msg)
	if err != nil {
		return nil, fmt.Errorf("commission: signing: %w", err)
	}
	if err := m.Verify(msg, sig); err != nil {
		return nil, fmt.Errorf("commission: the key made a signature that does not verify: %w", err)
	}
	sg := &election.SignatureEntry{Member: member, Signature: sig}
	return e.post(ctx, &election.Entry{Type: election.TypeSignature, Signature: sg})
}

// Dispute is a voter's dispute as a member reviews it.
type Dispute struct {
	Index    uint64    // its ledger entry
	Filed    time.Time // when the platform put it on the ledger
	Tracking string    // the ballot's tracking code
	Reason   string    // the voter's words
	Receipt  []byte    // the receipt as the voter filed it
	// Once resolved: by whom, how, why and when.
	Resolved   bool
	Member     string
	Outcome    string
	Resolution string
	ResolvedAt time.Time
}

// Disputes returns the voters' disputes on the ledger, by entry.
func (e *Election) Disputes() []Dispute {
	var out []Dispute
	for _, d := range e.State.Disputes {
		x := Dispute{Index: d.Index, Filed: time.UnixMilli(d.Filed).UTC(), Tracking: d.Entry.Tracking,
			Reason: d.Entry.Reason, Receipt: d.Entry.Receipt}
		if r := d.Resolution; r != nil {
			x.Resolved, x.Member, x.Outcome, x.Resolution = true, r.Member, r.Outcome, r.Reason
			x.ResolvedAt = time.UnixMilli(d.ResolvedAt).UTC()
		}
		out = append(out, x)
	}
	sortDisputes(out)
	return out
}

func sortDisputes(ds []Dispute) {
	for i := 1; i < len(ds); i++ {
		for j := i; j > 0 && ds[j].Index < ds[j-1].Index; j-- {
			ds[j], ds[j-1] = ds[j-1], ds[j]
		}
	}
}

// Resolve decides, as member with key s, on the dispute at ledger entry
// dispute: outcome election.OutcomeUpheld (the voter is right) or
// election.OutcomeDismissed, with the commission's reason. The signed
// decision is posted as a resolution entry.
func (e *Election) Resolve(ctx context.Context, dispute uint64, outcome, reason, member string, s sign.Signer) (*Posted, error) {
	d, ok := e.State.Disputes[dispute]
	switch {
	case !ok:
		return nil, fmt.Errorf("commission: there is no dispute at entry %d (see urna commission disputes)", dispute)
	case d.Resolution != nil:
		return nil, fmt.Errorf("commission: the dispute at entry %d is already resolved (%s by %s)", dispute, d.Resolution.Outcome, d.Resolution.Member)
	case outcome != election.OutcomeUpheld && outcome != election.OutcomeDismissed:
		return nil, fmt.Errorf("commission: outcome %q: want %s or %s", outcome, election.OutcomeUpheld, election.OutcomeDismissed)
	case len(reason) > election.MaxReasonLen:
		return nil, fmt.Errorf("commission: the reason is %d bytes, at most %d", len(reason), election.MaxReasonLen)
	}
	m, err := e.member(member, s)
	if err != nil {
		return nil, err
	}
	msg := e.State.ResolutionMessage(dispute, outcome, reason)
	sig, err := s.Sign(rand.Reader, msg)
	if err != nil {
		return nil, fmt.Errorf("commission: signing: %w", err)
	}
	if err := m.Verify(msg, sig); err != nil {
		return nil, fmt.Errorf("commission: the key made a signature that does not verify: %w", err)
	}
	r := &election.ResolutionEntry{Dispute: dispute, Member: member, Outcome: outcome, Reason: reason, Signature: sig}
	return e.post(ctx, &election.Entry{Type: election.TypeResolution, Resolution: r})
}

// postBody is an entry as the platform's entries endpoint takes it: without
// its time, which the platform stamps.
type postBody struct {
	Type       string                    `json:"type"`
	Signature  *election.SignatureEntry  `json:"signature,omitempty"`
	Resolution *election.ResolutionEntry `json:"resolution,omitempty"`
}

// postAnswer is the endpoint's answer: where the entry is, or why it was
// refused.
type postAnswer struct {
	Entry      uint64       `json:"entry"`
	Time       int64        `json:"time"`
	Operator   []byte       `json:"operator"`
	Checkpoint string       `json:"checkpoint"`
	Proof      ledger.Proof `json:"proof"`

	Code    string `json:"code"`
	Check   string `json:"check"`
	Message struct {
		EN string `json:"en"`
	} `json:"message"`
}

// A RefusedError is the platform's refusal of a posted entry: its HTTP
// status and error code, the check of the state machine the entry failed
// (docs/protocol.md §10) if any, and the platform's message.
type RefusedError struct {
	Status  int
	Code    string
	Check   string
	Message string
}

func (e *RefusedError) Error() string {
	if e.Check == election.CheckDisputes {
		return "commission: the platform refused the signature: a voter's dispute was filed after the ledger was read; review it (urna commission disputes)"
	}
	return fmt.Sprintf("commission: the platform refused the entry (HTTP %d %s): %s", e.Status, e.Code, e.Message)
}

// post posts an entry and checks where the platform put it: the answer's
// checkpoint is signed with the log key, holds exactly this entry with the
// stamped time at the index given, and extends the checkpoint replayed.
func (e *Election) post(ctx context.Context, entry *election.Entry) (*Posted, error) {
	body, err := json.Marshal(postBody{Type: entry.Type, Signature: entry.Signature, Resolution: entry.Resolution})
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, "POST", e.base+"/api/v1/elections/"+url.PathEscape(e.ID)+"/entries", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := e.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("commission: posting the %s: %w", entry.Type, err)
	}
	defer resp.Body.Close()
	var ans postAnswer
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&ans); err != nil {
		return nil, fmt.Errorf("commission: posting the %s: HTTP %d, unreadable answer: %w", entry.Type, resp.StatusCode, err)
	}
	if resp.StatusCode != http.StatusCreated {
		return nil, &RefusedError{Status: resp.StatusCode, Code: ans.Code, Check: ans.Check, Message: ans.Message.EN}
	}
	cp, err := ledger.OpenCheckpoint([]byte(ans.Checkpoint), e.verifier)
	if err != nil {
		return nil, fmt.Errorf("commission: the platform's answer: %w", err)
	}
	entry.Time, entry.Operator = ans.Time, ans.Operator
	raw, err := entry.Encode()
	if err != nil {
		return nil, err
	}
	if err := ledger.VerifyInclusion(raw, ans.Entry, cp, ans.Proof); err != nil {
		return nil, fmt.Errorf("commission: the platform's answer does not prove the %s is on the ledger: %w", entry.Type, err)
	}
	if ans.Entry < e.Checkpoint.Size {
		return nil, fmt.Errorf("commission: the platform put the %s at entry %d, inside the ledger already replayed (%d entries)", entry.Type, ans.Entry, e.Checkpoint.Size)
	}
	var proof struct {
		Proof ledger.Proof `json:"proof"`
	}
	path := fmt.Sprintf("/api/v1/elections/%s/proof?from=%d&size=%d", url.PathEscape(e.ID), e.Checkpoint.Size, cp.Size)
	if err := e.api.Call(ctx, "GET", path, nil, &proof); err != nil {
		return nil, fmt.Errorf("commission: the consistency proof: %w", err)
	}
	if err := ledger.VerifyConsistency(e.Checkpoint, cp, proof.Proof); err != nil {
		return nil, fmt.Errorf("commission: the ledger that holds the %s is not the one replayed: %w", entry.Type, err)
	}
	return &Posted{Entry: ans.Entry, Time: ans.Time, Checkpoint: cp}, nil
}
