package guardian

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/urna-vote/urna/election"
)

// Status is where an election's key stands, as its ledger shows: the
// ceremony, the guardians' heartbeats and decryption shares. Reading it
// needs no key.
type Status struct {
	Election  string
	Phase     election.Phase
	Entries   uint64
	Threshold int
	Guardians []GuardianStatus
	// Set once the joint key is published.
	Key       []byte
	Qualified []int
	// When a quorum's heartbeats last decrypted the test ciphertext (Unix
	// ms, 0: never) and whose.
	KeyTestedAt int64
	KeyTestedBy []int
	// Decrypted lists the guardians whose shares made the result, once it
	// is published.
	Decrypted []int
}

// GuardianStatus is one guardian's part so far.
type GuardianStatus struct {
	Index      int
	Name       string
	Dealt      bool  // its round-1 message is on the ledger
	Judged     bool  // its round-2 message is
	Complaints []int // the dealers it complained against
	Qualified  bool
	Heartbeat  int64  // its last heartbeat's time, Unix ms (0: none)
	Seen       uint64 // the ledger size its last heartbeat read
	Share      bool   // its decryption share is on the ledger
}

// ReadStatus reads the election's ledger from the platform (every entry,
// checked by the state machine and proven against the signed checkpoint)
// and reports where its key stands. Only cfg's URL, Election, LogKey,
// HTTP and Log are used.
func ReadStatus(ctx context.Context, cfg Config) (*Status, error) {
	cfg.defaults()
	if !validElectionID(cfg.Election) {
		return nil, fmt.Errorf("guardian: %q is not an election id", cfg.Election)
	}
	f, err := newFollower(ctx, cfg.URL, cfg.Election, cfg.LogKey, cfg.HTTP, cfg.Log, false)
	if err != nil {
		return nil, err
	}
	if err := f.update(ctx, false); err != nil {
		return nil, err
	}
	st := f.st
	s := &Status{Election: cfg.Election, Phase: st.Phase, Entries: st.Next, KeyTestedAt: st.KeyTestedAt, KeyTestedBy: st.KeyTestedBy}
	if st.Manifest == nil {
		return s, nil
	}
	s.Threshold = st.Manifest.Threshold
	c := st.Ceremony()
	if st.Key != nil {
		if res, err := c.Result(); err == nil {
			s.Key, s.Qualified = res.Key.Bytes(), res.Qualified
		}
	}
	for _, gd := range st.Manifest.Guardians {
		gs := GuardianStatus{Index: gd.Index, Name: gd.Name, Heartbeat: st.Heartbeats[gd.Index], Seen: st.Heartbeat(gd.Index)}
		for _, m := range c.Round1Messages() {
			gs.Dealt = gs.Dealt || m.Dealer == gd.Index
		}
		for _, m := range c.Round2Messages() {
			if m.Guardian == gd.Index {
				gs.Judged = true
				for _, cp := range m.Complaints {
					gs.Complaints = append(gs.Complaints, cp.Dealer)
				}
			}
		}
		for _, q := range s.Qualified {
			gs.Qualified = gs.Qualified || q == gd.Index
		}
		_, gs.Share = f.shares[gd.Index]
		s.Guardians = append(s.Guardians, gs)
	}
	if st.Result != nil {
		s.Decrypted = st.Result.Guardians
	}
	return s, nil
}

// String lays the status out for people.
func (s *Status) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Election %s: %s, %d entries.\n", s.Election, s.Phase, s.Entries)
	if len(s.Guardians) == 0 {
		return b.String()
	}
	if s.Key != nil {
		fmt.Fprintf(&b, "Joint key %s (fingerprint %s), qualified guardians %v; any %d decrypt.\n",
			PublicKeyText(s.Key), Fingerprint(s.Key), s.Qualified, s.Threshold)
	} else {
		fmt.Fprintf(&b, "Key ceremony: no joint key yet; any %d of %d guardians will decrypt.\n", s.Threshold, len(s.Guardians))
	}
	if s.KeyTestedAt != 0 {
		fmt.Fprintf(&b, "Key test: guardians %v decrypted the test ciphertext at %s.\n", s.KeyTestedBy, stamp(s.KeyTestedAt))
	}
	if s.Decrypted != nil {
		fmt.Fprintf(&b, "Result published, decrypted by guardians %v.\n", s.Decrypted)
	}
	fmt.Fprintf(&b, "\n  %-3s %-28s %-6s %-16s %-9s %-28s %s\n", "#", "guardian", "deal", "complaints", "qualified", "last heartbeat", "share")
	for _, g := range s.Guardians {
		complaints := "-"
		if g.Judged {
			complaints = "none"
			if len(g.Complaints) > 0 {
				complaints = fmt.Sprintf("against %v", g.Complaints)
			}
		}
		beat := "-"
		if g.Heartbeat != 0 {
			beat = fmt.Sprintf("%s (read %d)", stamp(g.Heartbeat), g.Seen)
		}
		fmt.Fprintf(&b, "  %-3d %-28s %-6s %-16s %-9s %-28s %s\n", g.Index, clip(g.Name, 28), yes(g.Dealt), complaints,
			yes(g.Qualified && s.Key != nil), beat, yes(g.Share))
	}
	return b.String()
}

func yes(b bool) string {
	if b {
		return "yes"
	}
	return "-"
}

func stamp(ms int64) string { return time.UnixMilli(ms).UTC().Format("2006-01-02 15:04:05Z") }

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
