package organiser

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/urna-vote/urna/registry"
)

// Fix fixes a draft on the ledger and so starts its key ceremony: at the
// version read, it checks the draft fully (Check), builds the manifest and
// has the platform define the election — its manifest is entry 0 of the
// new ledger, with the private settings registered for applications. The
// first problem refuses the fix and nothing changes. Afterwards every edit
// is refused.
func (s *Service) Fix(ctx context.Context, id string, version int64, by string) (Draft, error) {
	d, err := s.Get(ctx, id)
	if err != nil {
		return Draft{}, err
	}
	if d.State != StateDraft {
		return Draft{}, errFixed
	}
	if d.Version != version {
		return Draft{}, stale(d.Version)
	}
	if probs := s.Check(d); len(probs) > 0 {
		return Draft{}, probs[0]
	}
	m, _ := d.build()
	if _, ok := s.el.Election(id); ok {
		return Draft{}, refuse(CodeExists, "id", "На платформе уже есть выборы с идентификатором «"+id+"».", "The platform already has an election "+id+".")
	}

	// Claim the draft: from here no edit passes, and a second Fix finds it
	// taken. A stopped request must not leave it half-done.
	ctx = context.WithoutCancel(ctx)
	s.mu.Lock()
	s.fixing[id] = true
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.fixing, id)
		s.mu.Unlock()
	}()
	res, err := s.db.ExecContext(ctx, `UPDATE organiser_votes SET state = $1, version = version + 1, updated = $2, updated_by = $3
		WHERE id = $4 AND version = $5 AND state = $6`, StateFixing, s.opts.Now().UnixMilli(), by, id, version, StateDraft)
	if err != nil {
		return Draft{}, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return Draft{}, s.whyNot(ctx, id)
	}
	info := registry.ElectionInfo{ID: id, Title: registry.Text{RU: d.Title.RU, EN: d.Title.EN}, Level: d.Level,
		ApplicationsClose: time.UnixMilli(d.Applications.Closes), Training: d.Training, Notify: slices.Clone(d.Notifications)}
	if info.Notify == nil {
		info.Notify = []string{}
	}
	if _, err := s.el.CreateElection(ctx, m, info); err != nil {
		if _, rerr := s.db.ExecContext(ctx, `UPDATE organiser_votes SET state = $1 WHERE id = $2 AND state = $3`, StateDraft, id, StateFixing); rerr != nil {
			s.opts.Logger.Error("organiser: returning a vote to draft after a failed fix", "vote", id, "err", rerr)
		}
		return Draft{}, fmt.Errorf("organiser: fixing %s: %w", id, err)
	}
	now := s.opts.Now().UnixMilli()
	if _, err := s.db.ExecContext(ctx, `UPDATE organiser_votes SET state = $1, fixed = $2 WHERE id = $3`, StateFixed, now, id); err != nil {
		// The election is defined; the next read settles the record.
		s.opts.Logger.Error("organiser: recording a fixed vote", "vote", id, "err", err)
	}
	s.audit(ctx, by, "vote_fixed", id)
	s.opts.Logger.Info("organiser: vote fixed on the ledger", "vote", id, "training", d.Training)
	return s.Get(ctx, id)
}

// settle finishes the record of a vote left "fixing" by a Fix that did
// not complete in this process (the process stopped): fixed if the
// platform has its election, a draft again if not.
func (s *Service) settle(ctx context.Context, d Draft) (Draft, error) {
	s.mu.Lock()
	running := s.fixing[d.ID]
	s.mu.Unlock()
	if running {
		return d, nil
	}
	state, fixedAt := StateDraft, int64(0)
	if _, ok := s.el.Election(d.ID); ok {
		state, fixedAt = StateFixed, d.Updated.UnixMilli()
	}
	if _, err := s.db.ExecContext(ctx, `UPDATE organiser_votes SET state = $1, fixed = $2 WHERE id = $3 AND state = $4`,
		state, fixedAt, d.ID, StateFixing); err != nil {
		return Draft{}, err
	}
	return s.load(ctx, s.db, d.ID)
}
