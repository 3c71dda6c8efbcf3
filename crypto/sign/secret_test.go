package sign

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestSignersDoNotPrint(t *testing.T) {
	for _, sc := range schemeNames {
		t.Run(sc, func(t *testing.T) {
			s, _ := Generate(sc, rand.Reader)
			secret := s.(privateSigner).privateBytes()
			want := "sign.Signer(" + sc + ", [secret])"
			got := fmt.Sprintf("%v|%+v|%#v|%s|%x|%X|%q|%d", s, s, s, s, s, s, s, s)
			if exp := strings.TrimSuffix(strings.Repeat(want+"|", 8), "|"); got != exp {
				t.Fatalf("printed %q", got)
			}
			// The value behind the pointer, inside a struct, a slice and a map.
			deref := reflect.ValueOf(s).Elem().Interface()
			wrapped := fmt.Sprintf("%v %+v %#v %v %v", struct{ K Signer }{s}, []any{s}, map[string]any{"k": s}, deref, &deref)
			for _, enc := range []string{hex.EncodeToString(secret), base64.StdEncoding.EncodeToString(secret), fmt.Sprint(secret), string(secret)} {
				if strings.Contains(got, enc) || strings.Contains(wrapped, enc) {
					t.Fatalf("secret bytes printed in %q", wrapped)
				}
			}
			// A big.Int prints in decimal.
			if g, ok := s.(*gostSigner); ok && strings.Contains(wrapped, g.d.String()) {
				t.Fatalf("d printed in %q", wrapped)
			}
		})
	}
}

func TestSignersDoNotMarshal(t *testing.T) {
	for _, sc := range schemeNames {
		s, _ := Generate(sc, rand.Reader)
		for name, v := range map[string]any{
			"Signer": s, "inside a struct": struct{ K Signer }{s}, "in a slice": []Signer{s},
		} {
			if b, err := json.Marshal(v); err == nil {
				t.Errorf("%s: json.Marshal(%s) = %s", sc, name, b)
			}
		}
		type marshaler interface {
			MarshalText() ([]byte, error)
			MarshalBinary() ([]byte, error)
		}
		m, ok := s.(marshaler)
		if !ok {
			t.Fatalf("%s: the signer has no refusing MarshalText/MarshalBinary", sc)
		}
		if b, err := m.MarshalText(); err == nil || b != nil {
			t.Errorf("%s: MarshalText succeeded", sc)
		}
		if b, err := m.MarshalBinary(); err == nil || b != nil {
			t.Errorf("%s: MarshalBinary succeeded", sc)
		}
	}
}

// TestSignersNotComparable: == on the signer types does not compile; the
// types say so.
func TestSignersNotComparable(t *testing.T) {
	for _, v := range []any{ed25519Signer{}, gostSigner{}} {
		if reflect.TypeOf(v).Comparable() {
			t.Errorf("%T is comparable", v)
		}
	}
}

// TestPublicIsACopy: changing what Public returned does not change the key.
func TestPublicIsACopy(t *testing.T) {
	for _, sc := range schemeNames {
		s, _ := Generate(sc, rand.Reader)
		p := s.Public()
		p[0] ^= 1
		if s.Public()[0] == p[0] {
			t.Errorf("%s: Public returned the key's own bytes", sc)
		}
	}
}
