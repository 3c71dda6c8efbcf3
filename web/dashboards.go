package web

import (
	"context"
	"net/http"
	"time"

	"github.com/urna-vote/urna/dashboard"
	"github.com/urna-vote/urna/election"
	"github.com/urna-vote/urna/issuance"
	"github.com/urna-vote/urna/ledger"
	"github.com/urna-vote/urna/ledger/tiles"
)

// electionSource shows one election on its dashboard (package dashboard).
type electionSource struct {
	e *issuance.Election
}

func (src electionSource) Snapshot() dashboard.Snapshot {
	var snap dashboard.Snapshot
	src.e.Box.View(func(st *election.State) { snap = dashboard.FromState(src.e.ID, st) })
	snap.Node = "platform"
	cp, signed := checkpointOf(src.e)
	snap.Checkpoint = string(signed)
	if src.e.Witnesses != nil {
		if wcp, _, names := src.e.Witnesses.Latest(); wcp == cp {
			snap.Cosigners = names
		}
	}
	if src.e.Series != nil {
		snap.Series = src.e.Series.Points()
	}
	return snap
}

func (src electionSource) Entry(i uint64) ([]byte, ledger.Proof, []byte, error) {
	cp, signed := checkpointOf(src.e)
	if i >= cp.Size {
		return nil, nil, nil, ledger.ErrRange
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	entry, err := src.e.Box.Ledger().Entry(ctx, i)
	if err != nil {
		return nil, nil, nil, err
	}
	p, err := src.e.Box.Ledger().InclusionProof(i, cp.Size)
	return entry, p, signed, err
}

// checkpointOf is the election's latest checkpoint, with the witnesses'
// cosignatures once they are collected for it.
func checkpointOf(e *issuance.Election) (ledger.Checkpoint, []byte) {
	cp, signed := e.Box.Ledger().Checkpoint()
	if e.Witnesses != nil {
		if wcp, wsigned, _ := e.Witnesses.Latest(); wcp == cp {
			return cp, wsigned
		}
	}
	return cp, signed
}

// cosignedLog serves an election's ledger as tlog-tiles with the
// cosignatures on its checkpoint.
type cosignedLog struct {
	*ledger.Ledger
	e *issuance.Election
}

func (l cosignedLog) Checkpoint() (ledger.Checkpoint, []byte) { return checkpointOf(l.e) }

var _ tiles.Log = cosignedLog{}

func (s *Server) dashboard(w http.ResponseWriter, r *http.Request) {
	e, ok := s.p.Election(r.PathValue("id"))
	if !ok {
		http.NotFound(w, r)
		return
	}
	prefix := "/dashboard/" + e.ID + "/"
	h, ok := s.dashboards.Load(e.ID)
	if !ok {
		h, _ = s.dashboards.LoadOrStore(e.ID, http.StripPrefix(prefix[:len(prefix)-1],
			dashboard.Handler(electionSource{e}, dashboard.Options{Prefix: prefix, Home: "/", Logger: s.log})))
	}
	h.(http.Handler).ServeHTTP(w, r)
}

// withCosignatures replaces a receipt's checkpoint with one the witnesses
// cosigned, waiting a moment for them: a receipt with the witnesses'
// cosignatures proves the ballot was in a history they vouched for.
func (s *Server) withCosignatures(ctx context.Context, e *issuance.Election, entry uint64) (string, ledger.Proof, bool) {
	if e.Witnesses == nil {
		return "", nil, false
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	cp, signed, names, err := e.Witnesses.Wait(ctx, entry+1)
	if err != nil || len(names) == 0 {
		return "", nil, false
	}
	p, err := e.Box.Ledger().InclusionProof(entry, cp.Size)
	if err != nil {
		return "", nil, false
	}
	return string(signed), p, true
}
