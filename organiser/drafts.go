package organiser

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/urna-vote/urna/election"
)

// Create saves a new draft as version 1, with the defaults filled in
// (verified accounts, every notification, the register as participants).
// Its id must be new to the console and to the platform.
func (s *Service) Create(ctx context.Context, d Draft, by string) (Draft, error) {
	if err := checkID(d.ID); err != nil {
		return Draft{}, err
	}
	d.defaults()
	if err := d.checkSaved(); err != nil {
		return Draft{}, err
	}
	taken := refuse(CodeExists, "id", "Голосование с идентификатором «"+d.ID+"» уже есть.", "A vote with id "+d.ID+" exists.")
	if _, ok := s.el.Election(d.ID); ok {
		return Draft{}, taken
	}
	if _, err := s.reg.Election(ctx, d.ID); err == nil {
		return Draft{}, taken
	}
	body, err := encode(d)
	if err != nil {
		return Draft{}, err
	}
	now := s.opts.Now().UnixMilli()
	res, err := s.db.ExecContext(ctx, `INSERT INTO organiser_votes (id, version, state, body, created, created_by, updated, updated_by, fixed)
		VALUES ($1, 1, $2, $3, $4, $5, $4, $5, 0) ON CONFLICT (id) DO NOTHING`, d.ID, StateDraft, body, now, by)
	if err != nil {
		return Draft{}, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return Draft{}, taken
	}
	s.audit(ctx, by, "vote_created", d.ID)
	return s.Get(ctx, d.ID)
}

// encode is the stored form of a draft: the JSON of what the organiser
// edits; the bookkeeping lives in its own columns.
func encode(d Draft) (string, error) {
	d.Version, d.State, d.Participants.ListSize = 0, "", 0
	d.Created, d.Updated, d.Fixed, d.CreatedBy, d.UpdatedBy = time.Time{}, time.Time{}, time.Time{}, "", ""
	b, err := json.Marshal(d)
	return string(b), err
}

// Get returns a vote of the console.
func (s *Service) Get(ctx context.Context, id string) (Draft, error) {
	d, err := s.load(ctx, s.db, id)
	if err != nil {
		return Draft{}, err
	}
	if d.State == StateFixing {
		return s.settle(ctx, d)
	}
	return d, nil
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func (s *Service) load(ctx context.Context, q querier, id string) (Draft, error) {
	var (
		d                      Draft
		body, state, cby, uby  string
		version, cr, up, fixed int64
	)
	err := q.QueryRowContext(ctx, `SELECT version, state, body, created, created_by, updated, updated_by, fixed FROM organiser_votes WHERE id = $1`, id).
		Scan(&version, &state, &body, &cr, &cby, &up, &uby, &fixed)
	if errors.Is(err, sql.ErrNoRows) {
		return Draft{}, notFound(id)
	}
	if err != nil {
		return Draft{}, err
	}
	if err := json.Unmarshal([]byte(body), &d); err != nil {
		return Draft{}, err
	}
	d.ID, d.Version, d.State = id, version, state
	d.Created, d.CreatedBy, d.Updated, d.UpdatedBy = time.UnixMilli(cr), cby, time.UnixMilli(up), uby
	if fixed != 0 {
		d.Fixed = time.UnixMilli(fixed)
	}
	if err := q.QueryRowContext(ctx, `SELECT count(*) FROM organiser_participants WHERE vote = $1`, id).Scan(&d.Participants.ListSize); err != nil {
		return Draft{}, err
	}
	return d, nil
}

// A Summary is one vote in the console's list.
type Summary struct {
	ID        string        `json:"id"`
	Title     election.Text `json:"title"`
	Training  bool          `json:"training"`
	State     string        `json:"state"`
	Version   int64         `json:"version"`
	Updated   time.Time     `json:"updated"`
	UpdatedBy string        `json:"updated_by"`
	// Phase is the election's phase (election.Phase.Code) once fixed.
	Phase string `json:"phase,omitempty"`
}

// List returns the console's votes, newest change first.
func (s *Service) List(ctx context.Context) ([]Summary, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id FROM organiser_votes ORDER BY updated DESC, id`)
	if err != nil {
		return nil, err
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := []Summary{}
	for _, id := range ids {
		d, err := s.Get(ctx, id)
		var oe *Error
		if errors.As(err, &oe) && oe.Code == CodeNotFound {
			continue // deleted meanwhile
		}
		if err != nil {
			return nil, err
		}
		sm := Summary{ID: d.ID, Title: d.Title, Training: d.Training, State: d.State, Version: d.Version, Updated: d.Updated, UpdatedBy: d.UpdatedBy}
		if e, ok := s.el.Election(d.ID); ok && d.State == StateFixed {
			e.Box.View(func(st *election.State) { sm.Phase = st.Phase.Code() })
		}
		out = append(out, sm)
	}
	return out, nil
}

// Update replaces a draft's content with d's. d.Version is the version
// the organiser read: if the draft has changed since, nothing is saved and
// the error has the code "stale_version". A fixed vote is never changed.
func (s *Service) Update(ctx context.Context, d Draft, by string) (Draft, error) {
	d.defaults()
	if err := d.checkSaved(); err != nil {
		return Draft{}, err
	}
	body, err := encode(d)
	if err != nil {
		return Draft{}, err
	}
	res, err := s.db.ExecContext(ctx, `UPDATE organiser_votes SET body = $1, version = version + 1, updated = $2, updated_by = $3
		WHERE id = $4 AND version = $5 AND state = $6`, body, s.opts.Now().UnixMilli(), by, d.ID, d.Version, StateDraft)
	if err != nil {
		return Draft{}, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return Draft{}, s.whyNot(ctx, d.ID)
	}
	s.audit(ctx, by, "vote_edited", d.ID)
	return s.Get(ctx, d.ID)
}

// whyNot explains an edit that changed no row: the vote is gone, fixed,
// or at another version.
func (s *Service) whyNot(ctx context.Context, id string) error {
	cur, err := s.Get(ctx, id)
	if err != nil {
		return err
	}
	if cur.State != StateDraft {
		return errFixed
	}
	return stale(cur.Version)
}

// Delete deletes a draft (never a fixed vote) at the version read, with
// its participants list.
func (s *Service) Delete(ctx context.Context, id string, version int64, by string) error {
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM organiser_votes WHERE id = $1 AND version = $2 AND state = $3`, id, version, StateDraft)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errNoRow
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM organiser_participants WHERE vote = $1`, id)
		return err
	})
	if errors.Is(err, errNoRow) {
		return s.whyNot(ctx, id)
	}
	if err != nil {
		return err
	}
	s.audit(ctx, by, "vote_deleted", id)
	return nil
}

var errNoRow = errors.New("organiser: no row changed")
