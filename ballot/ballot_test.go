package ballot

import (
	"bytes"
	"crypto/rand"
	"errors"
	"testing"

	"github.com/gtank/ristretto255"
	"github.com/urna-vote/urna/crypto/elgamal"
	"github.com/urna-vote/urna/crypto/group"
)

func TestEncryptVerifyRoundTrip(t *testing.T) {
	f := newFixture(t, "round trip")
	b, _ := f.encrypt(t, newSigner(t, f.rand), 1, f.choices())
	if err := b.Verify(f.ctx, f.style); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	d, err := Decode(b.Bytes())
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	if !bytes.Equal(d.Bytes(), b.Bytes()) || d.Hash() != b.Hash() {
		t.Fatal("decoded ballot does not re-encode to the same bytes")
	}
	if err := d.Verify(f.ctx, f.style); err != nil {
		t.Fatalf("Verify decoded: %v", err)
	}
}

func TestDecryptsToChoices(t *testing.T) {
	f := newFixture(t, "decrypt")
	ch := f.choices()
	b, _ := f.encrypt(t, newSigner(t, f.rand), 1, ch)
	for i, c := range b.Contests {
		for o, s := range c.Selections {
			got := elgamal.DecryptToElement(s.Ciphertext, f.secret)
			want := group.G().ScalarBaseMult(group.ScalarFromUint64(uint64(ch[i][o])))
			if got.Equal(want) != 1 {
				t.Fatalf("contest %d option %d does not decrypt to %d", i, o, ch[i][o])
			}
		}
	}
}

func TestBatchVerify(t *testing.T) {
	f := newFixture(t, "batch")
	var items []Item
	for i := 0; i < 20; i++ {
		b, _ := f.encrypt(t, newSigner(t, f.rand), 1, f.choices())
		items = append(items, Item{b, f.style})
	}
	errs, err := VerifyBatch(rand.Reader, f.ctx, items)
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range errs {
		if e != nil {
			t.Fatalf("ballot %d: %v", i, e)
		}
	}
	// Corrupt one ballot's ciphertext: re-randomise option 0 of ballot 7,
	// which keeps it a valid encryption but breaks its proofs.
	bad := items[7].Ballot
	s := bad.Contests[0].Selections[0]
	r, _ := group.RandomSecret(rand.Reader)
	zero := elgamal.Encrypt(f.ctx.Key, 0, r)
	s.Ciphertext = s.Ciphertext.Add(zero)
	s.ctEnc = s.Ciphertext.Bytes()
	errs, err = VerifyBatch(rand.Reader, f.ctx, items)
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range errs {
		if (i == 7) != (e != nil) {
			t.Fatalf("ballot %d: error %v", i, e)
		}
	}
	if !errors.Is(errs[7], ErrInvalid) {
		t.Fatalf("want ErrInvalid, got %v", errs[7])
	}
}

func TestChoicesOutsideLimitsRefused(t *testing.T) {
	f := newFixture(t, "limits")
	for name, ch := range map[string]Choices{
		"two in one-of-five":  {{1, 1, 0, 0, 0}, {0, 0, 0, 0}, {1, 0, 0}},
		"none in one-of-five": {{0, 0, 0, 0, 0}, {0, 0, 0, 0}, {1, 0, 0}},
		"three in up-to-two":  {{1, 0, 0, 0, 0}, {1, 1, 1, 0}, {1, 0, 0}},
		"value 2":             {{2, 0, 0, 0, 0}, {0, 0, 0, 0}, {1, 0, 0}},
		"missing contest":     {{1, 0, 0, 0, 0}, {0, 0, 0, 0}},
		"missing option":      {{1, 0, 0, 0}, {0, 0, 0, 0}, {1, 0, 0}},
	} {
		if _, _, err := Encrypt(f.rand, f.ctx, f.style, []byte("c"), newSigner(t, f.rand), 1, ch); !errors.Is(err, ErrChoice) {
			t.Errorf("%s: got %v, want ErrChoice", name, err)
		}
	}
}

func TestOpening(t *testing.T) {
	f := newFixture(t, "benaloh")
	ch := f.choices()
	b, op := f.encrypt(t, newSigner(t, f.rand), 1, ch)
	op2, err := DecodeOpening(op.Encode())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(op2.Encode(), op.Encode()) {
		t.Fatal("opening does not round-trip")
	}
	got, err := VerifyOpening(f.ctx, b, op2)
	if err != nil {
		t.Fatal(err)
	}
	for i := range ch {
		if !bytes.Equal(got[i], ch[i]) {
			t.Fatalf("contest %d: opened %v, chose %v", i, got[i], ch[i])
		}
	}
	// A device that lies about the choice is caught.
	op2.Contests[0][2].Selected = 0
	op2.Contests[0][0].Selected = 1
	if _, err := VerifyOpening(f.ctx, b, op2); !errors.Is(err, ErrInvalid) {
		t.Fatalf("lying opening accepted: %v", err)
	}
}

func TestTrackingCode(t *testing.T) {
	f := newFixture(t, "tracking")
	b, _ := f.encrypt(t, newSigner(t, f.rand), 1, f.choices())
	code := b.TrackingCode()
	if len(code) != 19 {
		t.Fatalf("code %q", code)
	}
	n, err := NormalizeTrackingCode(" " + lower(code[:5]) + code[5:] + " ")
	if err != nil || n != code {
		t.Fatalf("normalize: %q %v", n, err)
	}
	for _, bad := range []string{"", "ABC", code + "0", "UUUU-UUUU-UUUU-UUUU"} {
		if _, err := NormalizeTrackingCode(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func lower(s string) string { return string(bytes.ToLower([]byte(s))) }

var _ = ristretto255.NewScalar

// TestSelfTest checks the device's known-answer test passes on the native
// build: the wasm build must then produce the very same bytes.
func TestSelfTest(t *testing.T) {
	if err := SelfTest(); err != nil {
		t.Fatal(err)
	}
}
