// Package proof holds urna's zero-knowledge proofs, all non-interactive by
// the strong Fiat–Shamir transform over package transcript:
//
//   - Schnorr: knowledge of x with X = x·Base (key ceremony: no rogue keys).
//   - DLEQ (Chaum–Pedersen): the same x in X1 = x·G1 and X2 = x·G2
//     (decryption shares).
//   - Range (disjunctive Chaum–Pedersen): an ElGamal ciphertext encrypts an
//     integer in [lo, hi] (each option 0 or 1; each contest's number of
//     selections between its minimum and maximum).
//
// Every proof carries its commitments, not only its challenges, so many proofs
// can be checked at once by a Batch: a random linear combination of all their
// equations, evaluated with one multi-scalar multiplication.
//
// The caller passes a transcript already bound to the context of the proof
// (the election context hash, the credential key, the contest and option
// index, the guardian index …); the proof appends its whole statement and its
// commitments before drawing the challenge. A proof therefore cannot be moved
// to another statement or context. A transcript is consumed by one proof:
// pass a Clone to prove or verify several proofs under one context.
package proof

import "errors"

// ErrInvalidProof is returned (wrapped) when a proof does not verify.
var ErrInvalidProof = errors.New("proof: invalid proof")

// ErrMalformed is returned (wrapped) when a proof does not decode.
var ErrMalformed = errors.New("proof: malformed proof")
