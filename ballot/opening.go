package ballot

import (
	"fmt"

	"github.com/urna-vote/urna/crypto/elgamal"
	"github.com/urna-vote/urna/crypto/group"
)

// An Opening reveals what a ballot encrypts: for every option the choice and
// the encryption nonce. It is the voter device's answer to a Benaloh
// challenge ("check my ballot"): the opened ballot can be checked by anyone
// and is published as spoiled, never counted; the device then encrypts a
// fresh ballot to cast. An Opening of a ballot that is cast must be destroyed.
type Opening struct {
	Ballot   [32]byte // the hash of the opened ballot
	Contests [][]OptionOpening
}

// An OptionOpening is one option's choice and nonce.
type OptionOpening struct {
	Selected uint8
	Nonce    *group.Secret
}

// Encode returns the canonical encoding: the ballot hash (32 bytes), a u8
// contest count, then per contest a u8 option count and per option the
// choice (u8, 0 or 1) and the nonce (32-byte scalar). Encoding deliberately
// reveals the nonces: only a spoiled ballot's opening is ever encoded.
func (op *Opening) Encode() []byte {
	out := append([]byte(nil), op.Ballot[:]...)
	out = append(out, byte(len(op.Contests)))
	for _, c := range op.Contests {
		out = append(out, byte(len(c)))
		for _, o := range c {
			out = append(out, o.Selected)
			out = append(out, o.Nonce.Bytes()...)
		}
	}
	return out
}

// DecodeOpening parses an opening strictly.
func DecodeOpening(data []byte) (*Opening, error) {
	r := &reader{b: data}
	op := &Opening{}
	copy(op.Ballot[:], r.take(32, "ballot hash"))
	nc := r.u8("contest count")
	if r.err == nil && (nc == 0 || nc > MaxContests) {
		return nil, fmt.Errorf("%w: opening: %d contests", ErrMalformed, nc)
	}
	for i := 0; i < nc && r.err == nil; i++ {
		no := r.u8("option count")
		if r.err == nil && no == 0 {
			return nil, fmt.Errorf("%w: opening: contest %d has no options", ErrMalformed, i)
		}
		row := make([]OptionOpening, 0, no)
		for o := 0; o < no && r.err == nil; o++ {
			sel := r.u8("choice")
			nb := r.take(group.Size, "nonce")
			if r.err != nil {
				break
			}
			if sel > 1 {
				return nil, fmt.Errorf("%w: opening: choice must be 0 or 1", ErrMalformed)
			}
			s, err := group.DecodeScalar(nb)
			if err != nil {
				return nil, fmt.Errorf("%w: opening nonce: %w", ErrMalformed, err)
			}
			row = append(row, OptionOpening{Selected: uint8(sel), Nonce: group.NewSecret(s)})
		}
		op.Contests = append(op.Contests, row)
	}
	if r.err != nil {
		return nil, r.err
	}
	if len(r.b) != 0 {
		return nil, fmt.Errorf("%w: opening: %d trailing bytes", ErrMalformed, len(r.b))
	}
	return op, nil
}

// VerifyOpening checks that op opens b under ctx: every ciphertext equals
// the encryption of the revealed choice with the revealed nonce. It returns
// the choices.
func VerifyOpening(ctx *Context, b *Ballot, op *Opening) (Choices, error) {
	if op.Ballot != b.hash {
		return nil, fmt.Errorf("%w: opening is for another ballot", ErrInvalid)
	}
	if len(op.Contests) != len(b.Contests) {
		return nil, fmt.Errorf("%w: opening has %d contests, ballot %d", ErrInvalid, len(op.Contests), len(b.Contests))
	}
	choices := make(Choices, len(b.Contests))
	for i, c := range b.Contests {
		if len(op.Contests[i]) != len(c.Selections) {
			return nil, fmt.Errorf("%w: opening of contest %d has %d options", ErrInvalid, c.Index, len(op.Contests[i]))
		}
		choices[i] = make([]uint8, len(c.Selections))
		for o, s := range c.Selections {
			oo := op.Contests[i][o]
			if !elgamal.Encrypt(ctx.Key, uint64(oo.Selected), oo.Nonce).Equal(s.Ciphertext) {
				return nil, fmt.Errorf("%w: contest %d option %d does not open to the revealed choice", ErrInvalid, c.Index, o)
			}
			choices[i][o] = oo.Selected
		}
	}
	return choices, nil
}
