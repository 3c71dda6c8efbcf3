package threshold

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/gtank/ristretto255"

	"github.com/urna-vote/urna/crypto/elgamal"
	"github.com/urna-vote/urna/crypto/group"
	"github.com/urna-vote/urna/crypto/proof"
)

// MaxCiphertexts bounds the ciphertexts of one decryption share (8 MiB
// encoded; a ledger entry holds far fewer).
const MaxCiphertexts = 1 << 16

const (
	decryptionHeaderSize = headerSize + 4
	partialSize          = group.Size + proof.DLEQSize
)

// A DecryptionShare is guardian Guardian's partial decryption
// D_k = x_j·A_k of each ciphertext (A_k, B_k) of a tally, each with a DLEQ
// proof that it used the x_j behind its public share X_j (SPEC.md §7).
type DecryptionShare struct {
	Guardian int
	D        []*ristretto255.Element
	Proofs   []*proof.DLEQ
}

// PartialDecrypt computes the share's partial decryption of cts, bound to
// the election context ctx. Every A_k must be non-identity (an identity A
// would be no encryption at all, and no DLEQ proof can be made over it).
func PartialDecrypt(share *Share, cts []*elgamal.Ciphertext, ctx [32]byte, rand io.Reader) (*DecryptionShare, error) {
	if len(cts) == 0 || len(cts) > MaxCiphertexts {
		return nil, fmt.Errorf("%w: %d ciphertexts (want 1 to %d)", ErrParams, len(cts), MaxCiphertexts)
	}
	ds := &DecryptionShare{Guardian: share.index}
	for k, ct := range cts {
		if group.IsIdentity(ct.A) {
			return nil, fmt.Errorf("%w: ciphertext %d has A = identity", ErrParams, k)
		}
		// D_k = x_j·A_k, and the proof of log_G X_j = log_{A_k} D_k.
		d := ristretto255.NewIdentityElement().ScalarMult(share.x.Scalar(), ct.A)
		pf, err := proof.ProveDLEQ(decryptTranscript(ctx, share.index, k, ct), group.G(), share.pub, ct.A, d, share.x, rand)
		if err != nil {
			return nil, err
		}
		ds.D = append(ds.D, d)
		ds.Proofs = append(ds.Proofs, pf)
	}
	return ds, nil
}

// Encode returns the share's canonical encoding:
//
//	u8 version = 1 ‖ u8 kind = 3 ‖ u8 guardian ‖ u32 count ‖ count × (D_k ‖ DLEQ_k)
func (ds *DecryptionShare) Encode() []byte {
	b := make([]byte, 0, decryptionHeaderSize+len(ds.D)*partialSize)
	b = append(b, version, kindDecryption, byte(ds.Guardian))
	b = binary.BigEndian.AppendUint32(b, uint32(len(ds.D)))
	for k, d := range ds.D {
		b = d.Encode(b)
		b = append(b, ds.Proofs[k].Bytes()...)
	}
	return b
}

// DecodeDecryptionShare decodes a decryption share strictly: guardian
// 1…MaxGuardians, 1…MaxCiphertexts partial decryptions, canonical
// non-identity elements, exact length. It checks no proof.
func DecodeDecryptionShare(b []byte) (*DecryptionShare, error) {
	if len(b) < decryptionHeaderSize || b[0] != version || b[1] != kindDecryption {
		return nil, fail(ErrMalformed, "not a version-1 decryption share")
	}
	ds := &DecryptionShare{Guardian: int(b[2])}
	n := binary.BigEndian.Uint32(b[3:7])
	if ds.Guardian < 1 || n < 1 || n > MaxCiphertexts || len(b) != decryptionHeaderSize+int(n)*partialSize {
		return nil, fail(ErrMalformed, "decryption share of %d bytes from guardian %d for %d ciphertexts", len(b), ds.Guardian, n)
	}
	r := reader{b: b, off: decryptionHeaderSize}
	for k := 0; k < int(n); k++ {
		d, err := group.DecodeElement(r.next(group.Size))
		if err != nil {
			return nil, fail(ErrMalformed, "partial decryption %d: %w", k, err)
		}
		pf, err := proof.DecodeDLEQ(r.next(proof.DLEQSize))
		if err != nil {
			return nil, fail(ErrMalformed, "partial decryption %d: %w", k, err)
		}
		ds.D = append(ds.D, d)
		ds.Proofs = append(ds.Proofs, pf)
	}
	return ds, nil
}

// VerifyDecryptionShare checks guardian j's share against its public share
// X_j (Result.PublicShares[j-1]) and the ciphertexts it decrypts, under the
// election context ctx: one partial decryption per ciphertext, each proof
// valid (SPEC.md §7.2, check D1). A failure is a *GuardianError naming the
// guardian and wrapping ErrInvalidShare. Variable time: inputs are public.
func VerifyDecryptionShare(ds *DecryptionShare, publicShare *ristretto255.Element, cts []*elgamal.Ciphertext, ctx [32]byte) error {
	if len(ds.D) != len(cts) || len(ds.Proofs) != len(cts) {
		return blame(ds.Guardian, ErrInvalidShare, "%d partial decryptions for %d ciphertexts", len(ds.D), len(cts))
	}
	for k, ct := range cts {
		if err := ds.Proofs[k].Verify(decryptTranscript(ctx, ds.Guardian, k, ct), group.G(), publicShare, ct.A, ds.D[k]); err != nil {
			return blame(ds.Guardian, ErrInvalidShare, "ciphertext %d: %w", k, err)
		}
	}
	return nil
}

// Combine decrypts cts from guardians' decryption shares (SPEC.md §7.3): it
// verifies every share against publicShares (X_j for j = 1…N, as in
// Result.PublicShares) and ctx, skips invalid and duplicate ones, and
// interpolates the valid ones at zero,
//
//	M_k = B_k − Σ_{j∈S} λ_j·D_{j,k} = m_k·G,
//
// returning M_k for each ciphertext. Any T valid shares give the same
// values. If fewer than T shares are valid it returns nil and an error
// wrapping ErrQuorum; if at least T are valid but some were skipped, it
// returns the values together with an error naming each skipped guardian
// (a *GuardianError wrapping ErrInvalidShare, joined). Variable time:
// inputs are public.
func Combine(p Params, publicShares []*ristretto255.Element, cts []*elgamal.Ciphertext, ctx [32]byte, shares []*DecryptionShare) ([]*ristretto255.Element, error) {
	if err := p.Check(); err != nil {
		return nil, err
	}
	if len(publicShares) != p.N {
		return nil, fmt.Errorf("%w: %d public shares for %d guardians", ErrParams, len(publicShares), p.N)
	}
	// 1. Verify each share; keep the first valid one of each guardian.
	var valid []*DecryptionShare
	var skipped []error
	seen := make([]bool, p.N+1)
	for _, ds := range shares {
		switch j := ds.Guardian; {
		case j < 1 || j > p.N:
			skipped = append(skipped, blame(j, ErrInvalidShare, "no guardian %d of %d", j, p.N))
		case seen[j]:
			skipped = append(skipped, blame(j, ErrInvalidShare, "a second share of the same guardian"))
		default:
			if err := VerifyDecryptionShare(ds, publicShares[j-1], cts, ctx); err != nil {
				skipped = append(skipped, err)
				continue
			}
			seen[j] = true
			valid = append(valid, ds)
		}
	}
	if len(valid) < p.T {
		return nil, errors.Join(append([]error{fmt.Errorf("%w: %d valid decryption shares, %d needed", ErrQuorum, len(valid), p.T)}, skipped...)...)
	}
	return interpolate(valid, cts), errors.Join(skipped...)
}

// CombineVerified is Combine for shares the caller has already verified,
// each with VerifyDecryptionShare (possibly under different contexts, as
// the heartbeats of a ledger are): it checks only that the guardians are
// distinct and in range, at least T, and that each share has one partial
// decryption per ciphertext, then interpolates. Variable time.
func CombineVerified(p Params, cts []*elgamal.Ciphertext, shares []*DecryptionShare) ([]*ristretto255.Element, error) {
	if err := p.Check(); err != nil {
		return nil, err
	}
	seen := make([]bool, p.N+1)
	for _, ds := range shares {
		j := ds.Guardian
		if j < 1 || j > p.N || seen[j] {
			return nil, blame(j, ErrInvalidShare, "no guardian %d of %d, or a second share of it", j, p.N)
		}
		if len(ds.D) != len(cts) {
			return nil, blame(j, ErrInvalidShare, "%d partial decryptions for %d ciphertexts", len(ds.D), len(cts))
		}
		seen[j] = true
	}
	if len(shares) < p.T {
		return nil, fmt.Errorf("%w: %d decryption shares, %d needed", ErrQuorum, len(shares), p.T)
	}
	valid := slices.Clone(shares)
	return interpolate(valid, cts), nil
}

// interpolate computes M_k = B_k − Σ_{j∈S} λ_j·D_{j,k} over the valid
// shares of distinct guardians.
func interpolate(valid []*DecryptionShare, cts []*elgamal.Ciphertext) []*ristretto255.Element {
	// 2. Lagrange coefficients at zero over the set S of valid guardians.
	slices.SortFunc(valid, func(a, b *DecryptionShare) int { return a.Guardian - b.Guardian })
	set := make([]int, len(valid))
	for i, ds := range valid {
		set[i] = ds.Guardian
	}
	scalars := make([]*ristretto255.Scalar, len(valid)+1)
	scalars[0] = group.ScalarFromUint64(1)
	for i, j := range set {
		scalars[i+1] = ristretto255.NewScalar().Negate(lagrangeAtZero(j, set))
	}
	// 3. M_k = B_k − Σ λ_j·D_{j,k}.
	out := make([]*ristretto255.Element, len(cts))
	points := make([]*ristretto255.Element, len(valid)+1)
	for k, ct := range cts {
		points[0] = ct.B
		for i, ds := range valid {
			points[i+1] = ds.D[k]
		}
		out[k] = ristretto255.NewIdentityElement().VarTimeMultiScalarMult(scalars, points)
	}
	return out
}

// lagrangeAtZero returns λ_j = Π_{m∈S, m≠j} m / (m − j) mod ℓ, the
// coefficient of f(j) in f(0) for a polynomial of degree < |S|. The indices
// are public and distinct; the arithmetic is on scalars mod ℓ.
func lagrangeAtZero(j int, set []int) *ristretto255.Scalar {
	num := group.ScalarFromUint64(1)
	den := group.ScalarFromUint64(1)
	for _, m := range set {
		if m == j {
			continue
		}
		num.Multiply(num, group.ScalarFromUint64(uint64(m)))
		den.Multiply(den, group.ScalarFromInt64(int64(m-j)))
	}
	return num.Multiply(num, ristretto255.NewScalar().Invert(den))
}
