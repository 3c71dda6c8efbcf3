// Package ballot is urna's encrypted ballot: what a voter's device produces,
// what the ballot box and every verifier check, and what the tally adds up.
//
// A ballot holds, for each contest on the voter's ballot style, one
// exponential-ElGamal ciphertext per option under the joint election key, a
// range proof per ciphertext that it encrypts 0 or 1, and a range proof per
// contest that the sum of its ciphertexts encrypts a number of selections
// between the contest's minimum and maximum. The ballot names the voter's
// anonymous credential (package credential) and its public key, a
// per-credential sequence number (a re-vote has a higher one; the last ballot
// counts), and is signed by the credential key (a Schnorr signature on
// ristretto255, so that signatures batch with the proofs).
//
// Every proof's challenge hashes the election context hash, the joint key,
// the credential key, the contest and option index, the ciphertext and the
// commitments, so no proof can be moved to another ciphertext, option,
// contest, credential or election.
//
// The ballot has one canonical binary encoding (see Encode); the decoder is
// strict and a decoded ballot re-encodes to the same bytes. Its hash names it
// on the ledger, and a short tracking code derived from the hash is what the
// voter checks.
package ballot

import (
	"errors"

	"github.com/gtank/ristretto255"

	"github.com/urna-vote/urna/crypto/elgamal"
	"github.com/urna-vote/urna/crypto/proof"
)

// Limits of the encoding.
const (
	Version          = 1
	MaxContests      = 64
	MaxOptions       = 255
	MaxCredentialLen = 1024
	SignatureSize    = 64
	KeySize          = 32
	// MaxSize bounds an encoded ballot; decoders reject anything longer.
	MaxSize = 1 << 20
)

// Errors. Verification errors wrap ErrInvalid; decoding errors wrap
// ErrMalformed.
var (
	ErrMalformed = errors.New("ballot: malformed")
	ErrInvalid   = errors.New("ballot: invalid")
	ErrChoice    = errors.New("ballot: invalid choice")
)

// A Contest is one contest as a ballot style presents it: its index in the
// election manifest, its number of options and how many of them a voter
// selects at least and at most. One-of-n is Min = Max = 1; a yes/no/abstain
// referendum is one-of-three.
type Contest struct {
	Index    uint16
	Options  int
	Min, Max int
}

// A Style is the list of contests on the ballot of one district, in manifest
// order.
type Style []Contest

// A Context is what every ballot of an election is bound to.
type Context struct {
	// Election is the election context hash (docs/protocol.md).
	Election [32]byte
	// Key is the joint election key.
	Key *elgamal.PublicKey
}

// A Selection is one option's ciphertext and its 0-or-1 proof.
type Selection struct {
	Ciphertext *elgamal.Ciphertext
	Proof      *proof.Range
	ctEnc      []byte
}

// A ContestBallot is the encrypted part of one contest.
type ContestBallot struct {
	Index      uint16
	Min, Max   int
	Selections []*Selection
	// Sum proves the number of selections lies in [Min, Max].
	Sum *proof.Range
}

// A Ballot is an encrypted, signed ballot.
type Ballot struct {
	Election      [32]byte
	Credential    []byte // the encoded credential (package credential)
	CredentialKey [KeySize]byte
	Seq           uint32
	Contests      []*ContestBallot
	Signature     [SignatureSize]byte

	body    []byte // the encoding without the signature
	hash    [32]byte
	credKey *ristretto255.Element
	sig     *proof.Schnorr
}

// Hash returns the ballot hash: the transcript digest of its encoding without
// the signature (docs/protocol.md). It is what the credential key signs.
func (b *Ballot) Hash() [32]byte { return b.hash }

// Bytes returns the canonical encoding.
func (b *Ballot) Bytes() []byte {
	out := make([]byte, 0, len(b.body)+SignatureSize)
	out = append(out, b.body...)
	return append(out, b.Signature[:]...)
}

// CiphertextBytes returns the 64-byte encoding of the selection's
// ciphertext, as it stands in the ballot.
func (s *Selection) CiphertextBytes() []byte { return s.ctEnc }

// Ciphertexts returns the ballot's ciphertexts, contest by contest, option by
// option.
func (b *Ballot) Ciphertexts() []*elgamal.Ciphertext {
	var out []*elgamal.Ciphertext
	for _, c := range b.Contests {
		for _, s := range c.Selections {
			out = append(out, s.Ciphertext)
		}
	}
	return out
}
