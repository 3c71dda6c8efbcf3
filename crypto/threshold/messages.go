package threshold

import (
	"fmt"

	"github.com/gtank/ristretto255"

	"github.com/urna-vote/urna/crypto/group"
	"github.com/urna-vote/urna/crypto/proof"
)

// Wire format (SPEC.md §3.1): every message starts with the version and its
// kind, then the index of the guardian who sends it.
const (
	version         = 1
	kindRound1      = 1
	kindRound2      = 2
	kindDecryption  = 3
	headerSize      = 3
	complaintSize   = 1 + group.Size + proof.DLEQSize
	round2FixedSize = headerSize + 32 + 1 + proof.SchnorrSize
)

// Round1Size returns the length of a round-1 message under p.
func (p Params) Round1Size() int {
	return headerSize + 1 + p.T*group.Size + proof.SchnorrSize + group.Size + p.N*SealedShareSize + proof.SchnorrSize
}

// Round2Size returns the length of a round-2 message with the given number
// of complaints.
func Round2Size(complaints int) int { return round2FixedSize + complaints*complaintSize }

// A Round1Message is dealer i's deal (SPEC.md §4): Feldman commitments to
// its polynomial, a proof of knowledge of the constant term, an ephemeral
// key, every guardian's share encrypted to that guardian (its own
// included, for recovery) and a signature with its long-term key.
type Round1Message struct {
	Dealer      int
	Commitments []*ristretto255.Element // C_{i,k} = a_{i,k}·G, k = 0…t−1
	PoK         *proof.Schnorr          // knowledge of a_{i,0}
	Ephemeral   *ristretto255.Element   // E_i = e_i·G
	Shares      [][]byte                // Shares[j-1]: f_i(j) sealed to guardian j
	Signature   *proof.Schnorr          // by the long-term key P_i
}

// A Complaint is guardian j's accusation that Dealer's share for it is
// invalid. It reveals the Diffie–Hellman secret S = y_j·E_i of that one
// share, with a DLEQ proof that S was computed with j's long-term key, so
// that anyone can decrypt the share and judge (SPEC.md §5.2).
type Complaint struct {
	Dealer       int
	SharedSecret *ristretto255.Element
	Proof        *proof.DLEQ
}

// A Round2Message is guardian j's verdict on round 1 (SPEC.md §5): the
// digest of the round-1 messages it judged and its complaints, possibly
// none, signed with its long-term key.
type Round2Message struct {
	Guardian     int
	Round1Digest [32]byte
	Complaints   []Complaint // by ascending dealer
	Signature    *proof.Schnorr
}

// body returns the round-1 encoding without the signature.
func (m *Round1Message) body() []byte {
	b := make([]byte, 0, headerSize+1+len(m.Commitments)*group.Size+proof.SchnorrSize+group.Size+len(m.Shares)*SealedShareSize+proof.SchnorrSize)
	b = append(b, version, kindRound1, byte(m.Dealer), byte(len(m.Commitments)))
	for _, c := range m.Commitments {
		b = c.Encode(b)
	}
	b = append(b, m.PoK.Bytes()...)
	b = m.Ephemeral.Encode(b)
	for _, s := range m.Shares {
		b = append(b, s...)
	}
	return b
}

// Encode returns the message's canonical encoding:
//
//	u8 version = 1 ‖ u8 kind = 1 ‖ u8 dealer ‖ u8 t ‖ C_0 … C_{t−1} ‖ PoK ‖ E ‖
//	sealed share for guardian 1 … n ‖ signature
func (m *Round1Message) Encode() []byte {
	return append(m.body(), m.Signature.Bytes()...)
}

// DecodeRound1 decodes a round-1 message strictly: the exact length for p,
// canonical non-identity elements, canonical scalars, no trailing bytes.
// It checks no proof; Ceremony.AddRound1 does.
func DecodeRound1(p Params, b []byte) (*Round1Message, error) {
	if err := p.Check(); err != nil {
		return nil, err
	}
	if len(b) < headerSize+1 || b[0] != version || b[1] != kindRound1 {
		return nil, fmt.Errorf("%w: not a version-1 round-1 message", ErrMalformed)
	}
	m := &Round1Message{Dealer: int(b[2])}
	if m.Dealer < 1 || m.Dealer > p.N {
		return nil, fmt.Errorf("%w: dealer %d of %d", ErrMalformed, m.Dealer, p.N)
	}
	if int(b[3]) != p.T {
		return nil, fail(ErrCommitmentCount, "%d commitments, want %d", b[3], p.T)
	}
	if len(b) != p.Round1Size() {
		return nil, fail(ErrMalformed, "round 1 is %d bytes, want %d", len(b), p.Round1Size())
	}
	r := reader{b: b, off: headerSize + 1}
	for k := 0; k < p.T; k++ {
		c, err := group.DecodeElement(r.next(group.Size))
		if err != nil {
			return nil, fail(ErrMalformed, "commitment %d: %w", k, err)
		}
		m.Commitments = append(m.Commitments, c)
	}
	var err error
	if m.PoK, err = proof.DecodeSchnorr(r.next(proof.SchnorrSize)); err != nil {
		return nil, fail(ErrMalformed, "proof of knowledge: %w", err)
	}
	if m.Ephemeral, err = group.DecodeElement(r.next(group.Size)); err != nil {
		return nil, fail(ErrMalformed, "ephemeral key: %w", err)
	}
	for j := 1; j <= p.N; j++ {
		m.Shares = append(m.Shares, append([]byte(nil), r.next(SealedShareSize)...))
	}
	if m.Signature, err = proof.DecodeSchnorr(r.next(proof.SchnorrSize)); err != nil {
		return nil, fail(ErrMalformed, "signature: %w", err)
	}
	return m, nil
}

// body returns the round-2 encoding without the signature.
func (m *Round2Message) body() []byte {
	b := make([]byte, 0, Round2Size(len(m.Complaints)))
	b = append(b, version, kindRound2, byte(m.Guardian))
	b = append(b, m.Round1Digest[:]...)
	b = append(b, byte(len(m.Complaints)))
	for _, c := range m.Complaints {
		b = append(b, byte(c.Dealer))
		b = c.SharedSecret.Encode(b)
		b = append(b, c.Proof.Bytes()...)
	}
	return b
}

// Encode returns the message's canonical encoding:
//
//	u8 version = 1 ‖ u8 kind = 2 ‖ u8 guardian ‖ round-1 digest (32) ‖
//	u8 count ‖ count × (u8 dealer ‖ S ‖ DLEQ) ‖ signature
func (m *Round2Message) Encode() []byte {
	return append(m.body(), m.Signature.Bytes()...)
}

// DecodeRound2 decodes a round-2 message strictly: at most n−1 complaints
// against distinct dealers in ascending order, none against the sender,
// exact length. It checks no proof; Ceremony.AddRound2 does.
func DecodeRound2(p Params, b []byte) (*Round2Message, error) {
	if err := p.Check(); err != nil {
		return nil, err
	}
	if len(b) < round2FixedSize || b[0] != version || b[1] != kindRound2 {
		return nil, fmt.Errorf("%w: not a version-1 round-2 message", ErrMalformed)
	}
	m := &Round2Message{Guardian: int(b[2])}
	if m.Guardian < 1 || m.Guardian > p.N {
		return nil, fmt.Errorf("%w: guardian %d of %d", ErrMalformed, m.Guardian, p.N)
	}
	copy(m.Round1Digest[:], b[headerSize:headerSize+32])
	count := int(b[headerSize+32])
	if count > p.N-1 || len(b) != Round2Size(count) {
		return nil, fail(ErrMalformed, "round 2 of %d bytes with %d complaints", len(b), count)
	}
	r := reader{b: b, off: headerSize + 33}
	for k := 0; k < count; k++ {
		c := Complaint{Dealer: int(r.next(1)[0])}
		if c.Dealer < 1 || c.Dealer > p.N || c.Dealer == m.Guardian ||
			(k > 0 && c.Dealer <= m.Complaints[k-1].Dealer) {
			return nil, fail(ErrMalformed, "complaint %d names guardian %d", k, c.Dealer)
		}
		var err error
		if c.SharedSecret, err = group.DecodeElement(r.next(group.Size)); err != nil {
			return nil, fail(ErrMalformed, "complaint against %d: %w", c.Dealer, err)
		}
		if c.Proof, err = proof.DecodeDLEQ(r.next(proof.DLEQSize)); err != nil {
			return nil, fail(ErrMalformed, "complaint against %d: %w", c.Dealer, err)
		}
		m.Complaints = append(m.Complaints, c)
	}
	var err error
	if m.Signature, err = proof.DecodeSchnorr(r.next(proof.SchnorrSize)); err != nil {
		return nil, fail(ErrMalformed, "signature: %w", err)
	}
	return m, nil
}

func fail(class error, format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{class}, args...)...)
}

// reader walks a buffer whose length the caller has already checked.
type reader struct {
	b   []byte
	off int
}

func (r *reader) next(n int) []byte {
	s := r.b[r.off : r.off+n]
	r.off += n
	return s
}
