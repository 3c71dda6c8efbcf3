package credential

import (
	"crypto/rsa"
	"crypto/sha512"
	"crypto/x509"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math/big"
	"os"
	"strings"
	"testing"
)

// hexBytes is a byte string written as lowercase hex in the vector file.
type hexBytes []byte

func (h hexBytes) MarshalText() ([]byte, error) { return []byte(hex.EncodeToString(h)), nil }

func (h *hexBytes) UnmarshalText(b []byte) error {
	v, err := hex.DecodeString(string(b))
	*h = v
	return err
}

func (h hexBytes) election() (e [32]byte) {
	if len(h) != 32 {
		panic("election hash of " + hex.EncodeToString(h))
	}
	copy(e[:], h)
	return e
}

// vectorFile is testdata/credential_vectors.json. Byte strings are hex;
// every entry is named by desc for what it proves, and wantErr is the
// expected failure class ("" if the input is accepted). The error of a Go
// function contains its wantErr.
type vectorFile struct {
	Comment    string            `json:"comment"`
	Seed       string            `json:"seed"`
	Variant    string            `json:"variant"`
	Issuers    []issuerVector    `json:"issuers"`
	Issuance   []issuanceVector  `json:"issuance"`
	Finalize   []finalizeVector  `json:"finalize"`
	BlindSign  []blindSignVector `json:"blindSign"`
	Verify     []verifyVector    `json:"verify"`
	Decode     []decodeVector    `json:"decode"`
	PublicKeys []publicKeyVector `json:"publicKeys"`
}

// issuerVector is a test issuer key, named by the district it serves.
type issuerVector struct {
	District   string   `json:"district"`
	Bits       int      `json:"bits"`
	PrivateKey hexBytes `json:"privateKey"` // PKCS #8 DER
	PublicKey  hexBytes `json:"publicKey"`  // PKIX DER
}

// issuanceVector is one complete issuance, with every intermediate value
// of RFC 9474 (named as in its Appendix A).
type issuanceVector struct {
	Desc            string   `json:"desc"`
	Issuer          string   `json:"issuer"`
	Election        hexBytes `json:"election"`
	District        string   `json:"district"`
	KeySeed         hexBytes `json:"keySeed"`
	PublicKey       hexBytes `json:"publicKey"`
	Message         hexBytes `json:"message"`
	Prefix          hexBytes `json:"prefix"`
	PreparedMessage hexBytes `json:"preparedMessage"`
	Salt            hexBytes `json:"salt"`
	EncodedMessage  hexBytes `json:"encodedMessage"`
	Inv             hexBytes `json:"inv"`
	BlindedMessage  hexBytes `json:"blindedMessage"`
	BlindSignature  hexBytes `json:"blindSignature"`
	Signature       hexBytes `json:"signature"`
	Credential      hexBytes `json:"credential"`
}

// finalizeVector is an answer to the request of issuance vector Issuance.
type finalizeVector struct {
	Desc           string   `json:"desc"`
	Issuance       int      `json:"issuance"`
	BlindSignature hexBytes `json:"blindSignature"`
	WantErr        string   `json:"wantErr"`
}

type blindSignVector struct {
	Desc           string   `json:"desc"`
	Issuer         string   `json:"issuer"`
	BlindedMessage hexBytes `json:"blindedMessage"`
	BlindSignature hexBytes `json:"blindSignature,omitempty"`
	WantErr        string   `json:"wantErr"`
}

type verifyVector struct {
	Desc       string   `json:"desc"`
	Issuer     string   `json:"issuer"`
	Election   hexBytes `json:"election"`
	Credential hexBytes `json:"credential"`
	WantErr    string   `json:"wantErr"`
}

type decodeVector struct {
	Desc       string   `json:"desc"`
	Credential hexBytes `json:"credential"`
	WantErr    string   `json:"wantErr"`
}

type publicKeyVector struct {
	Desc      string   `json:"desc"`
	PublicKey hexBytes `json:"publicKey"`
	WantErr   string   `json:"wantErr"`
}

const vectorPath = "testdata/credential_vectors.json"

func readVectors(t testing.TB) *vectorFile {
	t.Helper()
	b, err := os.ReadFile(vectorPath)
	if err != nil {
		t.Fatalf("%v (generate with: go test ./crypto/credential -run TestVectors -update)", err)
	}
	var f vectorFile
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		t.Fatalf("%s: %v", vectorPath, err)
	}
	return &f
}

// issuers returns the vector file's issuer keys by district.
func (f *vectorFile) issuers(t testing.TB) map[string]*Issuer {
	t.Helper()
	m := map[string]*Issuer{}
	for _, iv := range f.Issuers {
		is, err := parseTestIssuer(iv.PrivateKey)
		if err != nil {
			t.Fatalf("issuer %s: %v", iv.District, err)
		}
		m[iv.District] = is
	}
	return m
}

func parseTestIssuer(pkcs8 []byte) (*Issuer, error) {
	k, err := x509.ParsePKCS8PrivateKey(pkcs8)
	if err != nil {
		return nil, err
	}
	sk, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, errors.New("not an RSA key")
	}
	return NewIssuer(sk)
}

// testIssuers is the vector file's issuers, for the tests that need keys:
// RSA key generation is slow and, since Go 1.26, never reproducible.
func testIssuers(t testing.TB) map[string]*Issuer {
	t.Helper()
	return readVectors(t).issuers(t)
}

// checkErr checks err against a vector's failure class.
func checkErr(t *testing.T, err error, wantErr string) {
	t.Helper()
	if wantErr == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	if err == nil {
		t.Fatalf("accepted; want %q", wantErr)
	}
	if !strings.Contains(err.Error(), wantErr) {
		t.Fatalf("error %q; want class %q", err, wantErr)
	}
	sentinels := []struct {
		class string
		err   error
	}{
		{"malformed", ErrMalformed},
		{"invalid signature", ErrInvalidSignature},
		{"invalid blind signature", ErrInvalidBlindSignature},
		{"invalid blinded message", ErrInvalidBlindedMessage},
		{"invalid issuer key", ErrInvalidIssuerKey},
	}
	for _, s := range sentinels {
		if strings.HasPrefix(wantErr, s.class) && !errors.Is(err, s.err) {
			t.Fatalf("error %q does not wrap %v", err, s.err)
		}
	}
}

// specMessage computes the credential message from SPEC.md alone, without
// package transcript: SHA-512 over the encoded fields, first 32 bytes.
func specMessage(election [32]byte, district string, key []byte) []byte {
	field := func(b []byte, tag byte, label string, value []byte) []byte {
		b = append(b, tag)
		b = binary.BigEndian.AppendUint16(b, uint16(len(label)))
		b = append(b, label...)
		b = binary.BigEndian.AppendUint32(b, uint32(len(value)))
		return append(b, value...)
	}
	var b []byte
	b = field(b, 'D', "urna/v1", []byte("urna/v1/credential"))
	b = field(b, 'B', "election", election[:])
	b = field(b, 'B', "district", []byte(district))
	b = field(b, 'B', "key", key)
	b = field(b, 'C', "message", nil)
	h := sha512.Sum512(b)
	return h[:32]
}

// mgf1XOR xors MGF1-SHA-384(seed) into out (RFC 8017 §B.2.1).
func mgf1XOR(out, seed []byte) {
	var counter [4]byte
	for done := 0; done < len(out); {
		h := sha512.New384()
		h.Write(seed)
		h.Write(counter[:])
		for _, b := range h.Sum(nil) {
			if done == len(out) {
				break
			}
			out[done] ^= b
			done++
		}
		binary.BigEndian.PutUint32(counter[:], binary.BigEndian.Uint32(counter[:])+1)
	}
}

// emsaPSSEncode is RFC 8017 §9.1.1 with SHA-384 and MGF1-SHA-384, written
// from the RFC to check the vectors independently of circl and crypto/rsa.
func emsaPSSEncode(msg, salt []byte, emBits int) []byte {
	const hLen = 48
	mHash := sha512.Sum384(msg)
	emLen := (emBits + 7) / 8
	mp := append(append(make([]byte, 8), mHash[:]...), salt...) // M' = 0x00×8 ‖ mHash ‖ salt
	h := sha512.Sum384(mp)
	db := make([]byte, emLen-hLen-1) // DB = PS ‖ 0x01 ‖ salt
	db[len(db)-len(salt)-1] = 0x01
	copy(db[len(db)-len(salt):], salt)
	mgf1XOR(db, h[:])
	db[0] &= 0xff >> (8*emLen - emBits)
	return append(append(db, h[:]...), 0xbc)
}

// pssSalt recovers the salt from an encoded message (RFC 8017 §9.1.2 steps
// 7–10), for recording it in the vectors.
func pssSalt(em []byte, emBits int) []byte {
	const hLen = 48
	db := append([]byte(nil), em[:len(em)-hLen-1]...)
	mgf1XOR(db, em[len(em)-hLen-1:len(em)-1])
	db[0] &= 0xff >> (8*len(em) - emBits)
	return db[len(db)-saltSize:]
}

// rsaPublic computes x^e mod n as a k-byte string.
func rsaPublic(n *big.Int, e int, x []byte, k int) []byte {
	v := new(big.Int).Exp(new(big.Int).SetBytes(x), big.NewInt(int64(e)), n)
	return v.FillBytes(make([]byte, k))
}

// mulMod computes a·b mod n as a k-byte string.
func mulMod(n *big.Int, a, b []byte, k int) []byte {
	v := new(big.Int).Mul(new(big.Int).SetBytes(a), new(big.Int).SetBytes(b))
	return v.Mod(v, n).FillBytes(make([]byte, k))
}

// flip returns a copy of b with bit 0 of byte i inverted.
func flip(b []byte, i int) []byte {
	c := append([]byte(nil), b...)
	c[i] ^= 1
	return c
}

func cat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}
