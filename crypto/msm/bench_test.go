package msm

import (
	"fmt"
	"testing"
)

// BenchmarkMSM reports ns/term for Straus and Pippenger at sizes around the
// crossover and up to a million terms, for full (253-bit) scalars and for
// 128-bit batch weights.
func BenchmarkMSM(b *testing.B) {
	sizes := []int{256, 1024, 2048, 4096, 16384, 65536, 262144, 1 << 20}
	for _, bits := range []int{128, 253} {
		for _, n := range sizes {
			if testing.Short() && n > 65536 {
				continue
			}
			s, p := randomTerms(b, n, bits)
			for _, alg := range []struct {
				name string
				f    func() any
			}{
				{"straus", func() any { return straus(s, p) }},
				{"pippenger", func() any { return VarTimePippenger(s, p) }},
			} {
				if alg.name == "straus" && n > 65536 {
					continue
				}
				b.Run(fmt.Sprintf("bits=%d/n=%d/%s", bits, n, alg.name), func(b *testing.B) {
					for b.Loop() {
						alg.f()
					}
					b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/term")
				})
			}
		}
	}
}
