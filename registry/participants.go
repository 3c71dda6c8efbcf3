package registry

import "context"

// Participants counts the voters with an accounted application in an
// election, by district: the list of participants of online voting, whose
// size the platform publishes on the ledger when voting closes.
func (r *Registry) Participants(ctx context.Context, electionID string) (map[string]uint64, error) {
	rows, err := r.db.QueryContext(ctx, `SELECT district, count(*) FROM applications
		WHERE election = $1 AND status = $2 GROUP BY district`, electionID, StatusAccounted)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]uint64{}
	for rows.Next() {
		var d string
		var n int64
		if err := rows.Scan(&d, &n); err != nil {
			return nil, err
		}
		out[d] = uint64(n)
	}
	return out, rows.Err()
}
