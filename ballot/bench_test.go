package ballot

import (
	"crypto/rand"
	"testing"
)

// benchStyle is the benchmark ballot of the performance targets: one
// 5-option one-of-n contest.
var benchStyle = Style{{Index: 0, Options: 5, Min: 1, Max: 1}}
var benchChoices = Choices{{0, 0, 1, 0, 0}}

func benchBallots(b *testing.B, n int) (*fixture, []*Ballot) {
	f := newFixture(b, "bench")
	f.style = benchStyle
	signer := newSigner(b, f.rand)
	out := make([]*Ballot, n)
	for i := range out {
		bb, _ := f.encrypt(b, signer, 1, benchChoices)
		out[i], _ = Decode(bb.Bytes())
	}
	return f, out
}

func BenchmarkEncrypt(b *testing.B) {
	f := newFixture(b, "bench")
	signer := newSigner(b, f.rand)
	b.ResetTimer()
	for b.Loop() {
		if _, _, err := Encrypt(rand.Reader, f.ctx, benchStyle, []byte("credential"), signer, 1, benchChoices); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	f, ballots := benchBallots(b, 1)
	data := ballots[0].Bytes()
	b.ResetTimer()
	for b.Loop() {
		bb, err := Decode(data)
		if err != nil {
			b.Fatal(err)
		}
		if err := bb.Verify(f.ctx, benchStyle); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecode(b *testing.B) {
	_, ballots := benchBallots(b, 1)
	data := ballots[0].Bytes()
	for b.Loop() {
		if _, err := Decode(data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyBatch10000 decodes and batch-verifies 10,000 ballots
// (proofs and signatures); ns/ballot is the figure of interest.
func BenchmarkVerifyBatch10000(b *testing.B) {
	n := 10000
	if testing.Short() {
		n = 500
	}
	f, ballots := benchBallots(b, n)
	data := make([][]byte, n)
	for i, bb := range ballots {
		data[i] = bb.Bytes()
	}
	b.ResetTimer()
	for b.Loop() {
		items := make([]Item, n)
		for i, d := range data {
			bb, err := Decode(d)
			if err != nil {
				b.Fatal(err)
			}
			items[i] = Item{bb, benchStyle}
		}
		errs, err := VerifyBatch(rand.Reader, f.ctx, items)
		if err != nil {
			b.Fatal(err)
		}
		for _, e := range errs {
			if e != nil {
				b.Fatal(e)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/ballot")
}
