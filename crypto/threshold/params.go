package threshold

import (
	"errors"
	"fmt"

	"github.com/gtank/ristretto255"

	"github.com/urna-vote/urna/crypto/group"
)

// Params are a ceremony's size: N guardians, numbered 1…N, any T of whom
// decrypt together.
type Params struct {
	N, T int
}

// Default is urna's default ceremony: any 4 of 7 guardians decrypt.
var Default = Params{N: 7, T: 4}

// MaxGuardians bounds N: a guardian index is one byte on the wire.
const MaxGuardians = 255

// Check reports whether 1 ≤ T ≤ N ≤ MaxGuardians.
func (p Params) Check() error {
	if p.N < 1 || p.N > MaxGuardians || p.T < 1 || p.T > p.N {
		return fmt.Errorf("%w: %d-of-%d (want 1 ≤ t ≤ n ≤ %d)", ErrParams, p.T, p.N, MaxGuardians)
	}
	return nil
}

// Failure classes. Every error of this package wraps exactly one of them
// (check with errors.Is); errors about one guardian's message or share are
// a *GuardianError naming it. SPEC.md names the same classes.
var (
	ErrParams           = errors.New("threshold: invalid parameters")
	ErrMalformed        = errors.New("threshold: malformed message")
	ErrCommitmentCount  = errors.New("threshold: wrong number of commitments")
	ErrWrongGuardian    = errors.New("threshold: message of another guardian")
	ErrSignature        = errors.New("threshold: invalid guardian signature")
	ErrProofOfKnowledge = errors.New("threshold: invalid proof of knowledge of the constant term")
	ErrDuplicate        = errors.New("threshold: second message of the same guardian and round")
	ErrRoundClosed      = errors.New("threshold: round 1 is closed")
	ErrRound1Digest     = errors.New("threshold: round 2 message judges other round-1 messages")
	ErrComplaint        = errors.New("threshold: invalid complaint")
	ErrNoDeal           = errors.New("threshold: no valid round-1 message")
	ErrBadShare         = errors.New("threshold: invalid share (justified complaint)")
	ErrQuorum           = errors.New("threshold: not enough guardians")
	ErrInvalidShare     = errors.New("threshold: invalid decryption share")
	ErrState            = errors.New("threshold: step out of order")
)

// A GuardianError names the guardian at fault.
type GuardianError struct {
	Guardian int
	Err      error
}

func (e *GuardianError) Error() string { return fmt.Sprintf("guardian %d: %v", e.Guardian, e.Err) }
func (e *GuardianError) Unwrap() error { return e.Err }

func blame(guardian int, class error, format string, args ...any) error {
	return &GuardianError{Guardian: guardian, Err: fmt.Errorf("%w: "+format, append([]any{class}, args...)...)}
}

// A Setup is what every party to a ceremony knows before it starts: its
// parameters, its context hash (which binds the ceremony to one election,
// SPEC.md §1) and every guardian's long-term public key. It is immutable.
type Setup struct {
	p       Params
	context [32]byte
	keys    []*ristretto255.Element // guardian j's key is keys[j-1]
	session [32]byte
}

// NewSetup validates the parameters and decodes the guardians' long-term
// public keys (keys[j-1] is guardian j's), which must be canonical,
// non-identity and distinct.
func NewSetup(p Params, context [32]byte, keys [][]byte) (*Setup, error) {
	if err := p.Check(); err != nil {
		return nil, err
	}
	if len(keys) != p.N {
		return nil, fmt.Errorf("%w: %d long-term keys for %d guardians", ErrParams, len(keys), p.N)
	}
	s := &Setup{p: p, context: context}
	seen := make(map[[32]byte]int, p.N)
	for i, b := range keys {
		k, err := group.DecodeElement(b)
		if err != nil {
			return nil, fmt.Errorf("%w: long-term key of guardian %d: %w", ErrParams, i+1, err)
		}
		var enc [32]byte
		copy(enc[:], b)
		if j, dup := seen[enc]; dup {
			return nil, fmt.Errorf("%w: guardians %d and %d have the same long-term key", ErrParams, j, i+1)
		}
		seen[enc] = i + 1
		s.keys = append(s.keys, k)
	}
	s.session = sessionHash(s)
	return s, nil
}

// Params returns the ceremony's parameters.
func (s *Setup) Params() Params { return s.p }

// Context returns the ceremony context hash.
func (s *Setup) Context() [32]byte { return s.context }

// Key returns a copy of guardian j's long-term public key.
func (s *Setup) Key(j int) *ristretto255.Element {
	return ristretto255.NewIdentityElement().Set(s.keys[j-1])
}

// Session returns the session hash that every ceremony message is bound to
// (SPEC.md §2).
func (s *Setup) Session() [32]byte { return s.session }

func (s *Setup) guardian(j int) bool { return j >= 1 && j <= s.p.N }
