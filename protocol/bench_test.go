package protocol_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/urna-vote/urna/protocol"
)

// manyDistricts is the sample with n districts.
func manyDistricts(n int) *protocol.Protocol {
	p := sample()
	d := p.Districts[0]
	p.Districts = nil
	for i := range n {
		d.ID = fmt.Sprintf("okrug-%d", i+1)
		p.Districts = append(p.Districts, d)
	}
	return p
}

func BenchmarkPDF(b *testing.B) {
	pub := testPublisher(b)
	for _, n := range []int{2, 1000} {
		p := manyDistricts(n)
		b.Run(fmt.Sprintf("districts=%d", n), func(b *testing.B) {
			for b.Loop() {
				if _, err := p.PDF(pub.Certificate()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkSign(b *testing.B) {
	pub := testPublisher(b)
	p := manyDistricts(1000)
	doc, err := p.XML()
	if err != nil {
		b.Fatal(err)
	}
	pdf, err := p.PDF(pub.Certificate())
	if err != nil {
		b.Fatal(err)
	}
	b.Run("XML", func(b *testing.B) {
		for b.Loop() {
			if _, err := protocol.SignXML(doc, pub); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("PDF", func(b *testing.B) {
		for b.Loop() {
			if _, err := protocol.SignPDF(pdf, pub, time.Now()); err != nil {
				b.Fatal(err)
			}
		}
	})
}
