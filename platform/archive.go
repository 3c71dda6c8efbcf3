package platform

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	"github.com/urna-vote/urna/archive"
	"github.com/urna-vote/urna/election"
	"github.com/urna-vote/urna/issuance"
)

// The archive of closed elections (package archive):
//
//	DATA/archive/ID.tar.gz   the election's ledger, manifest and protocol exports
//	DATA/archive/ID.json     its record: what it is, when it was written
//
// An election is archived as soon as its result is signed by the whole
// commission (archiveStep, from each election's background loop), or when
// the operator archives it (ArchiveElection). Archives are kept for
// Config.ArchiveKeep (default three years) and then purged, once an hour
// at most.

// archiveState is the platform's archive, opened on first use, and the
// times of its background work: when archives were last purged, and per
// election when archiving failed last (it is retried a minute later).
type archiveState struct {
	mu     sync.Mutex
	a      *archive.Archive
	purged time.Time
	failed map[string]time.Time
}

// Archive returns the platform's archive of closed elections. It is
// opened once (opening cleans up what a crash left, which must not
// happen while it writes).
func (p *Platform) Archive() (*archive.Archive, error) {
	p.archive.mu.Lock()
	defer p.archive.mu.Unlock()
	if p.archive.a != nil {
		return p.archive.a, nil
	}
	a, err := archive.Open(archive.Options{Dir: filepath.Join(p.Config.Data, "archive"), Keep: p.Config.ArchiveKeep,
		Now: p.Config.Now, Publisher: p.Publisher, Logger: p.Log})
	if err != nil {
		return nil, err
	}
	p.archive.a = a
	return a, nil
}

// ArchiveElection archives an election now, whatever its phase: the
// operator's way to keep a vote that will never be signed. It returns
// archive.ErrExists if it is archived already.
func (p *Platform) ArchiveElection(ctx context.Context, id string) (*archive.Record, error) {
	e, ok := p.Election(id)
	if !ok {
		return nil, fmt.Errorf("%w: %s", archive.ErrNotFound, id)
	}
	a, err := p.Archive()
	if err != nil {
		return nil, err
	}
	return a.Write(ctx, archive.Source{ID: e.ID, Ledger: e.Box.Ledger(), LogKey: e.VerifierKey, View: e.Box.View})
}

// archiveStep archives election e once its result is signed by the whole
// commission, and purges the archives whose period has ended (at most
// once an hour). It runs in the election's background loop; seen
// remembers that e is archived.
func (p *Platform) archiveStep(ctx context.Context, e *issuance.Election, seen map[string]bool) {
	p.purgeArchives(ctx)
	if seen["archived"] {
		return
	}
	var signed bool
	e.Box.View(func(st *election.State) {
		signed = st.Phase == election.PhaseDecided && st.Manifest != nil && len(st.Signatures) == len(st.Manifest.Commission)
	})
	if !signed {
		return
	}
	now := p.Config.Now()
	p.archive.mu.Lock()
	failed, retry := p.archive.failed[e.ID]
	p.archive.mu.Unlock()
	if retry && now.Sub(failed) < time.Minute {
		return
	}
	a, err := p.Archive()
	if err == nil {
		if _, err = a.Get(e.ID); err == nil {
			seen["archived"] = true
			return
		}
		_, err = a.Write(ctx, archive.Source{ID: e.ID, Ledger: e.Box.Ledger(), LogKey: e.VerifierKey, View: e.Box.View})
	}
	p.archive.mu.Lock()
	defer p.archive.mu.Unlock()
	if err != nil && !errors.Is(err, archive.ErrExists) {
		if ctx.Err() == nil {
			p.Log.Error("platform: archiving a signed election", "election", e.ID, "err", err)
		}
		if p.archive.failed == nil {
			p.archive.failed = map[string]time.Time{}
		}
		p.archive.failed[e.ID] = now
		return
	}
	delete(p.archive.failed, e.ID)
	seen["archived"] = true
}

// purgeArchives purges the archives whose period has ended, at most once
// an hour per platform.
func (p *Platform) purgeArchives(ctx context.Context) {
	now := p.Config.Now()
	p.archive.mu.Lock()
	if !p.archive.purged.IsZero() && now.Sub(p.archive.purged) < time.Hour {
		p.archive.mu.Unlock()
		return
	}
	p.archive.purged = now
	p.archive.mu.Unlock()
	a, err := p.Archive()
	if err == nil {
		_, err = a.Purge(ctx)
	}
	if err != nil && ctx.Err() == nil {
		p.Log.Error("platform: purging archives", "err", err)
	}
}
