package msm

import (
	"fmt"
	"testing"

	"github.com/gtank/ristretto255"
)

// benchSizes are the input sizes of the performance table. The largest runs
// only without -short; run the big ones with -benchtime=1x.
var benchSizes = []int{64, 256, 1024, 2048, 4096, 16384, 65536, 262144, 1 << 20}

// benchMixes are the scalar lengths measured: full scalars, 128-bit batch
// weights, batch weights with one full-length scalar in 16 terms, and batch
// weights with two full-length scalars in all (the accumulated coefficients
// of G and of the election key in a proof batch).
var benchMixes = []struct {
	name string
	bits []int
	long int // full-length scalars replacing the last terms
}{
	{"253", []int{253}, 0},
	{"128", []int{128}, 0},
	{"mixed", []int{253, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128}, 0},
	{"128+2", []int{128}, 2},
}

// BenchmarkMSM reports ns/term of each method by scalar length and size.
// Straus stops at 65536 terms: its tables take 1.3 KB a point.
//
//	go test -run '^$' -bench MSM -benchtime=1x ./crypto/msm/
func BenchmarkMSM(b *testing.B) {
	for _, mix := range benchMixes {
		for _, n := range benchSizes {
			if testing.Short() && n > 1<<18 {
				continue
			}
			s, p := randomTerms(b, fmt.Sprint("bench", n, mix.name), n, mix.bits...)
			long, _ := randomTerms(b, fmt.Sprint("bench long", n, mix.name), mix.long, 253)
			copy(s[n-mix.long:], long)
			for _, m := range []struct {
				name string
				max  int
				f    func() *ristretto255.Element
			}{
				{"straus", 1 << 16, func() *ristretto255.Element { return straus(s, p) }},
				{"pippenger", 1 << 20, func() *ristretto255.Element { return VarTimePippenger(s, p) }},
				{"msm", 1 << 20, func() *ristretto255.Element { return VarTimeMultiScalarMult(s, p) }},
				{"parallel2", 1 << 20, func() *ristretto255.Element { return VarTimeMultiScalarMultParallel(s, p, 2) }},
			} {
				if n > m.max {
					continue
				}
				b.Run(fmt.Sprintf("bits=%s/n=%d/%s", mix.name, n, m.name), func(b *testing.B) {
					for b.Loop() {
						m.f()
					}
					reportPerTerm(b, n)
				})
			}
		}
	}
}

// BenchmarkWindow measures the bucket method at each digit width, to check
// the choice made by bestWindow.
//
//	go test -run '^$' -bench Window -benchtime=1x ./crypto/msm/
func BenchmarkWindow(b *testing.B) {
	for _, bits := range []int{253, 128} {
		for _, n := range []int{256, 2048, 16384, 65536, 262144, 1 << 20} {
			if testing.Short() && n > 1<<18 {
				continue
			}
			s, p := randomTerms(b, fmt.Sprint("window", n, bits), n, bits)
			t := newTerms(s, p)
			best, _ := newCostModel(&t.hist).pippenger(0, bits)
			for c := max(minWindow, best-3); c <= min(maxWindow, best+2); c++ {
				b.Run(fmt.Sprintf("bits=%d/n=%d/c=%d", bits, n, c), func(b *testing.B) {
					for b.Loop() {
						pippenger(t.limbs, t.points, t.hist.longest(), c)
					}
					reportPerTerm(b, n)
				})
			}
		}
	}
}

func reportPerTerm(b *testing.B, n int) {
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*max(n, 1)), "ns/term")
}

// BenchmarkCrossover compares Straus and the bucket method at the sizes
// where they meet, to set crossover and crossoverShort.
//
//	go test -run '^$' -bench Crossover -benchtime=200ms -count=5 ./crypto/msm/
func BenchmarkCrossover(b *testing.B) {
	for _, bits := range []int{253, 128} {
		for _, n := range []int{32, 64, 96, 128, 160, 192, 256, 384, 512} {
			s, p := randomTerms(b, fmt.Sprint("crossover", n, bits), n, bits)
			b.Run(fmt.Sprintf("bits=%d/n=%d/straus", bits, n), func(b *testing.B) {
				for b.Loop() {
					straus(s, p)
				}
				reportPerTerm(b, n)
			})
			b.Run(fmt.Sprintf("bits=%d/n=%d/pippenger", bits, n), func(b *testing.B) {
				for b.Loop() {
					VarTimePippenger(s, p)
				}
				reportPerTerm(b, n)
			})
		}
	}
}
