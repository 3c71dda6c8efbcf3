package sign

import (
	"crypto/rand"
	"testing"
)

func BenchmarkSign(b *testing.B) {
	for _, sc := range schemeNames {
		b.Run(sc, func(b *testing.B) {
			s, _ := Generate(sc, rand.Reader)
			msg := make([]byte, 32)
			for b.Loop() {
				if _, err := s.Sign(rand.Reader, msg); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkVerify(b *testing.B) {
	for _, sc := range schemeNames {
		b.Run(sc, func(b *testing.B) {
			s, _ := Generate(sc, rand.Reader)
			msg := make([]byte, 32)
			sig, _ := s.Sign(rand.Reader, msg)
			pub := s.Public()
			for b.Loop() {
				if err := Verify(sc, pub, msg, sig); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
