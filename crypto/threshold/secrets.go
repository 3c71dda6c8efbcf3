package threshold

import (
	"errors"
	"fmt"
	"io"

	"github.com/gtank/ristretto255"

	"github.com/urna-vote/urna/crypto/group"
)

// The secret types of the package — LongTermKey, Share, Guardian and the
// dealer's polynomial — cannot be compared with == (each holds a func-typed
// field), print as a placeholder with every fmt verb and refuse JSON, text
// and binary marshalling. Storing one is always a call to a method whose
// name says so.

var errMarshalSecret = errors.New("threshold: refusing to marshal a secret")

// A LongTermKey is a guardian's long-term key pair (y, P = y·G). Dealers
// encrypt its shares to P; it signs the guardian's ceremony messages. P is
// listed among the ceremony's inputs (in urna, the election manifest).
type LongTermKey struct {
	_   [0]func()
	y   *group.Secret
	pub *ristretto255.Element
}

// GenerateLongTermKey draws a fresh long-term key from rand.
func GenerateLongTermKey(rand io.Reader) (*LongTermKey, error) {
	y, err := group.RandomSecret(rand)
	if err != nil {
		return nil, err
	}
	return NewLongTermKey(y)
}

// NewLongTermKey wraps the secret scalar y (not zero) as a long-term key.
// The key keeps its own copy.
func NewLongTermKey(y *group.Secret) (*LongTermKey, error) {
	if y.Scalar().Equal(ristretto255.NewScalar()) == 1 {
		return nil, fmt.Errorf("%w: zero long-term key", ErrParams)
	}
	k := &LongTermKey{y: group.NewSecret(y.Scalar())}
	k.pub = ristretto255.NewIdentityElement().ScalarBaseMult(k.y.Scalar())
	return k, nil
}

// Public returns a copy of the public key P = y·G.
func (k *LongTermKey) Public() *ristretto255.Element {
	return ristretto255.NewIdentityElement().Set(k.pub)
}

func (k *LongTermKey) String() string                 { return "threshold.LongTermKey([secret])" }
func (k *LongTermKey) GoString() string               { return k.String() }
func (k *LongTermKey) Format(f fmt.State, verb rune)  { io.WriteString(f, k.String()) }
func (k *LongTermKey) MarshalJSON() ([]byte, error)   { return nil, errMarshalSecret }
func (k *LongTermKey) MarshalText() ([]byte, error)   { return nil, errMarshalSecret }
func (k *LongTermKey) MarshalBinary() ([]byte, error) { return nil, errMarshalSecret }

// A Share is guardian j's share x_j of the election's secret key, with its
// public share X_j = x_j·G. No machine ever holds the key itself.
type Share struct {
	_     [0]func()
	index int
	x     *group.Secret
	pub   *ristretto255.Element
}

func newShare(index int, x *ristretto255.Scalar) *Share {
	return &Share{index: index, x: group.NewSecret(x), pub: ristretto255.NewIdentityElement().ScalarBaseMult(x)}
}

// Index returns the guardian's index j.
func (s *Share) Index() int { return s.index }

// PublicShare returns a copy of X_j = x_j·G.
func (s *Share) PublicShare() *ristretto255.Element {
	return ristretto255.NewIdentityElement().Set(s.pub)
}

// SecretForStorage returns the 32-byte secret x_j. It exists only to put the
// share into an encrypted container (the guardian's key file); the bytes
// must go nowhere else. A guardian that keeps its long-term key can instead
// recover the share from the public ceremony messages (Recover).
func (s *Share) SecretForStorage() []byte { return s.x.Bytes() }

// ShareFromStorage restores guardian index's share from SecretForStorage's
// bytes and checks it against the guardian's public share X_j (from the
// ceremony's Result), so that a corrupted or mixed-up file is caught here
// rather than at decryption.
func ShareFromStorage(index int, secret []byte, publicShare *ristretto255.Element) (*Share, error) {
	x, err := group.DecodeScalar(secret)
	if err != nil {
		return nil, fmt.Errorf("threshold: stored share: %w", err)
	}
	s := newShare(index, x)
	x.Zero()
	if s.pub.Equal(publicShare) != 1 {
		s.x.Zero()
		return nil, fmt.Errorf("threshold: stored share is not guardian %d's", index)
	}
	return s, nil
}

// Zero overwrites the secret share.
func (s *Share) Zero() { s.x.Zero() }

func (s *Share) String() string {
	return fmt.Sprintf("threshold.Share(guardian %d, [secret])", s.index)
}
func (s *Share) GoString() string               { return s.String() }
func (s *Share) Format(f fmt.State, verb rune)  { io.WriteString(f, s.String()) }
func (s *Share) MarshalJSON() ([]byte, error)   { return nil, errMarshalSecret }
func (s *Share) MarshalText() ([]byte, error)   { return nil, errMarshalSecret }
func (s *Share) MarshalBinary() ([]byte, error) { return nil, errMarshalSecret }

// A polynomial is a dealer's secret f(z) = a_0 + a_1·z + … + a_{t−1}·z^{t−1}.
type polynomial struct {
	_      [0]func()
	coeffs []*group.Secret
}

// randomPolynomial draws t uniformly random coefficients (SPEC.md §4.1
// step 1).
func randomPolynomial(t int, rand io.Reader) (*polynomial, error) {
	f := &polynomial{}
	for k := 0; k < t; k++ {
		a, err := group.RandomSecret(rand)
		if err != nil {
			f.zero()
			return nil, err
		}
		f.coeffs = append(f.coeffs, a)
	}
	return f, nil
}

// eval returns f(j) by Horner's rule, in constant time.
func (f *polynomial) eval(j int) *ristretto255.Scalar {
	x := group.ScalarFromUint64(uint64(j))
	v := ristretto255.NewScalar()
	for k := len(f.coeffs) - 1; k >= 0; k-- {
		v.Multiply(v, x)
		v.Add(v, f.coeffs[k].Scalar())
	}
	return v
}

// commitments returns C_k = a_k·G.
func (f *polynomial) commitments() []*ristretto255.Element {
	cs := make([]*ristretto255.Element, len(f.coeffs))
	for k, a := range f.coeffs {
		cs[k] = ristretto255.NewIdentityElement().ScalarBaseMult(a.Scalar())
	}
	return cs
}

func (f *polynomial) zero() {
	for _, a := range f.coeffs {
		a.Zero()
	}
	f.coeffs = nil
}

func (f *polynomial) String() string                 { return "threshold.polynomial([secret])" }
func (f *polynomial) Format(s fmt.State, verb rune)  { io.WriteString(s, f.String()) }
func (f *polynomial) MarshalJSON() ([]byte, error)   { return nil, errMarshalSecret }
func (f *polynomial) MarshalText() ([]byte, error)   { return nil, errMarshalSecret }
func (f *polynomial) MarshalBinary() ([]byte, error) { return nil, errMarshalSecret }

// varTimeEvalCommitments returns Σ_k j^k·C_k: the public image f(j)·G of
// the share for guardian j. Variable time: all inputs are public.
func varTimeEvalCommitments(cs []*ristretto255.Element, j int) *ristretto255.Element {
	scalars := make([]*ristretto255.Scalar, len(cs))
	js := group.ScalarFromUint64(uint64(j))
	pow := group.ScalarFromUint64(1)
	for k := range cs {
		scalars[k] = ristretto255.NewScalar().Set(pow)
		pow.Multiply(pow, js)
	}
	return ristretto255.NewIdentityElement().VarTimeMultiScalarMult(scalars, cs)
}
