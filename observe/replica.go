package observe

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"path/filepath"
	"sync"

	"github.com/urna-vote/urna/ledger"
	"golang.org/x/mod/sumdb/tlog"
)

// replica is the node's own copy of the ledger: the entries in
// DIR/ledger.jsonl (appended, fsynced before the checkpoint that covers
// them is written), the Merkle tree's stored hashes in memory (64 bytes an
// entry), and the latest checkpoint the node verified against them, in
// DIR/checkpoint. It serves itself as tlog-tiles (tiles.Log), so anyone can
// verify against the observer's copy, and peers can compare theirs.
type replica struct {
	dir  string
	file *os.File

	mu      sync.RWMutex
	offsets []int64 // where each entry starts in the file
	end     int64
	hashes  []ledger.Hash // tlog stored hashes
	cp      ledger.Checkpoint
	signed  []byte // cp as the platform signed it, with the node's cosignature once it has cosigned
}

func openReplica(dir string, open func(signed []byte) (ledger.Checkpoint, error)) (*replica, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(filepath.Join(dir, "ledger.jsonl"), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	r := &replica{dir: dir, file: f}
	br := bufio.NewReaderSize(f, 1<<20)
	for e, err := range ledger.ReadJSONL(br) {
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("observe: %s: %w", f.Name(), err)
		}
		if err := r.push(e); err != nil {
			f.Close()
			return nil, err
		}
		r.end += int64(len(e)) + 1
	}
	signed, err := os.ReadFile(filepath.Join(dir, "checkpoint"))
	switch {
	case errors.Is(err, os.ErrNotExist):
		if len(r.offsets) > 0 {
			f.Close()
			return nil, fmt.Errorf("observe: %s has entries but no checkpoint", dir)
		}
	case err != nil:
		f.Close()
		return nil, err
	default:
		cp, err := open(signed)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("observe: %s/checkpoint: %w", dir, err)
		}
		// Entries past the checkpoint were written but never covered by a
		// checkpoint (a crash between the two): they are fetched again.
		if uint64(len(r.offsets)) < cp.Size {
			f.Close()
			return nil, fmt.Errorf("observe: %s has %d entries, its checkpoint %d", dir, len(r.offsets), cp.Size)
		}
		if err := r.truncate(cp.Size); err != nil {
			f.Close()
			return nil, err
		}
		if root, err := r.root(cp.Size); err != nil || root != cp.Root {
			f.Close()
			return nil, fmt.Errorf("observe: the copy in %s does not match its checkpoint", dir)
		}
		r.cp, r.signed = cp, signed
	}
	if _, err := f.Seek(r.end, io.SeekStart); err != nil {
		f.Close()
		return nil, err
	}
	return r, nil
}

func (r *replica) push(e []byte) error {
	n := int64(len(r.offsets))
	hs, err := tlog.StoredHashes(n, e, r.hashReader())
	if err != nil {
		return err
	}
	r.offsets = append(r.offsets, r.end)
	r.hashes = append(r.hashes, hs...)
	return nil
}

func (r *replica) truncate(size uint64) error {
	if uint64(len(r.offsets)) == size {
		return nil
	}
	r.end = r.offsets[size]
	r.offsets = r.offsets[:size]
	r.hashes = r.hashes[:tlog.StoredHashCount(int64(size))]
	return r.file.Truncate(r.end)
}

func (r *replica) hashReader() tlog.HashReader {
	return tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			if x < 0 || x >= int64(len(r.hashes)) {
				return nil, fmt.Errorf("observe: hash %d not stored", x)
			}
			out[i] = r.hashes[x]
		}
		return out, nil
	})
}

// size is the number of entries held.
func (r *replica) size() uint64 {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return uint64(len(r.offsets))
}

// root is the root of the first n entries.
func (r *replica) root(n uint64) (ledger.Hash, error) {
	if n == 0 {
		return ledger.Hash{}, nil
	}
	return tlog.TreeHash(int64(n), r.hashReader())
}

// Root is root, under the lock.
func (r *replica) Root(n uint64) (ledger.Hash, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if n > uint64(len(r.offsets)) {
		return ledger.Hash{}, fmt.Errorf("observe: the copy has %d entries", len(r.offsets))
	}
	return r.root(n)
}

// append adds entries (already authenticated against cp by the tiles
// client), syncs them, checks the root and records cp.
func (r *replica) append(entries [][]byte, cp ledger.Checkpoint, signed []byte) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	var buf bytes.Buffer
	start, oldEnd := len(r.offsets), r.end
	for _, e := range entries {
		if err := r.push(e); err != nil {
			return err
		}
		r.end += int64(len(e)) + 1
		buf.Write(e)
		buf.WriteByte('\n')
	}
	fail := func(err error) error {
		r.end = oldEnd
		r.offsets = r.offsets[:start]
		r.hashes = r.hashes[:tlog.StoredHashCount(int64(start))]
		r.file.Truncate(r.end)
		return err
	}
	if len(entries) == 0 {
		return r.setCheckpoint(cp, signed)
	}
	if uint64(len(r.offsets)) != cp.Size {
		return fail(fmt.Errorf("observe: %d entries, the checkpoint has %d", len(r.offsets), cp.Size))
	}
	if root, err := r.root(cp.Size); err != nil || root != cp.Root {
		return fail(fmt.Errorf("%w: the entries do not give the checkpoint's root", ledger.ErrInvalidProof))
	}
	if _, err := r.file.Write(buf.Bytes()); err != nil {
		return fail(err)
	}
	if err := r.file.Sync(); err != nil {
		return fail(err)
	}
	return r.setCheckpoint(cp, signed)
}

func (r *replica) setCheckpoint(cp ledger.Checkpoint, signed []byte) error {
	tmp := filepath.Join(r.dir, "checkpoint.tmp")
	if err := os.WriteFile(tmp, signed, 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(r.dir, "checkpoint")); err != nil {
		return err
	}
	r.cp, r.signed = cp, signed
	return nil
}

// setSigned replaces the signed form of the current checkpoint (with the
// node's cosignature added).
func (r *replica) setSigned(cp ledger.Checkpoint, signed []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cp == cp {
		r.signed = signed
	}
}

// Checkpoint implements tiles.Log.
func (r *replica) Checkpoint() (ledger.Checkpoint, []byte) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.cp, r.signed
}

// ReadHashes implements tiles.Log.
func (r *replica) ReadHashes(indexes []int64) ([]ledger.Hash, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.hashReader().ReadHashes(indexes)
}

// Entries implements tiles.Log: entries [from, to) read from the file.
func (r *replica) Entries(from, to uint64) iter.Seq2[[]byte, error] {
	return func(yield func([]byte, error) bool) {
		r.mu.RLock()
		if to > uint64(len(r.offsets)) || from > to {
			r.mu.RUnlock()
			yield(nil, fmt.Errorf("%w: entries %d to %d of %d", ledger.ErrRange, from, to, len(r.offsets)))
			return
		}
		if from == to {
			r.mu.RUnlock()
			return
		}
		lo, hi := r.offsets[from], r.end
		if to < uint64(len(r.offsets)) {
			hi = r.offsets[to]
		}
		r.mu.RUnlock()
		buf := make([]byte, hi-lo)
		if _, err := r.file.ReadAt(buf, lo); err != nil {
			yield(nil, err)
			return
		}
		for line := range bytes.Lines(buf) {
			if !yield(bytes.TrimSuffix(line, []byte("\n")), nil) {
				return
			}
		}
	}
}

func (r *replica) close() error { return r.file.Close() }
