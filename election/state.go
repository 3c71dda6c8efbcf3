package election

import (
	"crypto/rsa"
	"encoding/json"

	"github.com/gtank/ristretto255"
	"github.com/urna-vote/urna/ballot"
	"github.com/urna-vote/urna/crypto/elgamal"
	"github.com/urna-vote/urna/crypto/transcript"
)

// A Phase is where an election stands.
type Phase int

// The phases, in order.
const (
	PhaseEmpty    Phase = iota // nothing yet
	PhaseCeremony              // defined; the key ceremony runs
	PhaseKeyed                 // the joint key is published
	PhaseOpen                  // voting is open
	PhaseClosed                // voting is closed
	PhaseTallied               // the encrypted tally is published; guardians decrypt
	PhaseDecided               // the result is published; the commission signs
)

var phaseNames = [...]string{"empty", "key ceremony", "keyed", "voting open", "voting closed", "tallied", "result published"}

func (p Phase) String() string { return phaseNames[p] }

var phaseCodes = [...]string{"empty", "ceremony", "keyed", "open", "closed", "tallied", "decided"}

// Code is the phase's name in the API and on dashboards.
func (p Phase) Code() string { return phaseCodes[p] }

// A State is an election after replaying its ledger up to Next.
type State struct {
	Next     uint64 // index of the next entry
	Phase    Phase
	Manifest *Manifest
	LastTime int64

	manifestJSON []byte
	// operatorContext binds operator signatures to the manifest (O1).
	operatorContext [32]byte
	issuers         map[string]*rsa.PublicKey
	styles          map[string]ballot.Style
	windows         map[string]Window // by district
	ceremony        *ceremony

	// Set when the key is published.
	fixed        *fixedContext
	Key          *elgamal.PublicKey
	ContextHash  [32]byte
	publicShares []*ristretto255.Element // by guardian index − 1
	qualified    []int

	// Voting.
	pseudonyms  map[[32]byte]bool
	issued      map[string]uint64 // by district
	voted       map[string]uint64 // credentials that voted, by district
	credentials map[[32]byte]credentialState
	codes       map[codeKey]codeEntry // by tracking code
	counted     arena                 // the counted ballots' ciphertexts
	spoiled     map[[32]byte]bool     // hashes of spoiled ballots
	tally       map[string][]*contestSum
	Counts      Reconciliation
	// Participants are the voters who applied, by district, once published
	// (nil before); Rejected the ballots the platform declares it refused.
	Participants map[string]uint64
	Rejected     uint64

	// After the count.
	tallyCts   []*elgamal.Ciphertext // flattened in tally order
	tallyEntry *TallyEntry
	shares     map[int][]byte // guardian → raw share, verified
	Result     *ResultEntry
	resultRaw  []byte
	Signatures map[string]bool
	// Signed holds each commission member's signature of the result.
	Signed map[string][]byte
	// When voting opened and closed and the result was published (the
	// entries' times, Unix milliseconds; 0 before).
	OpenedAt, ClosedAt, DecidedAt int64

	// Liveness of the key: each guardian's last heartbeat (entry time,
	// Unix ms) and when a quorum's test decryption was published (0: not
	// yet) by which guardians.
	Heartbeats  map[int]int64
	heartbeats  map[int]heartbeat
	KeyTestedAt int64
	KeyTestedBy []int

	// Disputes by the index of their entry, and their resolutions.
	Disputes map[uint64]*Dispute
}

// credentialState is what the state keeps of each credential that voted.
// It and the maps that hold it contain no pointers, so the garbage
// collector never scans them: a million voters' state costs it nothing.
type credentialState struct {
	seq   uint32
	index uint64 // the counted ballot's entry
	cts   uint64 // where its ciphertexts are in the arena
}

type contestSum struct {
	contest int
	sums    []*elgamal.Ciphertext
}

// New returns the state of an empty ledger.
func New() *State {
	return &State{
		pseudonyms:  map[[32]byte]bool{},
		issued:      map[string]uint64{},
		voted:       map[string]uint64{},
		credentials: map[[32]byte]credentialState{},
		codes:       map[codeKey]codeEntry{},
		spoiled:     map[[32]byte]bool{},
		tally:       map[string][]*contestSum{},
		shares:      map[int][]byte{},
		Signatures:  map[string]bool{},
		Signed:      map[string][]byte{},
		Heartbeats:  map[int]int64{},
		heartbeats:  map[int]heartbeat{},
		Disputes:    map[uint64]*Dispute{},
	}
}

// ContextOf computes the election context hash: the manifest's exact bytes
// and the joint key.
func ContextOf(manifestJSON, key []byte) [32]byte {
	return transcript.New("urna/v1/election").Bytes("manifest", manifestJSON).
		ElementBytes("key", key).Digest("election/context")
}

// CeremonyContextOf computes the key ceremony's context hash from the
// manifest's exact bytes.
func CeremonyContextOf(manifestJSON []byte) [32]byte {
	return transcript.New("urna/v1/ceremony").Bytes("manifest", manifestJSON).Digest("ceremony/context")
}

// BallotContext returns what ballots of this election are bound to; nil
// before the key is published.
func (s *State) BallotContext() *ballot.Context {
	if s.Key == nil {
		return nil
	}
	return &ballot.Context{Election: s.ContextHash, Key: s.Key}
}

// Style returns the ballot style of a district (nil if it does not exist).
func (s *State) Style(district string) ballot.Style { return s.styles[district] }

// Apply decodes and applies the entry at index s.Next.
func (s *State) Apply(raw []byte) error {
	p := prepareOne(s.Next, raw, s.fixed)
	return s.ApplyPrepared(p)
}

// ApplyPrepared applies an entry that Prepare has processed. The entry must
// be the one at index s.Next. On error the state is unchanged.
func (s *State) ApplyPrepared(p *Prepared) error {
	if p.Index != s.Next {
		return fail(CheckPhase, p.Index, "entry prepared for index %d applied at %d", p.Index, s.Next)
	}
	if p.err != nil {
		return p.err
	}
	if err := s.checkOperator(p); err != nil {
		return err
	}
	e := p.Entry
	if e.Time < s.LastTime {
		return fail(CheckTime, p.Index, "time %d is before the previous entry's %d", e.Time, s.LastTime)
	}
	if err := s.apply(p); err != nil {
		return err
	}
	s.LastTime = e.Time
	s.Next++
	return nil
}

// Skip passes over the entry at index s.Next, which failed to apply. Only a
// verifier does this, to go on checking a ledger after an invalid entry; the
// platform never appends an entry that fails.
func (s *State) Skip() { s.Next++ }

func (s *State) apply(p *Prepared) error {
	e := p.Entry
	if s.Phase == PhaseEmpty && e.Type != TypeElection {
		return fail(CheckManifest, p.Index, "the first entry must define the election, not %q", e.Type)
	}
	switch e.Type {
	case TypeElection:
		return s.applyElection(p)
	case TypeCeremony:
		return s.applyCeremony(p)
	case TypeKey:
		return s.applyKey(p)
	case TypeOpen:
		return s.applyOpen(p)
	case TypeCredential:
		return s.applyCredential(p)
	case TypeBallot:
		return s.applyBallot(p)
	case TypeSpoil:
		return s.applySpoil(p)
	case TypeClose:
		return s.applyClose(p)
	case TypeParticipants:
		return s.applyParticipants(p)
	case TypeTally:
		return s.applyTally(p)
	case TypeShare:
		return s.applyShare(p)
	case TypeResult:
		return s.applyResult(p)
	case TypeSignature:
		return s.applySignature(p)
	case TypeHeartbeat:
		return s.applyHeartbeat(p)
	case TypeKeyTest:
		return s.applyKeyTest(p)
	case TypeDispute:
		return s.applyDispute(p)
	case TypeResolution:
		return s.applyResolution(p)
	}
	return fail(CheckDecode, p.Index, "unknown entry type %q", e.Type)
}

func (s *State) needPhase(p *Prepared, want Phase) error {
	if s.Phase != want {
		return fail(CheckPhase, p.Index, "a %q entry is not allowed while the election is %s", p.Entry.Type, s.Phase)
	}
	return nil
}

func (s *State) applyElection(p *Prepared) error {
	if s.Phase != PhaseEmpty {
		return fail(CheckManifest, p.Index, "the election is already defined")
	}
	m := p.Entry.Election
	issuers, err := m.Check()
	if err != nil {
		return fail(CheckManifest, p.Index, "%v", err)
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return fail(CheckManifest, p.Index, "%v", err)
	}
	s.Manifest, s.manifestJSON, s.issuers = m, raw, issuers
	s.operatorContext = OperatorContextOf(raw)
	s.styles = make(map[string]ballot.Style, len(m.Districts))
	s.windows = make(map[string]Window, len(m.Districts))
	for _, d := range m.Districts {
		s.windows[d.ID] = m.Window(d.ID)
		s.styles[d.ID] = m.Style(d.ID)
	}
	s.ceremony = newCeremony(m, CeremonyContextOf(raw))
	s.Phase = PhaseCeremony
	return nil
}

func (s *State) applyOpen(p *Prepared) error {
	if err := s.needPhase(p, PhaseKeyed); err != nil {
		return err
	}
	if p.Entry.Time < s.Manifest.Voting.Opens || p.Entry.Time >= s.Manifest.Voting.Closes {
		return fail(CheckWindow, p.Index, "voting opened at %d, outside the window [%d, %d)", p.Entry.Time, s.Manifest.Voting.Opens, s.Manifest.Voting.Closes)
	}
	s.Phase, s.OpenedAt = PhaseOpen, p.Entry.Time
	return nil
}

func (s *State) applyClose(p *Prepared) error {
	if err := s.needPhase(p, PhaseOpen); err != nil {
		return err
	}
	if p.Entry.Time < s.Manifest.Voting.Closes {
		return fail(CheckWindow, p.Index, "voting closed at %d, before the window ends at %d", p.Entry.Time, s.Manifest.Voting.Closes)
	}
	s.Phase, s.ClosedAt = PhaseClosed, p.Entry.Time
	return nil
}

func (s *State) applyCredential(p *Prepared) error {
	if err := s.needPhase(p, PhaseOpen); err != nil {
		return err
	}
	c := p.Entry.Credential
	if len(c.Pseudonym) != 32 {
		return fail(CheckIssue, p.Index, "pseudonym must be 32 bytes")
	}
	if _, ok := s.issuers[c.District]; !ok {
		return fail(CheckIssue, p.Index, "unknown district %q", c.District)
	}
	if w := s.windows[c.District]; p.Entry.Time < w.Opens || p.Entry.Time >= w.Closes {
		return fail(CheckIssue, p.Index, "issued at %d, outside district %q's voting window [%d, %d)", p.Entry.Time, c.District, w.Opens, w.Closes)
	}
	var ps [32]byte
	copy(ps[:], c.Pseudonym)
	if s.pseudonyms[ps] {
		return fail(CheckIssue, p.Index, "a credential was already issued to this pseudonym")
	}
	s.pseudonyms[ps] = true
	s.issued[c.District]++
	s.Counts.Issued++
	return nil
}
