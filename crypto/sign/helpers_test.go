package sign

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
)

// hexBytes is a byte string written as lowercase hex in the vector files.
type hexBytes []byte

func (h hexBytes) MarshalText() ([]byte, error) { return []byte(hex.EncodeToString(h)), nil }

func (h *hexBytes) UnmarshalText(b []byte) error {
	v, err := hex.DecodeString(string(b))
	*h = v
	return err
}

const vectorPath = "testdata/sign_vectors.json"

// vectorFile is testdata/sign_vectors.json. Byte strings are hex; every
// entry is named by desc for what it proves, and wantErr is the expected
// failure class ("" if the input is accepted): one of the keys of
// errClasses. The error of the Go function contains its wantErr.
type vectorFile struct {
	Comment    string            `json:"comment"`
	Seed       string            `json:"seed"`
	Keys       []keyVector       `json:"keys"`
	Verify     []verifyVector    `json:"verify"`
	PublicKeys []publicKeyVector `json:"publicKeys"`
	Private    []privateVector   `json:"private"`
}

// keyVector is a test key: its private key text (MarshalPrivate), public
// key and fingerprint.
type keyVector struct {
	Desc        string   `json:"desc"`
	Name        string   `json:"name"`
	Scheme      string   `json:"scheme"`
	Private     string   `json:"private"`
	Public      hexBytes `json:"public"`
	Fingerprint string   `json:"fingerprint"`
}

// verifyVector is one call of Verify.
type verifyVector struct {
	Desc      string   `json:"desc"`
	Scheme    string   `json:"scheme"`
	Public    hexBytes `json:"public"`
	Message   hexBytes `json:"message"`
	Signature hexBytes `json:"signature"`
	WantErr   string   `json:"wantErr"`
}

// publicKeyVector is one call of CheckPublicKey.
type publicKeyVector struct {
	Desc    string   `json:"desc"`
	Scheme  string   `json:"scheme"`
	Public  hexBytes `json:"public"`
	WantErr string   `json:"wantErr"`
}

// privateVector is one call of ParsePrivate; for an accepted text, Public
// is the public key it gives.
type privateVector struct {
	Desc    string   `json:"desc"`
	Text    string   `json:"text"`
	Public  hexBytes `json:"public,omitempty"`
	WantErr string   `json:"wantErr"`
}

// errClasses maps a vector's wantErr to the error the Go code wraps.
var errClasses = map[string]error{
	"unknown signature scheme": ErrUnknownScheme,
	"malformed public key":     ErrMalformedPublicKey,
	"malformed signature":      ErrMalformedSignature,
	"invalid signature":        ErrInvalidSignature,
	"malformed private key":    ErrMalformedPrivateKey,
}

// checkErr reports whether err is what wantErr asks for.
func checkErr(t testing.TB, what string, err error, wantErr string) {
	t.Helper()
	if wantErr == "" {
		if err != nil {
			t.Errorf("%s: unexpected error: %v", what, err)
		}
		return
	}
	class, ok := errClasses[wantErr]
	if !ok {
		t.Fatalf("%s: unknown wantErr %q", what, wantErr)
	}
	switch {
	case err == nil:
		t.Errorf("%s: accepted, want %q", what, wantErr)
	case !errors.Is(err, class) || !strings.Contains(err.Error(), wantErr):
		t.Errorf("%s: error %q, want %q", what, err, wantErr)
	}
}

func readVectors(t testing.TB) *vectorFile {
	t.Helper()
	var f vectorFile
	readJSON(t, vectorPath, &f)
	return &f
}

func readJSON(t testing.TB, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (generate with: go test ./crypto/sign -run TestVectors -update)", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

func cat(bs ...[]byte) []byte {
	var out []byte
	for _, b := range bs {
		out = append(out, b...)
	}
	return out
}

func flip(b []byte, i int, mask byte) []byte {
	c := append([]byte(nil), b...)
	c[i] ^= mask
	return c
}
