// Package seeded provides a deterministic random stream from a public seed,
// for reproducible test vectors and simulations: SHAKE256 over
// "urna/v1/seeded" and the seed. It is never used where real randomness is
// needed.
package seeded

import (
	"crypto/sha3"
	"io"
)

// Reader returns a deterministic, unbounded stream derived from seed.
func Reader(seed string) io.Reader {
	h := sha3.NewSHAKE256()
	h.Write([]byte("urna/v1/seeded\x00"))
	h.Write([]byte(seed))
	return h
}
