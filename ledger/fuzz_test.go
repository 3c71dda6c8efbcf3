package ledger

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
)

// The fuzz targets cover every decoder of outside data in this package and
// demand that whatever parses re-encodes to the same bytes. Their corpora
// are seeded from testdata/vectors.json.

func FuzzParseCheckpoint(f *testing.F) {
	v := readVectors(f)
	for _, x := range v.Checkpoints {
		text, _, _ := bytes.Cut([]byte(x.Note), []byte("\n\n"))
		f.Add(append(text, '\n'))
	}
	f.Fuzz(func(t *testing.T, text []byte) {
		c, err := ParseCheckpoint(text)
		if err != nil {
			return
		}
		if got := c.Text(); !bytes.Equal(got, text) {
			t.Fatalf("ParseCheckpoint(%q) re-encodes as %q", text, got)
		}
	})
}

func FuzzOpenCheckpoint(f *testing.F) {
	v := readVectors(f)
	for _, x := range v.Checkpoints {
		f.Add([]byte(x.Note))
	}
	verifier, err := NewVerifier(v.VerifierKey)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, msg []byte) {
		c, err := OpenCheckpoint(msg, verifier)
		if err != nil {
			return
		}
		if !bytes.HasPrefix(msg, append(c.Text(), '\n')) {
			t.Fatalf("OpenCheckpoint(%q) = %+v, which is not the note's text", msg, c)
		}
	})
}

func FuzzProofText(f *testing.F) {
	v := readVectors(f)
	for _, x := range v.Inclusion {
		b, _ := x.Proof.MarshalText()
		f.Add(b)
	}
	for _, x := range v.Consistency {
		b, _ := x.Proof.MarshalText()
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, text []byte) {
		var p Proof
		if err := p.UnmarshalText(text); err != nil {
			return
		}
		if got, _ := p.MarshalText(); !bytes.Equal(got, text) {
			t.Fatalf("proof %q re-encodes as %q", text, got)
		}
	})
}

func FuzzReadJSONL(f *testing.F) {
	f.Add([]byte("{\"n\":0}\n{\"n\":1}\n"))
	f.Add([]byte("{}\n\n"))
	f.Add([]byte("{}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var entries [][]byte
		for e, err := range ReadJSONL(bytes.NewReader(data)) {
			if err != nil {
				return
			}
			entries = append(entries, e)
		}
		var buf bytes.Buffer
		if _, err := WriteJSONL(&buf, sliceEntries(entries)); err != nil {
			t.Fatalf("entries read from %q do not write back: %v", data, err)
		}
		if !bytes.Equal(buf.Bytes(), data) {
			t.Fatalf("%q reads and writes back as %q", data, buf.Bytes())
		}
	})
}

// FuzzTree compares the tree against the reference MTH of the test and its
// proofs against an independent implementation, for fuzzed sizes, entries
// and indices.
func FuzzTree(f *testing.F) {
	f.Add(uint16(1), uint16(0), uint16(1), []byte("x"))
	f.Add(uint16(257), uint16(255), uint16(100), []byte("{}"))
	f.Add(uint16(8), uint16(7), uint16(3), []byte(""))
	f.Fuzz(func(t *testing.T, n, i, m uint16, salt []byte) {
		n = n%600 + 1
		i, m = i%n, m%n+1
		entries := make([][]byte, n)
		var tr Tree
		for k := range entries {
			entries[k] = fmt.Appendf(nil, "%x/%d", salt, k)
			tr.Append(entries[k])
		}
		root, _ := tr.Root(uint64(n))
		if want := refRoot(entries); root != want {
			t.Fatalf("root of %d entries %s, reference %s", n, root, Hash(want))
		}
		p, err := tr.InclusionProof(uint64(i), uint64(n))
		if err != nil {
			t.Fatal(err)
		}
		leaf := LeafHash(entries[i])
		if err := proof.VerifyInclusion(rfc6962.DefaultHasher, uint64(i), uint64(n), leaf[:], raw(p), root[:]); err != nil {
			t.Fatalf("inclusion of %d in %d: %v", i, n, err)
		}
		old, _ := tr.Root(uint64(m))
		if want := refRoot(entries[:m]); old != want {
			t.Fatalf("root of %d entries %s, reference %s", m, old, Hash(want))
		}
		c, err := tr.ConsistencyProof(uint64(m), uint64(n))
		if err != nil {
			t.Fatal(err)
		}
		if err := proof.VerifyConsistency(rfc6962.DefaultHasher, uint64(m), uint64(n), raw(c), old[:], root[:]); err != nil {
			t.Fatalf("consistency of %d with %d: %v", m, n, err)
		}
		if err := VerifyConsistency(Checkpoint{Size: uint64(m), Root: old}, Checkpoint{Size: uint64(n), Root: root}, c); err != nil {
			t.Fatalf("consistency of %d with %d: %v", m, n, err)
		}
	})
}
