package ledger

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/urna-vote/urna/internal/seeded"
	"golang.org/x/mod/sumdb/note"
)

var update = flag.Bool("update", false, "rewrite testdata/vectors.json")

// The vectors in testdata/vectors.json are for every implementation of the
// ledger's verification (this package, the browser's verifier, anyone's):
// roots, inclusion and consistency proofs and signed checkpoints, each
// named for what it shows, with the failure class expected ("" for none,
// "proof", "malformed", "signature"). They are made by `go test -run
// TestVectors -update` from entries {"n":0}, {"n":1}, … and a key derived
// from the public seed "ledger test key"; the test checks that this
// package still makes and judges them the same.

type vectors struct {
	Origin      string              `json:"origin"`
	VerifierKey string              `json:"verifier_key"`
	Entries     string              `json:"entries"`
	Trees       []treeVector        `json:"trees"`
	Inclusion   []inclusionVector   `json:"inclusion"`
	Consistency []consistencyVector `json:"consistency"`
	Checkpoints []checkpointVector  `json:"checkpoints"`
}

type treeVector struct {
	Desc string `json:"desc"`
	Size uint64 `json:"size"`
	Root Hash   `json:"root"`
}

type inclusionVector struct {
	Desc    string `json:"desc"`
	Entry   string `json:"entry"`
	Index   uint64 `json:"index"`
	Size    uint64 `json:"size"`
	Root    Hash   `json:"root"`
	Proof   Proof  `json:"proof"`
	WantErr string `json:"wantErr"`
}

type consistencyVector struct {
	Desc    string `json:"desc"`
	Size1   uint64 `json:"size1"`
	Root1   Hash   `json:"root1"`
	Size2   uint64 `json:"size2"`
	Root2   Hash   `json:"root2"`
	Proof   Proof  `json:"proof"`
	WantErr string `json:"wantErr"`
}

type checkpointVector struct {
	Desc    string `json:"desc"`
	Note    string `json:"note"`
	WantErr string `json:"wantErr"`
}

func vectorEntry(i int) []byte { return fmt.Appendf(nil, `{"n":%d}`, i) }

func makeVectors(t *testing.T) *vectors {
	s, _ := testKeys(t)
	var tr Tree
	for i := range 300 {
		tr.Append(vectorEntry(i))
	}
	root := func(n uint64) Hash { r, _ := tr.Root(n); return r }
	v := &vectors{
		Origin:  testOrigin,
		Entries: `the entry at index i is {"n":i}`,
	}
	_, vkey, _ := GenerateKey(seeded.Reader("ledger test key"), testOrigin)
	v.VerifierKey = vkey

	for _, n := range []uint64{0, 1, 2, 3, 4, 5, 7, 8, 255, 256, 257, 300} {
		v.Trees = append(v.Trees, treeVector{Desc: fmt.Sprintf("root of the first %d entries", n), Size: n, Root: root(n)})
	}

	incl := func(desc string, i, n uint64, wantErr string, edit func(*inclusionVector)) {
		p, err := tr.InclusionProof(i, n)
		if err != nil {
			t.Fatal(err)
		}
		x := inclusionVector{Desc: desc, Entry: string(vectorEntry(int(i))), Index: i, Size: n, Root: root(n), Proof: p, WantErr: wantErr}
		if edit != nil {
			edit(&x)
		}
		v.Inclusion = append(v.Inclusion, x)
	}
	incl("only entry of a tree of one: empty proof", 0, 1, "", nil)
	incl("last entry of an odd tree", 2, 3, "", nil)
	incl("entry in a perfect tree", 5, 8, "", nil)
	incl("last entry of a full tile", 255, 257, "", nil)
	incl("first entry of the second tile", 256, 257, "", nil)
	incl("entry in the middle", 100, 300, "", nil)
	incl("another entry at the index", 100, 300, "proof", func(x *inclusionVector) { x.Entry = `{"n":101}` })
	incl("the entry at another index", 100, 300, "proof", func(x *inclusionVector) { x.Index = 101 })
	incl("a proof hash changed", 100, 300, "proof", func(x *inclusionVector) { x.Proof = append(Proof(nil), x.Proof...); x.Proof[3][0] ^= 1 })
	incl("a proof hash missing", 100, 300, "proof", func(x *inclusionVector) { x.Proof = x.Proof[:len(x.Proof)-1] })
	incl("a proof hash too many", 100, 300, "proof", func(x *inclusionVector) { x.Proof = append(append(Proof(nil), x.Proof...), x.Root) })
	incl("the root of another size", 100, 300, "proof", func(x *inclusionVector) { x.Root = root(299) })
	incl("an index beyond the tree", 2, 3, "proof", func(x *inclusionVector) { x.Index = 3 })

	cons := func(desc string, m, n uint64, wantErr string, edit func(*consistencyVector)) {
		p, err := tr.ConsistencyProof(m, n)
		if err != nil {
			t.Fatal(err)
		}
		x := consistencyVector{Desc: desc, Size1: m, Root1: root(m), Size2: n, Root2: root(n), Proof: p, WantErr: wantErr}
		if edit != nil {
			edit(&x)
		}
		v.Consistency = append(v.Consistency, x)
	}
	cons("the empty tree is a prefix of any tree", 0, 5, "", nil)
	cons("a tree is a prefix of itself", 7, 7, "", nil)
	cons("a power of two into a larger tree", 4, 8, "", nil)
	cons("odd sizes", 3, 7, "", nil)
	cons("across a tile edge", 255, 257, "", nil)
	cons("far apart", 100, 300, "", nil)
	cons("a forked old tree", 100, 300, "proof", func(x *consistencyVector) { x.Root1 = root(99) })
	cons("a forked new tree", 100, 300, "proof", func(x *consistencyVector) { x.Root2 = root(299) })
	cons("a proof hash missing", 100, 300, "proof", func(x *consistencyVector) { x.Proof = x.Proof[1:] })
	cons("equal sizes, different roots", 7, 7, "proof", func(x *consistencyVector) { x.Root2 = root(8) })
	cons("a tree that shrank", 7, 7, "proof", func(x *consistencyVector) { x.Size1, x.Root1 = 8, root(8) })
	cons("a proof for the empty tree must be empty", 0, 5, "proof", func(x *consistencyVector) { x.Proof = Proof{root(1)} })

	sign := func(text string, signers ...note.Signer) string {
		msg, err := note.Sign(&note.Note{Text: text}, signers...)
		if err != nil {
			t.Fatal(err)
		}
		return string(msg)
	}
	cp := func(n uint64) Checkpoint { return Checkpoint{Origin: testOrigin, Size: n, Root: root(n)} }
	good, _ := SignCheckpoint(cp(3), s)
	witnessKey, _, _ := note.GenerateKey(seeded.Reader("witness"), "witness.example")
	witness, _ := note.NewSigner(witnessKey)
	otherKey, _, _ := note.GenerateKey(seeded.Reader("other"), testOrigin)
	other, _ := note.NewSigner(otherKey)
	otherLogKey, _, _ := note.GenerateKey(seeded.Reader("other log"), "urna.example/elections/other")
	otherLog, _ := note.NewSigner(otherLogKey)
	text3 := string(cp(3).Text())
	v.Checkpoints = []checkpointVector{
		{"a checkpoint of three entries", string(good), ""},
		{"the empty tree", string(must(SignCheckpoint(cp(0), s))), ""},
		{"cosigned by a witness, whose signature is ignored", sign(text3, s, witness), ""},
		{"signed by another key of the same name", sign(text3, other), "signature"},
		{"signed by the key of another log", sign(fmt.Sprintf("urna.example/elections/other\n3\n%s\n", root(3)), otherLog), "signature"},
		{"the size changed after signing", string(bytes.Replace(good, []byte("\n3\n"), []byte("\n4\n"), 1)), "signature"},
		{"no signature", text3 + "\n", "malformed"},
		{"an extension line", sign(text3+"extension\n", s), "malformed"},
		{"a size with a leading zero", sign(fmt.Sprintf("%s\n03\n%s\n", testOrigin, root(3)), s), "malformed"},
		{"a size with a sign", sign(fmt.Sprintf("%s\n+3\n%s\n", testOrigin, root(3)), s), "malformed"},
		{"a size beyond 2^63-1", sign(fmt.Sprintf("%s\n9223372036854775808\n%s\n", testOrigin, root(3)), s), "malformed"},
		{"a root of 31 bytes", sign(fmt.Sprintf("%s\n3\n%s\n", testOrigin, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=="), s), "malformed"},
		{"a root without padding", sign(fmt.Sprintf("%s\n3\n%s\n", testOrigin, root(3).String()[:43]), s), "malformed"},
		{"two lines only", sign(fmt.Sprintf("%s\n3\n", testOrigin), s), "malformed"},
		{"carriage returns", string(bytes.ReplaceAll(good, []byte("\n"), []byte("\r\n"))), "malformed"},
	}
	return v
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

func TestVectors(t *testing.T) {
	got := makeVectors(t)
	if *update {
		b, err := json.MarshalIndent(got, "", "\t")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile("testdata/vectors.json", append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	v := readVectors(t)
	if diff := cmp.Diff(got, v); diff != "" {
		t.Errorf("testdata/vectors.json is not what this package makes (-made +file):\n%s", diff)
	}
	verifier, err := NewVerifier(v.VerifierKey)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range v.Trees {
		var entries [][]byte
		for i := range x.Size {
			entries = append(entries, vectorEntry(int(i)))
		}
		if r := Hash(refRoot(entries)); r != x.Root {
			t.Errorf("%s: reference root %s, want %s", x.Desc, r, x.Root)
		}
	}
	for _, x := range v.Inclusion {
		err := VerifyInclusion([]byte(x.Entry), x.Index, Checkpoint{Size: x.Size, Root: x.Root}, x.Proof)
		checkClass(t, x.Desc, err, x.WantErr)
	}
	for _, x := range v.Consistency {
		err := VerifyConsistency(Checkpoint{Size: x.Size1, Root: x.Root1}, Checkpoint{Size: x.Size2, Root: x.Root2}, x.Proof)
		checkClass(t, x.Desc, err, x.WantErr)
	}
	for _, x := range v.Checkpoints {
		_, err := OpenCheckpoint([]byte(x.Note), verifier)
		checkClass(t, x.Desc, err, x.WantErr)
	}
}

func readVectors(t testing.TB) *vectors {
	b, err := os.ReadFile("testdata/vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var v vectors
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return &v
}

func checkClass(t *testing.T, desc string, err error, want string) {
	t.Helper()
	var class error
	switch want {
	case "":
		if err != nil {
			t.Errorf("%s: %v", desc, err)
		}
		return
	case "proof":
		class = ErrInvalidProof
	case "malformed":
		class = ErrMalformed
	case "signature":
		class = ErrSignature
	default:
		t.Fatalf("%s: unknown class %q", desc, want)
	}
	if !errors.Is(err, class) {
		t.Errorf("%s: error %v, want %s", desc, err, want)
	}
}
