package ballot

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// The fuzz targets are seeded with the vector file (every ballot, opening
// and tracking code in it) and fail if it holds none.

// ownStyle returns the style b claims, so that Verify gets past the shape
// check to the proofs.
func ownStyle(b *Ballot) Style {
	s := make(Style, len(b.Contests))
	for i, c := range b.Contests {
		s[i] = Contest{Index: c.Index, Options: len(c.Selections), Min: c.Min, Max: c.Max}
	}
	return s
}

// FuzzDecode: Decode never panics and fails only with ErrMalformed; what it
// accepts re-encodes, field by field, to the same bytes, has a stable hash
// and tracking code, and verifies (one by one and batched, against its own
// shape and the vectors' district) without panic and with one answer.
func FuzzDecode(f *testing.F) {
	v := readVectors(f)
	n := 0
	for _, x := range v.Positive {
		f.Add([]byte(x.Ballot))
		n++
	}
	for _, x := range v.Negative {
		f.Add([]byte(x.Ballot))
		n++
	}
	if n == 0 || len(v.Positive) == 0 {
		f.Fatal("no seeds: the vector file has no ballots")
	}
	ctx := contextOf(f, v.Positive[0].Election, v.Positive[0].Key)
	style := styleOf(v.Positive[0].Style)
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := Decode(data)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error does not wrap ErrMalformed: %v", err)
			}
			return
		}
		if !bytes.Equal(append(b.encodeBody(), b.Signature[:]...), data) || !bytes.Equal(b.Bytes(), data) {
			t.Fatal("does not re-encode to the same bytes")
		}
		if b.Hash() != bodyHash(data[:len(data)-SignatureSize]) {
			t.Fatal("hash is not the hash of the encoding without signature")
		}
		again, err := Decode(data)
		if err != nil || again.Hash() != b.Hash() || again.TrackingCode() != b.TrackingCode() {
			t.Fatalf("decoding twice: %v", err)
		}
		if code, err := NormalizeTrackingCode(b.TrackingCode()); err != nil || code != b.TrackingCode() {
			t.Fatalf("tracking code %q is not canonical: %v", b.TrackingCode(), err)
		}
		if err := b.Verify(ctx, style); err != nil && !errors.Is(err, ErrInvalid) {
			t.Fatalf("Verify: %v", err)
		}
		own := &Context{Election: b.Election, Key: ctx.Key}
		err = b.Verify(own, ownStyle(b))
		if err != nil && !errors.Is(err, ErrInvalid) {
			t.Fatalf("Verify: %v", err)
		}
		errs, berr := VerifyBatch(batchRand(), own, []Item{{b, ownStyle(b)}})
		if berr != nil || (errs[0] == nil) != (err == nil) {
			t.Fatalf("VerifyBatch says %v %v, Verify says %v", berr, errs, err)
		}
	})
}

// FuzzDecodeOpening: DecodeOpening never panics and fails only with
// ErrMalformed; what it accepts re-encodes to the same bytes and can be
// checked against a ballot without panic.
func FuzzDecodeOpening(f *testing.F) {
	v := readVectors(f)
	n := 0
	for _, x := range v.Positive {
		f.Add([]byte(x.Opening))
		n++
	}
	if n == 0 {
		f.Fatal("no seeds: the vector file has no openings")
	}
	ctx := contextOf(f, v.Positive[0].Election, v.Positive[0].Key)
	b, err := Decode(v.Positive[0].Ballot)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		op, err := DecodeOpening(data)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error does not wrap ErrMalformed: %v", err)
			}
			return
		}
		if !bytes.Equal(op.Encode(), data) {
			t.Fatal("does not re-encode to the same bytes")
		}
		// Named for the vector's ballot, so the check goes past the hash.
		op.Ballot = b.Hash()
		choices, err := VerifyOpening(ctx, b, op)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("VerifyOpening: %v", err)
			}
			return
		}
		for i, c := range b.Contests {
			if len(choices[i]) != len(c.Selections) {
				t.Fatalf("opened to %v", choices)
			}
			for _, x := range choices[i] {
				if x > 1 {
					t.Fatalf("opened to %v", choices)
				}
			}
		}
	})
}

// isCanonicalCode reports whether s is four groups of four Crockford
// base-32 symbols joined by dashes.
func isCanonicalCode(s string) bool {
	if len(s) != TrackingCodeLen+3 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if i%5 == 4 {
			if s[i] != '-' {
				return false
			}
		} else if !strings.ContainsRune(crockford, rune(s[i])) {
			return false
		}
	}
	return true
}

// FuzzNormalizeTrackingCode: NormalizeTrackingCode never panics; what it
// returns is canonical, normalises to itself, and is what its lower-case
// and undashed forms normalise to; a canonical input is returned as it is.
func FuzzNormalizeTrackingCode(f *testing.F) {
	v := readVectors(f)
	n := 0
	for _, x := range v.Positive {
		c := x.TrackingCode
		for _, s := range []string{c, strings.ToLower(c), strings.ReplaceAll(c, "-", ""), " " + strings.ReplaceAll(c, "-", " ") + " "} {
			f.Add(s)
			n++
		}
	}
	if n == 0 {
		f.Fatal("no seeds: the vector file has no tracking codes")
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, err := NormalizeTrackingCode(s)
		if err != nil {
			if isCanonicalCode(s) {
				t.Fatalf("canonical %q rejected: %v", s, err)
			}
			return
		}
		if !isCanonicalCode(out) {
			t.Fatalf("%q normalises to %q, not canonical", s, out)
		}
		if isCanonicalCode(s) && out != s {
			t.Fatalf("canonical %q normalises to %q", s, out)
		}
		for _, form := range []string{out, strings.ToLower(out), strings.ReplaceAll(out, "-", "")} {
			if again, err := NormalizeTrackingCode(form); err != nil || again != out {
				t.Fatalf("%q normalises to %q, %v; want %q", form, again, err, out)
			}
		}
	})
}
