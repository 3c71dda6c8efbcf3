// Package msm computes multi-scalar multiplications Σ sᵢ·Pᵢ on ristretto255
// quickly, for verification, where every scalar and every point is public.
//
// # When to use it
//
// A batch verifier multiplies each proof equation by a random 128-bit weight
// and adds all of them into one sum that must be the identity. That sum is a
// multi-scalar multiplication with one term per point of every proof: a
// million terms for a large election. On the reference machine
// VarTimeMultiScalarMult takes about 1.8 µs a term near a million 128-bit
// scalars and 3.4 µs for full-length ones, against 5–17 µs for ristretto255's
// own VarTimeMultiScalarMult from 256 to 65,536 terms (its per-point tables
// stop fitting in the cache beyond a few thousand terms) and about 37 µs for
// one constant-time ScalarMult per term.
//
// Everything here runs in variable time: the running time and the memory
// access pattern depend on the scalars. Never pass a secret (a key, a share,
// an encryption nonce) to this package; use ristretto255's constant-time
// ScalarMult and MultiScalarMult for those.
//
// # How it works
//
// Below about 200 terms (about 100 when every scalar is below 2^128)
// VarTimeMultiScalarMult calls ristretto255's Straus method: one shared chain
// of doublings, a small table per point. Above, it uses Pippenger's bucket
// method:
//
//  1. Each scalar is cut into signed c-bit digits d in (−2^(c−1), 2^(c−1)],
//     least significant first, so s = Σⱼ dⱼ·2^(cj). Signed digits halve the
//     number of buckets: a negative digit adds −P, which costs nothing extra.
//  2. For each digit position j, every point whose digit is non-zero is added
//     into bucket |d| (as P or −P). Zero digits cost nothing, so a 128-bit
//     weight costs about half as much as a full 253-bit scalar, and positions
//     above the longest scalar are never visited.
//  3. The buckets of a position are combined with running sums,
//     Σₖ k·Bₖ = Σₖ (B_top + … + Bₖ): two additions per bucket.
//  4. The position sums are joined by Horner's rule: c doublings each.
//
// The width c is chosen per call by counting the additions of steps 2 and 3
// for the actual bit lengths of the scalars. When a few long scalars are mixed
// with many short ones, the terms are split by bit length if that saves
// additions, so the positions only the long scalars reach do not pay for a
// full set of buckets.
//
// VarTimeMultiScalarMultParallel splits the terms between goroutines;
// VarTimeMultiScalarMult itself uses one goroutine. docs/performance.md gives
// the figures measured on the reference machine and how to reproduce them.
package msm
