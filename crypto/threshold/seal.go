package threshold

import (
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha512"
	"fmt"

	"github.com/gtank/ristretto255"
	"golang.org/x/crypto/chacha20poly1305"

	"github.com/urna-vote/urna/crypto/group"
)

// SealedShareSize is the length of one encrypted share: the 32-byte scalar
// and the Poly1305 tag.
const SealedShareSize = group.Size + chacha20poly1305.Overhead

// hkdfSalt separates the share-encryption keys from any other use of HKDF.
const hkdfSalt = "urna/v1/dkg/share-key"

// shareCipher derives the ChaCha20-Poly1305 key and nonce for the share from
// dealer to recipient (SPEC.md §4.3):
//
//	binding     = shareBinding(session, dealer, recipient, E, P_recipient)
//	key ‖ nonce = HKDF-SHA-512(IKM = S, salt = hkdfSalt, info = binding, 44 bytes)
//
// where S = e·P_recipient = y_recipient·E is the Diffie–Hellman secret.
func shareCipher(s *Setup, dealer, recipient int, ephemeral, secret *ristretto255.Element) (aead cipher.AEAD, nonce, ad []byte, err error) {
	binding := shareBinding(s, dealer, recipient, ephemeral)
	okm, err := hkdf.Key(sha512.New, secret.Bytes(), []byte(hkdfSalt), string(binding[:]),
		chacha20poly1305.KeySize+chacha20poly1305.NonceSize)
	if err != nil {
		return nil, nil, nil, err
	}
	defer clear(okm)
	a, err := chacha20poly1305.New(okm[:chacha20poly1305.KeySize])
	if err != nil {
		return nil, nil, nil, err
	}
	nonce = append([]byte(nil), okm[chacha20poly1305.KeySize:]...)
	return a, nonce, binding[:], nil
}

// sealShare encrypts share for recipient: S = e·P_recipient, then AEAD.
func sealShare(s *Setup, dealer, recipient int, e *group.Secret, ephemeral *ristretto255.Element, share *ristretto255.Scalar) ([]byte, error) {
	secret := ristretto255.NewIdentityElement().ScalarMult(e.Scalar(), s.keys[recipient-1])
	aead, nonce, ad, err := shareCipher(s, dealer, recipient, ephemeral, secret)
	if err != nil {
		return nil, err
	}
	pt := share.Bytes()
	defer clear(pt)
	return aead.Seal(make([]byte, 0, SealedShareSize), nonce, pt, ad), nil
}

// openShare decrypts the share from dealer to recipient with the
// Diffie–Hellman secret S. It fails if the AEAD does not open or the
// plaintext is not a canonical scalar; the reason is public (anyone who
// knows S can repeat it), so it is returned as text.
func openShare(s *Setup, dealer, recipient int, ephemeral, secret *ristretto255.Element, sealed []byte) (*group.Secret, error) {
	aead, nonce, ad, err := shareCipher(s, dealer, recipient, ephemeral, secret)
	if err != nil {
		return nil, err
	}
	pt, err := aead.Open(nil, nonce, sealed, ad)
	if err != nil {
		return nil, fmt.Errorf("the share does not decrypt")
	}
	defer clear(pt)
	x, err := group.DecodeScalar(pt)
	if err != nil {
		return nil, fmt.Errorf("the share is not a canonical scalar")
	}
	defer x.Zero()
	return group.NewSecret(x), nil
}

// diffieHellman returns y·E for the long-term key y.
func diffieHellman(k *LongTermKey, ephemeral *ristretto255.Element) *ristretto255.Element {
	return ristretto255.NewIdentityElement().ScalarMult(k.y.Scalar(), ephemeral)
}
