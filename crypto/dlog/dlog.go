// Package dlog finds small discrete logarithms on ristretto255: given
// P = m·G with 0 ≤ m ≤ max, it returns m. This turns a decrypted tally
// (m·G) back into a count.
//
// It is baby-step giant-step: a table of the baby steps j·G for
// 0 ≤ j < s, s = ⌈√(max+1)⌉, built once; a lookup subtracts the giant step
// s·G until it lands in the table, at most s times. The table is keyed by
// 8 bytes of each element's encoding and every hit is confirmed by
// recomputation, so a key collision can cost time but never give a wrong
// answer. Everything here is public (decrypted tallies), so it is variable
// time and named so.
package dlog

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/gtank/ristretto255"
)

// ErrNotFound is returned when P is not m·G for any m ≤ max.
var ErrNotFound = errors.New("dlog: no logarithm within the bound")

// A Table answers logarithms up to Max. It is safe for concurrent use.
type Table struct {
	Max   uint64
	steps uint64
	baby  map[uint64][]uint32 // fingerprint → baby-step indices
	giant *ristretto255.Element
}

func fingerprint(e *ristretto255.Element) uint64 {
	var buf [32]byte
	return binary.LittleEndian.Uint64(e.Encode(buf[:0])[:8])
}

// NewTable builds the table for logarithms up to max (at most 2^40).
func NewTable(max uint64) *Table {
	if max > 1<<40 {
		panic("dlog: bound too large")
	}
	s := uint64(math.Ceil(math.Sqrt(float64(max) + 1)))
	if s == 0 {
		s = 1
	}
	t := &Table{Max: max, steps: s, baby: make(map[uint64][]uint32, s)}
	g := ristretto255.NewGeneratorElement()
	p := ristretto255.NewIdentityElement()
	for j := uint64(0); j < s; j++ {
		f := fingerprint(p)
		t.baby[f] = append(t.baby[f], uint32(j))
		p.Add(p, g)
	}
	t.giant = p // s·G
	return t
}

// VarTimeLog returns m with P = m·G and m ≤ Max, or ErrNotFound.
func (t *Table) VarTimeLog(P *ristretto255.Element) (uint64, error) {
	q := ristretto255.NewIdentityElement().Set(P)
	for i := uint64(0); i <= t.steps; i++ {
		for _, j := range t.baby[fingerprint(q)] {
			m := i*t.steps + uint64(j)
			if m > t.Max {
				continue
			}
			check := ristretto255.NewIdentityElement().ScalarBaseMult(scalar(uint64(j)))
			if check.Equal(q) == 1 {
				return m, nil
			}
		}
		q.Subtract(q, t.giant)
	}
	return 0, fmt.Errorf("%w %d", ErrNotFound, t.Max)
}

func scalar(v uint64) *ristretto255.Scalar {
	var b [32]byte
	binary.LittleEndian.PutUint64(b[:], v)
	s, err := ristretto255.NewScalar().SetCanonicalBytes(b[:])
	if err != nil {
		panic(err)
	}
	return s
}
