package verify

import (
	"golang.org/x/mod/sumdb/tlog"

	"github.com/urna-vote/urna/ledger"
)

// tree keeps every hash of the ledger's Merkle tree in memory (two hashes an
// entry: 64 MB for a million entries), so that the verifier computes the
// root of the whole log and of any prefix — a receipt's checkpoint — in one
// pass over the entries.
type tree struct {
	hashes []tlog.Hash
	n      int64
}

func (t *tree) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		out[i] = t.hashes[x]
	}
	return out, nil
}

// add appends an entry as the next leaf.
func (t *tree) add(entry []byte) error {
	hs, err := tlog.StoredHashesForRecordHash(t.n, ledger.LeafHash(entry), t)
	if err != nil {
		return err
	}
	t.hashes = append(t.hashes, hs...)
	t.n++
	return nil
}

// root returns the root of the first size leaves.
func (t *tree) root(size int64) (tlog.Hash, error) {
	return tlog.TreeHash(size, t)
}

// leaf returns the hash of leaf i.
func (t *tree) leaf(i int64) tlog.Hash {
	return t.hashes[tlog.StoredHashIndex(0, i)]
}
