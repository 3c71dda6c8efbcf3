// Package threshold is urna's t-of-n key ceremony and threshold decryption.
//
// The key ceremony is a Pedersen distributed key generation with Feldman
// commitments. No machine ever holds the election's secret key x: each
// guardian i deals a random polynomial f_i of degree t−1, publishes
// commitments C_{i,k} = a_{i,k}·G to its coefficients with a Schnorr proof
// of knowledge of a_{i,0} (so nobody can plant a key computed from the
// others' — a rogue key), and sends each guardian j the share f_i(j)
// encrypted to j's long-term key. Guardian j checks every share against the
// commitments; for a bad one it publishes a complaint that reveals the
// Diffie–Hellman secret of that one share with a proof, so that anyone can
// decrypt the share and judge. Dealers with a justified complaint (or an
// invalid first message) are disqualified; the rest form QUAL, and
//
//	K = Σ_{i∈QUAL} C_{i,0},  x_j = Σ_{i∈QUAL} f_i(j),  X_j = x_j·G
//
// where each public share X_j is computable by anyone from the commitments.
//
// Decryption: guardian j publishes D = x_j·A for each ciphertext (A, B)
// with a Chaum–Pedersen proof that it used the x_j behind X_j; any t valid
// shares combine by Lagrange interpolation at 0 into x·A, so that
// m·G = B − x·A. An invalid share is detected and its guardian named.
//
// The package does no I/O: the same code runs in the guardian's tool, the
// server, the verifier and a replicated ledger node. Messages are bytes with
// strict decoders; docs/protocol.md §6 gives their layout.
package threshold

import (
	"errors"
	"fmt"

	"github.com/gtank/ristretto255"
	"github.com/urna-vote/urna/crypto/group"
)

// Params are the ceremony's size: N guardians, any T of whom decrypt.
type Params struct {
	N, T int
}

// Defaults.
var Default = Params{N: 7, T: 4}

// MaxGuardians bounds N.
const MaxGuardians = 64

// Errors.
var (
	ErrMalformed = errors.New("threshold: malformed message")
	ErrInvalid   = errors.New("threshold: invalid message")
	ErrQuorum    = errors.New("threshold: not enough guardians")
)

// A GuardianError names the guardian at fault.
type GuardianError struct {
	Guardian int
	Err      error
}

func (e *GuardianError) Error() string { return fmt.Sprintf("guardian %d: %v", e.Guardian, e.Err) }
func (e *GuardianError) Unwrap() error { return e.Err }

func blame(i int, err error) error { return &GuardianError{Guardian: i, Err: err} }

// Check validates the parameters.
func (p Params) Check() error {
	if p.N < 1 || p.N > MaxGuardians || p.T < 1 || p.T > p.N {
		return fmt.Errorf("threshold: %d-of-%d is not allowed (1 ≤ t ≤ n ≤ %d)", p.T, p.N, MaxGuardians)
	}
	return nil
}

// evalCommitments returns Σ_k j^k·C_k, the public image f(j)·G of a share.
func evalCommitments(cs []*ristretto255.Element, j int) *ristretto255.Element {
	scalars := make([]*ristretto255.Scalar, len(cs))
	pow := group.ScalarFromUint64(1)
	js := group.ScalarFromUint64(uint64(j))
	for k := range cs {
		scalars[k] = ristretto255.NewScalar().Set(pow)
		pow.Multiply(pow, js)
	}
	return ristretto255.NewIdentityElement().VarTimeMultiScalarMult(scalars, cs)
}

// Lagrange returns the coefficient λ_i = Π_{j∈S, j≠i} j / (j − i) of
// interpolation at 0 over the index set S (which must contain i and have
// distinct, non-zero members).
func Lagrange(i int, set []int) *ristretto255.Scalar {
	num := group.ScalarFromUint64(1)
	den := group.ScalarFromUint64(1)
	is := group.ScalarFromUint64(uint64(i))
	for _, j := range set {
		if j == i {
			continue
		}
		js := group.ScalarFromUint64(uint64(j))
		num.Multiply(num, js)
		den.Multiply(den, ristretto255.NewScalar().Subtract(js, is))
	}
	return num.Multiply(num, ristretto255.NewScalar().Invert(den))
}
