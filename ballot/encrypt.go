package ballot

import (
	"fmt"
	"io"

	"github.com/gtank/ristretto255"
	"github.com/urna-vote/urna/crypto/elgamal"
	"github.com/urna-vote/urna/crypto/group"
	"github.com/urna-vote/urna/crypto/proof"
	"github.com/urna-vote/urna/crypto/transcript"
)

// Choices are a voter's plaintext choices: for each contest of the style, for
// each option, 1 if selected and 0 if not.
type Choices [][]uint8

// proofTranscript returns the transcript every proof of a contest starts
// from: the election, the key, the credential key and the contest index.
func proofTranscript(ctx *Context, credKey []byte, contest uint16) *transcript.Transcript {
	return transcript.New("urna/v1/ballot/proof").
		Bytes("election", ctx.Election[:]).
		ElementBytes("key", ctx.Key.Bytes()).
		Bytes("credential", credKey).
		Uint("contest", uint64(contest))
}

// signatureTranscript is what the credential key's Schnorr signature over
// the ballot hash is bound to.
func signatureTranscript(hash [32]byte) *transcript.Transcript {
	return transcript.New("urna/v1/ballot/signature").Bytes("ballot", hash[:])
}

func optionTranscript(base *transcript.Transcript, option int) *transcript.Transcript {
	return base.Clone().Bytes("part", []byte("option")).Uint("option", uint64(option))
}

func sumTranscript(base *transcript.Transcript) *transcript.Transcript {
	return base.Clone().Bytes("part", []byte("sum"))
}

// CheckChoices reports whether choices fit the style: one row per contest,
// one 0-or-1 entry per option, the number of selections within the limits.
// The error names the contest and what is wrong.
func CheckChoices(style Style, choices Choices) error {
	if len(choices) != len(style) {
		return fmt.Errorf("%w: %d contests chosen, ballot has %d", ErrChoice, len(choices), len(style))
	}
	for i, c := range style {
		row := choices[i]
		if len(row) != c.Options {
			return fmt.Errorf("%w: contest %d: %d options chosen, contest has %d", ErrChoice, c.Index, len(row), c.Options)
		}
		n := 0
		for _, v := range row {
			if v > 1 {
				return fmt.Errorf("%w: contest %d: selection must be 0 or 1", ErrChoice, c.Index)
			}
			n += int(v)
		}
		if n < c.Min || n > c.Max {
			return fmt.Errorf("%w: contest %d: %d selected, must be between %d and %d", ErrChoice, c.Index, n, c.Min, c.Max)
		}
	}
	return nil
}

func checkStyle(style Style) error {
	if len(style) == 0 || len(style) > MaxContests {
		return fmt.Errorf("ballot: style has %d contests", len(style))
	}
	for _, c := range style {
		if c.Options < 1 || c.Options > MaxOptions || c.Min < 0 || c.Min > c.Max || c.Max > c.Options {
			return fmt.Errorf("ballot: contest %d: %d options, limits [%d, %d]", c.Index, c.Options, c.Min, c.Max)
		}
	}
	return nil
}

// Encrypt encrypts and proves choices on the given style, for the credential
// (its encoding) whose secret key is key, with sequence number seq (1 for a first
// ballot, higher for each re-vote), and signs the result. It returns the
// ballot and the secret Opening, which the voter's device keeps to answer a
// Benaloh challenge and must otherwise destroy.
func Encrypt(rand io.Reader, ctx *Context, style Style, credential []byte, key *group.Secret, seq uint32, choices Choices) (*Ballot, *Opening, error) {
	if err := checkStyle(style); err != nil {
		return nil, nil, err
	}
	if err := CheckChoices(style, choices); err != nil {
		return nil, nil, err
	}
	if len(credential) == 0 || len(credential) > MaxCredentialLen || seq == 0 {
		return nil, nil, fmt.Errorf("ballot: credential of %d bytes or sequence number %d not allowed", len(credential), seq)
	}
	b := &Ballot{Election: ctx.Election, Credential: append([]byte(nil), credential...), Seq: seq}
	pub := ristretto255.NewIdentityElement().ScalarBaseMult(key.Scalar())
	pub.Encode(b.CredentialKey[:0])
	op := &Opening{Contests: make([][]OptionOpening, len(style))}
	for i, c := range style {
		cb, opened, err := encryptContest(rand, ctx, b.CredentialKey[:], c, choices[i])
		if err != nil {
			return nil, nil, err
		}
		b.Contests = append(b.Contests, cb)
		op.Contests[i] = opened
	}
	b.body = b.encodeBody()
	b.hash = bodyHash(b.body)
	sig, err := proof.ProveSchnorr(signatureTranscript(b.hash), group.G(), pub, key, rand)
	if err != nil {
		return nil, nil, err
	}
	copy(b.Signature[:], sig.Bytes())
	b.credKey, b.sig = pub, sig
	op.Ballot = b.hash
	return b, op, nil
}

func encryptContest(rand io.Reader, ctx *Context, credKey []byte, c Contest, row []uint8) (*ContestBallot, []OptionOpening, error) {
	base := proofTranscript(ctx, credKey, c.Index)
	cb := &ContestBallot{Index: c.Index, Min: c.Min, Max: c.Max}
	opened := make([]OptionOpening, c.Options)
	sumR := group.NewSecret(group.ScalarFromUint64(0))
	sum := elgamal.Zero()
	total := uint64(0)
	for o := 0; o < c.Options; o++ {
		r, err := elgamal.NewNonce(rand)
		if err != nil {
			return nil, nil, err
		}
		m := uint64(row[o])
		ct := elgamal.Encrypt(ctx.Key, m, r)
		enc := ct.Bytes()
		p, err := proof.ProveRange(optionTranscript(base, o), ctx.Key, ct, enc, 0, 1, m, r, rand)
		if err != nil {
			return nil, nil, err
		}
		cb.Selections = append(cb.Selections, &Selection{Ciphertext: ct, Proof: p, ctEnc: enc})
		opened[o] = OptionOpening{Selected: row[o], Nonce: r}
		sumR.Scalar().Add(sumR.Scalar(), r.Scalar())
		sum.AddInPlace(ct)
		total += m
	}
	p, err := proof.ProveRange(sumTranscript(base), ctx.Key, sum, sum.Bytes(), uint64(c.Min), uint64(c.Max), total, sumR, rand)
	sumR.Zero()
	if err != nil {
		return nil, nil, err
	}
	cb.Sum = p
	return cb, opened, nil
}
