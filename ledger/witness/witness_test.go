package witness

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/urna-vote/urna/ledger"
	"golang.org/x/mod/sumdb/note"
)

func signedCheckpoint(t *testing.T, size uint64) ([]byte, note.Verifier) {
	t.Helper()
	skey, vkey, err := ledger.GenerateKey(rand.Reader, "urna.test/log")
	if err != nil {
		t.Fatal(err)
	}
	s, _ := ledger.NewSigner(skey)
	v, _ := ledger.NewVerifier(vkey)
	msg, err := ledger.SignCheckpoint(ledger.Checkpoint{Origin: "urna.test/log", Size: size, Root: ledger.LeafHash([]byte("x"))}, s)
	if err != nil {
		t.Fatal(err)
	}
	return msg, v
}

func newWitness(t *testing.T, name string) (*Signer, *Verifier, string) {
	t.Helper()
	skey, vkey, err := GenerateKey(rand.Reader, name)
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
	return s, v, vkey
}

func TestCosignature(t *testing.T) {
	msg, logV := signedCheckpoint(t, 10)
	s, v, _ := newWitness(t, "observer.party-a")
	s.Now = func() time.Time { return time.Unix(1_800_000_000, 0) }
	cosigned, err := Cosign(msg, s)
	if err != nil {
		t.Fatal(err)
	}
	// An ordinary signed note: the log's and the witness's signatures both
	// verify through golang.org/x/mod/sumdb/note.
	n, err := note.Open(cosigned, note.VerifierList(logV, v))
	if err != nil || len(n.Sigs) != 2 {
		t.Fatalf("note.Open: %v, %d signatures", err, len(n.Sigs))
	}
	if _, err := ledger.OpenCheckpoint(cosigned, logV); err != nil {
		t.Fatalf("the log's own check ignores cosignatures: %v", err)
	}
	sigs := Signatures(cosigned, []*Verifier{v})
	if got := Time(sigs["observer.party-a"]); !got.Equal(time.Unix(1_800_000_000, 0)) {
		t.Errorf("cosignature time %v", got)
	}
	// On another checkpoint, the same line is worthless.
	other, _ := signedCheckpoint(t, 11)
	_, line, _ := bytes.Cut(cosigned, []byte("\n\n"))
	lines := strings.SplitAfter(string(line), "\n")
	forged := append(bytes.Clone(other), lines[1]...)
	if len(Signatures(forged, []*Verifier{v})) != 0 {
		t.Error("a cosignature moved to another checkpoint verifies")
	}
	// Another witness's key does not verify it.
	_, v2, _ := newWitness(t, "observer.party-a")
	if len(Signatures(cosigned, []*Verifier{v2})) != 0 {
		t.Error("a cosignature verifies under another key of the same name")
	}
}

func TestPolicy(t *testing.T) {
	msg, _ := signedCheckpoint(t, 5)
	var text strings.Builder
	var signers []*Signer
	for i := range 3 {
		s, _, vkey := newWitness(t, fmt.Sprintf("w%d", i))
		signers = append(signers, s)
		fmt.Fprintf(&text, "witness w%d %s https://w%d.example/\n", i, vkey, i)
	}
	text.WriteString("quorum 2 # two of three\n")
	p, err := ParsePolicy([]byte(text.String()))
	if err != nil {
		t.Fatal(err)
	}
	one, _ := Cosign(msg, signers[0])
	if names, err := p.Check(one); err == nil || len(names) != 1 {
		t.Errorf("one cosignature of a quorum of 2: %v %v", names, err)
	}
	two, _ := Cosign(one, signers[2])
	if names, err := p.Check(two); err != nil || strings.Join(names, ",") != "w0,w2" {
		t.Errorf("two cosignatures: %v %v", names, err)
	}
	merged, err := Merge(one, two)
	if err != nil || !bytes.Equal(merged, two) {
		t.Errorf("merge: %v", err)
	}
	for _, bad := range []string{"", "quorum 1\n", "witness a b\nquorum 1\n", text.String() + "quorum 4\n", "frobnicate\n"} {
		if _, err := ParsePolicy([]byte(bad)); err == nil {
			t.Errorf("policy %q accepted", bad)
		}
	}
}

func TestAddCheckpointRoundTrip(t *testing.T) {
	msg, _ := signedCheckpoint(t, 7)
	proof := ledger.Proof{ledger.LeafHash([]byte("a")), ledger.LeafHash([]byte("b"))}
	for _, p := range []ledger.Proof{nil, proof} {
		old, got, signed, err := ParseAddCheckpoint(AddCheckpoint(3, p, msg))
		if err != nil || old != 3 || len(got) != len(p) || !bytes.Equal(signed, msg) {
			t.Fatalf("round trip: %d %v %v", old, got, err)
		}
	}
	for _, bad := range []string{"", "old 1\n", "old 01\n\nx", "old x\n\nx", "old 1\n!!!\n\nx", "new 1\n\nx"} {
		if _, _, _, err := ParseAddCheckpoint([]byte(bad)); err == nil {
			t.Errorf("request %q accepted", bad)
		}
	}
}

func FuzzParseAddCheckpoint(f *testing.F) {
	f.Add([]byte("old 3\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\nurna.test/log\n7\nroot\n\n— x y\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		old, proof, signed, err := ParseAddCheckpoint(b)
		if err != nil {
			return
		}
		// What parses re-encodes to a request that parses the same.
		old2, proof2, signed2, err := ParseAddCheckpoint(AddCheckpoint(old, proof, signed))
		if err != nil || old2 != old || len(proof2) != len(proof) || !bytes.Equal(signed, signed2) {
			t.Fatalf("re-encoding changed the request: %v", err)
		}
	})
}

func FuzzParsePolicy(f *testing.F) {
	_, vkey, _ := GenerateKey(rand.Reader, "w")
	f.Add([]byte("witness w " + vkey + " https://w.example/\nquorum 1\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := ParsePolicy(b)
		if err != nil {
			return
		}
		if p.Quorum < 1 || p.Quorum > len(p.Witnesses) {
			t.Fatalf("accepted quorum %d of %d", p.Quorum, len(p.Witnesses))
		}
	})
}
