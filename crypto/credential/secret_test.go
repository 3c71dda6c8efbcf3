package credential

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// secretsOf returns a finalised Request, its Key and an Issuer, with the
// byte strings that must never show: the credential secret key,
// and the RSA private exponent and primes.
func secretsOf(t *testing.T) (req *Request, key *Key, is *Issuer, secrets [][]byte) {
	is = testIssuers(t)["district-a"]
	req, _, _ = issue(t, is, electionX, "district-a")
	key, err := req.Key()
	if err != nil {
		t.Fatal(err)
	}
	secrets = [][]byte{key.SecretBytes(), is.sk.D.Bytes(), is.sk.Primes[0].Bytes(), is.sk.Primes[1].Bytes()}
	return req, key, is, secrets
}

func TestSecretsDoNotPrint(t *testing.T) {
	req, key, is, secrets := secretsOf(t)
	values := map[string]any{
		"*Key": key, "Key": *key, "*Request": req, "Request": *req, "*Issuer": is, "Issuer": *is,
	}
	for name, v := range values {
		t.Run(name, func(t *testing.T) {
			got := fmt.Sprintf("%v %+v %#v %s %x %X %q %d", v, v, v, v, v, v, v, v)
			if want := strings.TrimSpace(strings.Repeat("[secret] ", 8)); got != want {
				t.Fatalf("printed %q", got)
			}
			// Inside a struct, a slice and a map too.
			wrapped := fmt.Sprintf("%v %+v %#v", struct{ K any }{v}, []any{v}, map[string]any{"k": v})
			for _, s := range secrets {
				for _, enc := range []string{hex.EncodeToString(s), base64.StdEncoding.EncodeToString(s), fmt.Sprint(s), string(s)} {
					if strings.Contains(got, enc) || strings.Contains(wrapped, enc) {
						t.Fatalf("secret bytes printed in %q", wrapped)
					}
				}
			}
			if strings.Count(wrapped, "[secret]") != 3 {
				t.Fatalf("wrapped: %q", wrapped)
			}
		})
	}
}

func TestSecretsDoNotMarshal(t *testing.T) {
	req, key, is, _ := secretsOf(t)
	for name, v := range map[string]any{
		"*Key": key, "Key": *key, "*Request": req, "Request": *req, "*Issuer": is, "Issuer": *is,
		"inside a struct": struct{ K *Key }{key},
	} {
		if b, err := json.Marshal(v); err == nil {
			t.Errorf("json.Marshal(%s) = %s", name, b)
		}
	}
	type marshaler interface {
		MarshalText() ([]byte, error)
		MarshalBinary() ([]byte, error)
	}
	for name, v := range map[string]marshaler{"Key": key, "Request": req, "Issuer": is} {
		if b, err := v.MarshalText(); err == nil || b != nil {
			t.Errorf("%s.MarshalText succeeded", name)
		}
		if b, err := v.MarshalBinary(); err == nil || b != nil {
			t.Errorf("%s.MarshalBinary succeeded", name)
		}
	}
}

// TestSecretsNotComparable: == on secret types does not compile; the
// types say so.
func TestSecretsNotComparable(t *testing.T) {
	for _, v := range []any{Key{}, Request{}, Issuer{}} {
		if reflect.TypeOf(v).Comparable() {
			t.Errorf("%T is comparable", v)
		}
	}
}

func TestSecretBytesIsTheDeliberateAccessor(t *testing.T) {
	_, key, _, _ := secretsOf(t)
	seed := key.SecretBytes()
	if len(seed) != SecretSize || bytes.Equal(seed, make([]byte, SecretSize)) {
		t.Fatalf("seed %d bytes", len(seed))
	}
	// A copy: changing it does not change the key.
	seed[0] ^= 1
	if bytes.Equal(seed, key.SecretBytes()) {
		t.Fatal("SecretBytes returned the key's own bytes")
	}
}
