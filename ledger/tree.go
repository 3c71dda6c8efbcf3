package ledger

import (
	"fmt"
	"io"

	"golang.org/x/mod/sumdb/tlog"
)

// A Tree is the Merkle tree of a log held in memory: what a verifier builds
// while it reads an exported log, to compute the root and the proofs at any
// size. It keeps the tree's hashes (two per entry on average), never the
// entries. The zero Tree is empty and ready to use. A Tree is not safe for
// concurrent use.
type Tree struct {
	c      compact
	hashes []Hash // in tlog stored-hash order
}

// Append adds an entry, checked with CheckEntry, and returns its index.
func (t *Tree) Append(entry []byte) (uint64, error) {
	if err := CheckEntry(entry); err != nil {
		return 0, err
	}
	return t.AppendLeafHash(LeafHash(entry))
}

// AppendLeafHash adds an entry given its leaf hash and returns its index.
func (t *Tree) AppendLeafHash(leaf Hash) (uint64, error) {
	if t.c.n == maxSize {
		return 0, fmt.Errorf("%w: tree is full", ErrRange)
	}
	i := t.c.n
	t.hashes = append(t.hashes, t.c.push(leaf)...)
	return i, nil
}

// Size returns the number of entries.
func (t *Tree) Size() uint64 { return t.c.n }

// Root returns the root of the tree of the first size entries.
func (t *Tree) Root(size uint64) (Hash, error) {
	if size > t.c.n {
		return Hash{}, fmt.Errorf("%w: size %d of a tree of %d", ErrRange, size, t.c.n)
	}
	if size == t.c.n {
		return t.c.root(), nil
	}
	return treeRoot(t, size)
}

// InclusionProof returns the proof that entry index is in the tree of the
// first size entries.
func (t *Tree) InclusionProof(index, size uint64) (Proof, error) {
	if size > t.c.n {
		return nil, fmt.Errorf("%w: size %d of a tree of %d", ErrRange, size, t.c.n)
	}
	return proveInclusion(t, index, size)
}

// ConsistencyProof returns the proof that the tree of the first older
// entries is a prefix of the tree of the first newer entries.
func (t *Tree) ConsistencyProof(older, newer uint64) (Proof, error) {
	if newer > t.c.n {
		return nil, fmt.Errorf("%w: size %d of a tree of %d", ErrRange, newer, t.c.n)
	}
	return proveConsistency(t, older, newer)
}

// ReadHashes implements tlog.HashReader over the stored hashes.
func (t *Tree) ReadHashes(indexes []int64) ([]Hash, error) {
	out := make([]Hash, len(indexes))
	for i, x := range indexes {
		if x < 0 || x >= int64(len(t.hashes)) {
			return nil, fmt.Errorf("%w: stored hash %d of %d", ErrRange, x, len(t.hashes))
		}
		out[i] = t.hashes[x]
	}
	return out, nil
}

// ReadTree builds the Tree of a log exported as JSONL (see ReadJSONL).
func ReadTree(r io.Reader) (*Tree, error) {
	t := new(Tree)
	for e, err := range ReadJSONL(r) {
		if err != nil {
			return nil, err
		}
		if _, err := t.Append(e); err != nil {
			return nil, fmt.Errorf("ledger: entry %d: %w", t.Size(), err)
		}
	}
	return t, nil
}

var _ tlog.HashReader = (*Tree)(nil)
