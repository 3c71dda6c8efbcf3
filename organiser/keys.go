package organiser

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/urna-vote/urna/crypto/group"
	"github.com/urna-vote/urna/crypto/sign"
)

// maxKeyText bounds a key's text form.
const maxKeyText = 256

// ParseGuardianKey decodes a guardian's long-term public key as `urna
// guardian init` prints it: standard padded base64 of a canonical,
// non-identity ristretto255 element, nothing around it.
func ParseGuardianKey(s string) ([]byte, error) {
	if len(s) > maxKeyText {
		return nil, errors.New("too long")
	}
	if strings.ContainsAny(s, "\r\n") {
		return nil, errors.New("not base64") // which the decoder would skip
	}
	b, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil {
		return nil, errors.New("not base64")
	}
	if len(b) != 32 {
		return nil, fmt.Errorf("%d bytes, not 32", len(b))
	}
	if _, err := group.DecodeElement(b); err != nil {
		return nil, errors.New("not a ristretto255 element")
	}
	return b, nil
}

// FormatGuardianKey is the text form of a guardian's key.
func FormatGuardianKey(key []byte) string { return base64.StdEncoding.EncodeToString(key) }

// ParseMemberKey decodes a commission member's signing key as `urna member
// keygen` prints it: "<scheme> <base64>" — a scheme of package crypto/sign
// by its canonical name ("ed25519", "gost2012-256"), one space, standard
// padded base64 of a public key that the scheme accepts.
func ParseMemberKey(s string) (scheme string, key []byte, err error) {
	if len(s) > maxKeyText {
		return "", nil, errors.New("too long")
	}
	scheme, b64, ok := strings.Cut(s, " ")
	if strings.ContainsAny(b64, "\r\n") {
		return "", nil, errors.New("not base64") // which the decoder would skip
	}
	if !ok {
		return "", nil, errors.New(`not "<scheme> <base64>"`)
	}
	if c, err := sign.Canonical(scheme); err != nil || c != scheme {
		return "", nil, fmt.Errorf("unknown scheme %q (%s or %s)", scheme, sign.Ed25519, sign.GOST256)
	}
	key, err = base64.StdEncoding.Strict().DecodeString(b64)
	if err != nil {
		return "", nil, errors.New("not base64")
	}
	if err := sign.CheckPublicKey(scheme, key); err != nil {
		return "", nil, fmt.Errorf("not a %s public key", scheme)
	}
	return scheme, key, nil
}

// FormatMemberKey is the text form of a member's key.
func FormatMemberKey(scheme string, key []byte) string {
	return scheme + " " + base64.StdEncoding.EncodeToString(key)
}
