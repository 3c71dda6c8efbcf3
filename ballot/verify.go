package ballot

import (
	"fmt"
	"io"

	"github.com/gtank/ristretto255"
	"github.com/urna-vote/urna/crypto/elgamal"
	"github.com/urna-vote/urna/crypto/group"
	"github.com/urna-vote/urna/crypto/proof"
)

// CheckShape checks that the ballot belongs to ctx's election and carries
// exactly the contests of style with their limits.
func (b *Ballot) CheckShape(ctx *Context, style Style) error {
	if b.Election != ctx.Election {
		return fmt.Errorf("%w: ballot is for another election", ErrInvalid)
	}
	if len(b.Contests) != len(style) {
		return fmt.Errorf("%w: %d contests, the district's ballot has %d", ErrInvalid, len(b.Contests), len(style))
	}
	for i, c := range style {
		bc := b.Contests[i]
		if bc.Index != c.Index || len(bc.Selections) != c.Options || bc.Min != c.Min || bc.Max != c.Max {
			return fmt.Errorf("%w: contest %d does not match the district's ballot (contest %d, %d options, [%d, %d])",
				ErrInvalid, i, c.Index, c.Options, c.Min, c.Max)
		}
	}
	return nil
}

// VerifySignature checks the credential key's signature over the ballot
// hash.
func (b *Ballot) VerifySignature() error {
	if err := b.sig.Verify(signatureTranscript(b.hash), group.G(), b.credKey); err != nil {
		return fmt.Errorf("%w: signature: %w", ErrInvalid, err)
	}
	return nil
}

// Verify checks the ballot on its own: shape, signature and every proof, one
// by one. It does not check the credential (the state machine does, with
// package credential) nor anything that needs the ledger.
func (b *Ballot) Verify(ctx *Context, style Style) error {
	if err := b.CheckShape(ctx, style); err != nil {
		return err
	}
	if err := b.VerifySignature(); err != nil {
		return err
	}
	for _, c := range b.Contests {
		base := proofTranscript(ctx, b.CredentialKey[:], c.Index)
		for o, s := range c.Selections {
			if err := s.Proof.Verify(optionTranscript(base, o), ctx.Key, s.Ciphertext, s.ctEnc, 0, 1); err != nil {
				return fmt.Errorf("%w: contest %d option %d: %w", ErrInvalid, c.Index, o, err)
			}
		}
		sum := c.SumCiphertext()
		if err := c.Sum.Verify(sumTranscript(base), ctx.Key, sum, sum.Bytes(), uint64(c.Min), uint64(c.Max)); err != nil {
			return fmt.Errorf("%w: contest %d selection count: %w", ErrInvalid, c.Index, err)
		}
	}
	return nil
}

// SumCiphertext returns the sum of the contest's ciphertexts, which encrypts the
// number of selections.
func (c *ContestBallot) SumCiphertext() *elgamal.Ciphertext {
	sum := elgamal.Zero()
	for _, s := range c.Selections {
		sum.AddInPlace(s.Ciphertext)
	}
	return sum
}

// AddToBatch adds the equations of the signature and of every proof of the
// ballot to batch, after checking its shape.
func (b *Ballot) AddToBatch(batch *proof.Batch, ctx *Context, style Style) error {
	if err := b.CheckShape(ctx, style); err != nil {
		return err
	}
	b.sig.AddToBatch(batch, signatureTranscript(b.hash), b.credKey, b.CredentialKey[:])
	for _, c := range b.Contests {
		base := proofTranscript(ctx, b.CredentialKey[:], c.Index)
		n := len(c.Selections)
		coefA := make([]*ristretto255.Scalar, n)
		coefB := make([]*ristretto255.Scalar, n)
		for o, s := range c.Selections {
			coefA[o], coefB[o] = ristretto255.NewScalar(), ristretto255.NewScalar()
			if err := s.Proof.AddToBatch(batch, optionTranscript(base, o), ctx.Key, s.ctEnc, 0, 1, coefA[o], coefB[o]); err != nil {
				return fmt.Errorf("%w: contest %d option %d: %w", ErrInvalid, c.Index, o, err)
			}
		}
		// The sum proof's ciphertext is Σ (A_o, B_o): its coefficients
		// apply to every option's A_o and B_o.
		sumA, sumB := ristretto255.NewScalar(), ristretto255.NewScalar()
		sum := c.SumCiphertext()
		if err := c.Sum.AddToBatch(batch, sumTranscript(base), ctx.Key, sum.Bytes(), uint64(c.Min), uint64(c.Max), sumA, sumB); err != nil {
			return fmt.Errorf("%w: contest %d selection count: %w", ErrInvalid, c.Index, err)
		}
		for o, s := range c.Selections {
			batch.Add(coefA[o].Add(coefA[o], sumA), s.Ciphertext.A)
			batch.Add(coefB[o].Add(coefB[o], sumB), s.Ciphertext.B)
		}
	}
	return nil
}

// An Item is a ballot with the style of the district it claims.
type Item struct {
	Ballot *Ballot
	Style  Style
}

// VerifyBatch verifies the proofs and signatures of many ballots of one
// election, batching the proofs into one multi-scalar multiplication. It
// returns one error per item (nil for a valid ballot). If the batch fails,
// the ballots are re-checked one by one to name the invalid ones. rand keys
// the batch weights (crypto/rand.Reader in production).
func VerifyBatch(rand io.Reader, ctx *Context, items []Item) ([]error, error) {
	errs := make([]error, len(items))
	batch, err := proof.NewBatch(rand, ctx.Key)
	if err != nil {
		return nil, err
	}
	for i, it := range items {
		errs[i] = it.Ballot.AddToBatch(batch, ctx, it.Style)
	}
	if batch.Verify() {
		return errs, nil
	}
	for i, it := range items {
		if errs[i] == nil {
			errs[i] = it.Ballot.Verify(ctx, it.Style)
		}
	}
	return errs, nil
}
