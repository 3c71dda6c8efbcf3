// Package keyholders simulates an election's key holders — the guardians
// who share the election key and the commission members who sign the
// result — all in one process, driving a ballot box: the key ceremony,
// and at the end the tally, the decryption shares, the result and the
// signatures.
//
// FOR DEMOS AND TESTS ONLY. Keys holds every guardian's and member's
// secret together; in a real election each keeps their own on their own
// machine, and nobody ever holds all of them.
package keyholders

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"sort"

	"github.com/gtank/ristretto255"

	"github.com/urna-vote/urna/ballotbox"
	"github.com/urna-vote/urna/crypto/elgamal"
	"github.com/urna-vote/urna/crypto/group"
	"github.com/urna-vote/urna/crypto/threshold"
	"github.com/urna-vote/urna/election"
)

// Keys are an election's simulated key holders: the guardians' long-term
// keys and the commission members' signing keys.
type Keys struct {
	Guardians [][]byte          `json:"guardians"` // 64-byte seeds of long-term keys
	Members   map[string][]byte `json:"members"`   // Ed25519 seeds by member id
}

// Generate makes n guardians and the named commission members.
func Generate(n int, members []string) *Keys {
	k := &Keys{Members: map[string][]byte{}}
	for i := 0; i < n; i++ {
		k.Guardians = append(k.Guardians, newSeed(64))
	}
	for _, id := range members {
		k.Members[id] = newSeed(ed25519.SeedSize)
	}
	return k
}

// Fill sets the manifest's guardians (with their public keys), threshold
// and commission.
func (k *Keys) Fill(m *election.Manifest, threshold int, names map[string]string) error {
	m.Guardians = nil
	for i, seed := range k.Guardians {
		key, err := guardianKey(seed)
		if err != nil {
			return err
		}
		m.Guardians = append(m.Guardians, election.Guardian{Index: i + 1,
			Name: fmt.Sprintf("Guardian %d", i+1), Key: key.Public().Bytes()})
	}
	m.Threshold = threshold
	ids := make([]string, 0, len(k.Members))
	for id := range k.Members {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	m.Commission = nil
	for _, id := range ids {
		name := names[id]
		if name == "" {
			name = id
		}
		m.Commission = append(m.Commission, election.Member{ID: id, Name: name,
			Key: ed25519.NewKeyFromSeed(k.Members[id]).Public().(ed25519.PublicKey)})
	}
	return nil
}

func guardianKey(seed []byte) (*threshold.LongTermKey, error) {
	s, err := ristretto255.NewScalar().SetUniformBytes(seed)
	if err != nil {
		return nil, err
	}
	return threshold.NewLongTermKey(group.NewSecret(s))
}

func newSeed(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("keyholders: no randomness: " + err.Error())
	}
	return b
}

// Ceremony runs the key ceremony on the box, whose manifest Fill made,
// with every guardian present: each deals, each files its (empty)
// complaints, and the joint key is published.
func (k *Keys) Ceremony(ctx context.Context, box *ballotbox.Box) error {
	all := make([]int, len(k.Guardians))
	for i := range all {
		all[i] = i + 1
	}
	if err := k.Rounds(ctx, box, all); err != nil {
		return err
	}
	var res *threshold.Result
	var err error
	box.View(func(st *election.State) { res, err = st.Ceremony().Result() })
	if err != nil {
		return err
	}
	return post(ctx, box, election.PhaseKeyed, &election.Entry{Type: election.TypeKey,
		Key: &election.KeyEntry{Key: res.Key.Bytes(), Qualified: res.Qualified}})
}

// Rounds runs both rounds of the key ceremony for the present guardians
// (1-based indices) only: each deals, then each files its (empty)
// complaints. The key is not published: the others never answered.
func (k *Keys) Rounds(ctx context.Context, box *ballotbox.Box, present []int) error {
	var (
		setup *threshold.Setup
		err   error
	)
	keys := make([]*threshold.LongTermKey, len(k.Guardians))
	pubs := make([][]byte, len(k.Guardians))
	for i, seed := range k.Guardians {
		if keys[i], err = guardianKey(seed); err != nil {
			return err
		}
		pubs[i] = keys[i].Public().Bytes()
	}
	box.View(func(st *election.State) {
		setup, err = threshold.NewSetup(threshold.Params{N: len(keys), T: st.Manifest.Threshold}, st.CeremonyContext(), pubs)
	})
	if err != nil {
		return err
	}
	gs := make([]*threshold.Guardian, len(keys))
	for _, i := range present {
		if gs[i-1], err = threshold.NewGuardian(setup, i, keys[i-1], rand.Reader); err != nil {
			return err
		}
		msg, err := gs[i-1].Round1()
		if err != nil {
			return err
		}
		if _, err := box.Append(ctx, &election.Entry{Type: election.TypeCeremony,
			Ceremony: &election.CeremonyEntry{Guardian: i, Round: election.RoundDeal, Message: msg.Encode()}}); err != nil {
			return err
		}
	}
	for _, i := range present {
		var msg *threshold.Round2Message
		box.View(func(st *election.State) { msg, err = gs[i-1].Round2(st.Ceremony().Round1Messages()) })
		if err != nil {
			return err
		}
		if _, err := box.Append(ctx, &election.Entry{Type: election.TypeCeremony,
			Ceremony: &election.CeremonyEntry{Guardian: i, Round: election.RoundComplaints, Message: msg.Encode()}}); err != nil {
			return err
		}
	}
	return nil
}

// post appends one of the platform's own entries (the key, the close, the
// tally, the result) unless the election has already reached done: the
// platform's conductor posts the same entries by itself, and whichever
// comes second is refused by the state machine, which is no error here.
func post(ctx context.Context, box *ballotbox.Box, done election.Phase, e *election.Entry) error {
	var phase election.Phase
	box.View(func(st *election.State) { phase = st.Phase })
	if phase >= done {
		return nil
	}
	_, err := box.Append(ctx, e)
	if err != nil {
		box.View(func(st *election.State) { phase = st.Phase })
		if phase >= done {
			return nil
		}
	}
	return err
}

// Count closes voting if it is open, then publishes the tally, lets the
// first Threshold guardians decrypt (each recovering its share from the
// ledger's ceremony messages and its long-term key), publishes the result
// and has every commission member sign it.
func (k *Keys) Count(ctx context.Context, box *ballotbox.Box) error {
	var phase election.Phase
	box.View(func(st *election.State) { phase = st.Phase })
	if phase < election.PhaseOpen {
		return fmt.Errorf("keyholders: the election is %s, not open or closed", phase)
	}
	if err := post(ctx, box, election.PhaseClosed, &election.Entry{Type: election.TypeClose}); err != nil {
		return err
	}
	// Outside the platform (whose conductor publishes the real list's
	// size), the participants are those who received credentials.
	var participants *election.ParticipantsEntry
	box.View(func(st *election.State) {
		if st.Participants == nil && st.Phase == election.PhaseClosed {
			issued := map[string]uint64{}
			for _, d := range st.Manifest.Districts {
				issued[d.ID] = st.Issued(d.ID)
			}
			participants = st.ExpectedParticipants(issued)
		}
	})
	if participants != nil {
		if _, err := box.Append(ctx, &election.Entry{Type: election.TypeParticipants, Participants: participants}); err != nil {
			var published bool
			box.View(func(st *election.State) { published = st.Participants != nil })
			if !published {
				return err
			}
		}
	}
	var tally *election.TallyEntry
	box.View(func(st *election.State) { tally = st.ExpectedTally() })
	if err := post(ctx, box, election.PhaseTallied, &election.Entry{Type: election.TypeTally, Tally: tally}); err != nil {
		return err
	}
	var (
		t       int
		ctxHash [32]byte
		err     error
	)
	box.View(func(st *election.State) {
		t, ctxHash = st.Manifest.Threshold, st.ContextHash
		if len(st.TallyCiphertexts()) == 0 {
			t = 0 // nobody voted: nothing to decrypt
		}
	})
	for i := 0; i < t; i++ {
		share, err := k.share(box, i+1)
		if err != nil {
			return err
		}
		var ds *threshold.DecryptionShare
		box.View(func(st *election.State) {
			ds, err = threshold.PartialDecrypt(share, st.TallyCiphertexts(), ctxHash, rand.Reader)
		})
		if err != nil {
			return err
		}
		// With the conductor's result already out, a late share is refused.
		if err := post(ctx, box, election.PhaseDecided, &election.Entry{Type: election.TypeShare,
			Share: &election.ShareEntry{Guardian: i + 1, Share: ds.Encode()}}); err != nil {
			return err
		}
	}
	var res *election.ResultEntry
	box.View(func(st *election.State) {
		if st.Phase == election.PhaseTallied {
			res, err = st.ExpectedResult()
		}
	})
	if err != nil {
		return err
	}
	if res != nil {
		if err := post(ctx, box, election.PhaseDecided, &election.Entry{Type: election.TypeResult, Result: res}); err != nil {
			return err
		}
	}
	var msg []byte
	box.View(func(st *election.State) { msg = st.ProtocolMessage() })
	ids := make([]string, 0, len(k.Members))
	for id := range k.Members {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		sig := ed25519.Sign(ed25519.NewKeyFromSeed(k.Members[id]), msg)
		if _, err := box.Append(ctx, &election.Entry{Type: election.TypeSignature,
			Signature: &election.SignatureEntry{Member: id, Signature: sig}}); err != nil {
			return err
		}
	}
	return nil
}

// Heartbeats posts a heartbeat of every guardian (docs/protocol.md §10.1):
// each recovers its share from the ledger and its long-term key and
// partially decrypts the test ciphertext, bound to the ledger size it read.
func (k *Keys) Heartbeats(ctx context.Context, box *ballotbox.Box) error {
	all := make([]int, len(k.Guardians))
	for i := range all {
		all[i] = i + 1
	}
	return k.HeartbeatsOf(ctx, box, all)
}

// HeartbeatsOf posts a heartbeat of each listed guardian (1-based).
func (k *Keys) HeartbeatsOf(ctx context.Context, box *ballotbox.Box, guardians []int) error {
	for _, g := range guardians {
		i := g - 1
		share, err := k.share(box, i+1)
		if err != nil {
			return err
		}
		var e *election.Entry
		box.View(func(st *election.State) {
			seen := st.Next
			var ds *threshold.DecryptionShare
			ds, err = threshold.PartialDecrypt(share, []*elgamal.Ciphertext{st.TestCiphertext()},
				election.HeartbeatContext(st.ContextHash, i+1, seen), rand.Reader)
			if err == nil {
				e = &election.Entry{Type: election.TypeHeartbeat,
					Heartbeat: &election.HeartbeatEntry{Guardian: i + 1, Seen: seen, Share: ds.Encode()}}
			}
		})
		share.Zero()
		if err != nil {
			return err
		}
		if _, err := box.Append(ctx, e); err != nil {
			return fmt.Errorf("keyholders: guardian %d's heartbeat: %w", i+1, err)
		}
	}
	return nil
}

// share recovers guardian index's share from the ledger.
func (k *Keys) share(box *ballotbox.Box, index int) (*threshold.Share, error) {
	key, err := guardianKey(k.Guardians[index-1])
	if err != nil {
		return nil, err
	}
	var (
		setup *threshold.Setup
		c     *threshold.Ceremony
	)
	box.View(func(st *election.State) {
		c = st.Ceremony()
		pubs := make([][]byte, len(st.Manifest.Guardians))
		for i, g := range st.Manifest.Guardians {
			pubs[i] = g.Key
		}
		setup, err = threshold.NewSetup(threshold.Params{N: len(pubs), T: st.Manifest.Threshold}, st.CeremonyContext(), pubs)
	})
	if err != nil {
		return nil, err
	}
	share, _, err := threshold.Recover(setup, index, key, c.Round1Messages(), c.Round2Messages())
	if err != nil {
		return nil, fmt.Errorf("keyholders: guardian %d recovering its share: %w", index, err)
	}
	return share, nil
}

// Resolve has commission member id resolve the dispute at ledger index
// dispute.
func (k *Keys) Resolve(ctx context.Context, box *ballotbox.Box, id string, dispute uint64, outcome, reason string) error {
	seed, ok := k.Members[id]
	if !ok {
		return fmt.Errorf("keyholders: no member %q", id)
	}
	var msg []byte
	box.View(func(st *election.State) { msg = st.ResolutionMessage(dispute, outcome, reason) })
	_, err := box.Append(ctx, &election.Entry{Type: election.TypeResolution, Resolution: &election.ResolutionEntry{
		Dispute: dispute, Member: id, Outcome: outcome, Reason: reason,
		Signature: ed25519.Sign(ed25519.NewKeyFromSeed(seed), msg)}})
	return err
}
