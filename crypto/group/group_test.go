package group

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"testing"

	"filippo.io/edwards25519"
	"github.com/gtank/ristretto255"
)

// RFC 9496 §A.2: encodings that are not canonical or not valid.
var badEncodings = []string{
	// Non-canonical field encodings.
	"00ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
	"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	"f3ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	// Negative field elements.
	"0100000000000000000000000000000000000000000000000000000000000000",
	"01ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	// Non-square x².
	"26948d35ca62e643e26a83177332e6b6afeb9d08e4268b650f1f5bbd8d81d371",
	"4eac077a713c57b4f4397629a4145982c661f48044dd3f96427d40b147d9742f",
}

func TestDecodeElementRejectsRFC9496Invalid(t *testing.T) {
	for _, h := range badEncodings {
		b, _ := hex.DecodeString(h)
		if _, err := DecodeElement(b); !errors.Is(err, ErrNonCanonical) {
			t.Errorf("%s: got %v, want ErrNonCanonical", h, err)
		}
	}
}

func TestDecodeElement(t *testing.T) {
	g := G().Bytes()
	if e, err := DecodeElement(g); err != nil || !bytes.Equal(e.Bytes(), g) {
		t.Fatalf("generator: %v", err)
	}
	id := make([]byte, 32)
	if _, err := DecodeElement(id); !errors.Is(err, ErrIdentity) {
		t.Errorf("identity: got %v, want ErrIdentity", err)
	}
	if _, err := DecodeElementOrIdentity(id); err != nil {
		t.Errorf("identity where allowed: %v", err)
	}
	for _, n := range []int{0, 31, 33, 64} {
		if _, err := DecodeElement(make([]byte, n)); !errors.Is(err, ErrLength) {
			t.Errorf("length %d: got %v", n, err)
		}
	}
}

func TestDecodeScalar(t *testing.T) {
	// ℓ = 2^252 + 27742317777372353535851937790883648493, little endian.
	l, _ := hex.DecodeString("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010")
	lMinus1 := append([]byte(nil), l...)
	lMinus1[0]--
	if _, err := DecodeScalar(lMinus1); err != nil {
		t.Errorf("ℓ−1 rejected: %v", err)
	}
	lPlus1 := append([]byte(nil), l...)
	lPlus1[0]++
	for name, b := range map[string][]byte{"ℓ": l, "ℓ+1": lPlus1, "2^256−1": bytes.Repeat([]byte{0xff}, 32)} {
		if _, err := DecodeScalar(b); !errors.Is(err, ErrNonCanonical) {
			t.Errorf("%s: got %v, want ErrNonCanonical", name, err)
		}
	}
	if _, err := DecodeScalar(make([]byte, 31)); !errors.Is(err, ErrLength) {
		t.Errorf("short scalar: %v", err)
	}
}

func TestSecretHygiene(t *testing.T) {
	s := NewSecret(ScalarFromUint64(0xdeadbeef))
	raw := hex.EncodeToString(s.Bytes())
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%d", "%q"} {
		out := fmt.Sprintf(verb, s)
		if out != "[secret]" || bytes.Contains([]byte(out), []byte(raw[:8])) {
			t.Errorf("%s printed %q", verb, out)
		}
	}
	if out := fmt.Sprintf("%v", struct{ S *Secret }{s}); bytes.Contains([]byte(out), []byte("deadbeef")) {
		t.Errorf("nested secret printed %q", out)
	}
	if _, err := json.Marshal(s); err == nil {
		t.Error("json.Marshal of a secret succeeded")
	}
	if _, err := s.MarshalText(); err == nil {
		t.Error("MarshalText succeeded")
	}
	if _, err := s.MarshalBinary(); err == nil {
		t.Error("MarshalBinary succeeded")
	}
	if reflect.TypeOf(Secret{}).Comparable() {
		t.Error("Secret is comparable with ==")
	}
	if !s.Equal(NewSecret(ScalarFromUint64(0xdeadbeef))) || s.Equal(NewSecret(ScalarFromUint64(1))) {
		t.Error("Equal is wrong")
	}
}

func TestDeriveGenerator(t *testing.T) {
	a, b := DeriveGenerator("a"), DeriveGenerator("b")
	if a.Equal(DeriveGenerator("a")) != 1 {
		t.Error("not deterministic")
	}
	if a.Equal(b) == 1 || a.Equal(G()) == 1 || IsIdentity(a) {
		t.Error("derived generators collide with each other, G or the identity")
	}
}

func TestRandom128(t *testing.T) {
	r := bytes.NewReader(bytes.Repeat([]byte{0xff}, 16))
	s, err := Random128(r)
	if err != nil {
		t.Fatal(err)
	}
	b := s.Bytes()
	if !bytes.Equal(b[16:], make([]byte, 16)) || !bytes.Equal(b[:16], bytes.Repeat([]byte{0xff}, 16)) {
		t.Errorf("Random128 = %x", b)
	}
	if _, err := Random128(bytes.NewReader(nil)); err == nil {
		t.Error("no error on exhausted randomness")
	}
}

func TestScalarFromInt64(t *testing.T) {
	sum := ristretto255.NewScalar().Add(ScalarFromInt64(-5), ScalarFromUint64(5))
	if sum.Equal(ristretto255.NewScalar()) != 1 {
		t.Error("−5 + 5 ≠ 0")
	}
}

func FuzzDecodeElement(f *testing.F) {
	f.Add(G().Bytes())
	f.Add(make([]byte, 32))
	for _, h := range badEncodings {
		b, _ := hex.DecodeString(h)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := DecodeElementOrIdentity(b)
		if err == nil && !bytes.Equal(e.Bytes(), b) {
			t.Fatalf("%x decodes but re-encodes as %x", b, e.Bytes())
		}
	})
}

func FuzzDecodeScalar(f *testing.F) {
	f.Add(ScalarFromUint64(1).Bytes())
	f.Add(bytes.Repeat([]byte{0xff}, 32))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := DecodeScalar(b)
		if err == nil && !bytes.Equal(s.Bytes(), b) {
			t.Fatalf("%x decodes but re-encodes as %x", b, s.Bytes())
		}
	})
}

func TestTableMatchesScalarMult(t *testing.T) {
	p := DeriveGenerator("table test")
	tab := NewTable(p)
	scalars := []*ristretto255.Scalar{ScalarFromUint64(0), ScalarFromUint64(1), ScalarFromUint64(16), ScalarFromInt64(-1)}
	for i := 0; i < 64; i++ {
		s, err := RandomScalar(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		scalars = append(scalars, s)
	}
	for _, s := range scalars {
		want := ristretto255.NewIdentityElement().ScalarMult(s, p)
		if got := tab.Mult(s); got.Equal(want) != 1 {
			t.Fatalf("table: %x·P = %x, want %x", s.Bytes(), got.Bytes(), want.Bytes())
		}
	}
	// The generator too, whose table ristretto255 keeps itself.
	gt := NewTable(G())
	s, _ := RandomScalar(rand.Reader)
	if gt.Mult(s).Equal(ristretto255.NewIdentityElement().ScalarBaseMult(s)) != 1 {
		t.Fatal("table of G disagrees with ScalarBaseMult")
	}
}

func BenchmarkTableMult(b *testing.B) {
	tab := NewTable(DeriveGenerator("bench"))
	s, _ := RandomScalar(rand.Reader)
	for b.Loop() {
		tab.Mult(s)
	}
}

func BenchmarkScalarMult(b *testing.B) {
	p := DeriveGenerator("bench")
	s, _ := RandomScalar(rand.Reader)
	for b.Loop() {
		ristretto255.NewIdentityElement().ScalarMult(s, p)
	}
}

// TestEdwards checks the pointer conversions against the group law.
func TestEdwards(t *testing.T) {
	for i := 0; i < 8; i++ {
		s, _ := RandomScalar(rand.Reader)
		e := ristretto255.NewIdentityElement().ScalarBaseMult(s)
		p := Edwards(e)
		sum := new(edwards25519.Point).Add(p, edwards25519.NewGeneratorPoint())
		if FromEdwards(sum).Equal(ristretto255.NewIdentityElement().Add(e, G())) != 1 {
			t.Fatal("an element read as an edwards25519 point is not the element")
		}
	}
}
