package credential

import (
	"errors"
	"fmt"
	"io"

	"github.com/gtank/ristretto255"

	"github.com/urna-vote/urna/crypto/group"
)

// Credential key sizes.
const (
	// KeySize is the length of a credential public key: a ristretto255
	// element.
	KeySize = group.Size
	// SecretSize is the length of a credential secret key: a scalar.
	SecretSize = group.Size
)

// A Key is what the voter's device keeps: the credential secret key x (a
// ristretto255 scalar; the public key is x·G) and its Credential. It signs
// the voter's ballots (package ballot: a Schnorr signature on ristretto255,
// which batch-verifies with the ballot's proofs).
//
// A Key cannot be compared with ==, prints as "[secret]" with any fmt verb
// and refuses to marshal. SecretBytes is the deliberate way to store it;
// NewKey restores it.
type Key struct {
	_    [0]func()
	x    *group.Secret
	cred *Credential
}

// NewKey restores a Key from the 32-byte secret returned by SecretBytes and
// the credential it belongs to. It fails with ErrKeyMismatch if x·G is not
// the credential's key.
func NewKey(secret []byte, cred *Credential) (*Key, error) {
	if cred == nil {
		return nil, errors.New("credential: no credential")
	}
	s, err := group.DecodeScalar(secret)
	if err != nil {
		return nil, fmt.Errorf("credential: key secret: %w", err)
	}
	x := group.NewSecret(s)
	if ristretto255.NewIdentityElement().ScalarBaseMult(x.Scalar()).Equal(mustElement(cred.key[:])) != 1 {
		return nil, ErrKeyMismatch
	}
	return &Key{x: x, cred: cred}, nil
}

func mustElement(b []byte) *ristretto255.Element {
	e, err := group.DecodeElement(b)
	if err != nil {
		return ristretto255.NewIdentityElement()
	}
	return e
}

// Secret returns the credential secret key, to sign ballots with.
func (k *Key) Secret() *group.Secret { return k.x }

// SecretBytes returns the 32-byte secret, only for deliberate storage in an
// encrypted container on the voter's device.
func (k *Key) SecretBytes() []byte { return k.x.Bytes() }

// PublicKey returns the 32-byte credential public key.
func (k *Key) PublicKey() []byte { return k.cred.PublicKey() }

// Credential returns the key's credential.
func (k *Key) Credential() *Credential { return k.cred }

// Zero overwrites the secret key. The Key must not be used afterwards.
func (k *Key) Zero() { k.x.Zero() }

// String implements fmt.Stringer without revealing the key.
func (Key) String() string { return "[secret]" }

// GoString implements fmt.GoStringer without revealing the key.
func (Key) GoString() string { return "[secret]" }

// Format implements fmt.Formatter without revealing the key.
func (Key) Format(f fmt.State, verb rune) { io.WriteString(f, "[secret]") }

// MarshalJSON refuses to marshal the key.
func (Key) MarshalJSON() ([]byte, error) { return nil, errMarshalSecret }

// MarshalText refuses to marshal the key.
func (Key) MarshalText() ([]byte, error) { return nil, errMarshalSecret }

// MarshalBinary refuses to marshal the key.
func (Key) MarshalBinary() ([]byte, error) { return nil, errMarshalSecret }

// checkKey accepts a credential public key only as a canonical, non-identity
// ristretto255 encoding.
func checkKey(b []byte) error {
	_, err := group.DecodeElement(b)
	return err
}
