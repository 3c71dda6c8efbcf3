package ledger

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
)

// sizes are the tree sizes the table tests run: every size up to 70, and
// the edges of tiles and powers of two beyond.
var sizes = func() []int {
	var s []int
	for n := 0; n <= 70; n++ {
		s = append(s, n)
	}
	return append(s, 127, 128, 129, 255, 256, 257, 511, 513, 1000)
}()

func buildTree(t testing.TB, entries [][]byte) *Tree {
	t.Helper()
	var tr Tree
	for i, e := range entries {
		j, err := tr.Append(e)
		if err != nil || j != uint64(i) {
			t.Fatalf("Append %d = %d, %v", i, j, err)
		}
	}
	return &tr
}

func TestRootMatchesReference(t *testing.T) {
	all := testEntries(1000)
	tr := buildTree(t, all)
	for _, n := range sizes {
		want := refRoot(all[:n])
		got, err := tr.Root(uint64(n))
		if err != nil || got != want {
			t.Errorf("Tree.Root(%d) = %s, %v; want %s", n, got, err, Hash(want))
		}
		size, root, err := RootFromEntries(sliceEntries(all[:n]))
		if err != nil || size != uint64(n) || root != want {
			t.Errorf("RootFromEntries(%d entries) = %d, %s, %v; want %s", n, size, root, err, Hash(want))
		}
	}
	if EmptyRoot != Hash(refRoot(nil)) {
		t.Errorf("EmptyRoot = %s", EmptyRoot)
	}
}

func TestInclusionProofs(t *testing.T) {
	all := testEntries(1000)
	tr := buildTree(t, all)
	for _, n := range sizes {
		if n == 0 {
			continue
		}
		root, _ := tr.Root(uint64(n))
		c := Checkpoint{Origin: testOrigin, Size: uint64(n), Root: root}
		for i := 0; i < n; i += 1 + n/40 {
			p, err := tr.InclusionProof(uint64(i), uint64(n))
			if err != nil {
				t.Fatalf("InclusionProof(%d, %d): %v", i, n, err)
			}
			if err := VerifyInclusion(all[i], uint64(i), c, p); err != nil {
				t.Errorf("VerifyInclusion(%d, %d): %v", i, n, err)
			}
			// Differential: an independent RFC 6962 implementation
			// accepts the same proof.
			leaf := rfc6962.DefaultHasher.HashLeaf(all[i])
			if err := proof.VerifyInclusion(rfc6962.DefaultHasher, uint64(i), uint64(n), leaf, raw(p), root[:]); err != nil {
				t.Errorf("transparency-dev VerifyInclusion(%d, %d): %v", i, n, err)
			}
			// Another entry, another index, a shorter proof: rejected.
			if err := VerifyInclusion(all[(i+1)%len(all)], uint64(i), c, p); !errors.Is(err, ErrInvalidProof) {
				t.Errorf("VerifyInclusion of another entry at %d in %d = %v", i, n, err)
			}
			if n > 1 {
				if err := VerifyInclusion(all[i], uint64((i+1)%n), c, p); !errors.Is(err, ErrInvalidProof) {
					t.Errorf("VerifyInclusion of %d at index %d in %d = %v", i, (i+1)%n, n, err)
				}
			}
			if len(p) > 0 {
				if err := VerifyInclusion(all[i], uint64(i), c, p[:len(p)-1]); !errors.Is(err, ErrInvalidProof) {
					t.Errorf("VerifyInclusion with a truncated proof at %d in %d = %v", i, n, err)
				}
			}
		}
		if err := VerifyInclusion(all[0], uint64(n), c, nil); !errors.Is(err, ErrInvalidProof) {
			t.Errorf("VerifyInclusion beyond the tree = %v", err)
		}
	}
}

func TestConsistencyProofs(t *testing.T) {
	all := testEntries(1000)
	tr := buildTree(t, all)
	head := func(n int) Checkpoint {
		r, _ := tr.Root(uint64(n))
		return Checkpoint{Origin: testOrigin, Size: uint64(n), Root: r}
	}
	for _, m := range sizes {
		for _, n := range sizes {
			if m > n || n > 70 && m%7 != 0 && m < 70 {
				continue
			}
			p, err := tr.ConsistencyProof(uint64(m), uint64(n))
			if err != nil {
				t.Fatalf("ConsistencyProof(%d, %d): %v", m, n, err)
			}
			old, cur := head(m), head(n)
			if err := VerifyConsistency(old, cur, p); err != nil {
				t.Errorf("VerifyConsistency(%d, %d): %v", m, n, err)
			}
			if err := proof.VerifyConsistency(rfc6962.DefaultHasher, uint64(m), uint64(n), raw(p), old.Root[:], cur.Root[:]); err != nil {
				t.Errorf("transparency-dev VerifyConsistency(%d, %d): %v", m, n, err)
			}
			if m > 0 && m < n {
				// A different old root: a fork.
				fork := old
				fork.Root[0] ^= 1
				if err := VerifyConsistency(fork, cur, p); !errors.Is(err, ErrInvalidProof) {
					t.Errorf("VerifyConsistency of a forked %d with %d = %v", m, n, err)
				}
			}
		}
	}
	if err := VerifyConsistency(head(5), head(4), nil); !errors.Is(err, ErrInvalidProof) {
		t.Errorf("VerifyConsistency of a shrinking tree = %v", err)
	}
	other := head(4)
	other.Origin = "urna.example/other"
	if err := VerifyConsistency(other, head(4), nil); !errors.Is(err, ErrInvalidProof) {
		t.Errorf("VerifyConsistency across logs = %v", err)
	}
}

func raw(p Proof) [][]byte {
	out := make([][]byte, len(p))
	for i := range p {
		out[i] = p[i][:]
	}
	return out
}

// TestTampering checks that each way of altering an exported log makes it
// fail against its checkpoint.
func TestTampering(t *testing.T) {
	all := testEntries(300)
	s, v := testKeys(t)
	signed, err := SignCheckpoint(Checkpoint{Origin: testOrigin, Size: 300, Root: refRoot(all)}, s)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := VerifyEntries(sliceEntries(all), signed, v); err != nil {
		t.Fatalf("the untouched log fails: %v", err)
	}
	clone := func() [][]byte {
		out := make([][]byte, len(all))
		for i := range all {
			out[i] = bytes.Clone(all[i])
		}
		return out
	}
	for _, tc := range []struct {
		name   string
		tamper func([][]byte) [][]byte
	}{
		{"ChangedByte", func(e [][]byte) [][]byte { e[123][10] ^= 1; return e }},
		{"ChangedLastByte", func(e [][]byte) [][]byte { e[299][len(e[299])-1] ^= 0x20; return e }},
		{"SwappedPair", func(e [][]byte) [][]byte { e[10], e[11] = e[11], e[10]; return e }},
		{"DroppedEntry", func(e [][]byte) [][]byte { return append(e[:42], e[43:]...) }},
		{"DroppedFirst", func(e [][]byte) [][]byte { return e[1:] }},
		{"Truncated", func(e [][]byte) [][]byte { return e[:256] }},
		{"Extended", func(e [][]byte) [][]byte { return append(e, []byte(`{"extra":1}`)) }},
		{"Duplicated", func(e [][]byte) [][]byte { return append(e[:100], append([][]byte{e[100]}, e[100:299]...)...) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := VerifyEntries(sliceEntries(tc.tamper(clone())), signed, v)
			if !errors.Is(err, ErrInvalidProof) {
				t.Errorf("VerifyEntries of a tampered log = %v, want ErrInvalidProof", err)
			}
		})
	}
	t.Run("TruncatedFile", func(t *testing.T) {
		var buf bytes.Buffer
		WriteJSONL(&buf, sliceEntries(all))
		cut := buf.Bytes()[:buf.Len()-5]
		_, err := VerifyEntries(ReadJSONL(bytes.NewReader(cut)), signed, v)
		if !errors.Is(err, ErrMalformed) {
			t.Errorf("VerifyEntries of a cut file = %v, want ErrMalformed", err)
		}
	})
	t.Run("ResignedCheckpoint", func(t *testing.T) {
		// An operator holding the key re-signs a tampered log: the
		// signature verifies, and only consistency with an earlier
		// checkpoint (a receipt's) shows the change.
		tampered := clone()[:200]
		tampered[50] = []byte(`{"forged":true}`)
		resigned, err := ResignCheckpoint(sliceEntries(tampered), testOrigin, s)
		if err != nil {
			t.Fatal(err)
		}
		newer, err := VerifyEntries(sliceEntries(tampered), resigned, v)
		if err != nil {
			t.Fatalf("the re-signed log does not verify on its own: %v", err)
		}
		// A receipt for entry 100 taken at size 150 of the true log.
		tr := buildTree(t, all)
		root, _ := tr.Root(150)
		receipt := Checkpoint{Origin: testOrigin, Size: 150, Root: root}
		tt := buildTree(t, tampered)
		p, _ := tt.ConsistencyProof(150, 200)
		if err := VerifyConsistency(receipt, newer, p); !errors.Is(err, ErrInvalidProof) {
			t.Errorf("the re-signed log is consistent with a receipt of the true one: %v", err)
		}
	})
}

func TestProofText(t *testing.T) {
	tr := buildTree(t, testEntries(1000))
	for _, c := range []struct{ i, n uint64 }{{0, 1}, {5, 1000}, {999, 1000}} {
		p, _ := tr.InclusionProof(c.i, c.n)
		text, _ := p.MarshalText()
		var q Proof
		if err := q.UnmarshalText(text); err != nil || !equalHashes(p, q) {
			t.Errorf("proof %d/%d does not round-trip: %v", c.i, c.n, err)
		}
	}
	for _, bad := range []string{
		"A", "AAAA", "AA==", // not whole hashes
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",   // 32 bytes, non-canonical padding bits? (canonical)
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB=",   // non-zero padding bits
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",    // missing padding
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", // trailing newline
	} {
		var q Proof
		err := q.UnmarshalText([]byte(bad))
		if bad == "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" {
			if err != nil || len(q) != 1 {
				t.Errorf("UnmarshalText(%q) = %v", bad, err)
			}
			continue
		}
		if !errors.Is(err, ErrMalformed) {
			t.Errorf("UnmarshalText(%q) = %v, want ErrMalformed", bad, err)
		}
	}
	long := bytes.Repeat([]byte("A"), 4*(MaxProofHashes*HashSize/3+1)+4)
	var q Proof
	if err := q.UnmarshalText(long); !errors.Is(err, ErrMalformed) {
		t.Errorf("UnmarshalText of %d hashes = %v", MaxProofHashes+1, err)
	}
	var empty Proof
	if err := empty.UnmarshalText(nil); err != nil || len(empty) != 0 {
		t.Errorf("UnmarshalText(\"\") = %v, %v", empty, err)
	}
	_ = fmt.Sprint()
}
