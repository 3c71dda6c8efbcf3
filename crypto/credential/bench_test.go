package credential

import (
	crand "crypto/rand"
	"testing"
)

// The benchmark keys are the vector file's: district-a (2048 bits) and
// district-c (3072 bits).
var benchKeys = []struct{ name, district string }{
	{"2048", "district-a"},
	{"3072", "district-c"},
}

// BenchmarkBlindSign is the issuer's work per voter.
func BenchmarkBlindSign(b *testing.B) {
	issuers := testIssuers(b)
	for _, k := range benchKeys {
		b.Run(k.name, func(b *testing.B) {
			is := issuers[k.district]
			req, err := NewRequest(crand.Reader, is.PublicKey(), electionX, k.district)
			if err != nil {
				b.Fatal(err)
			}
			blinded := req.Blinded()
			for b.Loop() {
				if _, err := is.BlindSign(blinded); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkClient is the voter device's work: NewRequest and Finalize
// (which verifies the credential). The issuer's signing is not timed.
func BenchmarkClient(b *testing.B) {
	issuers := testIssuers(b)
	for _, k := range benchKeys {
		b.Run(k.name, func(b *testing.B) {
			is := issuers[k.district]
			pub := is.PublicKey()
			for i := 0; i < b.N; i++ {
				req, err := NewRequest(crand.Reader, pub, electionX, k.district)
				if err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				blindSig, err := is.BlindSign(req.Blinded())
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				if _, err := req.Finalize(blindSig); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkVerify is a ballot box's work per credential: decode and verify.
func BenchmarkVerify(b *testing.B) {
	issuers := testIssuers(b)
	for _, k := range benchKeys {
		b.Run(k.name, func(b *testing.B) {
			is := issuers[k.district]
			_, _, c := issue(b, is, electionX, k.district)
			enc, pub := c.Encode(), is.PublicKey()
			for b.Loop() {
				d, err := DecodeCredential(enc)
				if err != nil {
					b.Fatal(err)
				}
				if err := d.Verify(pub, electionX); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
