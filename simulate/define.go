package simulate

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"

	"github.com/urna-vote/urna/crypto/credential"
	"github.com/urna-vote/urna/election"
)

// define fills the manifest's keys, generating them, and appends it.
func (r *run) define(ctx context.Context) error {
	m := r.opts.Manifest
	if m == nil {
		m = DefaultManifest()
	}
	m.Voting.Opens = r.opts.Start
	m.Voting.Closes = r.opts.Start + 12*3_600_000
	if m.Voting.TimeZone == "" {
		m.Voting.TimeZone = "Europe/Moscow"
	}
	r.issuers = map[string]*credential.Issuer{}
	for i := range m.Districts {
		is, err := credential.GenerateIssuer(rand.Reader, credential.DefaultModulusBits)
		if err != nil {
			return err
		}
		r.issuers[m.Districts[i].ID] = is
		m.Districts[i].Issuer = credential.MarshalPublicKey(is.PublicKey())
	}
	gs, err := newGuardians(r.opts.Guardians)
	if err != nil {
		return err
	}
	r.guardians = gs
	m.Guardians = nil
	for _, g := range gs {
		m.Guardians = append(m.Guardians, election.Guardian{Index: g.index, Name: fmt.Sprintf("Guardian %d", g.index), Key: g.public})
	}
	m.Threshold = r.opts.Threshold
	r.members = map[string]ed25519.PrivateKey{}
	m.Commission = nil
	for i, name := range []string{"Председатель", "Секретарь", "Член комиссии"} {
		pub, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return err
		}
		id := fmt.Sprintf("member-%d", i+1)
		r.members[id] = priv
		m.Commission = append(m.Commission, election.Member{ID: id, Name: name, Key: pub})
	}
	if m.Build == "" {
		m.Build = "simulation"
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return err
	}
	r.operator, m.Operator = priv, pub
	if err := os.WriteFile(filepath.Join(r.opts.Out, "operator-entries.key"), []byte(hex.EncodeToString(priv.Seed())+"\n"), 0o600); err != nil {
		return err
	}
	if m.Districts == nil || m.Contests == nil {
		return fmt.Errorf("simulate: the manifest needs districts and contests")
	}
	for i := range m.Contests {
		if m.Contests[i].Districts == nil {
			m.Contests[i].Districts = []string{}
		}
	}
	_, err = r.appendEntries(ctx, &election.Entry{Type: election.TypeElection, Time: r.tick(1000), Election: m})
	return err
}
