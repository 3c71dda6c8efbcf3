package observe

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	"github.com/urna-vote/urna/ledger"
	"golang.org/x/mod/sumdb/tlog"
)

// tlogProve is the inclusion proof of entry i in the first size entries of
// the copy; r.mu is held.
func tlogProve(r *replica, i, size uint64) (ledger.Proof, error) {
	p, err := tlog.ProveRecord(int64(size), int64(i), r.hashReader())
	return ledger.Proof(p), err
}

func readLimited(r *http.Request, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("request larger than %d bytes", limit)
	}
	return b, nil
}

func writeJSON(w http.ResponseWriter, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(append(b, '\n'))
}

// tlogConsistency is the consistency proof between the first older and
// newer entries of the copy; r.mu is held.
func tlogConsistency(r *replica, older, newer uint64) (ledger.Proof, error) {
	p, err := tlog.ProveTree(int64(newer), int64(older), r.hashReader())
	return ledger.Proof(p), err
}
