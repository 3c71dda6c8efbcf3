package guardian

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/urna-vote/urna/internal/secretfile"
)

// A guardian keeps three kinds of secret, each in its own file sealed with
// its passphrase (package internal/secretfile: age, scrypt):
//
//	KEY                   the long-term key (Init); kept for good
//	KEY.ELECTION.share    the share of ELECTION's key, once the ceremony ends
//	KEY.ELECTION.deal     the seed of its deal, from before its round-1
//	                      message is posted until its round-2 message is
//
// Inside each, a few lines of text:
//
//	urna guardian KIND v1
//	election ID           (share and deal only)
//	guardian INDEX        (share and deal only)
//	SECRET                32 bytes, standard base64 with padding
//
// each ending in a newline, nothing else. The decoder accepts exactly the
// bytes the encoder writes.

// File kinds.
const (
	kindKey   = "key"
	kindShare = "share"
	kindDeal  = "deal"
)

// secretSize is the size of every secret a file holds: a scalar or a seed.
const secretSize = 32

// maxSecretText bounds the plaintext of a secret file.
const maxSecretText = 512

// A secretText is the plaintext of a guardian's secret file.
type secretText struct {
	Kind     string
	Election string // share and deal
	Guardian int    // share and deal
	Secret   []byte
}

func (s *secretText) encode() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "urna guardian %s v1\n", s.Kind)
	if s.Kind != kindKey {
		fmt.Fprintf(&b, "election %s\nguardian %d\n", s.Election, s.Guardian)
	}
	b.WriteString(base64.StdEncoding.EncodeToString(s.Secret))
	b.WriteByte('\n')
	return b.Bytes()
}

// errNotGuardianFile is wrapped by decodeSecretText's errors.
var errNotGuardianFile = errors.New("not a guardian file of this kind")

// decodeSecretText parses the plaintext of a secret file of the given
// kind, strictly.
func decodeSecretText(kind string, data []byte) (*secretText, error) {
	bad := func(why string) error { return fmt.Errorf("%w (%s): %s", errNotGuardianFile, kind, why) }
	if len(data) > maxSecretText {
		return nil, bad("too long")
	}
	lines := strings.Split(string(data), "\n")
	want := 3
	if kind != kindKey {
		want = 5
	}
	if len(lines) != want || lines[want-1] != "" {
		return nil, bad("wrong number of lines")
	}
	if lines[0] != "urna guardian "+kind+" v1" {
		return nil, bad("unexpected first line")
	}
	s := &secretText{Kind: kind}
	if kind != kindKey {
		id, ok := strings.CutPrefix(lines[1], "election ")
		if !ok || !validElectionID(id) {
			return nil, bad("no election line")
		}
		n, ok := strings.CutPrefix(lines[2], "guardian ")
		g, err := strconv.Atoi(n)
		if !ok || err != nil || g < 1 || g > 255 || strconv.Itoa(g) != n {
			return nil, bad("no guardian line")
		}
		s.Election, s.Guardian = id, g
	}
	secret, err := base64.StdEncoding.Strict().DecodeString(lines[want-2])
	if err != nil || len(secret) != secretSize || base64.StdEncoding.EncodeToString(secret) != lines[want-2] {
		clear(secret)
		return nil, bad("the secret is not 32 bytes in standard base64")
	}
	s.Secret = secret
	return s, nil
}

// validElectionID reports whether id can be an election's id (the
// manifest's rule), so that it is safe in a file name and on one line.
func validElectionID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}

// zero overwrites the secret.
func (s *secretText) zero() { clear(s.Secret) }

// writeSecret seals s under passphrase into a new file at path.
func writeSecret(path string, passphrase []byte, s *secretText) error {
	text := s.encode()
	defer clear(text)
	return secretfile.WriteFile(path, passphrase, text)
}

// readSecret opens the file at path with passphrase and parses it. A wrong
// passphrase is an error wrapping ErrPassphrase.
func readSecret(path string, passphrase []byte, kind string) (*secretText, error) {
	text, err := secretfile.ReadFile(path, passphrase)
	switch {
	case errors.Is(err, secretfile.ErrWrongPassphrase):
		return nil, fmt.Errorf("%w: it does not open %s", ErrPassphrase, path)
	case errors.Is(err, os.ErrNotExist):
		return nil, fmt.Errorf("guardian: %s does not exist: %w", path, os.ErrNotExist)
	case err != nil:
		return nil, fmt.Errorf("guardian: %w", err)
	}
	defer clear(text)
	s, err := decodeSecretText(kind, text)
	if err != nil {
		return nil, fmt.Errorf("guardian: %s: %w", path, err)
	}
	return s, nil
}

// sharePath and dealPath name an election's files next to the key file.
func sharePath(keyFile, election string) string { return keyFile + "." + election + ".share" }
func dealPath(keyFile, election string) string  { return keyFile + "." + election + ".deal" }

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}
