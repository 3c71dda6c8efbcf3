package ledger

import (
	"context"
	"fmt"
	"io"
	"iter"

	"golang.org/x/mod/sumdb/note"
)

// VerifyEntries checks a whole log against a signed checkpoint: the
// checkpoint verifies under v, and the entries, each passing CheckEntry,
// are exactly as many as its size and give its root. It keeps O(log n)
// hashes in memory. This is what `urna verify DIR` checks of DIR/ledger.jsonl
// and DIR/checkpoint before it replays the entries.
func VerifyEntries(entries iter.Seq2[[]byte, error], signed []byte, v note.Verifier) (Checkpoint, error) {
	c, err := OpenCheckpoint(signed, v)
	if err != nil {
		return Checkpoint{}, err
	}
	size, root, err := RootFromEntries(entries)
	if err != nil {
		return Checkpoint{}, err
	}
	if size != c.Size {
		return Checkpoint{}, fmt.Errorf("%w: %d entries, the checkpoint commits to %d", ErrInvalidProof, size, c.Size)
	}
	if root != c.Root {
		return Checkpoint{}, fmt.Errorf("%w: the entries give root %s, the checkpoint %s", ErrInvalidProof, root, c.Root)
	}
	return c, nil
}

// ResignCheckpoint computes the root of the entries and signs a checkpoint
// for them, whatever they are: what an operator holding the log key can
// always do. `urna ledger resign` uses it to play a malicious operator in
// tests; a verifier catches it by the consistency of the voters' receipts'
// checkpoints with the new one, never by the signature.
func ResignCheckpoint(entries iter.Seq2[[]byte, error], origin string, s note.Signer) ([]byte, error) {
	size, root, err := RootFromEntries(entries)
	if err != nil {
		return nil, err
	}
	return SignCheckpoint(Checkpoint{Origin: origin, Size: size, Root: root}, s)
}

// Import creates a ledger at store (a path or a PostgreSQL URL, as for
// Open) from a log exported as JSONL (see ReadJSONL), appending its
// entries in batches through opts.Validator if set, and returns it open.
// The store must be new or empty. The
// resulting checkpoint is signed by opts.Signer, so its root can be
// compared with the exported checkpoint's.
func Import(ctx context.Context, store string, r io.Reader, opts Options) (*Ledger, error) {
	if opts.Signer == nil {
		return nil, fmt.Errorf("ledger: importing needs a signer")
	}
	l, err := Open(ctx, store, opts)
	if err != nil {
		return nil, err
	}
	if l.Size() != 0 {
		l.Close()
		return nil, fmt.Errorf("ledger: importing into %s, which already holds %d entries", describe(store), l.Size())
	}
	const batch = 1024
	var buf [][]byte
	flush := func() error {
		if len(buf) == 0 {
			return nil
		}
		_, err := l.AppendBatch(ctx, buf)
		buf = buf[:0]
		return err
	}
	for e, err := range ReadJSONL(r) {
		if err == nil {
			buf = append(buf, e)
			if len(buf) == batch {
				err = flush()
			}
		}
		if err != nil {
			l.Close()
			return nil, fmt.Errorf("ledger: importing: %w", err)
		}
	}
	if err := flush(); err != nil {
		l.Close()
		return nil, fmt.Errorf("ledger: importing: %w", err)
	}
	return l, nil
}
