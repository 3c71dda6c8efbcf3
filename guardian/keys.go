package guardian

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"

	"github.com/gtank/ristretto255"

	"github.com/urna-vote/urna/crypto/group"
	"github.com/urna-vote/urna/crypto/threshold"
	"github.com/urna-vote/urna/crypto/transcript"
)

// ErrPassphrase is wrapped by the error of every operation given a
// passphrase that does not open the guardian's files.
var ErrPassphrase = errors.New("guardian: wrong passphrase")

// Init makes a new long-term key and writes it to path sealed with
// passphrase; it never replaces an existing file. It returns the public
// key, which the organiser lists in the election's manifest (PublicKeyText
// formats it). The key is a scalar drawn uniformly from 64 bytes of rand
// (crypto/rand.Reader in production).
func Init(path string, passphrase []byte, rand io.Reader) ([]byte, error) {
	if exists(path) {
		return nil, fmt.Errorf("guardian: %s already exists; refusing to overwrite it", path)
	}
	seed := make([]byte, 64)
	defer clear(seed)
	if _, err := io.ReadFull(rand, seed); err != nil {
		return nil, fmt.Errorf("guardian: no randomness: %w", err)
	}
	y, err := ristretto255.NewScalar().SetUniformBytes(seed)
	if err != nil {
		return nil, err
	}
	secret := group.NewSecret(y)
	y.Zero()
	defer secret.Zero()
	key, err := threshold.NewLongTermKey(secret)
	if err != nil {
		return nil, err
	}
	s := &secretText{Kind: kindKey, Secret: secret.Bytes()}
	defer s.zero()
	if err := writeSecret(path, passphrase, s); err != nil {
		return nil, err
	}
	return key.Public().Bytes(), nil
}

// loadKey reads the long-term key from its file. The caller drops it as
// soon as it is done (LongTermKey has no Zero; the copies made here are
// zeroed).
func loadKey(path string, passphrase []byte) (*threshold.LongTermKey, error) {
	s, err := readSecret(path, passphrase, kindKey)
	if err != nil {
		return nil, err
	}
	defer s.zero()
	y, err := group.DecodeScalar(s.Secret)
	if err != nil {
		return nil, fmt.Errorf("guardian: %s: %w", path, err)
	}
	secret := group.NewSecret(y)
	y.Zero()
	defer secret.Zero()
	key, err := threshold.NewLongTermKey(secret)
	if err != nil {
		return nil, fmt.Errorf("guardian: %s: %w", path, err)
	}
	return key, nil
}

// PublicKey reads the key file and returns its public key.
func PublicKey(path string, passphrase []byte) ([]byte, error) {
	key, err := loadKey(path, passphrase)
	if err != nil {
		return nil, err
	}
	return key.Public().Bytes(), nil
}

// PublicKeyText is how a public key (of a guardian, or the joint election
// key) is written for people and manifests: standard base64 of its 32
// bytes.
func PublicKeyText(key []byte) string { return base64.StdEncoding.EncodeToString(key) }

// Fingerprint returns the lowercase hex digest by which people compare a
// public key (a guardian's long-term key, the joint election key) over the
// phone or on paper: Transcript("urna/v1/guardian/fingerprint").
// Element("key", key).Digest("fingerprint").
func Fingerprint(key []byte) string {
	d := transcript.New("urna/v1/guardian/fingerprint").ElementBytes("key", key).Digest("fingerprint")
	return hex.EncodeToString(d[:])
}
