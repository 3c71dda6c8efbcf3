package threshold

import (
	"fmt"
	"io"

	"github.com/gtank/ristretto255"
	"golang.org/x/crypto/chacha20poly1305"

	"github.com/urna-vote/urna/crypto/group"
	"github.com/urna-vote/urna/crypto/proof"
	"github.com/urna-vote/urna/crypto/transcript"
)

const (
	version        = 1
	sealedShareLen = group.Size + group.Size + chacha20poly1305.Overhead // E ‖ AEAD(share)
	complaintLen   = 1 + group.Size + proof.DLEQSize
)

// Round1Size returns the length of a round-1 message.
func (p Params) Round1Size() int {
	return 2 + p.T*group.Size + proof.SchnorrSize + (p.N-1)*sealedShareLen
}

// A Round1 message is guardian Dealer's commitments, proof of knowledge and
// encrypted shares.
type Round1 struct {
	Dealer      int
	Commitments []*ristretto255.Element
	PoK         *proof.Schnorr
	// Sealed[j] is the share for guardian j (nil for the dealer itself).
	Sealed map[int][]byte
	raw    []byte
}

// A Complaint accuses Dealer of sending the complainer a bad share, and
// reveals the Diffie–Hellman secret S = x_j·E of that share with a proof.
type Complaint struct {
	Dealer int
	S      *ristretto255.Element
	Proof  *proof.DLEQ
}

// A Round2 message is guardian Guardian's complaints (possibly none).
type Round2 struct {
	Guardian   int
	Complaints []Complaint
}

func pokTranscript(ctx [32]byte, dealer int) *transcript.Transcript {
	return transcript.New("urna/v1/dkg/pok").Bytes("ceremony", ctx[:]).Uint("dealer", uint64(dealer))
}

func complaintTranscript(ctx [32]byte, dealer, recipient int) *transcript.Transcript {
	return transcript.New("urna/v1/dkg/complaint").Bytes("ceremony", ctx[:]).
		Uint("dealer", uint64(dealer)).Uint("recipient", uint64(recipient))
}

// shareKey derives the AEAD key of the share from dealer to recipient from
// the ephemeral key E and the shared secret S.
func shareKey(ctx [32]byte, dealer, recipient int, e, s *ristretto255.Element) [32]byte {
	return transcript.New("urna/v1/dkg/share").Bytes("ceremony", ctx[:]).
		Uint("dealer", uint64(dealer)).Uint("recipient", uint64(recipient)).
		Element("E", e).Element("S", s).Digest("key")
}

// seal encrypts share for recipient under its long-term key pub.
func seal(rand io.Reader, ctx [32]byte, dealer, recipient int, pub *ristretto255.Element, share *ristretto255.Scalar) ([]byte, error) {
	eph, err := group.RandomSecret(rand)
	if err != nil {
		return nil, err
	}
	defer eph.Zero()
	e := ristretto255.NewIdentityElement().ScalarBaseMult(eph.Scalar())
	s := ristretto255.NewIdentityElement().ScalarMult(eph.Scalar(), pub)
	key := shareKey(ctx, dealer, recipient, e, s)
	aead, err := chacha20poly1305.New(key[:])
	if err != nil {
		return nil, err
	}
	out := e.Encode(make([]byte, 0, sealedShareLen))
	var nonce [chacha20poly1305.NonceSize]byte // the key is used once
	return aead.Seal(out, nonce[:], share.Bytes(), out[:group.Size]), nil
}

// open decrypts a sealed share given the shared secret S.
func open(ctx [32]byte, dealer, recipient int, sealed []byte, s *ristretto255.Element) (*ristretto255.Scalar, error) {
	e, err := group.DecodeElement(sealed[:group.Size])
	if err != nil {
		return nil, err
	}
	key := shareKey(ctx, dealer, recipient, e, s)
	aead, err := chacha20poly1305.New(key[:])
	if err != nil {
		return nil, err
	}
	var nonce [chacha20poly1305.NonceSize]byte
	pt, err := aead.Open(nil, nonce[:], sealed[group.Size:], sealed[:group.Size])
	if err != nil {
		return nil, fmt.Errorf("share does not decrypt")
	}
	return group.DecodeScalar(pt)
}

// Encode returns the message's bytes: u8 version, u8 dealer, T commitments,
// the Schnorr proof, then for every other guardian j in order E ‖ AEAD.
func (m *Round1) Encode() []byte { return m.raw }

// DecodeRound1 parses a round-1 message strictly for params p.
func DecodeRound1(p Params, b []byte) (*Round1, error) {
	if err := p.Check(); err != nil {
		return nil, err
	}
	if len(b) != p.Round1Size() {
		return nil, fmt.Errorf("%w: round 1: %d bytes, want %d", ErrMalformed, len(b), p.Round1Size())
	}
	if b[0] != version {
		return nil, fmt.Errorf("%w: version %d", ErrMalformed, b[0])
	}
	m := &Round1{Dealer: int(b[1]), Sealed: map[int][]byte{}, raw: append([]byte(nil), b...)}
	if m.Dealer < 1 || m.Dealer > p.N {
		return nil, fmt.Errorf("%w: dealer %d", ErrMalformed, m.Dealer)
	}
	off := 2
	for k := 0; k < p.T; k++ {
		c, err := group.DecodeElement(b[off : off+group.Size])
		if err != nil {
			return nil, fmt.Errorf("%w: commitment %d: %w", ErrMalformed, k, err)
		}
		m.Commitments = append(m.Commitments, c)
		off += group.Size
	}
	pok, err := proof.DecodeSchnorr(b[off : off+proof.SchnorrSize])
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	m.PoK = pok
	off += proof.SchnorrSize
	for j := 1; j <= p.N; j++ {
		if j == m.Dealer {
			continue
		}
		if _, err := group.DecodeElement(b[off : off+group.Size]); err != nil {
			return nil, fmt.Errorf("%w: ephemeral key for %d: %w", ErrMalformed, j, err)
		}
		m.Sealed[j] = m.raw[off : off+sealedShareLen]
		off += sealedShareLen
	}
	return m, nil
}

// Encode returns u8 version, u8 guardian, u8 count, then per complaint, in
// ascending order of dealer, u8 dealer ‖ S ‖ DLEQ proof.
func (m *Round2) Encode() []byte {
	out := []byte{version, byte(m.Guardian), byte(len(m.Complaints))}
	for _, c := range m.Complaints {
		out = append(out, byte(c.Dealer))
		out = c.S.Encode(out)
		out = append(out, c.Proof.Bytes()...)
	}
	return out
}

// DecodeRound2 parses a round-2 message strictly for params p.
func DecodeRound2(p Params, b []byte) (*Round2, error) {
	if err := p.Check(); err != nil {
		return nil, err
	}
	if len(b) < 3 || b[0] != version {
		return nil, fmt.Errorf("%w: round 2 header", ErrMalformed)
	}
	m := &Round2{Guardian: int(b[1])}
	n := int(b[2])
	if m.Guardian < 1 || m.Guardian > p.N || n > p.N-1 || len(b) != 3+n*complaintLen {
		return nil, fmt.Errorf("%w: round 2 of %d bytes from guardian %d with %d complaints", ErrMalformed, len(b), m.Guardian, n)
	}
	off := 3
	for k := 0; k < n; k++ {
		c := Complaint{Dealer: int(b[off])}
		if c.Dealer < 1 || c.Dealer > p.N || c.Dealer == m.Guardian ||
			(k > 0 && c.Dealer <= m.Complaints[k-1].Dealer) {
			return nil, fmt.Errorf("%w: complaint against guardian %d", ErrMalformed, c.Dealer)
		}
		var err error
		if c.S, err = group.DecodeElement(b[off+1 : off+1+group.Size]); err != nil {
			return nil, fmt.Errorf("%w: complaint: %w", ErrMalformed, err)
		}
		if c.Proof, err = proof.DecodeDLEQ(b[off+1+group.Size : off+complaintLen]); err != nil {
			return nil, fmt.Errorf("%w: complaint: %w", ErrMalformed, err)
		}
		m.Complaints = append(m.Complaints, c)
		off += complaintLen
	}
	return m, nil
}
