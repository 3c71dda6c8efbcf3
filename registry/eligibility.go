package registry

import (
	"context"
	"database/sql"
	"errors"
	"strings"
)

// An Applicant is a person applying to vote online as the registry knows
// them once its own checks have passed: the account, where the voter
// register places them, and how the account logs in.
type Applicant struct {
	Account Account
	// Region and District are the person's in the voter register; both
	// are empty if the register does not list them (which only a training
	// vote allows).
	Region, District string
	// Password says the account logs in with a password and a one-time
	// code by SMS; Provider is the issuer of the identity provider it logs
	// in through, if any.
	Password bool
	Provider string
}

// An Eligibility decides whether an applicant may apply in an election,
// beyond the registry's own rules. A refusal is an *Error that says what
// the person can do about it; any other error fails the application.
type Eligibility func(ctx context.Context, electionID string, a Applicant) error

// SetEligibility installs the rule Apply asks after its own checks; nil
// removes it. It may be called while the registry serves.
func (r *Registry) SetEligibility(f Eligibility) { r.eligibility.Store(&f) }

// eligible asks the installed rule, if any, about an account applying in
// an election.
func (r *Registry) eligible(ctx context.Context, electionID string, acc Account) error {
	f := r.eligibility.Load()
	if f == nil || *f == nil {
		return nil
	}
	a := Applicant{Account: acc}
	var password string
	var external sql.NullString
	if err := r.db.QueryRowContext(ctx, `SELECT password, external FROM accounts WHERE id = $1`, acc.ID).Scan(&password, &external); err != nil {
		return err
	}
	a.Password = password != ""
	a.Provider, _, _ = strings.Cut(external.String, " ")
	err := r.db.QueryRowContext(ctx, `SELECT region, district FROM register WHERE snils = $1`, acc.Identity.SNILS).Scan(&a.Region, &a.District)
	if errors.Is(err, sql.ErrNoRows) {
		err = r.db.QueryRowContext(ctx, `SELECT region, district FROM register WHERE document = $1`, acc.Identity.Document).Scan(&a.Region, &a.District)
	}
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	return (*f)(ctx, electionID, a)
}
