package organiser

import (
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/urna-vote/urna/election"
	"github.com/urna-vote/urna/notify"
)

// A Draft is a vote as the organiser edits it: the manifest-to-be and the
// private settings. Its JSON form is the console API's.
type Draft struct {
	// ID is the election's id, chosen at creation and never changed.
	ID string `json:"id"`
	// Version counts the edits; an edit carries the version it read.
	Version int64 `json:"version"`
	// State is StateDraft, StateFixing or StateFixed (set by the service).
	State string `json:"state"`

	// What the manifest will say.
	Title      election.Text      `json:"title"`
	Training   bool               `json:"training"`
	Voting     election.Window    `json:"voting"`
	Regions    []election.Region  `json:"regions"`
	Districts  []District         `json:"districts"`
	Contests   []election.Contest `json:"contests"`
	Guardians  []Guardian         `json:"guardians"`
	Threshold  int                `json:"threshold"`
	Commission []Member           `json:"commission"`

	// What only the platform keeps.
	Level         string       `json:"level"`
	Applications  Period       `json:"applications"`
	Participants  Participants `json:"participants"`
	Access        []AccessRule `json:"access"`
	Notifications []string     `json:"notifications"`

	Created   time.Time `json:"created"`
	CreatedBy string    `json:"created_by"`
	Updated   time.Time `json:"updated"`
	UpdatedBy string    `json:"updated_by"`
	Fixed     time.Time `json:"fixed,omitzero"`
}

// Vote states.
const (
	StateDraft  = "draft"  // editable
	StateFixing = "fixing" // Fix is defining the election; edits are refused
	StateFixed  = "fixed"  // on the ledger; never edited again
)

// A District of the manifest-to-be; its credential issuer key is made
// when the vote is fixed.
type District struct {
	ID     string        `json:"id"`
	Name   election.Text `json:"name"`
	Region string        `json:"region"`
}

// A Guardian of the manifest-to-be: Key is its long-term public key as
// `urna guardian init` prints it (base64 of a ristretto255 element). The
// index is its place in the list, from 1.
type Guardian struct {
	Name string `json:"name"`
	Key  string `json:"key"`
}

// A Member of the commission: Key is its signing key as `urna member
// keygen` prints it, "<scheme> <base64>".
type Member struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Key  string `json:"key"`
}

// A Period is a time interval in Unix milliseconds, shown in the
// election's time zone. Opens 0 means from the moment the vote is fixed.
type Period struct {
	Opens  int64 `json:"opens"`
	Closes int64 `json:"closes"`
}

// Participants says who takes part: the voter register (Source
// "register"), narrowed to Regions and Districts if given, or the uploaded
// list (Source "list") of insurance numbers, phones and e-mail addresses.
type Participants struct {
	Source    string   `json:"source"`
	Regions   []string `json:"regions"`
	Districts []string `json:"districts"`
	// ListSize is the uploaded list's length (set by the service).
	ListSize int `json:"list_size"`
}

// Participant sources.
const (
	SourceRegister = "register"
	SourceList     = "list"
)

// An AccessRule admits accounts of one kind, logging in one way. A person
// may apply if their account meets any of the vote's rules.
type AccessRule struct {
	// Accounts is AccountsVerified or AccountsSignatureKey.
	Accounts string `json:"accounts"`
	// Auth is AuthAny, AuthPasswordSMS or AuthOIDC.
	Auth string `json:"auth"`
}

// Kinds of accounts an access rule admits.
const (
	AccountsVerified     = "verified"      // verified accounts (the default)
	AccountsSignatureKey = "signature_key" // verified accounts with a registered signature key
)

// The authentication an access rule requires.
const (
	AuthAny         = "any"          // any way the platform offers
	AuthPasswordSMS = "password_sms" // a password and a one-time code by SMS
	AuthOIDC        = "oidc"         // an identity provider (OpenID Connect)
)

// Notification events a vote may tell its voters of.
const (
	NotifyApplied          = notify.EventApplied
	NotifyVotingStarted    = notify.EventVotingStarted
	NotifyReminder         = notify.EventReminder
	NotifyVotingEnded      = notify.EventVotingEnded
	NotifyResultsPublished = notify.EventResultsPublished
)

// Events lists the notification events in the order a vote goes through
// them.
var Events = []string{NotifyApplied, NotifyVotingStarted, NotifyReminder, NotifyVotingEnded, NotifyResultsPublished}

// Levels of a vote.
var Levels = []string{"federal", "regional", "municipal", "other"}

// Bounds of a draft, far above any real vote, that keep a stored draft
// small enough to handle; the manifest's own limits are checked at Fix.
const (
	MaxRegions    = 1000
	MaxContests   = 1000
	MaxOptions    = 1000
	MaxGuardians  = 1000
	MaxCommission = 1000
	MaxRules      = 8
)

// defaults fills what a new draft leaves out.
func (d *Draft) defaults() {
	if d.Level == "" {
		d.Level = "other"
	}
	if d.Voting.TimeZone == "" {
		d.Voting.TimeZone = "Europe/Moscow"
	}
	if d.Participants.Source == "" {
		d.Participants.Source = SourceRegister
	}
	if len(d.Access) == 0 {
		d.Access = []AccessRule{{Accounts: AccountsVerified, Auth: AuthAny}}
	}
	for i := range d.Access {
		if d.Access[i].Auth == "" {
			d.Access[i].Auth = AuthAny
		}
	}
	if d.Notifications == nil {
		d.Notifications = slices.Clone(Events)
	}
}

// checkSaved checks what a draft must satisfy to be saved at all: the
// private settings' vocabulary and the bounds. The rest may be incomplete
// until Fix.
func (d *Draft) checkSaved() error {
	bad := func(field, ru, en string) error { return refuse(CodeInvalid, field, ru, en) }
	if !slices.Contains(Levels, d.Level) {
		return bad("level", "Уровень голосования: federal, regional, municipal или other.", "level: federal, regional, municipal or other")
	}
	if s := d.Participants.Source; s != SourceRegister && s != SourceList {
		return bad("participants.source", "Участники: из реестра избирателей (register) или по загруженному списку (list).",
			"participants.source: register or list")
	}
	if len(d.Participants.Regions) > 100000 || len(d.Participants.Districts) > 100000 {
		return bad("participants", "Слишком длинный фильтр участников.", "participants: too many regions or districts in the filter")
	}
	if len(d.Access) > MaxRules {
		return bad("access", fmt.Sprintf("Правил доступа не больше %d.", MaxRules), fmt.Sprintf("access: at most %d rules", MaxRules))
	}
	seen := map[AccessRule]bool{}
	for i, r := range d.Access {
		f := "access[" + strconv.Itoa(i) + "]"
		if r.Accounts != AccountsVerified && r.Accounts != AccountsSignatureKey {
			return bad(f+".accounts", "Правило доступа: подтверждённые учётные записи (verified) или с ключом электронной подписи (signature_key).",
				f+".accounts: verified or signature_key")
		}
		if r.Auth != AuthAny && r.Auth != AuthPasswordSMS && r.Auth != AuthOIDC {
			return bad(f+".auth", "Вход для правила доступа: любой (any), пароль и код из СМС (password_sms) или через поставщика удостоверений (oidc).",
				f+".auth: any, password_sms or oidc")
		}
		if seen[r] {
			return bad(f, "Правило доступа указано дважды.", f+": listed twice")
		}
		seen[r] = true
	}
	for i, n := range d.Notifications {
		if !slices.Contains(Events, n) || slices.Index(d.Notifications, n) != i {
			return bad("notifications", "Уведомления: applied, voting_started, reminder, voting_ended, results_published, каждое не больше одного раза.",
				"notifications: applied, voting_started, reminder, voting_ended, results_published, each at most once")
		}
	}
	for _, c := range []struct {
		field  string
		n, max int
	}{
		{"regions", len(d.Regions), MaxRegions}, {"districts", len(d.Districts), election.MaxDistricts},
		{"contests", len(d.Contests), MaxContests}, {"guardians", len(d.Guardians), MaxGuardians},
		{"commission", len(d.Commission), MaxCommission},
	} {
		if c.n > c.max {
			return bad(c.field, fmt.Sprintf("Слишком длинный список (%d, не больше %d).", c.n, c.max), fmt.Sprintf("%s: %d items, at most %d", c.field, c.n, c.max))
		}
	}
	for i, c := range d.Contests {
		if len(c.Options) > MaxOptions {
			return bad(fmt.Sprintf("contests[%d].options", i), fmt.Sprintf("Слишком много вариантов (не больше %d).", MaxOptions),
				fmt.Sprintf("contests[%d].options: at most %d", i, MaxOptions))
		}
	}
	return nil
}

// checkID checks the id of a new vote: it names the election's folder
// and ledger, so only letters, digits, '-' and '_'.
func checkID(id string) error {
	ok := id != "" && len(id) <= election.MaxIDLen
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			ok = false
		}
	}
	if !ok {
		return refuse(CodeInvalid, "id", fmt.Sprintf("Идентификатор голосования — от 1 до %d латинских букв, цифр, «-» и «_».", election.MaxIDLen),
			fmt.Sprintf("id: 1 to %d letters, digits, '-' and '_'", election.MaxIDLen))
	}
	return nil
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
