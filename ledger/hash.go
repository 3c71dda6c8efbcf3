package ledger

import (
	"fmt"
	"iter"
	"math"

	"golang.org/x/mod/sumdb/tlog"
)

// A Hash is a SHA-256 hash of the Merkle tree: a leaf hash, an interior node
// hash or a root. It prints and marshals to JSON as standard base64.
type Hash = tlog.Hash

// HashSize is the size of a Hash in bytes.
const HashSize = tlog.HashSize

// LeafHash returns the hash of the leaf for an entry: SHA-256(0x00 ‖ entry)
// (RFC 9162, section 2.1.1).
func LeafHash(entry []byte) Hash { return tlog.RecordHash(entry) }

// NodeHash returns the hash of an interior node: SHA-256(0x01 ‖ left ‖ right)
// (RFC 9162, section 2.1.1).
func NodeHash(left, right Hash) Hash { return tlog.NodeHash(left, right) }

// EmptyRoot is the root of the empty tree: SHA-256 of the empty string.
var EmptyRoot = Hash{
	0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14,
	0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
	0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c,
	0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
}

// maxSize bounds tree sizes and indices: the tree arithmetic underneath uses
// int64.
const maxSize = math.MaxInt64

// compact is a compact range [0, n): the roots of the perfect subtrees that
// make up the first n leaves, largest first. It computes a root in O(log n)
// memory while leaves stream past, and yields exactly the node hashes that
// the tlog storage layout stores for each new leaf.
type compact struct {
	n     uint64
	stack []Hash
}

// push adds the next leaf and returns the hashes it completes, in stored
// order: the leaf hash, then each interior node the leaf closes, bottom up.
// These are what tlog.StoredHashes returns for the same leaf.
func (c *compact) push(leaf Hash) []Hash {
	out := []Hash{leaf}
	h := leaf
	for i := c.n; i&1 == 1; i >>= 1 {
		h = NodeHash(c.stack[len(c.stack)-1], h)
		c.stack = c.stack[:len(c.stack)-1]
		out = append(out, h)
	}
	c.stack = append(c.stack, h)
	c.n++
	return out
}

// root folds the stack from the right, which is how RFC 9162's MTH splits a
// tree at the largest power of two below its size.
func (c *compact) root() Hash {
	if c.n == 0 {
		return EmptyRoot
	}
	h := c.stack[len(c.stack)-1]
	for i := len(c.stack) - 2; i >= 0; i-- {
		h = NodeHash(c.stack[i], h)
	}
	return h
}

// RootFromEntries computes the size and root of the tree of a sequence of
// entries, checking each entry with CheckEntry. It keeps O(log n) hashes in
// memory, never the entries.
func RootFromEntries(entries iter.Seq2[[]byte, error]) (size uint64, root Hash, err error) {
	var c compact
	for e, err := range entries {
		if err != nil {
			return 0, Hash{}, err
		}
		if err := CheckEntry(e); err != nil {
			return 0, Hash{}, fmt.Errorf("ledger: entry %d: %w", c.n, err)
		}
		c.push(LeafHash(e))
	}
	return c.n, c.root(), nil
}

// treeRoot returns the root of the tree of the given size from stored hashes.
func treeRoot(r tlog.HashReader, size uint64) (Hash, error) {
	if size > maxSize {
		return Hash{}, fmt.Errorf("%w: tree size %d", ErrRange, size)
	}
	return tlog.TreeHash(int64(size), r)
}

// compactIndexes returns the stored hash indexes of the compact range
// [0, size): for each bit L set in size, the perfect subtree of height L
// that ends where the next smaller one begins.
func compactIndexes(size uint64) []int64 {
	var out []int64
	for l := 63; l >= 0; l-- {
		if size>>uint(l)&1 == 1 {
			out = append(out, tlog.StoredHashIndex(l, int64(size>>uint(l))-1))
		}
	}
	return out
}
