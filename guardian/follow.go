package guardian

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/urna-vote/urna/client"
	"github.com/urna-vote/urna/election"
	"github.com/urna-vote/urna/ledger"
	"github.com/urna-vote/urna/ledger/tiles"
)

// A follower keeps a guardian's own replay of an election's ledger: it
// reads the ledger as tlog tiles (package ledger/tiles, as urna verify and
// urna observe do), trusts a checkpoint only under the log's key and only
// if it extends the last one it saw, takes only the entries it has not
// replayed yet, each proven against the checkpoint, and applies them to
// its election.State. It is not safe for concurrent use.
type follower struct {
	api      *client.Client
	id       string
	verifier note.Verifier
	tiles    *tiles.Client
	log      *slog.Logger

	st     *election.State
	cp     ledger.Checkpoint // the last checkpoint verified
	shares map[int]uint64    // guardian → index of its decryption share entry
}

// A ledgerError is a fault of the ledger itself (an entry the state
// machine refuses, a checkpoint that does not extend the last one): the
// guardian stops rather than act on it.
type ledgerError struct{ err error }

func (e *ledgerError) Error() string { return e.err.Error() }
func (e *ledgerError) Unwrap() error { return e.err }

// retryEvery is how long the follower waits after a failed fetch.
const retryEvery = 2 * time.Second

// newFollower prepares to follow election id on the platform at base. The
// log key is logKey, or if empty the one the platform serves for the
// election; with wait, it waits until the election exists.
func newFollower(ctx context.Context, base, id, logKey string, hc *http.Client, log *slog.Logger, wait bool) (*follower, error) {
	api := client.New(base, hc)
	for logKey == "" {
		var sum struct {
			LogKey string `json:"log_key"`
		}
		err := api.Call(ctx, http.MethodGet, "/api/v1/elections/"+url.PathEscape(id), nil, &sum)
		var ae *client.Error
		switch {
		case err == nil:
			logKey = sum.LogKey
			log.Info("guardian: the log key is the one the platform serves; compare it with the organiser's publication", "log_key", logKey)
			continue
		case errors.As(err, &ae) && ae.Status == http.StatusNotFound && wait:
			log.Info("guardian: waiting for the election to be created", "election", id)
		case errors.As(err, &ae) && ae.Status/100 == 4, !wait:
			return nil, fmt.Errorf("guardian: reading election %s: %w", id, err)
		default:
			log.Warn("guardian: reading the election; retrying", "election", id, "err", err)
		}
		if err := sleep(ctx, retryEvery); err != nil {
			return nil, err
		}
	}
	v, err := ledger.NewVerifier(logKey)
	if err != nil {
		return nil, fmt.Errorf("guardian: the log key: %w", err)
	}
	prefix := strings.TrimRight(base, "/") + "/ledger/" + url.PathEscape(id) + "/"
	return &follower{api: api, id: id, verifier: v, tiles: tiles.NewClient(prefix, v, hc), log: log,
		st: election.New(), shares: map[int]uint64{}}, nil
}

// update fetches the latest checkpoint (with wait, by long polling: the
// platform answers when the ledger has grown, or after about 20 seconds),
// checks it, and replays the new entries.
func (f *follower) update(ctx context.Context, wait bool) error {
	var (
		cp  ledger.Checkpoint
		err error
	)
	if wait {
		cp, _, err = f.tiles.WaitCheckpoint(ctx, f.st.Next)
	} else {
		cp, _, err = f.tiles.Checkpoint(ctx)
	}
	if err != nil {
		if errors.Is(err, ledger.ErrSignature) {
			return &ledgerError{fmt.Errorf("guardian: the checkpoint is not signed by the log key: %w", err)}
		}
		return err
	}
	if cp.Size < f.cp.Size {
		return &ledgerError{fmt.Errorf("guardian: the ledger shrank from %d to %d entries: history was rewritten", f.cp.Size, cp.Size)}
	}
	if f.cp.Size > 0 {
		p, err := f.tiles.ConsistencyProof(ctx, f.cp.Size, cp)
		if err != nil {
			if errors.Is(err, ledger.ErrInvalidProof) {
				return &ledgerError{fmt.Errorf("guardian: the ledger of %d entries does not extend the %d seen before: %w", cp.Size, f.cp.Size, err)}
			}
			return err
		}
		if err := ledger.VerifyConsistency(f.cp, cp, p); err != nil {
			return &ledgerError{fmt.Errorf("guardian: the ledger of %d entries does not extend the %d seen before: %w", cp.Size, f.cp.Size, err)}
		}
	}
	f.cp = cp
	var batch [][]byte
	for e, err := range f.tiles.Entries(ctx, cp, f.st.Next) {
		if err != nil {
			if errors.Is(err, ledger.ErrInvalidProof) {
				return &ledgerError{fmt.Errorf("guardian: %w", err)}
			}
			return err
		}
		batch = append(batch, e)
		if len(batch) == 1024 {
			if err := f.apply(batch); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	return f.apply(batch)
}

// apply replays entries through the state machine: one by one until the
// key is published, then in batches whose ballots are verified together.
// The entries are the ledger's, proven: one that the state machine refuses
// means the platform's ledger is invalid.
func (f *follower) apply(raws [][]byte) error {
	for len(raws) > 0 && f.st.BallotContext() == nil {
		if err := f.st.Apply(raws[0]); err != nil {
			return f.invalid(err)
		}
		raws = raws[1:]
	}
	if len(raws) == 0 {
		return nil
	}
	for _, p := range f.st.Prepare(rand.Reader, f.st.Next, raws) {
		if err := f.st.ApplyPrepared(p); err != nil {
			return f.invalid(err)
		}
		if p.Entry.Type == election.TypeShare {
			f.shares[p.Entry.Share.Guardian] = p.Index
		}
	}
	return nil
}

func (f *follower) invalid(err error) error {
	return &ledgerError{fmt.Errorf("guardian: the ledger of election %s is invalid at entry %d: %w; not going on", f.id, f.st.Next, err)}
}

// until follows the ledger until cond holds, waiting on the platform
// between checks; what, if not empty, is logged once as what it waits for. Fetch failures are logged and retried; a fault of the
// ledger or of cond ends it.
func (f *follower) until(ctx context.Context, what string, cond func(st *election.State) (bool, error)) error {
	logged := false
	for {
		ok, err := cond(f.st)
		if err != nil || ok {
			return err
		}
		if !logged && what != "" {
			f.log.Info("guardian: waiting for "+what, "election", f.id, "entries", f.st.Next)
			logged = true
		}
		if err := f.step(ctx); err != nil {
			return err
		}
	}
}

// step is one long-polled update; a failed fetch is logged and waited out.
func (f *follower) step(ctx context.Context) error {
	start := time.Now()
	before := f.st.Next
	err := f.update(ctx, true)
	var le *ledgerError
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case errors.As(err, &le):
		return err
	case err != nil:
		f.log.Warn("guardian: reading the ledger; retrying", "election", f.id, "err", err)
		return sleep(ctx, retryEvery)
	case f.st.Next == before && time.Since(start) < time.Second:
		// A platform that does not hold long polls: do not spin.
		return sleep(ctx, time.Second)
	}
	return nil
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
