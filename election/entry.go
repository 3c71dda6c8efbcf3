package election

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// Entry types, in the order an election produces them.
const (
	TypeElection     = "election"     // the manifest
	TypeCeremony     = "ceremony"     // a key-ceremony message
	TypeKey          = "key"          // the joint key the ceremony produced
	TypeOpen         = "open"         // voting opened
	TypeCredential   = "credential"   // a credential issued to a pseudonym
	TypeBallot       = "ballot"       // a ballot cast
	TypeSpoil        = "spoil"        // a ballot opened by its voter (Benaloh challenge)
	TypeClose        = "close"        // voting closed
	TypeParticipants = "participants" // how many voters applied, by district
	TypeTally        = "tally"        // the aggregated encrypted tally
	TypeShare        = "share"        // a guardian's decryption share
	TypeResult       = "result"       // the decrypted result and reconciliation
	TypeSignature    = "signature"    // a commission member's signature of the result

	// Entries that may come between the others.
	TypeHeartbeat  = "heartbeat"  // a guardian shows it still holds its key share
	TypeKeyTest    = "keytest"    // a quorum's heartbeats decrypt the test ciphertext
	TypeDispute    = "dispute"    // a voter's receipt whose ballot is missing
	TypeResolution = "resolution" // a commission member resolves a dispute
)

// MaxEntrySize bounds an entry; the decoder rejects anything longer.
const MaxEntrySize = 1 << 20

// ErrMalformed is returned (wrapped) for an entry that does not decode
// strictly.
var ErrMalformed = errors.New("election: malformed entry")

// An Entry is one event on the ledger. Exactly the payload field named by
// Type is set (none for open and close). Time is when the platform accepted
// the entry, in Unix milliseconds (UTC); the state machine reads no clock.
//
// Entries are JSON. The ledger keeps their exact bytes and the decoder
// accepts only bytes that re-encode to themselves: fields in this order,
// no unknown or duplicate fields, no spaces, base64 in standard padded form.
type Entry struct {
	Type         string             `json:"type"`
	Time         int64              `json:"time"`
	Election     *Manifest          `json:"election,omitempty"`
	Ceremony     *CeremonyEntry     `json:"ceremony,omitempty"`
	Key          *KeyEntry          `json:"key,omitempty"`
	Credential   *CredentialEntry   `json:"credential,omitempty"`
	Ballot       *BallotEntry       `json:"ballot,omitempty"`
	Spoil        *SpoilEntry        `json:"spoil,omitempty"`
	Tally        *TallyEntry        `json:"tally,omitempty"`
	Share        *ShareEntry        `json:"share,omitempty"`
	Result       *ResultEntry       `json:"result,omitempty"`
	Signature    *SignatureEntry    `json:"signature,omitempty"`
	Heartbeat    *HeartbeatEntry    `json:"heartbeat,omitempty"`
	KeyTest      *KeyTestEntry      `json:"keytest,omitempty"`
	Dispute      *DisputeEntry      `json:"dispute,omitempty"`
	Resolution   *ResolutionEntry   `json:"resolution,omitempty"`
	Participants *ParticipantsEntry `json:"participants,omitempty"`
	// Operator is the operator's signature of the entry without it (O1),
	// in an election whose manifest names an operator.
	Operator []byte `json:"operator,omitempty"`
}

// A CeremonyEntry carries one key-ceremony message (package threshold's
// encoding) from guardian Guardian in round Round.
type CeremonyEntry struct {
	Guardian int    `json:"guardian"`
	Round    int    `json:"round"`
	Message  []byte `json:"message"`
}

// A KeyEntry publishes the joint election key and the qualified guardians.
type KeyEntry struct {
	Key       []byte `json:"key"`
	Qualified []int  `json:"qualified"`
}

// A CredentialEntry records that a credential was issued to a voter of
// District. Pseudonym is a per-election pseudonym of the voter (a keyed hash
// the platform computes); it is never the identity and cannot be linked to
// the credential, which is blind-signed.
type CredentialEntry struct {
	Pseudonym []byte `json:"pseudonym"`
	District  string `json:"district"`
}

// A BallotEntry is a cast ballot (package ballot's encoding).
type BallotEntry struct {
	Ballot []byte `json:"ballot"`
}

// A SpoilEntry is a ballot its voter opened instead of casting.
type SpoilEntry struct {
	Ballot  []byte `json:"ballot"`
	Opening []byte `json:"opening"`
}

// A TallyEntry is the sum of the counted ballots' ciphertexts, for each
// district and each contest on its ballot, in manifest order.
type TallyEntry struct {
	Districts []DistrictTally `json:"districts"`
}

// A DistrictTally is one district's encrypted tally.
type DistrictTally struct {
	District string         `json:"district"`
	Contests []ContestTally `json:"contests"`
}

// A ContestTally holds one ciphertext per option.
type ContestTally struct {
	Contest     string   `json:"contest"`
	Ciphertexts [][]byte `json:"ciphertexts"`
}

// A ShareEntry is a guardian's partial decryption of every ciphertext of the
// tally, in tally order, with proofs (package threshold's encoding).
type ShareEntry struct {
	Guardian int    `json:"guardian"`
	Share    []byte `json:"share"`
}

// A ResultEntry is the decrypted result and the reconciliation of counts.
type ResultEntry struct {
	Districts []DistrictResult `json:"districts"`
	Counts    Reconciliation   `json:"counts"`
	Guardians []int            `json:"guardians"`
}

// Totals sums the result over districts: contest id → option id → count,
// every option of the manifest's contests present.
func (r *ResultEntry) Totals(m *Manifest) map[string]map[string]uint64 {
	out := map[string]map[string]uint64{}
	byID := map[string]Contest{}
	for _, c := range m.Contests {
		byID[c.ID] = c
		out[c.ID] = map[string]uint64{}
		for _, o := range c.Options {
			out[c.ID][o.ID] = 0
		}
	}
	for _, d := range r.Districts {
		for _, c := range d.Contests {
			for i, n := range c.Counts {
				out[c.Contest][byID[c.Contest].Options[i].ID] += n
			}
		}
	}
	return out
}

// A DistrictResult is one district's counts.
type DistrictResult struct {
	District string          `json:"district"`
	Contests []ContestResult `json:"contests"`
}

// A ContestResult holds one count per option.
type ContestResult struct {
	Contest string   `json:"contest"`
	Counts  []uint64 `json:"counts"`
}

// Reconciliation is what election law asks to be reconciled.
type Reconciliation struct {
	Issued     uint64 `json:"issued"`     // credentials issued
	Voted      uint64 `json:"voted"`      // credentials that cast a ballot
	Counted    uint64 `json:"counted"`    // ballots counted (one per voting credential)
	Superseded uint64 `json:"superseded"` // ballots replaced by a re-vote
	Spoiled    uint64 `json:"spoiled"`    // ballots opened by their voters
}

// A SignatureEntry is a commission member's signature of the result.
type SignatureEntry struct {
	Member    string `json:"member"`
	Signature []byte `json:"signature"`
}

// A ParticipantsEntry is the size of the list of participants — the
// voters whose application to vote online was accounted — of every
// district of the manifest, in manifest order. The platform posts it when
// voting closes; no district may have issued more credentials than it had
// participants. Rejected is the number of ballots the platform refused
// while voting was open (omitted when zero): a figure it declares, as a
// refused ballot never reaches the ledger.
type ParticipantsEntry struct {
	Districts []DistrictCount `json:"districts"`
	Rejected  uint64          `json:"rejected,omitempty"`
}

// A DistrictCount is one district's number.
type DistrictCount struct {
	District string `json:"district"`
	Count    uint64 `json:"count"`
}

// A HeartbeatEntry is guardian Guardian's partial decryption of the
// election's test ciphertext (State.TestCiphertext), with its proof bound
// to Seen, the ledger size the guardian had read: proof that, after entry
// Seen−1, the guardian still held its key share. Seen increases from one
// heartbeat of a guardian to the next, so none can be replayed.
type HeartbeatEntry struct {
	Guardian int    `json:"guardian"`
	Seen     uint64 `json:"seen"`
	Share    []byte `json:"share"`
}

// A KeyTestEntry combines the last heartbeats of at least threshold
// Guardians (ascending): the test ciphertext decrypts to its known
// plaintext, so the election key can still be used.
type KeyTestEntry struct {
	Guardians []int `json:"guardians"`
}

// A DisputeEntry is a voter's complaint that the ballot of a receipt is
// missing from the ledger: the ballot's tracking code, the receipt as the
// voter holds it (checked against the log's key by the platform before it
// files the dispute) and the voter's words. Nothing in it names the voter.
type DisputeEntry struct {
	Tracking string `json:"tracking"`
	Receipt  []byte `json:"receipt"`
	Reason   string `json:"reason"`
}

// Dispute outcomes.
const (
	OutcomeUpheld    = "upheld"    // the complaint is right
	OutcomeDismissed = "dismissed" // the complaint is wrong
)

// A ResolutionEntry is a commission member's signed decision on the dispute
// at ledger index Dispute.
type ResolutionEntry struct {
	Dispute   uint64 `json:"dispute"`
	Member    string `json:"member"`
	Outcome   string `json:"outcome"`
	Reason    string `json:"reason"`
	Signature []byte `json:"signature"`
}

// Encode returns the canonical bytes of e.
func (e *Entry) Encode() ([]byte, error) {
	return json.Marshal(e)
}

// DecodeEntry parses an entry strictly: it must be at most MaxEntrySize
// bytes, have no unknown fields, carry exactly the payload its type names,
// and be byte for byte the canonical encoding of what it decodes to.
func DecodeEntry(data []byte) (*Entry, error) {
	if len(data) > MaxEntrySize {
		return nil, fmt.Errorf("%w: %d bytes exceeds %d", ErrMalformed, len(data), MaxEntrySize)
	}
	// Only bytes that re-encode to themselves are accepted, which already
	// rules out unknown fields, duplicate keys, another order or spacing;
	// the strict decoder runs only to say which, when they do not.
	var e Entry
	if err := json.Unmarshal(data, &e); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	again, err := e.Encode()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if !bytes.Equal(again, data) {
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		var strict Entry
		if err := dec.Decode(&strict); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
		}
		return nil, fmt.Errorf("%w: not in canonical form", ErrMalformed)
	}
	if err := e.checkPayload(); err != nil {
		return nil, err
	}
	return &e, nil
}

func (e *Entry) checkPayload() error {
	set := map[string]bool{
		TypeElection:     e.Election != nil,
		TypeCeremony:     e.Ceremony != nil,
		TypeKey:          e.Key != nil,
		TypeCredential:   e.Credential != nil,
		TypeBallot:       e.Ballot != nil,
		TypeSpoil:        e.Spoil != nil,
		TypeTally:        e.Tally != nil,
		TypeShare:        e.Share != nil,
		TypeResult:       e.Result != nil,
		TypeSignature:    e.Signature != nil,
		TypeHeartbeat:    e.Heartbeat != nil,
		TypeKeyTest:      e.KeyTest != nil,
		TypeDispute:      e.Dispute != nil,
		TypeResolution:   e.Resolution != nil,
		TypeParticipants: e.Participants != nil,
	}
	switch e.Type {
	case TypeOpen, TypeClose:
	default:
		if _, ok := set[e.Type]; !ok {
			return fmt.Errorf("%w: unknown type %q", ErrMalformed, e.Type)
		}
	}
	for typ, present := range set {
		if present != (typ == e.Type) {
			return fmt.Errorf("%w: a %q entry must carry exactly its own payload", ErrMalformed, e.Type)
		}
	}
	if e.Time < 0 {
		return fmt.Errorf("%w: negative time", ErrMalformed)
	}
	return nil
}
