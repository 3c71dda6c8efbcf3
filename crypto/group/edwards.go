package group

import (
	"unsafe"

	"filippo.io/edwards25519"
	"github.com/gtank/ristretto255"
)

// A ristretto255 element is represented by an edwards25519 point (any of
// the four of its coset). github.com/gtank/ristretto255 v0.2.0 defines
// Element as a struct of exactly one edwards25519.Point and exposes no
// accessor, so Edwards and FromEdwards convert by pointer: the fast paths
// of multi-scalar multiplication (crypto/msm) and of the fixed-base tables
// (Table) work on the curve's coordinates. The layout is checked at
// start-up and by TestEdwards.

func init() {
	if unsafe.Sizeof(ristretto255.Element{}) != unsafe.Sizeof(edwards25519.Point{}) {
		panic("group: ristretto255.Element is no longer an edwards25519.Point")
	}
}

// Edwards returns the edwards25519 point that represents e (shared: a
// change to one changes the other).
func Edwards(e *ristretto255.Element) *edwards25519.Point {
	return (*edwards25519.Point)(unsafe.Pointer(e))
}

// FromEdwards returns the element that p represents (shared likewise).
func FromEdwards(p *edwards25519.Point) *ristretto255.Element {
	return (*ristretto255.Element)(unsafe.Pointer(p))
}
