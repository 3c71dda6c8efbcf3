package proof

import (
	"bytes"
	"errors"
	"testing"

	"github.com/gtank/ristretto255"

	"github.com/urna-vote/urna/crypto/elgamal"
	"github.com/urna-vote/urna/crypto/group"
)

// The fuzz targets are seeded with every proof of the vector file and fail
// if it holds none. Each checks that the decoder never panics, fails only
// with ErrMalformed, and that what it accepts re-encodes to the same bytes
// and can be verified (one by one and batched) without panic.

// FuzzDecodeRange also fuzzes the limits the proof is decoded for.
func FuzzDecodeRange(f *testing.F) {
	v := readVectors(f)
	var pk *elgamal.PublicKey
	var ct *elgamal.Ciphertext
	var ctEnc, context []byte
	n := 0
	for _, x := range v.Range {
		f.Add([]byte(x.Proof), x.Lo, x.Hi)
		n++
		if x.WantErr == "" && pk == nil {
			var err1, err2 error
			pk, err1 = elgamal.DecodePublicKey(x.Key)
			ct, err2 = elgamal.DecodeCiphertext(x.Ciphertext)
			if err := errors.Join(err1, err2); err != nil {
				f.Fatal(err)
			}
			ctEnc, context = x.Ciphertext, x.Context
		}
	}
	if n == 0 || pk == nil {
		f.Fatal("no seeds: the vector file has no range proofs")
	}
	f.Fuzz(func(t *testing.T, b []byte, lo, hi uint64) {
		p, err := DecodeRange(b, lo, hi)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error does not wrap ErrMalformed: %v", err)
			}
			return
		}
		if !bytes.Equal(encodeRange(p), b) || !bytes.Equal(p.Bytes(), b) {
			t.Fatal("does not re-encode to the same bytes")
		}
		err1 := p.Verify(testTranscript(context), pk, ct, ctEnc, lo, hi)
		err2 := p.Verify(testTranscript(context), pk, ct, ctEnc, lo, hi)
		if (err1 == nil) != (err2 == nil) {
			t.Fatalf("verified twice: %v, then %v", err1, err2)
		}
		if err1 != nil && !errors.Is(err1, ErrInvalidProof) {
			t.Fatalf("Verify: %v", err1)
		}
		batch := newTestBatch(t, pk)
		coefA, coefB := ristretto255.NewScalar(), ristretto255.NewScalar()
		if err := p.AddToBatch(batch, testTranscript(context), pk, ctEnc, lo, hi, coefA, coefB); err != nil {
			t.Fatalf("AddToBatch: %v", err)
		}
		batch.Add(coefA, ct.A)
		batch.Add(coefB, ct.B)
		if batch.Verify() != (err1 == nil) {
			t.Fatalf("batch says %v, Verify says %v", batch.Verify(), err1)
		}
	})
}

func FuzzDecodeSchnorr(f *testing.F) {
	v := readVectors(f)
	n := 0
	for _, x := range v.Schnorr {
		f.Add([]byte(x.Proof))
		n++
	}
	if n == 0 {
		f.Fatal("no seeds: the vector file has no Schnorr proofs")
	}
	X, err := group.DecodeElement(v.Schnorr[0].PublicKey)
	if err != nil {
		f.Fatal(err)
	}
	context := v.Schnorr[0].Context
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := DecodeSchnorr(b)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error does not wrap ErrMalformed: %v", err)
			}
			return
		}
		if !bytes.Equal(cat(p.R.Bytes(), p.Z.Bytes()), b) || !bytes.Equal(p.Bytes(), b) {
			t.Fatal("does not re-encode to the same bytes")
		}
		err = p.Verify(testTranscript(context), group.G(), X)
		if err != nil && !errors.Is(err, ErrInvalidProof) {
			t.Fatalf("Verify: %v", err)
		}
		batch := newTestBatch(t, elgamal.NewPublicKey(group.G()))
		p.AddToBatch(batch, testTranscript(context), X, X.Bytes())
		if batch.Verify() != (err == nil) {
			t.Fatalf("batch says %v, Verify says %v", batch.Verify(), err)
		}
	})
}

func FuzzDecodeDLEQ(f *testing.F) {
	v := readVectors(f)
	n := 0
	for _, x := range v.DLEQ {
		f.Add([]byte(x.Proof))
		n++
	}
	if n == 0 {
		f.Fatal("no seeds: the vector file has no DLEQ proofs")
	}
	var es [4]*ristretto255.Element
	for i, b := range [][]byte{v.DLEQ[0].G1, v.DLEQ[0].X1, v.DLEQ[0].G2, v.DLEQ[0].X2} {
		var err error
		if es[i], err = group.DecodeElement(b); err != nil {
			f.Fatal(err)
		}
	}
	context := v.DLEQ[0].Context
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := DecodeDLEQ(b)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error does not wrap ErrMalformed: %v", err)
			}
			return
		}
		if !bytes.Equal(cat(p.A1.Bytes(), p.A2.Bytes(), p.Z.Bytes()), b) || !bytes.Equal(p.Bytes(), b) {
			t.Fatal("does not re-encode to the same bytes")
		}
		if err := p.Verify(testTranscript(context), es[0], es[1], es[2], es[3]); err != nil && !errors.Is(err, ErrInvalidProof) {
			t.Fatalf("Verify: %v", err)
		}
	})
}
