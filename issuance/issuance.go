// Package issuance gives an authenticated voter's device the credentials it
// votes with: for each election the voter has an accounted application in,
// one blind signature over a credential key the device generated.
//
// The platform learns who received a credential (the commission's list of
// who voted online, kept privately by the registry) and records on the
// public ledger only that a credential was issued to a pseudonym in a
// district. The pseudonym is a keyed hash of the voter and the election,
// so it repeats if the same voter asks twice (the state machine refuses
// the second) but tells nobody without the platform's key who the voter
// is. The platform cannot link a credential to its voter: it signs a
// blinded message and never sees the credential key it certifies.
package issuance

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"time"

	"github.com/urna-vote/urna/ballotbox"
	"github.com/urna-vote/urna/crypto/credential"
	"github.com/urna-vote/urna/dashboard"
	"github.com/urna-vote/urna/election"
	"github.com/urna-vote/urna/ledger/witness"
	"github.com/urna-vote/urna/registry"
)

// An Election is what issuance needs of one election: its ballot box and
// the issuer keys of its districts.
type Election struct {
	ID      string
	Box     *ballotbox.Box
	Issuers map[string]*credential.Issuer
	// VerifierKey verifies the ledger's checkpoints (signed-note format).
	VerifierKey string
	// Series is the turnout over time shown on the dashboard.
	Series *dashboard.Series
	// Witnesses collects cosignatures of the checkpoints; nil without a
	// witness policy.
	Witnesses *witness.Collector
}

// A Service issues credentials.
type Service struct {
	Registry *registry.Registry
	// Secret keys the pseudonyms (32 bytes, kept with the platform's other
	// secrets; changing it during an election would let a voter receive a
	// second credential).
	Secret []byte
	Now    func() time.Time
}

// Issued is the answer to a credential request.
type Issued struct {
	Election       string `json:"election"`
	District       string `json:"district"`
	BlindSignature []byte `json:"blind_signature"`
	// Entry is the ledger index of the credential entry.
	Entry uint64 `json:"entry"`
}

// An Error is a refused request, with a stable code.
type Error struct {
	Code    string
	Message registry.Text
}

func (e *Error) Error() string { return "issuance: " + e.Code + ": " + e.Message.EN }

func refuse(code, ru, en string) *Error {
	return &Error{Code: code, Message: registry.Text{RU: ru, EN: en}}
}

// Pseudonym returns the per-election pseudonym of an account.
func Pseudonym(secret []byte, electionID, accountID string) []byte {
	m := hmac.New(sha256.New, secret)
	fmt.Fprintf(m, "urna/v1/pseudonym\x00%s\x00%s", electionID, accountID)
	return m.Sum(nil)
}

// Issue blind-signs a credential request of an account in an election.
// blinded is the device's blinded message (credential.Request.Blinded).
// The voter must have an accounted application; voting must be open; a
// voter receives one credential per election. The issuance entry is
// durably on the ledger before the signature is returned, so every ballot
// cast with the credential finds its issuance counted.
func (s *Service) Issue(ctx context.Context, e *Election, accountID string, blinded []byte, ip string) (*Issued, error) {
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	app, err := s.application(ctx, accountID, e.ID)
	if err != nil {
		return nil, err
	}
	var (
		phase  election.Phase
		window election.Window
	)
	e.Box.View(func(st *election.State) {
		phase = st.Phase
		if st.Manifest != nil {
			window = st.Manifest.Window(app.District)
		}
	})
	t := now().UnixMilli()
	switch {
	case phase < election.PhaseOpen || t < window.Opens:
		return nil, refuse("voting_not_open", "Голосование ещё не началось.", "Voting has not opened yet.")
	case phase > election.PhaseOpen || t >= window.Closes:
		return nil, refuse("voting_closed", "Голосование завершено.", "Voting has closed.")
	}
	issuer := e.Issuers[app.District]
	if issuer == nil {
		return nil, fmt.Errorf("issuance: no issuer key for district %q of election %q", app.District, e.ID)
	}
	if done, err := s.Registry.HasIssued(ctx, accountID, e.ID); err != nil {
		return nil, err
	} else if done {
		return nil, alreadyIssued()
	}
	// Sign first: a request that cannot be signed writes nothing, and the
	// signature is released only once the issuance is on the ledger.
	sig, err := issuer.BlindSign(blinded)
	if err != nil {
		return nil, refuse("malformed_request", "Запрос бюллетеня повреждён.", "The credential request is malformed.")
	}
	index, err := e.Box.Append(ctx, &election.Entry{Type: election.TypeCredential,
		Credential: &election.CredentialEntry{Pseudonym: Pseudonym(s.Secret, e.ID, accountID), District: app.District}})
	var ce *election.CheckError
	switch {
	case errors.As(err, &ce) && ce.ID == election.CheckIssue:
		return nil, alreadyIssued()
	case errors.As(err, &ce) && ce.ID == election.CheckPhase:
		return nil, refuse("voting_closed", "Голосование завершено.", "Voting has closed.")
	case err != nil:
		return nil, err
	}
	if err := s.Registry.MarkIssued(ctx, accountID, e.ID); err != nil {
		return nil, err
	}
	s.Registry.Audit(ctx, registry.Event{Kind: "credential_issued", Account: accountID, IP: ip, Detail: e.ID})
	return &Issued{Election: e.ID, District: app.District, BlindSignature: sig, Entry: index}, nil
}

func alreadyIssued() *Error {
	return refuse("credential_already_issued",
		"Бюллетень по этим выборам вам уже выдан. Повторно его получить нельзя; проголосовать ещё раз можно с того же устройства.",
		"You have already received the ballot of this election. It cannot be issued twice; you may re-vote from the same device.")
}

// application returns the voter's accounted application in an election.
func (s *Service) application(ctx context.Context, accountID, electionID string) (*registry.Application, error) {
	apps, err := s.Registry.Applications(ctx, accountID)
	if err != nil {
		return nil, err
	}
	for i := range apps {
		if apps[i].ElectionID == electionID && apps[i].Status == registry.StatusAccounted {
			return &apps[i], nil
		}
	}
	return nil, refuse("no_application",
		"У вас нет учтённого заявления на дистанционное голосование по этим выборам.",
		"You have no accounted application to vote online in this election.")
}
