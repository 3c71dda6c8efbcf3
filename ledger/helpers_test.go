package ledger

import (
	"context"
	"crypto/sha256"
	"fmt"
	"testing"

	"github.com/urna-vote/urna/internal/seeded"
	"golang.org/x/mod/sumdb/note"
)

const testOrigin = "urna.example/elections/test"

// testKeys returns a signer and verifier for testOrigin, derived from a
// public seed so that test vectors are reproducible.
func testKeys(t testing.TB) (note.Signer, note.Verifier) {
	t.Helper()
	skey, vkey, err := GenerateKey(seeded.Reader("ledger test key"), testOrigin)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	v, err := NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	return s, v
}

// testEntry is the entry a test appends at position i of stream s: JSON-ish
// bytes of a chosen length, different for every (s, i).
func testEntry(s string, i, size int) []byte {
	h := sha256.Sum256(fmt.Appendf(nil, "%s/%d", s, i))
	e := fmt.Appendf(nil, `{"stream":%q,"i":%d,"pad":"`, s, i)
	for len(e) < size-2 {
		e = append(e, "0123456789abcdef"[h[len(e)%32]&15])
	}
	return append(e, '"', '}')
}

// testEntries returns n small entries.
func testEntries(n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = testEntry("t", i, 40+i%50)
	}
	return out
}

// mustAppend appends entries one by one.
func mustAppend(t testing.TB, l *Ledger, entries [][]byte) {
	t.Helper()
	for _, e := range entries {
		if _, err := l.Append(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
}

// refRoot is an independent RFC 9162 MTH, computed recursively from the
// definition (section 2.1.1): MTH({}) = SHA-256(), MTH({d0}) =
// SHA-256(0x00 ‖ d0), MTH(D[n]) = SHA-256(0x01 ‖ MTH(D[0:k]) ‖ MTH(D[k:n]))
// with k the largest power of two smaller than n.
func refRoot(entries [][]byte) [32]byte {
	switch len(entries) {
	case 0:
		return sha256.Sum256(nil)
	case 1:
		return sha256.Sum256(append([]byte{0}, entries[0]...))
	}
	k := 1
	for k*2 < len(entries) {
		k *= 2
	}
	l, r := refRoot(entries[:k]), refRoot(entries[k:])
	return sha256.Sum256(append(append([]byte{1}, l[:]...), r[:]...))
}
