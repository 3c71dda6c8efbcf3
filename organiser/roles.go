package organiser

import (
	"context"
	"errors"
	"strings"

	"github.com/urna-vote/urna/registry"
)

// Roles the operator grants.
const (
	// RoleOrganiser creates, edits and fixes votes in the console.
	RoleOrganiser = "organiser"
)

func checkRole(role string) error {
	if role != RoleOrganiser {
		return refuse("bad_role", "role", "Такой роли нет: есть только organiser.", "No such role: the only role is organiser.")
	}
	return nil
}

// Grant gives an account a role; granting it again changes nothing.
func (s *Service) Grant(ctx context.Context, account, role, by string) error {
	if err := checkRole(role); err != nil {
		return err
	}
	if _, err := s.reg.Account(ctx, account); err != nil {
		return err
	}
	if _, err := s.db.ExecContext(ctx, `INSERT INTO roles (account, role, granted_by, granted) VALUES ($1, $2, $3, $4) ON CONFLICT (account, role) DO NOTHING`,
		account, role, by, s.opts.Now().UnixMilli()); err != nil {
		return err
	}
	s.audit(ctx, account, "role_granted", role+" by "+by)
	return nil
}

// Revoke takes a role from an account.
func (s *Service) Revoke(ctx context.Context, account, role, by string) error {
	if err := checkRole(role); err != nil {
		return err
	}
	res, err := s.db.ExecContext(ctx, `DELETE FROM roles WHERE account = $1 AND role = $2`, account, role)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return refuse(CodeNotFound, "role", "У этой учётной записи нет такой роли.", "The account does not hold this role.")
	}
	s.audit(ctx, account, "role_revoked", role+" by "+by)
	return nil
}

// HasRole says whether an account holds a role.
func (s *Service) HasRole(ctx context.Context, account, role string) (bool, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM roles WHERE account = $1 AND role = $2`, account, role).Scan(&n)
	return n > 0, err
}

// SetSignatureKey registers an account's signature key ("<scheme>
// <base64>", as ParseMemberKey reads it), replacing any earlier one: a
// vote whose access rule asks for a signature key admits the account.
func (s *Service) SetSignatureKey(ctx context.Context, account, key, by string) error {
	key = strings.TrimSpace(key)
	if _, _, err := ParseMemberKey(key); err != nil {
		return refuse(CodeBadKey, "key", "Ключ подписи — в виде «<схема> <base64>», как его печатает urna member keygen: "+err.Error()+".",
			"The signature key must be \"<scheme> <base64>\", as urna member keygen prints it: "+err.Error())
	}
	if _, err := s.reg.Account(ctx, account); err != nil {
		return err
	}
	if _, err := s.db.ExecContext(ctx, `INSERT INTO signature_keys (account, key, registered) VALUES ($1, $2, $3)
		ON CONFLICT (account) DO UPDATE SET key = excluded.key, registered = excluded.registered`, account, key, s.opts.Now().UnixMilli()); err != nil {
		return err
	}
	s.audit(ctx, account, "signature_key_registered", "by "+by)
	return nil
}

// hasSignatureKey says whether an account registered a signature key.
func (s *Service) hasSignatureKey(ctx context.Context, account string) (bool, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM signature_keys WHERE account = $1`, account).Scan(&n)
	return n > 0, err
}

// isNotFound says whether err is a refusal for want of the thing asked
// for (a vote, an account, a role).
func isNotFound(err error) bool {
	var oe *Error
	var re *registry.Error
	return errors.As(err, &oe) && oe.Code == CodeNotFound || errors.As(err, &re) && re.Code == "not_found"
}
