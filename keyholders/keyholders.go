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
	for i, key := range keys {
		if gs[i], err = threshold.NewGuardian(setup, i+1, key, rand.Reader); err != nil {
			return err
		}
		msg, err := gs[i].Round1()
		if err != nil {
			return err
		}
		if _, err := box.Append(ctx, &election.Entry{Type: election.TypeCeremony,
			Ceremony: &election.CeremonyEntry{Guardian: i + 1, Round: election.RoundDeal, Message: msg.Encode()}}); err != nil {
			return err
		}
	}
	for i, g := range gs {
		var msg *threshold.Round2Message
		box.View(func(st *election.State) { msg, err = g.Round2(st.Ceremony().Round1Messages()) })
		if err != nil {
			return err
		}
		if _, err := box.Append(ctx, &election.Entry{Type: election.TypeCeremony,
			Ceremony: &election.CeremonyEntry{Guardian: i + 1, Round: election.RoundComplaints, Message: msg.Encode()}}); err != nil {
			return err
		}
	}
	var res *threshold.Result
	box.View(func(st *election.State) { res, err = st.Ceremony().Result() })
	if err != nil {
		return err
	}
	_, err = box.Append(ctx, &election.Entry{Type: election.TypeKey,
		Key: &election.KeyEntry{Key: res.Key.Bytes(), Qualified: res.Qualified}})
	return err
}

// Count closes voting if it is open, then publishes the tally, lets the
// first Threshold guardians decrypt (each recovering its share from the
// ledger's ceremony messages and its long-term key), publishes the result
// and has every commission member sign it.
func (k *Keys) Count(ctx context.Context, box *ballotbox.Box) error {
	var phase election.Phase
	box.View(func(st *election.State) { phase = st.Phase })
	if phase == election.PhaseOpen {
		if _, err := box.Append(ctx, &election.Entry{Type: election.TypeClose}); err != nil {
			return err
		}
		phase = election.PhaseClosed
	}
	if phase != election.PhaseClosed {
		return fmt.Errorf("keyholders: the election is %s, not closed", phase)
	}
	var tally *election.TallyEntry
	box.View(func(st *election.State) { tally = st.ExpectedTally() })
	if _, err := box.Append(ctx, &election.Entry{Type: election.TypeTally, Tally: tally}); err != nil {
		return err
	}
	var (
		setup *threshold.Setup
		c     *threshold.Ceremony
		err   error
	)
	var t int
	var ctxHash [32]byte
	box.View(func(st *election.State) {
		c = st.Ceremony()
		t = st.Manifest.Threshold
		ctxHash = st.ContextHash
		pubs := make([][]byte, len(st.Manifest.Guardians))
		for i, g := range st.Manifest.Guardians {
			pubs[i] = g.Key
		}
		setup, err = threshold.NewSetup(threshold.Params{N: len(pubs), T: t}, st.CeremonyContext(), pubs)
	})
	if err != nil {
		return err
	}
	for i := 0; i < t; i++ {
		key, err := guardianKey(k.Guardians[i])
		if err != nil {
			return err
		}
		share, _, err := threshold.Recover(setup, i+1, key, c.Round1Messages(), c.Round2Messages())
		if err != nil {
			return fmt.Errorf("keyholders: guardian %d recovering its share: %w", i+1, err)
		}
		var ds *threshold.DecryptionShare
		box.View(func(st *election.State) {
			ds, err = threshold.PartialDecrypt(share, st.TallyCiphertexts(), ctxHash, rand.Reader)
		})
		if err != nil {
			return err
		}
		if _, err := box.Append(ctx, &election.Entry{Type: election.TypeShare,
			Share: &election.ShareEntry{Guardian: i + 1, Share: ds.Encode()}}); err != nil {
			return err
		}
	}
	var res *election.ResultEntry
	box.View(func(st *election.State) { res, err = st.ExpectedResult() })
	if err != nil {
		return err
	}
	if _, err := box.Append(ctx, &election.Entry{Type: election.TypeResult, Result: res}); err != nil {
		return err
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
