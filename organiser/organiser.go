// Package organiser is the organiser's side of a vote: a draft — the
// manifest-to-be and the private settings that never go on the ledger —
// edited until its key ceremony starts, then fixed on the ledger for good.
//
// A draft holds what the manifest will say (title, training or not, the
// voting window with its time zone and each region's own window, districts,
// contests with their options and limits, the guardians with their
// long-term keys and the threshold, the commission members with their
// signing keys) and what only the platform keeps: the application window,
// who takes part (the voter register filtered by regions and districts, or
// an uploaded list), the access rules with the authentication each
// requires, and the notifications voters receive.
//
// Drafts live in the private database under a version number. Every edit
// carries the version it read; an edit of a version that has moved on is
// refused with the code "stale_version" and changes nothing, so two
// organisers never overwrite each other's work unawares.
//
// Fix checks the whole draft — the manifest with the election's own rules
// (election.Manifest.Check and the key ceremony's setup, never a copy of
// them), the private settings with this package's — builds the manifest
// and has the platform define the election: its manifest becomes entry 0
// of a new ledger. From then on every edit is refused, and the guardians
// run the key ceremony. Errors meant for organisers are *Error values that
// name the field at fault, in Russian and English.
//
// The service also answers the registry, when a person applies to a fixed
// vote, whether they are among its participants and meet its access rules
// (Eligible, installed by New as the registry's eligibility rule); it keeps
// who holds the organiser role (granted by the operator) and the signature
// keys that accounts registered.
package organiser

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/urna-vote/urna/election"
	"github.com/urna-vote/urna/issuance"
	"github.com/urna-vote/urna/registry"
	"github.com/urna-vote/urna/store"
)

// Elections is what the service needs of the platform: defining an
// election on a new ledger, finding an election by id, and publishing
// the key of a ceremony some guardians never finished.
// *platform.Platform implements it.
type Elections interface {
	CreateElection(ctx context.Context, m *election.Manifest, info registry.ElectionInfo) (*issuance.Election, error)
	Election(id string) (*issuance.Election, bool)
	FinishCeremony(ctx context.Context, id string) (uint64, error)
}

// Options configure a Service.
type Options struct {
	// Now is the clock; nil means time.Now.
	Now    func() time.Time
	Logger *slog.Logger
}

// A Service is the organisers' votes over the private database.
type Service struct {
	db   *store.DB
	reg  *registry.Registry
	el   Elections
	opts Options

	mu     sync.Mutex
	fixing map[string]bool // votes whose Fix runs in this process

	// The private settings of fixed votes, which never change again, by
	// id; nil for an election the console did not make.
	settings sync.Map // string → *fixedSettings
}

// New returns the service kept in db, defining elections through el, and
// installs its Eligible as reg's eligibility rule.
func New(db *store.DB, reg *registry.Registry, el Elections, opts Options) *Service {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	s := &Service{db: db, reg: reg, el: el, opts: opts, fixing: map[string]bool{}}
	reg.SetEligibility(s.Eligible)
	return s
}

// An Error is a refusal meant for the organiser (or, from Eligible, the
// voter): a stable code, the field at fault if any (a path into the draft
// such as "contests[1]" or "participants"), for a list the line, and a
// message in Russian and English.
type Error struct {
	Code    string        `json:"code"`
	Field   string        `json:"field,omitempty"`
	Line    int           `json:"line,omitempty"`
	Message registry.Text `json:"message"`
}

func (e *Error) Error() string { return "organiser: " + e.Code + ": " + e.Message.EN }

func refuse(code, field, ru, en string) *Error {
	return &Error{Code: code, Field: field, Message: registry.Text{RU: ru, EN: en}}
}

// Error codes.
const (
	CodeInvalid         = "invalid_draft"     // a field of the draft is wrong
	CodeStale           = "stale_version"     // the draft changed since it was read
	CodeFixed           = "fixed"             // the vote is fixed on the ledger
	CodeNotFound        = "not_found"         // no such vote
	CodeExists          = "exists"            // the id is taken
	CodeBadParticipants = "bad_participants"  // the uploaded list is malformed
	CodeNotFixed        = "not_fixed"         // the vote is still a draft
	CodeBadKey          = "bad_key"           // a signature key is malformed
	CodeNoCeremony      = "no_ceremony"       // the key ceremony is not running
	CodeTooFew          = "too_few_guardians" // fewer guardians than the threshold took part
)

func notFound(id string) *Error {
	return refuse(CodeNotFound, "", "Голосования «"+id+"» в консоли нет.", "There is no vote "+id+" in the console.")
}

var errFixed = refuse(CodeFixed, "",
	"Голосование зафиксировано в реестре (запись 0), и изменить его нельзя: хранители ключа уже проводят церемонию.",
	"The vote is fixed on the ledger at entry 0 and can no longer be edited: its key ceremony has started.")

func stale(current int64) *Error {
	return refuse(CodeStale, "version",
		"Черновик успел изменить кто-то другой (сейчас версия "+itoa(current)+"), пока вы его правили. Ваши изменения не сохранены: откройте черновик заново и внесите их ещё раз.",
		"Someone else changed the draft (it is now version "+itoa(current)+") while you were editing it. Your changes were not saved: open the draft again and redo them.")
}

func (s *Service) audit(ctx context.Context, by, kind, detail string) {
	s.reg.Audit(ctx, registry.Event{Account: by, Kind: kind, Detail: detail})
}
