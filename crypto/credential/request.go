package credential

import (
	"crypto/rsa"
	"errors"
	"fmt"
	"io"
	"math/big"

	"github.com/cloudflare/circl/blindsign/blindrsa"
	"github.com/gtank/ristretto255"

	"github.com/urna-vote/urna/crypto/group"
)

// variant is the RFC 9474 variant of every urna credential.
const variant = blindrsa.SHA384PSSRandomized

// A Request is the voter's side of one issuance, between NewRequest and
// Finalize. It holds the new credential private key and the blinding
// factor, so it cannot be compared with ==, prints as "[secret]" and
// refuses to marshal.
type Request struct {
	_        [0]func()
	issuer   *rsa.PublicKey
	election [32]byte
	district string
	x        *group.Secret
	pub      []byte
	prefix   [PrefixSize]byte
	client   blindrsa.Client
	state    blindrsa.State
	blinded  []byte
	key      *Key
}

// NewRequest starts an issuance on the voter's device: it generates the
// credential key pair from rand, builds the message naming the election,
// the district and the public key, and prepares and blinds it for issuer,
// the key that the election manifest lists for district. Send Blinded to
// the issuer and pass its answer to Finalize.
//
// rand is read in this order: 64 bytes for the credential secret scalar, the 32-byte
// randomizer prefix, then what RFC 9474 Blind draws (the 48-byte PSS salt
// and the blinding factor).
func NewRequest(rand io.Reader, issuer *rsa.PublicKey, electionHash [32]byte, district string) (*Request, error) {
	if err := checkPublicKey(issuer); err != nil {
		return nil, err
	}
	if err := checkDistrict(district); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidDistrict, err)
	}
	pub := &rsa.PublicKey{N: new(big.Int).Set(issuer.N), E: issuer.E}
	r := &Request{issuer: pub, election: electionHash, district: district}

	x, err := group.RandomSecret(rand)
	if err != nil {
		return nil, fmt.Errorf("credential: reading randomness: %w", err)
	}
	r.x = x
	r.pub = ristretto255.NewIdentityElement().ScalarBaseMult(x.Scalar()).Bytes()
	digest := message(electionHash, district, r.pub)

	if r.client, err = blindrsa.NewClient(variant, pub); err != nil {
		return nil, fmt.Errorf("credential: %w", err)
	}
	// RFC 9474 §4.1 Prepare: a 32-byte random prefix before the message.
	msg, err := r.client.Prepare(rand, digest[:])
	if err != nil {
		return nil, fmt.Errorf("credential: reading randomness: %w", err)
	}
	if len(msg) != PrefixSize+len(digest) {
		return nil, fmt.Errorf("credential: prepared message of %d bytes, want %d", len(msg), PrefixSize+len(digest))
	}
	copy(r.prefix[:], msg)
	// RFC 9474 §4.2 Blind: EMSA-PSS-encode with a random salt, check that
	// the encoded message is coprime to n, multiply by r^e mod n.
	if r.blinded, r.state, err = r.client.Blind(rand, msg); err != nil {
		return nil, fmt.Errorf("credential: blinding: %w", err)
	}
	return r, nil
}

// Blinded returns the blinded message to send to the issuer. It is as long
// as the issuer's modulus and, being multiplied by a uniformly random
// factor, says nothing about the credential.
func (r *Request) Blinded() []byte { return append([]byte(nil), r.blinded...) }

// Finalize is RFC 9474 §4.4 Finalize: it unblinds the issuer's blind
// signature and verifies the result, and returns the credential. A blind
// signature that does not unblind to a valid signature of this request
// under the request's issuer key — a wrong length, a value not below the
// modulus, another request's answer, another key's — is an error wrapping
// ErrInvalidBlindSignature.
func (r *Request) Finalize(blindSig []byte) (*Credential, error) {
	if k := r.issuer.Size(); len(blindSig) != k {
		return nil, fmt.Errorf("%w: length %d, want %d", ErrInvalidBlindSignature, len(blindSig), k)
	}
	if new(big.Int).SetBytes(blindSig).Cmp(r.issuer.N) >= 0 {
		return nil, fmt.Errorf("%w: not below the modulus", ErrInvalidBlindSignature)
	}
	// s = z · r⁻¹ mod n, then RSAVP1(pk, s) must equal the encoded message.
	sig, err := r.client.Finalize(r.state, blindSig)
	if errors.Is(err, rsa.ErrVerification) {
		return nil, fmt.Errorf("%w: does not unblind to a signature of this request under the issuer key", ErrInvalidBlindSignature)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidBlindSignature, err)
	}
	c := &Credential{district: r.district, prefix: r.prefix, sig: sig}
	copy(c.key[:], r.pub)
	// The check every verifier will make (RFC 9474 §4.4 step 4 asks for
	// RSASSA-PSS-VERIFY; circl compared the encoded message instead).
	if err := c.Verify(r.issuer, r.election); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidBlindSignature, err)
	}
	r.key = &Key{x: r.x, cred: c}
	return c, nil
}

// Key returns the credential key and its credential after a successful
// Finalize, for the device to store; before, it returns ErrNotFinalized.
func (r *Request) Key() (*Key, error) {
	if r.key == nil {
		return nil, ErrNotFinalized
	}
	return r.key, nil
}

// String implements fmt.Stringer without revealing the request's secrets.
func (Request) String() string { return "[secret]" }

// GoString implements fmt.GoStringer without revealing the request's secrets.
func (Request) GoString() string { return "[secret]" }

// Format implements fmt.Formatter without revealing the request's secrets.
func (Request) Format(f fmt.State, verb rune) { io.WriteString(f, "[secret]") }

// MarshalJSON refuses to marshal the request.
func (Request) MarshalJSON() ([]byte, error) { return nil, errMarshalSecret }

// MarshalText refuses to marshal the request.
func (Request) MarshalText() ([]byte, error) { return nil, errMarshalSecret }

// MarshalBinary refuses to marshal the request.
func (Request) MarshalBinary() ([]byte, error) { return nil, errMarshalSecret }
