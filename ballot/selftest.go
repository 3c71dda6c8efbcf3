package ballot

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/gtank/ristretto255"
	"github.com/urna-vote/urna/crypto/elgamal"
	"github.com/urna-vote/urna/crypto/group"
	"github.com/urna-vote/urna/internal/seeded"
)

// selfTestDigest is the SHA-256 of the ballot SelfTest encrypts: a known
// answer, which TestSelfTest checks the native build still produces.
const selfTestDigest = "a281abd20049bbd64289facf5071fcaa0d7a3ea2f040bb690d4c5a3f7cda2542"

// SelfTest is the known-answer test a voter's device runs before it
// encrypts anything (client/wasm): it encrypts a fixed ballot with a fixed
// random stream and compares the bytes with those the native build makes,
// verifies the ballot and its opening, and checks that a ballot with one
// bit flipped is refused. A miscompiled or altered build fails it.
func SelfTest() error {
	rand := seeded.Reader("urna/v1/ballot self-test")
	x, err := group.RandomSecret(rand)
	if err != nil {
		return err
	}
	ctx := &Context{Key: elgamal.NewPublicKey(ristretto255.NewIdentityElement().ScalarBaseMult(x.Scalar()))}
	copy(ctx.Election[:], "urna/v1/ballot self-test context")
	style := Style{{Index: 0, Options: 3, Min: 1, Max: 1}, {Index: 1, Options: 4, Min: 0, Max: 2}}
	choices := Choices{{0, 1, 0}, {1, 0, 0, 1}}
	key, err := group.RandomSecret(rand)
	if err != nil {
		return err
	}
	b, op, err := Encrypt(rand, ctx, style, []byte("self-test credential"), key, 1, choices)
	if err != nil {
		return fmt.Errorf("ballot: self-test: %w", err)
	}
	enc := b.Bytes()
	sum := sha256.Sum256(enc)
	if hex.EncodeToString(sum[:]) != selfTestDigest {
		return errors.New("ballot: self-test: the encryption differs from the known answer")
	}
	dec, err := Decode(enc)
	if err != nil {
		return fmt.Errorf("ballot: self-test: %w", err)
	}
	if err := dec.Verify(ctx, style); err != nil {
		return fmt.Errorf("ballot: self-test: %w", err)
	}
	opened, err := VerifyOpening(ctx, dec, op)
	if err != nil {
		return fmt.Errorf("ballot: self-test: %w", err)
	}
	for i := range choices {
		if !bytes.Equal(opened[i], choices[i]) {
			return errors.New("ballot: self-test: the opening does not give the choices")
		}
	}
	bad := bytes.Clone(enc)
	bad[len(bad)/2] ^= 1
	if d, err := Decode(bad); err == nil && d.Verify(ctx, style) == nil {
		return errors.New("ballot: self-test: a corrupted ballot verified")
	}
	return nil
}
