package store

import (
	"database/sql"
	"errors"
	"time"
)

// Sessions keeps web sessions server-side (github.com/alexedwards/scs/v2's
// Store): the cookie carries only the random token; revoking a session is
// deleting its row.
type Sessions struct{ db *DB }

// NewSessions returns the session store of db.
func NewSessions(db *DB) *Sessions { return &Sessions{db} }

// Find returns a live session's data.
func (s *Sessions) Find(token string) ([]byte, bool, error) {
	var data []byte
	err := s.db.QueryRow(`SELECT data FROM sessions WHERE token = $1 AND expiry > $2`, token, time.Now().UnixMilli()).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	return data, err == nil, err
}

// Commit stores a session until expiry, and removes expired ones now and
// then.
func (s *Sessions) Commit(token string, data []byte, expiry time.Time) error {
	_, err := s.db.Exec(`INSERT INTO sessions (token, data, expiry) VALUES ($1, $2, $3)
		ON CONFLICT (token) DO UPDATE SET data = excluded.data, expiry = excluded.expiry`, token, data, expiry.UnixMilli())
	if err == nil && len(token) > 0 && token[0] == 'A' { // about one commit in 64
		_, err = s.db.Exec(`DELETE FROM sessions WHERE expiry <= $1`, time.Now().UnixMilli())
	}
	return err
}

// Delete removes a session.
func (s *Sessions) Delete(token string) error {
	_, err := s.db.Exec(`DELETE FROM sessions WHERE token = $1`, token)
	return err
}
