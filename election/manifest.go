package election

import (
	"crypto/rsa"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/urna-vote/urna/ballot"
	"github.com/urna-vote/urna/crypto/sign"
)

// A Manifest defines an election: what is asked, of whom, when, who holds
// the key and who signs the result. It is the first entry of the ledger and
// is fixed from then on.
type Manifest struct {
	ID         string     `json:"id"`
	Title      Text       `json:"title"`
	Training   bool       `json:"training"`
	Voting     Window     `json:"voting"`
	Regions    []Region   `json:"regions,omitempty"`
	Districts  []District `json:"districts"`
	Contests   []Contest  `json:"contests"`
	Guardians  []Guardian `json:"guardians"`
	Threshold  int        `json:"threshold"`
	Commission []Member   `json:"commission"`
	// Build is the SHA-256 of the platform build that defined the
	// election, so observers can check the servers run the published code.
	Build string `json:"build"`
	// Operator is the Ed25519 public key of the platform that runs the
	// election; when set, every later entry carries its signature (O1).
	Operator []byte `json:"operator,omitempty"`
}

// Text is a user-facing string in Russian and English.
type Text struct {
	RU string `json:"ru"`
	EN string `json:"en"`
}

// A Window is a time interval in Unix milliseconds, with the IANA time zone
// in which it is shown to voters.
type Window struct {
	Opens    int64  `json:"opens"`
	Closes   int64  `json:"closes"`
	TimeZone string `json:"tz"`
}

// A Region with its own voting window: an election that spans time zones
// opens and closes in each region at local times (8:00 to 20:00, say).
// Each region's window lies within the election's, which then runs from
// the first region's opening to the last one's closing. Districts of a
// region not listed vote in the election's window.
type Region struct {
	ID     string `json:"id"`
	Name   Text   `json:"name"`
	Voting Window `json:"voting"`
}

// A District is where a voter is registered. Its Issuer is the RSA public
// key (PKIX DER) that blind-signs credentials for its voters: one key per
// district binds each credential to its district.
type District struct {
	ID     string `json:"id"`
	Name   Text   `json:"name"`
	Region string `json:"region"`
	Issuer []byte `json:"issuer"`
}

// A Contest is one question. Kind is "one_of_n", "k_of_n" or "referendum"
// (options yes, no, abstain: one of three). Districts lists the districts
// that vote in it; empty means all.
type Contest struct {
	ID        string   `json:"id"`
	Title     Text     `json:"title"`
	Kind      string   `json:"kind"`
	Min       int      `json:"min"`
	Max       int      `json:"max"`
	Options   []Option `json:"options"`
	Districts []string `json:"districts"`
}

// An Option is one choice in a contest.
type Option struct {
	ID    string `json:"id"`
	Title Text   `json:"title"`
}

// A Guardian holds a share of the election key. Key is its long-term
// encryption key (a ristretto255 element) for the key ceremony.
type Guardian struct {
	Index int    `json:"index"`
	Name  string `json:"name"`
	Key   []byte `json:"key"`
}

// A Member of the commission signs the result with Key, a public key of
// the signature scheme Scheme (package crypto/sign; empty means Ed25519).
type Member struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Scheme string `json:"scheme,omitempty"`
	Key    []byte `json:"key"`
}

// Verify checks the member's signature of msg.
func (m Member) Verify(msg, sig []byte) error {
	return sign.Verify(m.Scheme, m.Key, msg, sig)
}

// Member returns the commission member with the given id.
func (m *Manifest) Member(id string) (Member, bool) {
	for _, mb := range m.Commission {
		if mb.ID == id {
			return mb, true
		}
	}
	return Member{}, false
}

// Contest kinds.
const (
	KindOneOfN     = "one_of_n"
	KindKOfN       = "k_of_n"
	KindReferendum = "referendum"
)

// Limits of a manifest.
const (
	MaxDistricts = 100000
	MaxGuardians = 64
	MaxIDLen     = 64
)

func checkID(what, id string) error {
	if id == "" || len(id) > MaxIDLen {
		return fmt.Errorf("%s id %q: must be 1 to %d characters", what, id, MaxIDLen)
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return fmt.Errorf("%s id %q: only letters, digits, '-', '_' and '.'", what, id)
		}
	}
	return nil
}

func checkText(what string, t Text) error {
	if t.RU == "" || !utf8.ValidString(t.RU) || !utf8.ValidString(t.EN) || len(t.RU) > 1000 || len(t.EN) > 1000 {
		return fmt.Errorf("%s: a Russian title is required, both at most 1000 bytes of UTF-8", what)
	}
	return nil
}

// Check validates the manifest on its own and returns the issuers' keys by
// district.
func (m *Manifest) Check() (map[string]*rsa.PublicKey, error) {
	if err := checkID("election", m.ID); err != nil {
		return nil, err
	}
	if err := checkText("election title", m.Title); err != nil {
		return nil, err
	}
	if m.Voting.Opens >= m.Voting.Closes {
		return nil, fmt.Errorf("voting window: opens must be before closes")
	}
	if !validZoneName(m.Voting.TimeZone) {
		return nil, fmt.Errorf("voting window: %q is not an IANA time zone name", m.Voting.TimeZone)
	}
	if err := checkOperatorKey(m.Operator); err != nil {
		return nil, err
	}
	regions := map[string]bool{}
	for _, r := range m.Regions {
		if err := checkID("region", r.ID); err != nil {
			return nil, err
		}
		if regions[r.ID] {
			return nil, fmt.Errorf("region %q listed twice", r.ID)
		}
		regions[r.ID] = true
		if err := checkText("region "+r.ID, r.Name); err != nil {
			return nil, err
		}
		w := r.Voting
		if w.Opens >= w.Closes || w.Opens < m.Voting.Opens || w.Closes > m.Voting.Closes {
			return nil, fmt.Errorf("region %q voting window: opens must be before closes, both within the election's window", r.ID)
		}
		if !validZoneName(w.TimeZone) {
			return nil, fmt.Errorf("region %q voting window: %q is not an IANA time zone name", r.ID, w.TimeZone)
		}
	}
	if len(m.Districts) == 0 || len(m.Districts) > MaxDistricts {
		return nil, fmt.Errorf("%d districts: must be 1 to %d", len(m.Districts), MaxDistricts)
	}
	issuers := make(map[string]*rsa.PublicKey, len(m.Districts))
	for _, d := range m.Districts {
		if err := checkID("district", d.ID); err != nil {
			return nil, err
		}
		if _, dup := issuers[d.ID]; dup {
			return nil, fmt.Errorf("district %q listed twice", d.ID)
		}
		if err := checkText("district "+d.ID, d.Name); err != nil {
			return nil, err
		}
		k, err := parseIssuer(d.Issuer)
		if err != nil {
			return nil, fmt.Errorf("district %q issuer key: %w", d.ID, err)
		}
		issuers[d.ID] = k
	}
	if len(m.Contests) == 0 || len(m.Contests) > ballot.MaxContests {
		return nil, fmt.Errorf("%d contests: must be 1 to %d", len(m.Contests), ballot.MaxContests)
	}
	seen := map[string]bool{}
	for _, c := range m.Contests {
		if err := checkContest(c, issuers); err != nil {
			return nil, err
		}
		if seen[c.ID] {
			return nil, fmt.Errorf("contest %q listed twice", c.ID)
		}
		seen[c.ID] = true
	}
	if err := m.checkGuardians(); err != nil {
		return nil, err
	}
	members := map[string]bool{}
	for _, mb := range m.Commission {
		if err := checkID("commission member", mb.ID); err != nil {
			return nil, err
		}
		if members[mb.ID] {
			return nil, fmt.Errorf("commission member %q listed twice", mb.ID)
		}
		if mb.Scheme == sign.Ed25519 {
			return nil, fmt.Errorf("commission member %q: the default scheme %q is written by omitting it", mb.ID, mb.Scheme)
		}
		if err := sign.CheckPublicKey(mb.Scheme, mb.Key); err != nil {
			return nil, fmt.Errorf("commission member %q: %w", mb.ID, err)
		}
		members[mb.ID] = true
	}
	return issuers, nil
}

// Window returns the voting window of a district: its region's if the
// manifest lists the region, else the election's.
func (m *Manifest) Window(district string) Window {
	for _, d := range m.Districts {
		if d.ID != district {
			continue
		}
		for _, r := range m.Regions {
			if r.ID == d.Region {
				return r.Voting
			}
		}
	}
	return m.Voting
}

// validZoneName checks the form of an IANA time zone name, such as
// "Europe/Moscow". The state machine does not look the zone up: that would
// read the machine's time zone database, and two verifiers with different
// databases must never disagree. Times on the ledger are absolute; the
// zone only says how to show them.
func validZoneName(z string) bool {
	if z == "" || len(z) > 64 || z[0] == '/' || z[len(z)-1] == '/' {
		return false
	}
	for _, r := range z {
		if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || strings.ContainsRune("/_-+", r)) {
			return false
		}
	}
	return true
}

func checkContest(c Contest, districts map[string]*rsa.PublicKey) error {
	if err := checkID("contest", c.ID); err != nil {
		return err
	}
	if err := checkText("contest "+c.ID, c.Title); err != nil {
		return err
	}
	n := len(c.Options)
	if n == 0 || n > ballot.MaxOptions {
		return fmt.Errorf("contest %q: %d options, must be 1 to %d", c.ID, n, ballot.MaxOptions)
	}
	switch c.Kind {
	case KindOneOfN, KindReferendum:
		if c.Min != 1 || c.Max != 1 {
			return fmt.Errorf("contest %q: a %s contest has min = max = 1", c.ID, c.Kind)
		}
		if c.Kind == KindReferendum && n != 3 {
			return fmt.Errorf("contest %q: a referendum has three options (yes, no, abstain)", c.ID)
		}
	case KindKOfN:
		if c.Min < 0 || c.Min > c.Max || c.Max > n {
			return fmt.Errorf("contest %q: limits [%d, %d] do not fit %d options", c.ID, c.Min, c.Max, n)
		}
	default:
		return fmt.Errorf("contest %q: unknown kind %q", c.ID, c.Kind)
	}
	opts := map[string]bool{}
	for _, o := range c.Options {
		if err := checkID("option", o.ID); err != nil {
			return err
		}
		if opts[o.ID] {
			return fmt.Errorf("contest %q: option %q listed twice", c.ID, o.ID)
		}
		opts[o.ID] = true
		if err := checkText("option "+o.ID, o.Title); err != nil {
			return err
		}
	}
	for _, d := range c.Districts {
		if _, ok := districts[d]; !ok {
			return fmt.Errorf("contest %q: unknown district %q", c.ID, d)
		}
	}
	return nil
}

func (m *Manifest) checkGuardians() error {
	n := len(m.Guardians)
	if n == 0 || n > MaxGuardians {
		return fmt.Errorf("%d guardians: must be 1 to %d", n, MaxGuardians)
	}
	if m.Threshold < 1 || m.Threshold > n {
		return fmt.Errorf("threshold %d: must be 1 to %d guardians", m.Threshold, n)
	}
	for i, g := range m.Guardians {
		if g.Index != i+1 {
			return fmt.Errorf("guardian %d: indices must run 1, 2, … in order", g.Index)
		}
		if len(g.Key) != 32 {
			return fmt.Errorf("guardian %d: key must be 32 bytes", g.Index)
		}
	}
	return nil
}

// Style returns the ballot style of a district: the contests it votes in,
// in manifest order.
func (m *Manifest) Style(district string) ballot.Style {
	var s ballot.Style
	for i, c := range m.Contests {
		if votesIn(c, district) {
			s = append(s, ballot.Contest{Index: uint16(i), Options: len(c.Options), Min: c.Min, Max: c.Max})
		}
	}
	return s
}

func votesIn(c Contest, district string) bool {
	if len(c.Districts) == 0 {
		return true
	}
	for _, d := range c.Districts {
		if d == district {
			return true
		}
	}
	return false
}
