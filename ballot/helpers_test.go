package ballot

import (
	"io"
	"testing"

	"github.com/urna-vote/urna/crypto/elgamal"
	"github.com/urna-vote/urna/crypto/group"
	"github.com/urna-vote/urna/internal/seeded"
)

// newSigner returns a fresh credential secret key for tests.
func newSigner(t testing.TB, rand io.Reader) *group.Secret {
	t.Helper()
	k, err := group.RandomSecret(rand)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// fixture is an election with a known secret key, for tests only.
type fixture struct {
	rand   io.Reader
	secret *group.Secret
	ctx    *Context
	style  Style
}

func newFixture(t testing.TB, seed string) *fixture {
	t.Helper()
	rand := seeded.Reader(seed)
	x, err := group.RandomSecret(rand)
	if err != nil {
		t.Fatal(err)
	}
	k := group.G().ScalarBaseMult(x.Scalar())
	f := &fixture{rand: rand, secret: x, ctx: &Context{Key: elgamal.NewPublicKey(k)}}
	copy(f.ctx.Election[:], "election context hash for tests!")
	f.style = Style{
		{Index: 0, Options: 5, Min: 1, Max: 1}, // one of five
		{Index: 1, Options: 4, Min: 0, Max: 2}, // up to two of four
		{Index: 2, Options: 3, Min: 1, Max: 1}, // yes / no / abstain
	}
	return f
}

func (f *fixture) choices() Choices {
	return Choices{{0, 0, 1, 0, 0}, {1, 0, 0, 1}, {0, 1, 0}}
}

func (f *fixture) encrypt(t testing.TB, signer *group.Secret, seq uint32, ch Choices) (*Ballot, *Opening) {
	t.Helper()
	b, op, err := Encrypt(f.rand, f.ctx, f.style, []byte("credential"), signer, seq, ch)
	if err != nil {
		t.Fatal(err)
	}
	return b, op
}
