package ballot

import (
	"encoding/binary"
	"fmt"

	"github.com/urna-vote/urna/crypto/elgamal"
	"github.com/urna-vote/urna/crypto/group"
	"github.com/urna-vote/urna/crypto/proof"
	"github.com/urna-vote/urna/crypto/transcript"
)

// The encoding, all integers big endian:
//
//	version        u8 (= 1)
//	election       32 bytes
//	credential     u16 length || bytes (1 ≤ length ≤ 1024)
//	credential key 32 bytes (ristretto255 element, non-identity)
//	seq            u32 (≥ 1)
//	contests       u8 count (1 ≤ count ≤ 64), then for each contest:
//	  index u16, options u16 (1..255), min u16, max u16 (min ≤ max ≤ options)
//	  for each option: ciphertext (64) || range proof for [0, 1] (224)
//	  range proof for [min, max]
//	signature      64 bytes (Schnorr signature over the ballot hash)

// bodyHash computes the ballot hash over the encoding without signature.
func bodyHash(body []byte) [32]byte {
	return transcript.New("urna/v1/ballot").Bytes("body", body).Digest("ballot/hash")
}

func (b *Ballot) encodeBody() []byte {
	out := []byte{Version}
	out = append(out, b.Election[:]...)
	out = binary.BigEndian.AppendUint16(out, uint16(len(b.Credential)))
	out = append(out, b.Credential...)
	out = append(out, b.CredentialKey[:]...)
	out = binary.BigEndian.AppendUint32(out, b.Seq)
	out = append(out, byte(len(b.Contests)))
	for _, c := range b.Contests {
		out = binary.BigEndian.AppendUint16(out, c.Index)
		out = binary.BigEndian.AppendUint16(out, uint16(len(c.Selections)))
		out = binary.BigEndian.AppendUint16(out, uint16(c.Min))
		out = binary.BigEndian.AppendUint16(out, uint16(c.Max))
		for _, s := range c.Selections {
			out = append(out, s.ctEnc...)
			out = append(out, s.Proof.Bytes()...)
		}
		out = append(out, c.Sum.Bytes()...)
	}
	return out
}

type reader struct {
	b   []byte
	err error
}

func (r *reader) take(n int, what string) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || len(r.b) < n {
		r.err = fmt.Errorf("%w: truncated at %s", ErrMalformed, what)
		return nil
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}

func (r *reader) u8(what string) int {
	b := r.take(1, what)
	if b == nil {
		return 0
	}
	return int(b[0])
}

func (r *reader) u16(what string) int {
	b := r.take(2, what)
	if b == nil {
		return 0
	}
	return int(binary.BigEndian.Uint16(b))
}

// Decode parses a ballot strictly: every length and count within the limits,
// every element and scalar canonical, no trailing bytes. It does not verify
// proofs or the signature.
func Decode(data []byte) (*Ballot, error) {
	if len(data) > MaxSize {
		return nil, fmt.Errorf("%w: %d bytes exceeds %d", ErrMalformed, len(data), MaxSize)
	}
	if len(data) < SignatureSize {
		return nil, fmt.Errorf("%w: too short", ErrMalformed)
	}
	body := append([]byte(nil), data[:len(data)-SignatureSize]...)
	r := &reader{b: body}
	b := &Ballot{body: body}
	if v := r.u8("version"); r.err == nil && v != Version {
		return nil, fmt.Errorf("%w: version %d, want %d", ErrMalformed, v, Version)
	}
	copy(b.Election[:], r.take(32, "election"))
	n := r.u16("credential length")
	if r.err == nil && (n == 0 || n > MaxCredentialLen) {
		return nil, fmt.Errorf("%w: credential length %d", ErrMalformed, n)
	}
	b.Credential = append([]byte(nil), r.take(n, "credential")...)
	if k := r.take(KeySize, "credential key"); k != nil {
		copy(b.CredentialKey[:], k)
		var err error
		if b.credKey, err = group.DecodeElement(k); err != nil {
			return nil, fmt.Errorf("%w: credential key: %w", ErrMalformed, err)
		}
	}
	if s := r.take(4, "seq"); s != nil {
		b.Seq = binary.BigEndian.Uint32(s)
		if b.Seq == 0 {
			return nil, fmt.Errorf("%w: sequence number 0", ErrMalformed)
		}
	}
	nc := r.u8("contest count")
	if r.err == nil && (nc == 0 || nc > MaxContests) {
		return nil, fmt.Errorf("%w: %d contests", ErrMalformed, nc)
	}
	for i := 0; i < nc && r.err == nil; i++ {
		c, err := decodeContest(r, i)
		if err != nil {
			return nil, err
		}
		b.Contests = append(b.Contests, c)
	}
	if r.err != nil {
		return nil, r.err
	}
	if len(r.b) != 0 {
		return nil, fmt.Errorf("%w: %d trailing bytes", ErrMalformed, len(r.b))
	}
	copy(b.Signature[:], data[len(data)-SignatureSize:])
	sig, err := proof.DecodeSchnorr(b.Signature[:])
	if err != nil {
		return nil, fmt.Errorf("%w: signature: %w", ErrMalformed, err)
	}
	b.sig = sig
	b.hash = bodyHash(b.body)
	return b, nil
}

func decodeContest(r *reader, i int) (*ContestBallot, error) {
	c := &ContestBallot{Index: uint16(r.u16("contest index"))}
	opts := r.u16("option count")
	c.Min, c.Max = r.u16("min"), r.u16("max")
	if r.err != nil {
		return nil, r.err
	}
	if opts == 0 || opts > MaxOptions || c.Min > c.Max || c.Max > opts {
		return nil, fmt.Errorf("%w: contest %d: %d options, limits [%d, %d]", ErrMalformed, i, opts, c.Min, c.Max)
	}
	bitSize := proof.RangeSize(0, 1)
	for o := 0; o < opts; o++ {
		ctEnc := r.take(elgamal.CiphertextSize, "ciphertext")
		pf := r.take(bitSize, "option proof")
		if r.err != nil {
			return nil, r.err
		}
		ct, err := elgamal.DecodeCiphertext(ctEnc)
		if err != nil {
			return nil, fmt.Errorf("%w: contest %d option %d: %w", ErrMalformed, i, o, err)
		}
		p, err := proof.DecodeRange(pf, 0, 1)
		if err != nil {
			return nil, fmt.Errorf("%w: contest %d option %d: %w", ErrMalformed, i, o, err)
		}
		c.Selections = append(c.Selections, &Selection{Ciphertext: ct, Proof: p, ctEnc: ctEnc})
	}
	sum := r.take(proof.RangeSize(uint64(c.Min), uint64(c.Max)), "sum proof")
	if r.err != nil {
		return nil, r.err
	}
	p, err := proof.DecodeRange(sum, uint64(c.Min), uint64(c.Max))
	if err != nil {
		return nil, fmt.Errorf("%w: contest %d sum: %w", ErrMalformed, i, err)
	}
	c.Sum = p
	return c, nil
}
