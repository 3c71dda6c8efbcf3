package ledger

import (
	"errors"
	"fmt"
)

// Sentinel errors. Errors returned by this package wrap one of them, with
// context, so callers decide with errors.Is.
var (
	// ErrInvalidEntry: an entry is empty, longer than MaxEntrySize or holds
	// a newline. Nothing was appended.
	ErrInvalidEntry = errors.New("ledger: invalid entry")

	// ErrFailed: the ledger stopped after a write failed (an fsync or commit
	// error, a full disk, a store that changed under it). Every later
	// Append returns an error wrapping ErrFailed and the first cause. The
	// entries acknowledged before are safe; the ledger must be reopened,
	// which checks the store, before anything more is appended.
	ErrFailed = errors.New("ledger: failed")

	// ErrClosed: the ledger was closed.
	ErrClosed = errors.New("ledger: closed")

	// ErrReadOnly: the ledger was opened without a signer and cannot
	// append.
	ErrReadOnly = errors.New("ledger: opened read-only")

	// ErrCorrupt: the store does not hold a consistent log: an entry or a
	// stored hash does not match the tree, the tree does not match the
	// stored checkpoint, or entries are missing. The ledger refuses to
	// open it and never repairs it.
	ErrCorrupt = errors.New("ledger: store is corrupt")

	// ErrRange: an index or tree size is beyond the tree.
	ErrRange = errors.New("ledger: out of range")

	// ErrMalformed: outside data (a checkpoint, a proof, a JSONL log) does
	// not parse.
	ErrMalformed = errors.New("ledger: malformed")

	// ErrSignature: a checkpoint is not signed by the expected key.
	ErrSignature = errors.New("ledger: checkpoint signature")

	// ErrInvalidProof: an inclusion or consistency proof does not verify,
	// or a tree does not match its checkpoint.
	ErrInvalidProof = errors.New("ledger: invalid proof")
)

// A RejectedError is returned by Append and AppendBatch when the ledger's
// Validator rejected an entry. The entry was not written and did not take
// an index. Unwrap gives the validator's error.
type RejectedError struct {
	Index  uint64 // the index the entry would have taken
	Offset int    // the entry's position in its AppendBatch call; 0 for Append
	Err    error
}

func (e *RejectedError) Error() string {
	return fmt.Sprintf("ledger: entry rejected at index %d: %v", e.Index, e.Err)
}

func (e *RejectedError) Unwrap() error { return e.Err }
