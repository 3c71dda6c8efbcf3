package threshold

import (
	"encoding/binary"
	"fmt"
	"io"
	"sort"

	"github.com/gtank/ristretto255"

	"github.com/urna-vote/urna/crypto/elgamal"
	"github.com/urna-vote/urna/crypto/group"
	"github.com/urna-vote/urna/crypto/proof"
	"github.com/urna-vote/urna/crypto/transcript"
)

// MaxCiphertexts bounds the ciphertexts of one decryption share.
const MaxCiphertexts = 1 << 20

const partialLen = group.Size + proof.DLEQSize

// A DecryptionShare is guardian Guardian's partial decryption D_k = x_j·A_k
// of each ciphertext k, each with a proof.
type DecryptionShare struct {
	Guardian int
	D        []*ristretto255.Element
	Proofs   []*proof.DLEQ
}

func decryptTranscript(ctx [32]byte, guardian, k int) *transcript.Transcript {
	return transcript.New("urna/v1/decrypt").Bytes("election", ctx[:]).
		Uint("guardian", uint64(guardian)).Uint("ciphertext", uint64(k))
}

// PartialDecrypt computes the guardian's decryption share of cts, bound to
// the election context ctx.
func PartialDecrypt(s *Share, cts []*elgamal.Ciphertext, ctx [32]byte, rand io.Reader) (*DecryptionShare, error) {
	pub := ristretto255.NewIdentityElement().ScalarBaseMult(s.x.Scalar())
	ds := &DecryptionShare{Guardian: s.Index}
	for k, ct := range cts {
		d := ristretto255.NewIdentityElement().ScalarMult(s.x.Scalar(), ct.A)
		pf, err := proof.ProveDLEQ(decryptTranscript(ctx, s.Index, k), group.G(), pub, ct.A, d, s.x, rand)
		if err != nil {
			return nil, err
		}
		ds.D = append(ds.D, d)
		ds.Proofs = append(ds.Proofs, pf)
	}
	return ds, nil
}

// Encode returns u8 guardian, u32 count, then per ciphertext D ‖ DLEQ.
func (ds *DecryptionShare) Encode() []byte {
	out := []byte{byte(ds.Guardian)}
	out = binary.BigEndian.AppendUint32(out, uint32(len(ds.D)))
	for k, d := range ds.D {
		out = d.Encode(out)
		out = append(out, ds.Proofs[k].Bytes()...)
	}
	return out
}

// DecodeDecryptionShare parses a share strictly.
func DecodeDecryptionShare(b []byte) (*DecryptionShare, error) {
	if len(b) < 5 {
		return nil, fmt.Errorf("%w: decryption share too short", ErrMalformed)
	}
	ds := &DecryptionShare{Guardian: int(b[0])}
	n := int(binary.BigEndian.Uint32(b[1:5]))
	if ds.Guardian < 1 || ds.Guardian > MaxGuardians || n > MaxCiphertexts || len(b) != 5+n*partialLen {
		return nil, fmt.Errorf("%w: decryption share of %d bytes for %d ciphertexts", ErrMalformed, len(b), n)
	}
	for k := 0; k < n; k++ {
		off := 5 + k*partialLen
		d, err := group.DecodeElementOrIdentity(b[off : off+group.Size])
		if err != nil {
			return nil, fmt.Errorf("%w: partial decryption %d: %w", ErrMalformed, k, err)
		}
		pf, err := proof.DecodeDLEQ(b[off+group.Size : off+partialLen])
		if err != nil {
			return nil, fmt.Errorf("%w: partial decryption %d: %w", ErrMalformed, k, err)
		}
		ds.D = append(ds.D, d)
		ds.Proofs = append(ds.Proofs, pf)
	}
	return ds, nil
}

// VerifyDecryptionShare checks a share against the guardian's public share
// X_j and the ciphertexts: one partial decryption per ciphertext, each
// proven. The error names the guardian.
func VerifyDecryptionShare(ds *DecryptionShare, publicShare *ristretto255.Element, cts []*elgamal.Ciphertext, ctx [32]byte) error {
	if len(ds.D) != len(cts) {
		return blame(ds.Guardian, fmt.Errorf("%w: %d partial decryptions for %d ciphertexts", ErrInvalid, len(ds.D), len(cts)))
	}
	for k, ct := range cts {
		if err := ds.Proofs[k].Verify(decryptTranscript(ctx, ds.Guardian, k), group.G(), publicShare, ct.A, ds.D[k]); err != nil {
			return blame(ds.Guardian, fmt.Errorf("%w: partial decryption of ciphertext %d: %w", ErrInvalid, k, err))
		}
	}
	return nil
}

// Combine returns m_k·G = B_k − Σ_j λ_j·D_{j,k} for each ciphertext from
// already verified shares of at least T distinct guardians.
func Combine(p Params, cts []*elgamal.Ciphertext, shares []*DecryptionShare) ([]*ristretto255.Element, error) {
	if len(shares) < p.T {
		return nil, fmt.Errorf("%w: %d decryption shares, %d needed", ErrQuorum, len(shares), p.T)
	}
	var set []int
	seen := map[int]bool{}
	for _, s := range shares {
		if seen[s.Guardian] || len(s.D) != len(cts) {
			return nil, fmt.Errorf("%w: duplicate or mis-sized share of guardian %d", ErrInvalid, s.Guardian)
		}
		seen[s.Guardian] = true
		set = append(set, s.Guardian)
	}
	sort.Ints(set)
	lambdas := make([]*ristretto255.Scalar, len(shares))
	for i, s := range shares {
		lambdas[i] = ristretto255.NewScalar().Negate(Lagrange(s.Guardian, set))
	}
	out := make([]*ristretto255.Element, len(cts))
	one := group.ScalarFromUint64(1)
	for k, ct := range cts {
		scalars := []*ristretto255.Scalar{one}
		points := []*ristretto255.Element{ct.B}
		for i, s := range shares {
			scalars = append(scalars, lambdas[i])
			points = append(points, s.D[k])
		}
		out[k] = ristretto255.NewIdentityElement().VarTimeMultiScalarMult(scalars, points)
	}
	return out, nil
}
