package transcript

import (
	"crypto/sha512"
	"encoding/binary"
	"testing"

	"github.com/gtank/ristretto255"
)

// field encodes one field as docs/protocol.md §2 specifies, independently
// of the implementation.
func field(tag byte, label string, value []byte) []byte {
	out := []byte{tag}
	out = binary.BigEndian.AppendUint16(out, uint16(len(label)))
	out = append(out, label...)
	out = binary.BigEndian.AppendUint32(out, uint32(len(value)))
	return append(out, value...)
}

func TestKnownAnswer(t *testing.T) {
	var msg []byte
	msg = append(msg, field('D', "urna/v1", []byte("test/domain"))...)
	msg = append(msg, field('B', "bytes", []byte("abc"))...)
	msg = append(msg, field('U', "n", []byte{0, 0, 0, 0, 0, 0, 1, 2})...)
	msg = append(msg, field('C', "c", nil)...)
	sum := sha512.Sum512(msg)
	want := ristretto255.NewScalar()
	want.SetUniformBytes(sum[:])

	got := New("test/domain").Bytes("bytes", []byte("abc")).Uint("n", 258).Challenge("c")
	if got.Equal(want) != 1 {
		t.Fatal("challenge differs from the documented construction")
	}
	d := New("test/domain").Bytes("bytes", []byte("abc")).Uint("n", 258).Digest("c")
	if string(d[:]) != string(sum[:32]) {
		t.Fatal("digest differs from the documented construction")
	}
}

func TestDomainSeparation(t *testing.T) {
	cases := map[string][32]byte{
		"a|bc":    New("d").Bytes("a", []byte("bc")).Digest("x"),
		"ab|c":    New("d").Bytes("ab", []byte("c")).Digest("x"),
		"a|b,|c":  New("d").Bytes("a", []byte("b")).Bytes("", []byte("c")).Digest("x"),
		"other d": New("e").Bytes("a", []byte("bc")).Digest("x"),
		"as uint": New("d").Uint("a", 0x6263).Digest("x"),
		"label x": New("d").Bytes("a", []byte("bc")).Digest("y"),
		"empty":   New("d").Digest("x"),
	}
	seen := map[[32]byte]string{}
	for name, d := range cases {
		if other, dup := seen[d]; dup {
			t.Errorf("%q and %q hash alike", name, other)
		}
		seen[d] = name
	}
}

func TestCloneAndSequence(t *testing.T) {
	a := New("d").Bytes("x", []byte("1"))
	b := a.Clone()
	c1 := a.Challenge("c")
	c2 := a.Challenge("c")
	if c1.Equal(c2) == 1 {
		t.Error("a second challenge equals the first")
	}
	if b.Challenge("c").Equal(c1) != 1 {
		t.Error("a clone does not continue from the same state")
	}
	b.Bytes("y", nil)
	if a.Clone().Challenge("z").Equal(b.Challenge("z")) == 1 {
		t.Error("clones are not independent")
	}
}

func TestElementBytesMatchesElement(t *testing.T) {
	g := ristretto255.NewGeneratorElement()
	if New("d").Element("g", g).Digest("x") != New("d").ElementBytes("g", g.Bytes()).Digest("x") {
		t.Error("ElementBytes differs from Element")
	}
}
