package ledger

import (
	"encoding/base64"
	"fmt"

	"golang.org/x/mod/sumdb/tlog"
)

// A Proof is an inclusion proof (RFC 9162, section 2.1.3: the audit path,
// from the leaf's sibling up) or a consistency proof (section 2.1.4), a list
// of node hashes. As text, in a receipt, it is the standard base64 (with
// padding) of the hashes concatenated; the empty proof is the empty string.
type Proof []Hash

// MaxProofHashes bounds a proof read from outside. An inclusion proof in a
// tree of fewer than 2⁶³ leaves has at most 63 hashes and a consistency
// proof at most 64.
const MaxProofHashes = 64

// MarshalText encodes a proof as standard base64.
func (p Proof) MarshalText() ([]byte, error) {
	raw := make([]byte, 0, len(p)*HashSize)
	for _, h := range p {
		raw = append(raw, h[:]...)
	}
	return base64.StdEncoding.AppendEncode(nil, raw), nil
}

// UnmarshalText decodes a proof strictly: canonical standard base64 of a
// whole number of hashes, at most MaxProofHashes.
func (p *Proof) UnmarshalText(text []byte) error {
	if len(text) > base64.StdEncoding.EncodedLen(MaxProofHashes*HashSize) {
		return fmt.Errorf("%w: proof longer than %d hashes", ErrMalformed, MaxProofHashes)
	}
	raw, err := base64.StdEncoding.Strict().AppendDecode(nil, text)
	if err != nil {
		return fmt.Errorf("%w: proof: %v", ErrMalformed, err)
	}
	// The decoder skips newlines; only the canonical text is accepted.
	if base64.StdEncoding.EncodedLen(len(raw)) != len(text) {
		return fmt.Errorf("%w: proof is not canonical base64", ErrMalformed)
	}
	if len(raw)%HashSize != 0 {
		return fmt.Errorf("%w: proof of %d bytes is not a list of hashes", ErrMalformed, len(raw))
	}
	out := make(Proof, len(raw)/HashSize)
	for i := range out {
		copy(out[i][:], raw[i*HashSize:])
	}
	*p = out
	return nil
}

// VerifyInclusion checks that the entry is the one at index in the tree of
// the checkpoint, using the proof. It needs no storage: a voter's receipt
// carries the index, the checkpoint and the proof.
func VerifyInclusion(entry []byte, index uint64, c Checkpoint, p Proof) error {
	return VerifyInclusionHash(LeafHash(entry), index, c, p)
}

// VerifyInclusionHash is VerifyInclusion given the entry's leaf hash.
func VerifyInclusionHash(leaf Hash, index uint64, c Checkpoint, p Proof) error {
	if index >= c.Size || c.Size > maxSize {
		return fmt.Errorf("%w: index %d is not in a tree of size %d", ErrInvalidProof, index, c.Size)
	}
	if err := tlog.CheckRecord(tlog.RecordProof(p), int64(c.Size), c.Root, int64(index), leaf); err != nil {
		return fmt.Errorf("%w: entry %d in tree of size %d: %v", ErrInvalidProof, index, c.Size, err)
	}
	return nil
}

// VerifyConsistency checks that the tree of newer contains the tree of older
// as a prefix, using the proof: the log only grew between the two
// checkpoints. Both must name the same log. An empty older tree is a prefix
// of any tree (with an empty proof); equal sizes need equal roots.
func VerifyConsistency(older, newer Checkpoint, p Proof) error {
	switch {
	case older.Origin != newer.Origin:
		return fmt.Errorf("%w: checkpoints of logs %q and %q", ErrInvalidProof, older.Origin, newer.Origin)
	case older.Size > newer.Size:
		return fmt.Errorf("%w: tree of size %d shrank to %d", ErrInvalidProof, older.Size, newer.Size)
	case newer.Size > maxSize:
		return fmt.Errorf("%w: tree size %d", ErrInvalidProof, newer.Size)
	case older.Size == 0:
		if len(p) != 0 || older.Root != EmptyRoot {
			return fmt.Errorf("%w: the empty tree has root %s and an empty proof", ErrInvalidProof, EmptyRoot)
		}
		return nil
	}
	if err := tlog.CheckTree(tlog.TreeProof(p), int64(newer.Size), newer.Root, int64(older.Size), older.Root); err != nil {
		return fmt.Errorf("%w: tree of size %d is not a prefix of tree of size %d: %v", ErrInvalidProof, older.Size, newer.Size, err)
	}
	return nil
}

// proveInclusion returns the inclusion proof of entry index in the tree of
// the given size from stored hashes.
func proveInclusion(r tlog.HashReader, index, size uint64) (Proof, error) {
	if index >= size || size > maxSize {
		return nil, fmt.Errorf("%w: index %d in a tree of size %d", ErrRange, index, size)
	}
	p, err := tlog.ProveRecord(int64(size), int64(index), r)
	if err != nil {
		return nil, fmt.Errorf("ledger: inclusion proof of %d in %d: %w", index, size, err)
	}
	return Proof(p), nil
}

// proveConsistency returns the consistency proof between two tree sizes from
// stored hashes.
func proveConsistency(r tlog.HashReader, older, newer uint64) (Proof, error) {
	if older > newer || newer > maxSize {
		return nil, fmt.Errorf("%w: consistency of %d with %d", ErrRange, older, newer)
	}
	if older == 0 {
		return Proof{}, nil
	}
	p, err := tlog.ProveTree(int64(newer), int64(older), r)
	if err != nil {
		return nil, fmt.Errorf("ledger: consistency proof of %d with %d: %w", older, newer, err)
	}
	return Proof(p), nil
}
