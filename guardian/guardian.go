package guardian

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/urna-vote/urna/client"
	"github.com/urna-vote/urna/crypto/elgamal"
	"github.com/urna-vote/urna/crypto/threshold"
	"github.com/urna-vote/urna/election"
	"github.com/urna-vote/urna/ledger"
)

// Errors callers decide on (with errors.Is).
var (
	// ErrNotListed: the election's manifest does not list this guardian's
	// public key. The manifest is fixed once the election is defined.
	ErrNotListed = errors.New("guardian: the election does not list this key")
	// ErrNotQualified: the ceremony disqualified this guardian (its deal
	// was missing or bad), so the ledger takes neither its heartbeats nor
	// its decryption share.
	ErrNotQualified = errors.New("guardian: not a qualified guardian of the election")
	// ErrCannotComplain: this guardian's deal is on the ledger but the file
	// that would let it judge the others' deals (KEY.ELECTION.deal) is
	// gone, and a share dealt to it is invalid: it cannot file the
	// complaint that would exclude that dealer.
	ErrCannotComplain = errors.New("guardian: cannot file a complaint")
)

// Config says who the guardian is and which election, on which platform,
// it holds a key share of.
type Config struct {
	// URL is the platform's base URL, e.g. https://vybory.example.ru.
	URL string
	// Election is the election's id.
	Election string
	// KeyFile is the long-term key file (Init); the election's share and
	// deal files are kept next to it.
	KeyFile string
	// Passphrase opens the key file and seals the others.
	Passphrase []byte
	// LogKey is the election log's public key (a signed-note verifier key)
	// as the organiser published it; empty means the one the platform
	// serves, which the guardian then logs for comparison.
	LogKey string
	// Deadline bounds the wait for the other guardians' deals after this
	// guardian's own (default 10 minutes); then it judges those present.
	Deadline time.Duration
	// Every is the interval between heartbeats (default one minute).
	Every time.Duration
	// HTTP is the client for the platform (default: 60 s timeout, longer
	// than a long poll).
	HTTP *http.Client
	// Log receives progress; it never carries a secret. Nil: slog.Default().
	Log *slog.Logger
	// Rand is the source of randomness (default crypto/rand.Reader).
	Rand io.Reader
}

func (c *Config) defaults() {
	if c.Deadline <= 0 {
		c.Deadline = 10 * time.Minute
	}
	if c.Every <= 0 {
		c.Every = time.Minute
	}
	if c.HTTP == nil {
		c.HTTP = &http.Client{Timeout: 60 * time.Second}
	}
	if c.Log == nil {
		c.Log = slog.Default()
	}
	if c.Rand == nil {
		c.Rand = rand.Reader
	}
}

// A Guardian is one key holder taking part in one election from its own
// machine. Its methods follow the election's ledger and post this
// guardian's entries; each can be interrupted and run again, and picks up
// from what the ledger shows. It is not safe for concurrent use.
type Guardian struct {
	cfg   Config
	f     *follower
	pub   []byte
	index int // 0 until the manifest is read
	setup *threshold.Setup
}

// Open checks that the passphrase opens the key file and prepares to
// follow the election (waiting, if needed, until the platform has it).
func Open(ctx context.Context, cfg Config) (*Guardian, error) {
	cfg.defaults()
	if !validElectionID(cfg.Election) {
		return nil, fmt.Errorf("guardian: %q is not an election id", cfg.Election)
	}
	pub, err := PublicKey(cfg.KeyFile, cfg.Passphrase)
	if err != nil {
		return nil, err
	}
	f, err := newFollower(ctx, cfg.URL, cfg.Election, cfg.LogKey, cfg.HTTP, cfg.Log, true)
	if err != nil {
		return nil, err
	}
	return &Guardian{cfg: cfg, f: f, pub: pub}, nil
}

// Index returns the guardian's index in the election (0 before the
// manifest was read).
func (g *Guardian) Index() int { return g.index }

// join waits until the election is defined and finds this guardian in its
// manifest.
func (g *Guardian) join(ctx context.Context) error {
	if g.index != 0 {
		return nil
	}
	if err := g.f.until(ctx, "the election to be defined", func(st *election.State) (bool, error) {
		return st.Manifest != nil, nil
	}); err != nil {
		return err
	}
	st := g.f.st
	m := st.Manifest
	keys := make([][]byte, len(m.Guardians))
	name := ""
	for i, gd := range m.Guardians {
		keys[i] = gd.Key
		if string(gd.Key) == string(g.pub) {
			g.index, name = gd.Index, gd.Name
		}
	}
	if g.index == 0 {
		return fmt.Errorf("%w: election %s lists %d guardians, none with the public key %s (fingerprint %s)",
			ErrNotListed, g.cfg.Election, len(m.Guardians), PublicKeyText(g.pub), Fingerprint(g.pub))
	}
	setup, err := threshold.NewSetup(threshold.Params{N: len(keys), T: m.Threshold}, st.CeremonyContext(), keys)
	if err != nil {
		return fmt.Errorf("guardian: the election's ceremony: %w", err)
	}
	g.setup = setup
	g.cfg.Log.Info("guardian: joined the election", "election", g.cfg.Election, "guardian", g.index, "name", name,
		"guardians", len(keys), "threshold", m.Threshold)
	return nil
}

// An entryBody is an entry as posted to the platform: without its time,
// which the platform stamps.
type entryBody struct {
	Type      string                   `json:"type"`
	Ceremony  *election.CeremonyEntry  `json:"ceremony,omitempty"`
	Share     *election.ShareEntry     `json:"share,omitempty"`
	Heartbeat *election.HeartbeatEntry `json:"heartbeat,omitempty"`
}

// entry is the ledger entry the body becomes at time t.
func (b *entryBody) entry(t int64, operator []byte) *election.Entry {
	return &election.Entry{Type: b.Type, Time: t, Ceremony: b.Ceremony, Share: b.Share, Heartbeat: b.Heartbeat, Operator: operator}
}

// post sends one entry and checks the platform's answer: a checkpoint
// signed by the log key, and the proof that it holds the entry as posted
// with the time the platform stamped.
func (g *Guardian) post(ctx context.Context, body *entryBody) (uint64, error) {
	var out struct {
		Entry      uint64       `json:"entry"`
		Time       int64        `json:"time"`
		Operator   []byte       `json:"operator"`
		Checkpoint string       `json:"checkpoint"`
		Proof      ledger.Proof `json:"proof"`
	}
	if err := g.f.api.Call(ctx, http.MethodPost, "/api/v1/elections/"+url.PathEscape(g.cfg.Election)+"/entries", body, &out); err != nil {
		return 0, err
	}
	cp, err := ledger.OpenCheckpoint([]byte(out.Checkpoint), g.f.verifier)
	if err != nil {
		return 0, &ledgerError{fmt.Errorf("guardian: the platform acknowledged the %s entry with a checkpoint the log key does not sign: %w", body.Type, err)}
	}
	raw, err := body.entry(out.Time, out.Operator).Encode()
	if err != nil {
		return 0, err
	}
	if err := ledger.VerifyInclusion(raw, out.Entry, cp, out.Proof); err != nil {
		return 0, &ledgerError{fmt.Errorf("guardian: the platform's acknowledgement does not prove the %s entry is on the ledger: %w", body.Type, err)}
	}
	return out.Entry, nil
}

// publish posts an entry unless the ledger already shows it (done), and
// retries while the platform is busy or unreachable. A refusal that the
// ledger does not explain is returned.
func (g *Guardian) publish(ctx context.Context, what string, body *entryBody, done func(st *election.State) bool) error {
	for {
		if err := g.f.update(ctx, false); err != nil {
			var le *ledgerError
			if errors.As(err, &le) || ctx.Err() != nil {
				return err
			}
			g.cfg.Log.Warn("guardian: reading the ledger; retrying", "err", err)
			if err := sleep(ctx, retryEvery); err != nil {
				return err
			}
			continue
		}
		if done(g.f.st) {
			return nil
		}
		index, err := g.post(ctx, body)
		var (
			ae *client.Error
			le *ledgerError
		)
		switch {
		case err == nil:
			g.cfg.Log.Info("guardian: posted "+what, "election", g.cfg.Election, "guardian", g.index, "entry", index)
			return g.catchUp(ctx, index)
		case errors.As(err, &le):
			return err
		case errors.As(err, &ae) && ae.Status/100 == 4 && ae.Status != http.StatusTooManyRequests:
			// Refused. It may have been posted before (a lost answer, an
			// earlier run): the ledger tells.
			if uerr := g.f.update(ctx, false); uerr == nil && done(g.f.st) {
				return nil
			}
			return fmt.Errorf("guardian: the platform refused %s: %w", what, err)
		}
		g.cfg.Log.Warn("guardian: posting "+what+"; retrying", "err", err)
		if err := sleep(ctx, retryEvery); err != nil {
			return err
		}
	}
}

// catchUp follows the ledger until it holds entry index.
func (g *Guardian) catchUp(ctx context.Context, index uint64) error {
	for g.f.st.Next <= index {
		if err := g.f.step(ctx); err != nil {
			return err
		}
	}
	return nil
}

// result returns the ceremony's outcome as the ledger has it.
func (g *Guardian) result() (*threshold.Result, error) {
	res, err := g.f.st.Ceremony().Result()
	if err != nil {
		return nil, fmt.Errorf("guardian: the ceremony: %w", err)
	}
	return res, nil
}

// loadShare reads the election's share file (recovering the share from
// the ledger with the long-term key if the file is missing) and checks it
// against this guardian's public share. The caller zeroes it.
func (g *Guardian) loadShare() (*threshold.Share, error) {
	res, err := g.result()
	if err != nil {
		return nil, err
	}
	path := sharePath(g.cfg.KeyFile, g.cfg.Election)
	if !exists(path) {
		g.cfg.Log.Warn("guardian: no share file; recovering the share from the ledger with the long-term key", "file", path)
		if _, err := g.keepShare(); err != nil {
			return nil, err
		}
	}
	s, err := readSecret(path, g.cfg.Passphrase, kindShare)
	if err != nil {
		return nil, err
	}
	defer s.zero()
	if s.Election != g.cfg.Election || s.Guardian != g.index {
		return nil, fmt.Errorf("guardian: %s holds the share of guardian %d of election %s, not of guardian %d of %s",
			path, s.Guardian, s.Election, g.index, g.cfg.Election)
	}
	share, err := threshold.ShareFromStorage(g.index, s.Secret, res.PublicShares[g.index-1])
	if err != nil {
		return nil, fmt.Errorf("guardian: %s: %w", path, err)
	}
	return share, nil
}

// keepShare makes sure the share file holds this guardian's share: it
// checks an existing one, or recovers the share from the ledger's ceremony
// messages with the long-term key and writes it.
func (g *Guardian) keepShare() (*threshold.Result, error) {
	res, err := g.result()
	if err != nil {
		return nil, err
	}
	path := sharePath(g.cfg.KeyFile, g.cfg.Election)
	if exists(path) {
		share, err := g.loadShare()
		if err != nil {
			return nil, err
		}
		share.Zero()
		return res, nil
	}
	key, err := loadKey(g.cfg.KeyFile, g.cfg.Passphrase)
	if err != nil {
		return nil, err
	}
	c := g.f.st.Ceremony()
	share, _, err := threshold.Recover(g.setup, g.index, key, c.Round1Messages(), c.Round2Messages())
	if err != nil {
		return nil, fmt.Errorf("guardian: recovering guardian %d's share from the ledger: %w", g.index, err)
	}
	defer share.Zero()
	s := &secretText{Kind: kindShare, Election: g.cfg.Election, Guardian: g.index, Secret: share.SecretForStorage()}
	defer s.zero()
	if err := writeSecret(path, g.cfg.Passphrase, s); err != nil {
		return nil, err
	}
	g.cfg.Log.Info("guardian: the share is saved", "file", path)
	return res, nil
}

// A KeyInfo is the outcome of the ceremony as this guardian checked it.
type KeyInfo struct {
	Election  string
	Guardian  int
	Key       []byte // the joint election key
	Qualified []int
	ShareFile string
}

// Fingerprint is the joint key's fingerprint (package Fingerprint).
func (k *KeyInfo) Fingerprint() string { return Fingerprint(k.Key) }

// Ceremony takes part in the key ceremony, or resumes it: it waits until
// the election is defined and lists this guardian's key, deals (round 1)
// unless its deal is on the ledger, waits for the others' deals (at most
// Deadline), judges the shares dealt to it and posts its complaints (round
// 2), waits for the joint key, and keeps its share in the share file. It
// never posts a message twice, and never deals twice.
func (g *Guardian) Ceremony(ctx context.Context) (*KeyInfo, error) {
	if err := g.join(ctx); err != nil {
		return nil, err
	}
	if g.f.st.Phase == election.PhaseCeremony {
		key, err := loadKey(g.cfg.KeyFile, g.cfg.Passphrase)
		if err != nil {
			return nil, err
		}
		err = g.deal(ctx, key)
		key = nil
		if err != nil {
			return nil, err
		}
	}
	if err := g.f.until(ctx, "the joint key", func(st *election.State) (bool, error) {
		return st.Phase > election.PhaseCeremony, nil
	}); err != nil {
		return nil, err
	}
	if err := g.dropDeal(); err != nil {
		return nil, err
	}
	res, err := g.keepShare()
	if err != nil {
		return nil, err
	}
	info := &KeyInfo{Election: g.cfg.Election, Guardian: g.index, Key: res.Key.Bytes(),
		Qualified: res.Qualified, ShareFile: sharePath(g.cfg.KeyFile, g.cfg.Election)}
	g.cfg.Log.Info("guardian: the joint key is published", "election", g.cfg.Election, "fingerprint", info.Fingerprint(),
		"qualified", fmt.Sprint(res.Qualified))
	if !res.IsQualified(g.index) {
		g.cfg.Log.Warn("guardian: this guardian is not qualified: the ledger will take no heartbeat or decryption share from it", "guardian", g.index)
	}
	return info, nil
}

// beat posts one heartbeat: the partial decryption of the test ciphertext,
// bound to the ledger size read.
func (g *Guardian) beat(ctx context.Context, share *threshold.Share) error {
	if err := g.f.update(ctx, false); err != nil {
		return err
	}
	st := g.f.st
	if st.Phase != election.PhaseKeyed && st.Phase != election.PhaseOpen {
		return nil
	}
	seen := st.Next
	if seen <= st.Heartbeat(g.index) {
		return nil
	}
	ds, err := threshold.PartialDecrypt(share, []*elgamal.Ciphertext{st.TestCiphertext()},
		election.HeartbeatContext(st.ContextHash, g.index, seen), g.cfg.Rand)
	if err != nil {
		return err
	}
	body := &entryBody{Type: election.TypeHeartbeat, Heartbeat: &election.HeartbeatEntry{Guardian: g.index, Seen: seen, Share: ds.Encode()}}
	return g.publish(ctx, "a heartbeat", body, func(st *election.State) bool {
		return st.Heartbeat(g.index) >= seen || st.Phase > election.PhaseOpen
	})
}

// Heartbeat posts a heartbeat every Every while the election is keyed or
// voting is open, and returns when voting closes (at once if it has).
func (g *Guardian) Heartbeat(ctx context.Context) error {
	if err := g.awaitPhase(ctx, "the joint key", election.PhaseKeyed); err != nil {
		return err
	}
	if g.f.st.Phase > election.PhaseOpen {
		g.cfg.Log.Info("guardian: voting has closed; no heartbeats are due", "election", g.cfg.Election)
		return nil
	}
	share, err := g.ownShare()
	if err != nil {
		return err
	}
	defer share.Zero()
	g.cfg.Log.Info("guardian: posting heartbeats until voting closes", "election", g.cfg.Election, "every", g.cfg.Every)
	for {
		if err := g.beat(ctx, share); err != nil {
			var le *ledgerError
			if errors.As(err, &le) || ctx.Err() != nil {
				return err
			}
			g.cfg.Log.Warn("guardian: the heartbeat failed; trying again at the next", "err", err)
		}
		wctx, cancel := context.WithTimeout(ctx, g.cfg.Every)
		err := g.f.until(wctx, "", func(st *election.State) (bool, error) { return st.Phase > election.PhaseOpen, nil })
		cancel()
		switch {
		case err == nil:
			g.cfg.Log.Info("guardian: voting has closed; heartbeats stop", "election", g.cfg.Election)
			return nil
		case ctx.Err() != nil:
			return ctx.Err()
		case !errors.Is(err, context.DeadlineExceeded):
			return err
		}
	}
}

// awaitPhase joins the election and follows its ledger until it reaches
// phase (what names it in the log while waiting).
func (g *Guardian) awaitPhase(ctx context.Context, what string, phase election.Phase) error {
	if err := g.join(ctx); err != nil {
		return err
	}
	return g.f.until(ctx, what, func(st *election.State) (bool, error) { return st.Phase >= phase, nil })
}

// ownShare is this guardian's share of the key (loadShare), refused with
// ErrNotQualified if the key leaves it out. The caller zeroes it.
func (g *Guardian) ownShare() (*threshold.Share, error) {
	if err := g.qualified(); err != nil {
		return nil, err
	}
	return g.loadShare()
}

// qualified refuses with ErrNotQualified if the key leaves this guardian
// out.
func (g *Guardian) qualified() error {
	res, err := g.result()
	if err != nil {
		return err
	}
	if !res.IsQualified(g.index) {
		return fmt.Errorf("%w: guardian %d is not in %v", ErrNotQualified, g.index, res.Qualified)
	}
	return nil
}

// Decrypt waits for the encrypted tally and posts this guardian's partial
// decryption of it with its proofs. If its share is already on the ledger,
// or the result already is, it does nothing.
func (g *Guardian) Decrypt(ctx context.Context) error {
	if err := g.awaitPhase(ctx, "the encrypted tally", election.PhaseTallied); err != nil {
		return err
	}
	if at, ok := g.f.shares[g.index]; ok {
		g.cfg.Log.Info("guardian: this guardian's decryption share is already on the ledger", "entry", at)
		return nil
	}
	if g.f.st.Phase > election.PhaseTallied {
		g.cfg.Log.Info("guardian: the result is already published; no share is due", "election", g.cfg.Election)
		return nil
	}
	share, err := g.ownShare()
	if err != nil {
		return err
	}
	defer share.Zero()
	st := g.f.st
	ds, err := threshold.PartialDecrypt(share, st.TallyCiphertexts(), st.ContextHash, g.cfg.Rand)
	if err != nil {
		return fmt.Errorf("guardian: decrypting the tally: %w", err)
	}
	body := &entryBody{Type: election.TypeShare, Share: &election.ShareEntry{Guardian: g.index, Share: ds.Encode()}}
	return g.publish(ctx, "the decryption share", body, func(st *election.State) bool {
		_, ok := g.f.shares[g.index]
		return ok || st.Phase > election.PhaseTallied
	})
}

// Run is a guardian's whole part in an election, in one long-running
// call: the ceremony, heartbeats while voting runs, the decryption share
// once the tally is published. It returns when the result is on the
// ledger. Interrupted, it is run again and resumes.
func (g *Guardian) Run(ctx context.Context) error {
	if _, err := g.Ceremony(ctx); err != nil {
		return err
	}
	if err := g.qualified(); err != nil {
		return err
	}
	if err := g.Heartbeat(ctx); err != nil {
		return err
	}
	if err := g.Decrypt(ctx); err != nil {
		return err
	}
	if err := g.f.until(ctx, "the result", func(st *election.State) (bool, error) { return st.Result != nil, nil }); err != nil {
		return err
	}
	g.cfg.Log.Info("guardian: the result is on the ledger; done", "election", g.cfg.Election,
		"decrypted_by", fmt.Sprint(g.f.st.Result.Guardians), "this_guardian", slices.Contains(g.f.st.Result.Guardians, g.index))
	return nil
}
