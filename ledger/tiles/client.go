package tiles

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/urna-vote/urna/ledger"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// ErrFetch is wrapped by errors in fetching a resource of the log.
var ErrFetch = errors.New("tiles: fetch")

// A Client follows a log served as tlog-tiles. It trusts nothing it
// fetches: a checkpoint must verify under the log's key, and every hash and
// entry it returns is proven against a verified checkpoint's root. Its
// methods are safe for concurrent use.
type Client struct {
	prefix   string
	verifier note.Verifier
	http     *http.Client

	mu    sync.Mutex
	cache map[tlog.Tile][]byte // authenticated tiles above level 0, and partial ones
}

// maxCached bounds the tile cache; it is emptied when full.
const maxCached = 4096

// NewClient returns a client of the log served at prefix (a URL such as
// https://urna.example/elections/2026-city/log) whose checkpoints are signed
// by v; the log's origin is v's key name. hc nil means http.DefaultClient.
func NewClient(prefix string, v note.Verifier, hc *http.Client) *Client {
	if hc == nil {
		hc = http.DefaultClient
	}
	return &Client{
		prefix:   strings.TrimSuffix(prefix, "/"),
		verifier: v,
		http:     hc,
		cache:    make(map[tlog.Tile][]byte),
	}
}

// Checkpoint fetches the latest checkpoint and verifies its signature and
// origin.
func (c *Client) Checkpoint(ctx context.Context) (ledger.Checkpoint, []byte, error) {
	return c.checkpoint(ctx, "checkpoint")
}

func (c *Client) checkpoint(ctx context.Context, path string) (ledger.Checkpoint, []byte, error) {
	msg, err := c.fetch(ctx, path, ledger.MaxCheckpointSize)
	if err != nil {
		return ledger.Checkpoint{}, nil, err
	}
	cp, err := ledger.OpenCheckpoint(msg, c.verifier)
	if err != nil {
		return ledger.Checkpoint{}, nil, err
	}
	return cp, msg, nil
}

// WaitCheckpoint is Checkpoint by long polling: the server answers when its
// tree has more than after entries, or after about 20 seconds as it is.
func (c *Client) WaitCheckpoint(ctx context.Context, after uint64) (ledger.Checkpoint, []byte, error) {
	return c.checkpoint(ctx, "checkpoint?after="+strconv.FormatUint(after, 10))
}

// Update fetches the latest checkpoint and checks that the log only grew
// since older: the new tree contains older's as a prefix (a consistency
// proof built from tiles authenticated by the new root). It returns the new
// checkpoint. This is what an observer does each time it polls.
func (c *Client) Update(ctx context.Context, older ledger.Checkpoint) (ledger.Checkpoint, []byte, error) {
	newer, msg, err := c.Checkpoint(ctx)
	if err != nil {
		return ledger.Checkpoint{}, nil, err
	}
	if newer.Size < older.Size {
		return ledger.Checkpoint{}, nil, fmt.Errorf("%w: the log shrank from %d to %d entries", ledger.ErrInvalidProof, older.Size, newer.Size)
	}
	p, err := c.ConsistencyProof(ctx, older.Size, newer)
	if err != nil {
		return ledger.Checkpoint{}, nil, err
	}
	if err := ledger.VerifyConsistency(older, newer, p); err != nil {
		c.clearCache() // tiles of a fork
		return ledger.Checkpoint{}, nil, err
	}
	return newer, msg, nil
}

// authenticated runs f with a tlog.HashReader over the tree of cp whose
// every hash is authenticated against cp's root. If the tiles do not
// authenticate, the cache is emptied (its tiles were authenticated by the
// tree of another checkpoint, of a log that may have forked) and, if it
// held anything, f runs once more on fresh tiles. The error then wraps
// ledger.ErrInvalidProof, or ErrFetch if a tile could not be fetched.
func (c *Client) authenticated(ctx context.Context, cp ledger.Checkpoint, what string, f func(tlog.HashReader) error) error {
	for retry := false; ; retry = true {
		c.mu.Lock()
		cached := len(c.cache) > 0
		c.mu.Unlock()
		err := f(tlog.TileHashReader(tlog.Tree{N: int64(cp.Size), Hash: cp.Root}, &tileReader{ctx: ctx, c: c}))
		switch {
		case err == nil:
			return nil
		case errors.Is(err, ErrFetch):
			return fmt.Errorf("tiles: %s: %w", what, err)
		}
		c.clearCache()
		if !cached || retry {
			return fmt.Errorf("%w: %s: %v", ledger.ErrInvalidProof, what, err)
		}
	}
}

func (c *Client) clearCache() {
	c.mu.Lock()
	clear(c.cache)
	c.mu.Unlock()
}

// Root returns the root of the first size entries of cp's tree.
func (c *Client) Root(ctx context.Context, cp ledger.Checkpoint, size uint64) (ledger.Hash, error) {
	if size > cp.Size {
		return ledger.Hash{}, fmt.Errorf("%w: size %d of %d", ledger.ErrRange, size, cp.Size)
	}
	if size == cp.Size {
		return cp.Root, nil
	}
	var r ledger.Hash
	err := c.authenticated(ctx, cp, "root", func(hr tlog.HashReader) (err error) {
		r, err = tlog.TreeHash(int64(size), hr)
		return err
	})
	return r, err
}

// InclusionProof returns the proof that entry index is in cp's tree.
func (c *Client) InclusionProof(ctx context.Context, cp ledger.Checkpoint, index uint64) (ledger.Proof, error) {
	if index >= cp.Size {
		return nil, fmt.Errorf("%w: entry %d of %d", ledger.ErrRange, index, cp.Size)
	}
	var p tlog.RecordProof
	err := c.authenticated(ctx, cp, "inclusion proof", func(hr tlog.HashReader) (err error) {
		p, err = tlog.ProveRecord(int64(cp.Size), int64(index), hr)
		return err
	})
	return ledger.Proof(p), err
}

// ConsistencyProof returns the proof that the tree of the first older
// entries is a prefix of cp's tree.
func (c *Client) ConsistencyProof(ctx context.Context, older uint64, cp ledger.Checkpoint) (ledger.Proof, error) {
	if older > cp.Size {
		return nil, fmt.Errorf("%w: size %d of %d", ledger.ErrRange, older, cp.Size)
	}
	if older == 0 {
		return ledger.Proof{}, nil
	}
	var p tlog.TreeProof
	err := c.authenticated(ctx, cp, "consistency proof", func(hr tlog.HashReader) (err error) {
		p, err = tlog.ProveTree(int64(cp.Size), int64(older), hr)
		return err
	})
	return ledger.Proof(p), err
}

// prefetch is how many entry bundles Entries fetches ahead.
const prefetch = 4

// Entries iterates over the entries of cp's tree from index from on. Each
// bundle is checked against the level-0 hash tile, itself authenticated
// against cp's root, before any of its entries is yielded; so every entry
// yielded is proven to be the log's entry at its index. The iterator stops
// after the first error.
func (c *Client) Entries(ctx context.Context, cp ledger.Checkpoint, from uint64) iter.Seq2[[]byte, error] {
	return func(yield func([]byte, error) bool) {
		if from > cp.Size {
			yield(nil, fmt.Errorf("%w: entry %d of %d", ledger.ErrRange, from, cp.Size))
			return
		}
		if from == cp.Size {
			return
		}
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		type bundle struct {
			entries [][]byte
			err     error
		}
		first, last := int64(from/Width), int64((cp.Size-1)/Width)
		start := func(n int64) chan bundle {
			ch := make(chan bundle, 1)
			go func() {
				t := Tile{Level: EntriesLevel, N: n, W: int(min(Width, cp.Size-uint64(n)*Width))}
				data, err := c.fetch(ctx, t.Path(), int64(t.W)*(6+ledger.MaxEntrySize))
				if err != nil {
					ch <- bundle{err: err}
					return
				}
				entries, err := ParseBundle(data, t.W)
				ch <- bundle{entries, err}
			}()
			return ch
		}
		var pending []chan bundle
		for n := first; n <= last && n < first+prefetch; n++ {
			pending = append(pending, start(n))
		}
		for n := first; n <= last; n++ {
			b := <-pending[0]
			pending = pending[1:]
			if next := n + prefetch; next <= last {
				pending = append(pending, start(next))
			}
			if b.err != nil {
				yield(nil, b.err)
				return
			}
			if err := c.checkBundle(ctx, cp, n, b.entries); err != nil {
				yield(nil, err)
				return
			}
			for i, e := range b.entries {
				if uint64(n)*Width+uint64(i) < from {
					continue
				}
				if !yield(e, nil) {
					return
				}
			}
		}
	}
}

// checkBundle compares the leaf hashes of bundle n's entries with the
// level-0 hashes authenticated against cp.
func (c *Client) checkBundle(ctx context.Context, cp ledger.Checkpoint, n int64, entries [][]byte) error {
	idx := make([]int64, len(entries))
	for i := range entries {
		idx[i] = tlog.StoredHashIndex(0, n*Width+int64(i))
	}
	var hs []ledger.Hash
	what := fmt.Sprintf("hashes of entries %d to %d", n*Width, n*Width+int64(len(entries))-1)
	err := c.authenticated(ctx, cp, what, func(hr tlog.HashReader) (err error) {
		hs, err = hr.ReadHashes(idx)
		return err
	})
	if err != nil {
		return err
	}
	for i, e := range entries {
		if ledger.LeafHash(e) != hs[i] {
			return fmt.Errorf("%w: entry %d does not match the tree", ledger.ErrInvalidProof, n*Width+int64(i))
		}
	}
	return nil
}

// fetch GETs a resource of the log, reading at most limit bytes.
func (c *Client) fetch(ctx context.Context, path string, limit int64) ([]byte, error) {
	url := c.prefix + "/" + path
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("%w %s: %v", ErrFetch, url, err)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w %s: %w", ErrFetch, url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%w %s: %s", ErrFetch, url, resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%w %s: %w", ErrFetch, url, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%w %s: longer than %d bytes", ErrFetch, url, limit)
	}
	return data, nil
}

// tileReader implements tlog.TileReader for one call, with its context.
// tlog.TileHashReader authenticates what it returns and calls SaveTiles
// only for tiles it has authenticated; only those enter the cache.
type tileReader struct {
	ctx context.Context
	c   *Client
}

func (r *tileReader) Height() int { return Height }

func (r *tileReader) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	errs := make([]error, len(tiles))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i, t := range tiles {
		r.c.mu.Lock()
		data, ok := r.c.cache[t]
		r.c.mu.Unlock()
		if ok {
			out[i] = data
			continue
		}
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			out[i], errs[i] = r.c.fetch(r.ctx, fromTlog(t).Path(), int64(t.W)*ledger.HashSize)
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}

func (r *tileReader) SaveTiles(tiles []tlog.Tile, data [][]byte) {
	r.c.mu.Lock()
	defer r.c.mu.Unlock()
	for i, t := range tiles {
		if t.L == 0 && t.W == Width {
			continue // used once, when its bundle is checked
		}
		if len(r.c.cache) >= maxCached {
			clear(r.c.cache)
		}
		r.c.cache[t] = data[i]
	}
}
