package ledger

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"iter"
	"slices"

	"golang.org/x/mod/sumdb/tlog"
)

// checkHead checks, without reading every entry, that the store is
// consistent with itself: the right format and origin, entries and hashes
// numbered without holes at either end, the stored root recomputed from
// the stored hashes, the checkpoint over exactly that root and signed by
// the ledger's key, and the last (up to 256) entries matching their
// hashes, where a write torn by a crash would show.
func (l *Ledger) checkHead(ctx context.Context, s stored) error {
	if s.format != storeFormat {
		return fmt.Errorf("%w: store format %d, want %d", ErrCorrupt, s.format, storeFormat)
	}
	if s.origin != l.opts.Origin {
		return fmt.Errorf("ledger: the store holds log %q, not %q", s.origin, l.opts.Origin)
	}
	if s.size > maxSize {
		return fmt.Errorf("%w: size %d", ErrCorrupt, s.size)
	}
	if err := checkSpan(ctx, l.r, "entries", int64(s.size)); err != nil {
		return err
	}
	if err := checkSpan(ctx, l.r, "hashes", tlog.StoredHashCount(int64(s.size))); err != nil {
		return err
	}
	r := hashReader(ctx, l.st)
	root, err := treeRoot(r, s.size)
	if err != nil {
		return err
	}
	if root != s.root {
		return fmt.Errorf("%w: the stored hashes give root %s, the log row %s", ErrCorrupt, root, s.root)
	}
	if err := l.checkSigned(Checkpoint{Origin: s.origin, Size: s.size, Root: s.root}, s.checkpoint); err != nil {
		return err
	}
	from := s.size - min(s.size, 256)
	if from == s.size {
		return nil
	}
	// The hashes written with those entries, read at once; recomputing
	// them reads older hashes from there too, the rest from the store.
	first := tlog.StoredHashIndex(0, int64(from))
	tail, err := readHashes(ctx, l.st, hashSpan(first, tlog.StoredHashCount(int64(s.size))))
	if err != nil {
		return err
	}
	stored := slices.Clone(tail)
	r = tlog.HashReaderFunc(func(indexes []int64) ([]Hash, error) {
		out := make([]Hash, len(indexes))
		for i, x := range indexes {
			if x < first || x-first >= int64(len(stored)) {
				return readHashes(ctx, l.st, indexes)
			}
			out[i] = stored[x-first]
		}
		return out, nil
	})
	n := from
	for e, err := range l.rawEntries(ctx, from, s.size) {
		if err != nil {
			return err
		}
		if err := CheckEntry(e); err != nil {
			return fmt.Errorf("%w: entry %d: %v", ErrCorrupt, n, err)
		}
		want, err := tlog.StoredHashes(int64(n), e, r)
		if err != nil {
			return err
		}
		if len(tail) < len(want) || !equalHashes(tail[:len(want)], want) {
			return fmt.Errorf("%w: entry %d does not match its stored hashes", ErrCorrupt, n)
		}
		tail = tail[len(want):]
		n++
	}
	return nil
}

// hashSpan returns the stored hash indexes [lo, hi).
func hashSpan(lo, hi int64) []int64 {
	out := make([]int64, 0, hi-lo)
	for i := lo; i < hi; i++ {
		out = append(out, i)
	}
	return out
}

func equalHashes(a, b []Hash) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// checkSpan checks that a table's idx column runs from 0 to n−1 at its ends.
// (Holes inside are found by the full check; count(*) would read the whole
// table.)
func checkSpan(ctx context.Context, db *sql.DB, table string, n int64) error {
	var lo, hi sql.NullInt64
	if err := db.QueryRowContext(ctx, "SELECT min(idx), max(idx) FROM "+table).Scan(&lo, &hi); err != nil {
		return fmt.Errorf("reading %s: %w", table, err)
	}
	switch {
	case n == 0 && lo.Valid:
		return fmt.Errorf("%w: an empty log with %s stored", ErrCorrupt, table)
	case n > 0 && !lo.Valid:
		return fmt.Errorf("%w: %d %s expected, none stored", ErrCorrupt, n, table)
	case n > 0 && (lo.Int64 != 0 || hi.Int64 != n-1):
		return fmt.Errorf("%w: %s numbered %d to %d, want 0 to %d", ErrCorrupt, table, lo.Int64, hi.Int64, n-1)
	}
	return nil
}

// checkSigned checks a stored signed checkpoint: its text is exactly the
// head's, and, when the ledger has its signer, the signature is the one the
// signer makes (Ed25519 signatures are deterministic).
func (l *Ledger) checkSigned(head Checkpoint, signed []byte) error {
	text, _, err := noteText(signed)
	if err != nil {
		return fmt.Errorf("%w: stored checkpoint: %v", ErrCorrupt, err)
	}
	if text != string(head.Text()) {
		return fmt.Errorf("%w: the stored checkpoint is not for the stored tree (size %d, root %s)", ErrCorrupt, head.Size, head.Root)
	}
	if l.opts.Signer == nil {
		return nil
	}
	want, err := SignCheckpoint(head, l.opts.Signer)
	if err != nil {
		return err
	}
	if !bytes.Equal(want, signed) {
		return fmt.Errorf("%w: the stored checkpoint is not signed by this ledger's key %s+%08x", ErrCorrupt, l.opts.Signer.Name(), l.opts.Signer.KeyHash())
	}
	return nil
}

// Check recomputes the whole tree from the entries and compares every
// stored hash and the latest root with it, on either engine. Beneath that
// it runs the engine's own check of its structures: SQLite's quick_check;
// on PostgreSQL, amcheck's bt_index_check of the three tables' primary
// keys, including that every row is indexed, when the database has the
// amcheck extension and the ledger's role may run it. It reads the whole
// store: the ledger runs it when opening unless Options.SkipFullCheck is
// set. An error wraps ErrCorrupt when the store is inconsistent.
func (l *Ledger) Check(ctx context.Context) error {
	head, _ := l.Checkpoint()
	return l.check(ctx, head)
}

func (l *Ledger) check(ctx context.Context, head Checkpoint) error {
	if err := l.d.integrity(ctx, l.r); err != nil {
		return err
	}
	var c compact
	hashes := l.storedHashes(ctx, tlog.StoredHashCount(int64(head.Size)))
	next, stop := iterPull(hashes)
	defer stop()
	for e, err := range l.rawEntries(ctx, 0, head.Size) {
		if err != nil {
			return err
		}
		n := c.n
		if err := CheckEntry(e); err != nil {
			return fmt.Errorf("%w: entry %d: %v", ErrCorrupt, n, err)
		}
		for _, want := range c.push(LeafHash(e)) {
			got, err := next()
			if err != nil {
				return err
			}
			if got != want {
				return fmt.Errorf("%w: entry %d does not match its stored hashes", ErrCorrupt, n)
			}
		}
	}
	if c.n != head.Size {
		return fmt.Errorf("%w: %d entries, the tree has %d", ErrCorrupt, c.n, head.Size)
	}
	if root := c.root(); root != head.Root {
		return fmt.Errorf("%w: the entries give root %s, the checkpoint %s", ErrCorrupt, root, head.Root)
	}
	return nil
}

// rawEntries reads entries [from, to) without checking against Size.
func (l *Ledger) rawEntries(ctx context.Context, from, to uint64) iter.Seq2[[]byte, error] {
	return func(yield func([]byte, error) bool) {
		var buf [][]byte
		for next := from; next < to; {
			if err := ctx.Err(); err != nil {
				yield(nil, err)
				return
			}
			end := min(to, next+entriesChunk)
			var err error
			buf, err = l.readEntries(buf[:0], next, end)
			if err != nil {
				yield(nil, err)
				return
			}
			for _, e := range buf {
				if !yield(e, nil) {
					return
				}
			}
			next = end
		}
	}
}

// storedHashes reads the stored hashes [0, n) in order, in chunks.
func (l *Ledger) storedHashes(ctx context.Context, n int64) iter.Seq2[Hash, error] {
	return func(yield func(Hash, error) bool) {
		const chunk = 4096
		for next := int64(0); next < n; {
			end := min(n, next+chunk)
			idx := make([]int64, 0, end-next)
			for i := next; i < end; i++ {
				idx = append(idx, i)
			}
			hs, err := readHashes(ctx, l.st, idx)
			if err != nil {
				yield(Hash{}, err)
				return
			}
			for _, h := range hs {
				if !yield(h, nil) {
					return
				}
			}
			next = end
		}
	}
}

// iterPull turns a sequence of hashes into a next function.
func iterPull(seq iter.Seq2[Hash, error]) (next func() (Hash, error), stop func()) {
	n, s := iter.Pull2(seq)
	return func() (Hash, error) {
		h, err, ok := n()
		if !ok {
			return Hash{}, fmt.Errorf("%w: stored hashes end early", ErrCorrupt)
		}
		return h, err
	}, s
}
