package platform

import (
	"context"
	"database/sql"
	"sync"
)

// Rejected ballots: those the platform refused while voting was open (a
// malformed ballot, an invalid credential or proof, a stale re-vote, …).
// A refused ballot never reaches the ledger, so their number is a figure
// the platform declares: counted in memory as they come, added to the
// rejected_ballots table of the private database every second, and put
// on the ledger in the participants entry when voting closes (docs/
// protocol.md §9). Counting in memory keeps a flood of bad ballots from
// becoming a flood of writes; a crash loses at most the last second's
// count, never a ballot.

// rejections are the counts not yet written, by election and reason.
type rejections struct {
	mu      sync.Mutex
	pending map[string]map[string]uint64
}

// BallotRejected counts one ballot of an election refused for reason
// (ballotbox.Code) while voting was open.
func (p *Platform) BallotRejected(electionID, reason string) {
	p.rejected.add(electionID, map[string]uint64{reason: 1})
}

func (r *rejections) add(electionID string, counts map[string]uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.pending == nil {
		r.pending = map[string]map[string]uint64{}
	}
	if r.pending[electionID] == nil {
		r.pending[electionID] = map[string]uint64{}
	}
	for reason, n := range counts {
		r.pending[electionID][reason] += n
	}
}

// flushRejected writes an election's pending counts; those it could not
// write stay pending.
func (p *Platform) flushRejected(ctx context.Context, electionID string) error {
	p.rejected.mu.Lock()
	counts := p.rejected.pending[electionID]
	delete(p.rejected.pending, electionID)
	p.rejected.mu.Unlock()
	if len(counts) == 0 {
		return nil
	}
	err := p.DB.Tx(ctx, func(tx *sql.Tx) error {
		for reason, n := range counts {
			if _, err := tx.ExecContext(ctx, `INSERT INTO rejected_ballots (election, reason, count) VALUES ($1, $2, $3)
				ON CONFLICT (election, reason) DO UPDATE SET count = rejected_ballots.count + excluded.count`, electionID, reason, int64(n)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		p.rejected.add(electionID, counts)
	}
	return err
}

// RejectedBallots returns an election's rejected ballots by reason,
// counting those not yet written.
func (p *Platform) RejectedBallots(ctx context.Context, electionID string) (map[string]uint64, error) {
	if err := p.flushRejected(ctx, electionID); err != nil {
		return nil, err
	}
	rows, err := p.DB.QueryContext(ctx, `SELECT reason, count FROM rejected_ballots WHERE election = $1`, electionID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]uint64{}
	for rows.Next() {
		var reason string
		var n int64
		if err := rows.Scan(&reason, &n); err != nil {
			return nil, err
		}
		out[reason] = uint64(n)
	}
	return out, rows.Err()
}
