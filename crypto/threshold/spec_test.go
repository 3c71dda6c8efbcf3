package threshold

import (
	"bytes"
	"crypto/sha512"
	"encoding/binary"
	"testing"

	"github.com/gtank/ristretto255"

	"github.com/urna-vote/urna/crypto/group"
)

// rawTranscript is SPEC.md §0's transcript written out from the text, with
// no use of package transcript, to check that the spec says what the code
// does.
type rawTranscript struct{ buf bytes.Buffer }

func newRaw(domain string) *rawTranscript {
	r := &rawTranscript{}
	r.field('D', "urna/v1", []byte(domain))
	return r
}

func (r *rawTranscript) field(tag byte, label string, value []byte) *rawTranscript {
	r.buf.WriteByte(tag)
	r.buf.Write(binary.BigEndian.AppendUint16(nil, uint16(len(label))))
	r.buf.WriteString(label)
	r.buf.Write(binary.BigEndian.AppendUint32(nil, uint32(len(value))))
	r.buf.Write(value)
	return r
}

func (r *rawTranscript) bytes(l string, v []byte) *rawTranscript { return r.field('B', l, v) }
func (r *rawTranscript) elem(l string, e *ristretto255.Element) *rawTranscript {
	return r.field('E', l, e.Bytes())
}
func (r *rawTranscript) uint(l string, v uint64) *rawTranscript {
	return r.field('U', l, binary.BigEndian.AppendUint64(nil, v))
}
func (r *rawTranscript) sum(label string) [64]byte {
	r.field('C', label, nil)
	return sha512.Sum512(r.buf.Bytes())
}
func (r *rawTranscript) digest(label string) (d [32]byte) {
	s := r.sum(label)
	copy(d[:], s[:32])
	return d
}

func TestSpecHashes(t *testing.T) {
	f := newFixture(t, Default, "spec hashes").run(t)
	s := f.setup
	ctx := s.Context()

	// §2 session hash.
	r := newRaw("urna/v1/dkg/session").bytes("context", ctx[:]).uint("n", 7).uint("t", 4)
	for j := 1; j <= 7; j++ {
		r.elem("key", s.Key(j))
	}
	sid := r.digest("session")
	if sid != s.Session() {
		t.Fatal("§2: session hash")
	}

	// §4.3 share binding.
	m := f.c.Round1Messages()[2]
	b := newRaw("urna/v1/dkg/share").bytes("session", sid[:]).uint("dealer", 3).uint("recipient", 5).
		elem("ephemeral", m.Ephemeral).elem("recipient key", s.Key(5)).digest("share/binding")
	if b != shareBinding(s, 3, 5, m.Ephemeral) {
		t.Fatal("§4.3: share binding")
	}

	// §5.1 round-1 digest.
	r = newRaw("urna/v1/dkg/round1").bytes("session", sid[:]).uint("count", 7)
	for _, m := range f.c.Round1Messages() {
		r.uint("dealer", uint64(m.Dealer)).bytes("message", m.Encode())
	}
	if r.digest("round1") != f.c.Round1Digest() {
		t.Fatal("§5.1: round-1 digest")
	}

	// §3.2 the signature's challenge, checked through its equation
	// z·G == R + c·P_i with c reduced from the 64-byte hash.
	sig := m.Signature
	h := newRaw("urna/v1/dkg/signature").bytes("session", sid[:]).uint("guardian", 3).bytes("message", m.body()).
		elem("schnorr/base", group.G()).elem("schnorr/X", s.Key(3)).elem("schnorr/R", sig.R).sum("schnorr/c")
	c, _ := ristretto255.NewScalar().SetUniformBytes(h[:])
	lhs := ristretto255.NewIdentityElement().ScalarBaseMult(sig.Z)
	rhs := ristretto255.NewIdentityElement().ScalarMult(c, s.Key(3))
	if lhs.Equal(rhs.Add(rhs, sig.R)) != 1 {
		t.Fatal("§3.2: signature challenge")
	}
}
