package election

import (
	"slices"

	"github.com/gtank/ristretto255"

	"github.com/urna-vote/urna/crypto/elgamal"
	"github.com/urna-vote/urna/crypto/group"
	"github.com/urna-vote/urna/crypto/threshold"
	"github.com/urna-vote/urna/crypto/transcript"
)

// The key's liveness (docs/protocol.md §10.1). While the election is keyed
// or voting runs, each guardian posts heartbeats: a partial decryption,
// with its proof, of one public test ciphertext. Any threshold of them
// combine to decrypt it, and a keytest entry records that they did: proof
// on the ledger, before voting closes, that a quorum can still decrypt.

// heartbeat is what the state keeps of a guardian's last heartbeat.
type heartbeat struct {
	seen  uint64
	share *threshold.DecryptionShare
}

// TestPlaintext is the test ciphertext's plaintext.
const TestPlaintext = 1

// TestCiphertext returns the election's public test ciphertext: an
// encryption of TestPlaintext under the election key with the nonce
// ρ = Transcript("urna/v1/keytest").Bytes("election", context).
// Challenge("keytest/nonce"). Anyone can compute it; what it shows is that
// the guardians' shares still combine. Nil before the key is published.
func (s *State) TestCiphertext() *elgamal.Ciphertext {
	if s.Key == nil {
		return nil
	}
	rho := transcript.New("urna/v1/keytest").Bytes("election", s.ContextHash[:]).Challenge("keytest/nonce")
	return elgamal.Encrypt(s.Key, TestPlaintext, group.NewSecret(rho))
}

// HeartbeatContext is the context a heartbeat's proof is bound to: the
// election context, the guardian and the ledger size it had read.
func HeartbeatContext(election [32]byte, guardian int, seen uint64) [32]byte {
	return transcript.New("urna/v1/heartbeat").Bytes("election", election[:]).
		Uint("guardian", uint64(guardian)).Uint("seen", seen).Digest("heartbeat/context")
}

// Heartbeat returns the ledger size guardian's last heartbeat had read (0:
// none yet), for the guardian's next heartbeat to exceed.
func (s *State) Heartbeat(guardian int) uint64 { return s.heartbeats[guardian].seen }

func (s *State) applyHeartbeat(p *Prepared) error {
	if s.Phase != PhaseKeyed && s.Phase != PhaseOpen {
		return fail(CheckPhase, p.Index, "a heartbeat is not allowed while the election is %s", s.Phase)
	}
	h := p.Entry.Heartbeat
	if !slices.Contains(s.qualified, h.Guardian) {
		return fail(CheckHeartbeat, p.Index, "guardian %d is not a qualified guardian", h.Guardian)
	}
	last := s.heartbeats[h.Guardian]
	if h.Seen > p.Index || h.Seen <= last.seen {
		return fail(CheckHeartbeat, p.Index, "guardian %d's heartbeat read ledger size %d: it must exceed its last heartbeat's %d and not exceed this entry's index", h.Guardian, h.Seen, last.seen)
	}
	ds, err := threshold.DecodeDecryptionShare(h.Share)
	if err != nil {
		return fail(CheckHeartbeat, p.Index, "%v", err)
	}
	if ds.Guardian != h.Guardian {
		return fail(CheckHeartbeat, p.Index, "the partial decryption is guardian %d's, not %d's", ds.Guardian, h.Guardian)
	}
	cts := []*elgamal.Ciphertext{s.TestCiphertext()}
	if err := threshold.VerifyDecryptionShare(ds, s.publicShares[h.Guardian-1], cts, HeartbeatContext(s.ContextHash, h.Guardian, h.Seen)); err != nil {
		return fail(CheckHeartbeat, p.Index, "%v", err)
	}
	s.heartbeats[h.Guardian] = heartbeat{seen: h.Seen, share: ds}
	s.Heartbeats[h.Guardian] = p.Entry.Time
	return nil
}

func (s *State) applyKeyTest(p *Prepared) error {
	if s.Phase != PhaseKeyed && s.Phase != PhaseOpen {
		return fail(CheckPhase, p.Index, "a key test is not allowed while the election is %s", s.Phase)
	}
	gs := p.Entry.KeyTest.Guardians
	if len(gs) < s.Manifest.Threshold || !slices.IsSorted(gs) || len(slices.Compact(slices.Clone(gs))) != len(gs) {
		return fail(CheckKeyTest, p.Index, "guardians %v: want at least %d distinct, ascending", gs, s.Manifest.Threshold)
	}
	var shares []*threshold.DecryptionShare
	for _, g := range gs {
		h, ok := s.heartbeats[g]
		if !ok {
			return fail(CheckKeyTest, p.Index, "guardian %d has no heartbeat on the ledger", g)
		}
		shares = append(shares, h.share)
	}
	values, err := threshold.CombineVerified(s.ceremony.params, []*elgamal.Ciphertext{s.TestCiphertext()}, shares)
	if err != nil {
		return fail(CheckKeyTest, p.Index, "%v", err)
	}
	want := ristretto255.NewIdentityElement().ScalarBaseMult(group.ScalarFromUint64(TestPlaintext))
	if values[0].Equal(want) != 1 {
		return fail(CheckKeyTest, p.Index, "guardians %v's heartbeats do not decrypt the test ciphertext", gs)
	}
	s.KeyTestedAt, s.KeyTestedBy = p.Entry.Time, slices.Clone(gs)
	return nil
}

// KeyTestReady returns the guardians whose heartbeats a key test would
// combine (every guardian with a heartbeat, ascending) if they are at
// least a quorum and there is a heartbeat newer than the last key test,
// else nil.
func (s *State) KeyTestReady() []int {
	if s.Phase != PhaseKeyed && s.Phase != PhaseOpen || s.Manifest == nil {
		return nil
	}
	var gs []int
	fresh := false
	for g, at := range s.Heartbeats {
		gs = append(gs, g)
		if at > s.KeyTestedAt || s.KeyTestedAt == 0 {
			fresh = true
		}
	}
	if len(gs) < s.Manifest.Threshold || !fresh {
		return nil
	}
	slices.Sort(gs)
	return gs
}
