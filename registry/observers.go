package registry

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"strings"
	"time"
)

// Observers. Those entitled to nominate observers in an election —
// candidates, parties, public chambers: the roles are set per election by
// the operator (SetNominator) — invite a person by their account's phone or
// e-mail. The invitee accepts (or declines) on their account page, and is
// then a registered observer of that election. The list of observers is
// public per election.

// Nominator roles.
const (
	RoleCandidate = "candidate"
	RoleParty     = "party"
	RoleChamber   = "chamber" // a public chamber
)

// Observer statuses.
const (
	ObserverInvited  = "invited"
	ObserverAccepted = "accepted"
	ObserverDeclined = "declined"
)

// An Invitation is one person invited to observe one election.
type Invitation struct {
	ID          string    `json:"id"`
	ElectionID  string    `json:"election_id"`
	Nominator   string    `json:"nominator"` // the nominator's public name
	Role        string    `json:"role"`
	Status      string    `json:"status"`
	Created     time.Time `json:"created"`
	AccountName string    `json:"-"` // the invitee's full name
}

// PublicObserver is one line of an election's public list of observers.
type PublicObserver struct {
	Name        string    `json:"name"`
	NominatedBy string    `json:"nominated_by"`
	Role        string    `json:"role"`
	Since       time.Time `json:"since"`
}

// SetNominator entitles an account to nominate observers in an election,
// under a public name ("Партия зелёных садов", "Общественная палата").
func (r *Registry) SetNominator(ctx context.Context, electionID, accountID, role, name string) error {
	switch role {
	case RoleCandidate, RoleParty, RoleChamber:
	default:
		return refuse("bad_role", "role", "Роль должна быть candidate, party или chamber.", "The role must be candidate, party or chamber.")
	}
	if name == "" || len(name) > 200 {
		return refuse("bad_name", "name", "Укажите название (до 200 знаков).", "Give a name of up to 200 characters.")
	}
	if _, err := r.Election(ctx, electionID); err != nil {
		return err
	}
	if _, err := r.Account(ctx, accountID); err != nil {
		return err
	}
	_, err := r.db.ExecContext(ctx, `INSERT INTO nominators (election, account, role, name) VALUES ($1, $2, $3, $4)
		ON CONFLICT (election, account) DO UPDATE SET role = excluded.role, name = excluded.name`, electionID, accountID, role, name)
	if err == nil {
		r.Audit(ctx, Event{Account: accountID, Kind: "nominator_set", Detail: electionID + " " + role + " " + name})
	}
	return err
}

// Nominations returns the elections in which an account may nominate
// observers, with its public name in each.
func (r *Registry) Nominations(ctx context.Context, accountID string) (map[string]string, error) {
	rows, err := r.db.QueryContext(ctx, `SELECT election, name FROM nominators WHERE account = $1`, accountID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var e, n string
		if err := rows.Scan(&e, &n); err != nil {
			return nil, err
		}
		out[e] = n
	}
	return out, rows.Err()
}

// Invite invites the account whose phone or e-mail is login to observe an
// election on behalf of the nominator.
func (r *Registry) Invite(ctx context.Context, nominatorID, electionID, login, ip string) (Invitation, error) {
	var role, name string
	err := r.db.QueryRowContext(ctx, `SELECT role, name FROM nominators WHERE election = $1 AND account = $2`, electionID, nominatorID).Scan(&role, &name)
	if errors.Is(err, sql.ErrNoRows) {
		return Invitation{}, refuse("not_nominator", "", "Вы не вправе направлять наблюдателей на эти выборы.", "You may not nominate observers in this election.")
	}
	if err != nil {
		return Invitation{}, err
	}
	var invitee, status string
	err = r.db.QueryRowContext(ctx, `SELECT id, status FROM accounts WHERE phone = $1 OR email = $2`, normalizePhone(login), strings.ToLower(strings.TrimSpace(login))).Scan(&invitee, &status)
	if errors.Is(err, sql.ErrNoRows) {
		return Invitation{}, refuse("not_found", "login", "Учётной записи с таким телефоном или почтой нет: человек должен сначала зарегистрироваться.",
			"No account has this phone or e-mail: the person must register first.")
	}
	if err != nil {
		return Invitation{}, err
	}
	if status != StatusVerified {
		return Invitation{}, refuse("account_not_verified", "login", "Наблюдателем может быть только человек с подтверждённой учётной записью.",
			"Only a person with a verified account can be an observer.")
	}
	id := make([]byte, 12)
	rand.Read(id)
	inv := Invitation{ID: hex.EncodeToString(id), ElectionID: electionID, Nominator: name, Role: role, Status: ObserverInvited, Created: r.opts.Now()}
	res, err := r.db.ExecContext(ctx, `INSERT INTO observers (id, election, account, nominator, status, created, decided) VALUES ($1, $2, $3, $4, $5, $6, 0)
		ON CONFLICT (election, account) DO NOTHING`, inv.ID, electionID, invitee, nominatorID, ObserverInvited, inv.Created.UnixMilli())
	if err != nil {
		return Invitation{}, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return Invitation{}, refuse("exists", "login", "Этот человек уже приглашён наблюдать эти выборы.", "This person is already invited to observe this election.")
	}
	r.Audit(ctx, Event{IP: ip, Account: nominatorID, Kind: "observer_invited", Detail: electionID + " " + invitee})
	return inv, nil
}

// Invitations returns an account's invitations.
func (r *Registry) Invitations(ctx context.Context, accountID string) ([]Invitation, error) {
	rows, err := r.db.QueryContext(ctx, `SELECT o.id, o.election, n.name, n.role, o.status, o.created FROM observers o
		JOIN nominators n ON n.election = o.election AND n.account = o.nominator WHERE o.account = $1 ORDER BY o.created`, accountID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Invitation{}
	for rows.Next() {
		var inv Invitation
		var created int64
		if err := rows.Scan(&inv.ID, &inv.ElectionID, &inv.Nominator, &inv.Role, &inv.Status, &created); err != nil {
			return nil, err
		}
		inv.Created = time.UnixMilli(created)
		out = append(out, inv)
	}
	return out, rows.Err()
}

// Answer accepts or declines an invitation of the account.
func (r *Registry) Answer(ctx context.Context, accountID, invitationID string, accept bool, ip string) error {
	status := ObserverDeclined
	if accept {
		status = ObserverAccepted
	}
	res, err := r.db.ExecContext(ctx, `UPDATE observers SET status = $1, decided = $2 WHERE id = $3 AND account = $4 AND status = $5`,
		status, r.opts.Now().UnixMilli(), invitationID, accountID, ObserverInvited)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return refuse("not_found", "", "Такого приглашения нет или на него уже дан ответ.", "No such invitation, or it was already answered.")
	}
	r.Audit(ctx, Event{IP: ip, Account: accountID, Kind: "observer_" + status, Detail: invitationID})
	return nil
}

// Observers returns an election's public list of observers: those who
// accepted, with who nominated them.
func (r *Registry) Observers(ctx context.Context, electionID string) ([]PublicObserver, error) {
	rows, err := r.db.QueryContext(ctx, `SELECT a.full_name, n.name, n.role, o.decided FROM observers o
		JOIN accounts a ON a.id = o.account
		JOIN nominators n ON n.election = o.election AND n.account = o.nominator
		WHERE o.election = $1 AND o.status = $2 ORDER BY n.name, a.full_name`, electionID, ObserverAccepted)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []PublicObserver{}
	for rows.Next() {
		var o PublicObserver
		var since int64
		if err := rows.Scan(&o.Name, &o.NominatedBy, &o.Role, &since); err != nil {
			return nil, err
		}
		o.Since = time.UnixMilli(since)
		out = append(out, o)
	}
	return out, rows.Err()
}
