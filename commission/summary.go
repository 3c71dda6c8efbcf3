package commission

import (
	"fmt"
	"strings"
	"time"

	"github.com/urna-vote/urna/crypto/sign"
	"github.com/urna-vote/urna/election"
)

// A Summary is what a member reviews before signing: the election, the
// ledger it was read from, the result per contest, the reconciliation
// counts, the voters' disputes and who has signed — all from the replayed
// ledger.
type Summary struct {
	ID       string
	Title    election.Text
	Training bool
	Phase    election.Phase

	Origin  string // the log's name
	Entries uint64 // the checkpoint's size
	Root    string // its root (base64)
	// KeyFromPlatform: the log key was not given by the member.
	KeyFromPlatform bool

	Counts   *election.Reconciliation // nil before the result
	Contests []ContestTotal           // empty before the result
	// Participants (applications accounted) and Rejected (ballots the
	// platform declares it refused while voting was open), from the
	// participants entry at the close.
	Participants, Rejected uint64
	Disputes               []Dispute
	Members                []MemberStatus
}

// A ContestTotal is one contest's result summed over districts.
type ContestTotal struct {
	ID      string
	Title   election.Text
	Options []OptionTotal
}

// An OptionTotal is one option's votes.
type OptionTotal struct {
	ID    string
	Title election.Text
	Votes uint64
}

// A MemberStatus is a commission member and whether their signature of
// the result is on the ledger.
type MemberStatus struct {
	ID          string
	Name        string
	Scheme      string
	Fingerprint string // sign.Fingerprint of the manifest's key
	Signed      bool
}

// Summary returns what the replayed ledger shows.
func (e *Election) Summary() Summary {
	st := e.State
	m := st.Manifest
	s := Summary{ID: m.ID, Title: m.Title, Training: m.Training, Phase: st.Phase,
		Origin: e.Checkpoint.Origin, Entries: e.Checkpoint.Size, Root: e.Checkpoint.Root.String(),
		KeyFromPlatform: e.KeyFromPlatform, Disputes: e.Disputes()}
	for _, n := range st.Participants {
		s.Participants += n
	}
	s.Rejected = st.Rejected
	if st.Result != nil {
		counts := st.Result.Counts
		s.Counts = &counts
		totals := st.Result.Totals(m)
		for _, c := range m.Contests {
			ct := ContestTotal{ID: c.ID, Title: c.Title}
			for _, o := range c.Options {
				ct.Options = append(ct.Options, OptionTotal{ID: o.ID, Title: o.Title, Votes: totals[c.ID][o.ID]})
			}
			s.Contests = append(s.Contests, ct)
		}
	}
	for _, mb := range m.Commission {
		scheme, err := sign.Canonical(mb.Scheme)
		if err != nil {
			scheme = mb.Scheme
		}
		s.Members = append(s.Members, MemberStatus{ID: mb.ID, Name: mb.Name, Scheme: scheme,
			Fingerprint: sign.Fingerprint(mb.Scheme, mb.Key), Signed: st.Signatures[mb.ID]})
	}
	return s
}

// Unresolved returns the disputes not yet resolved.
func (s Summary) Unresolved() []Dispute {
	var out []Dispute
	for _, d := range s.Disputes {
		if !d.Resolved {
			out = append(out, d)
		}
	}
	return out
}

// Text renders the summary for a terminal.
func (s Summary) Text() string {
	var b strings.Builder
	training := ""
	if s.Training {
		training = " [training vote]"
	}
	fmt.Fprintf(&b, "Election %s%s: %s / %s\n", s.ID, training, oneLine(s.Title.RU), oneLine(s.Title.EN))
	fmt.Fprintf(&b, "Phase: %s\n", s.Phase)
	fmt.Fprintf(&b, "Ledger %s: %d entries, root %s, every entry replayed and checked\n", s.Origin, s.Entries, s.Root)
	if s.KeyFromPlatform {
		fmt.Fprintf(&b, "  (the log key came from the platform itself; give --log-key to check it is the organiser's)\n")
	}
	if s.Counts == nil {
		fmt.Fprintf(&b, "\nNo result yet.\n")
	} else {
		c := s.Counts
		fmt.Fprintf(&b, "\nReconciliation:\n")
		fmt.Fprintf(&b, "  %-38s %d\n", "participants (applications accounted)", s.Participants)
		fmt.Fprintf(&b, "  %-38s %d\n", "credentials issued", c.Issued)
		fmt.Fprintf(&b, "  %-38s %d\n", "credentials that voted", c.Voted)
		fmt.Fprintf(&b, "  %-38s %d\n", "ballots counted", c.Counted)
		fmt.Fprintf(&b, "  %-38s %d\n", "ballots superseded by re-votes", c.Superseded)
		fmt.Fprintf(&b, "  %-38s %d\n", "ballots spoiled (opened by voters)", c.Spoiled)
		fmt.Fprintf(&b, "  %-38s %d\n", "ballots rejected (platform's figure)", s.Rejected)
		for _, ct := range s.Contests {
			fmt.Fprintf(&b, "\n%s (%s)\n", oneLine(ct.Title.EN), ct.ID)
			for _, o := range ct.Options {
				fmt.Fprintf(&b, "  %-38s %d\n", oneLine(o.Title.EN)+" ("+o.ID+")", o.Votes)
			}
		}
	}
	b.WriteString("\n")
	b.WriteString(DisputesText(s.Disputes))
	fmt.Fprintf(&b, "\nCommission:\n")
	for _, m := range s.Members {
		state := "not signed"
		if m.Signed {
			state = "SIGNED"
		}
		fmt.Fprintf(&b, "  %-12s %-10s %-30s %s key %s…\n", m.ID, state, oneLine(m.Name), m.Scheme, m.Fingerprint[:16])
	}
	return b.String()
}

// DisputesText renders voters' disputes for a terminal.
func DisputesText(ds []Dispute) string {
	var b strings.Builder
	open := 0
	for _, d := range ds {
		if !d.Resolved {
			open++
		}
	}
	fmt.Fprintf(&b, "Voters' disputes: %d filed, %d unresolved\n", len(ds), open)
	for _, d := range ds {
		fmt.Fprintf(&b, "  entry %d, filed %s, ballot %s\n", d.Index, d.Filed.Format(time.RFC3339), oneLine(d.Tracking))
		if d.Reason != "" {
			fmt.Fprintf(&b, "    voter: %s\n", oneLine(d.Reason))
		}
		if d.Resolved {
			fmt.Fprintf(&b, "    %s by %s at %s: %s\n", strings.ToUpper(d.Outcome), d.Member, d.ResolvedAt.Format(time.RFC3339), oneLine(d.Resolution))
		} else {
			fmt.Fprintf(&b, "    UNRESOLVED: urna commission resolve … --dispute %d --outcome upheld|dismissed --reason …\n", d.Index)
		}
	}
	return b.String()
}

// oneLine keeps outside text on one terminal line: control characters
// (escape sequences, line breaks) are shown as spaces.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return ' '
		}
		return r
	}, s)
}
