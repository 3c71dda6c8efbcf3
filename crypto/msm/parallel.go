package msm

import (
	"sync"

	"github.com/gtank/ristretto255"
)

// minPart is the fewest terms a goroutine of VarTimeMultiScalarMultParallel
// is given: below it, starting goroutines and summing more parts (each with
// its own buckets) gains too little to measure.
const minPart = 1024

// VarTimeMultiScalarMultParallel returns Σ scalars[i]·points[i] like
// VarTimeMultiScalarMult, with the terms split into up to workers contiguous
// parts summed by as many goroutines (pass runtime.GOMAXPROCS(0) to use every
// core). Each part has at least 1024 terms, so small inputs run on one
// goroutine; workers < 1 counts as 1. It panics only if the slices differ in
// length.
//
// Variable time: only for public inputs.
func VarTimeMultiScalarMultParallel(scalars []*ristretto255.Scalar, points []*ristretto255.Element, workers int) *ristretto255.Element {
	checkLengths(scalars, points)
	n := len(points)
	workers = min(workers, n/minPart)
	if workers <= 1 {
		return VarTimeMultiScalarMult(scalars, points)
	}
	sums := make([]*ristretto255.Element, workers)
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := w*n/workers, (w+1)*n/workers
		wg.Go(func() {
			sums[w] = VarTimeMultiScalarMult(scalars[lo:hi], points[lo:hi])
		})
	}
	wg.Wait()
	for _, s := range sums[1:] {
		sums[0].Add(sums[0], s)
	}
	return sums[0]
}
