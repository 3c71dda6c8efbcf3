package ledger

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/mod/sumdb/note"
)

// A Checkpoint is a tree head: the origin that names the log, the number of
// entries and the root of their Merkle tree.
//
// Signed, it is a C2SP tlog-checkpoint (https://c2sp.org/tlog-checkpoint):
// a signed note (https://c2sp.org/signed-note) whose text is exactly three
// lines, each ending in a newline,
//
//	<origin>
//	<size, decimal, no leading zeros>
//	<root, standard base64 with padding>
//
// then a blank line and one signature line per signer,
//
//	— <key name> <base64(key hash[4] ‖ Ed25519 signature[64])>
//
// where the dash is U+2014, the key name is the origin, the key hash is the
// first four bytes of SHA-256(key name ‖ 0x0A ‖ 0x01 ‖ public key[32]), and
// the signature is Ed25519 (RFC 8032) over the text, final newline
// included. The checkpoint of the three entries {"n":0}, {"n":1}, {"n":2},
// signed with the test key of testdata/vectors.json (verifier key
// urna.example/elections/test+ec123618+AYKK9xSC50zIat17jONYwK/FwF7q0FCCsUnVxNNugOEo):
//
//	urna.example/elections/test
//	3
//	LP73YnWX4AtWSXV3Stco7yEHBnWfym1kE4xt/By/LNo=
//
//	— urna.example/elections/test 7BI2GCcazW2Rjw0+aG0+8FWFcLSijhOS6Kon6X7Iq2sE8gkIHBY5WAMErUaJ3u4YXptyq6U+zHvt7uHf7eiG7RwUhgE=
//
// urna checkpoints carry no extension lines, and ParseCheckpoint rejects
// them. Signatures by keys the reader does not know (witness cosignatures)
// are ignored, as the signed-note specification requires.
type Checkpoint struct {
	Origin string
	Size   uint64
	Root   Hash
}

// MaxCheckpointSize bounds a signed checkpoint read from outside.
const MaxCheckpointSize = 16 << 10

// maxOriginLen bounds an origin line.
const maxOriginLen = 256

// CheckOrigin checks that an origin can name a log and its key: 1 to 256
// bytes of printable UTF-8 with no space and no '+' (the rules of a signed
// note key name, which is the origin).
func CheckOrigin(origin string) error {
	switch {
	case origin == "":
		return fmt.Errorf("%w: empty origin", ErrMalformed)
	case len(origin) > maxOriginLen:
		return fmt.Errorf("%w: origin longer than %d bytes", ErrMalformed, maxOriginLen)
	case !utf8.ValidString(origin):
		return fmt.Errorf("%w: origin is not UTF-8", ErrMalformed)
	case strings.ContainsRune(origin, '+'):
		return fmt.Errorf("%w: origin %q contains '+'", ErrMalformed, origin)
	}
	if strings.IndexFunc(origin, func(r rune) bool { return unicode.IsSpace(r) || !unicode.IsPrint(r) }) >= 0 {
		return fmt.Errorf("%w: origin %q contains a space or a control character", ErrMalformed, origin)
	}
	return nil
}

// Text returns the checkpoint's note text: the three lines that are signed.
func (c Checkpoint) Text() []byte {
	return fmt.Appendf(nil, "%s\n%d\n%s\n", c.Origin, c.Size, base64.StdEncoding.EncodeToString(c.Root[:]))
}

// ParseCheckpoint parses a checkpoint's note text (without signatures)
// strictly: exactly the three lines Text produces, so that anything it
// accepts re-encodes to the same bytes.
func ParseCheckpoint(text []byte) (Checkpoint, error) {
	if len(text) > MaxCheckpointSize {
		return Checkpoint{}, fmt.Errorf("%w: checkpoint longer than %d bytes", ErrMalformed, MaxCheckpointSize)
	}
	lines := strings.SplitAfter(string(text), "\n")
	if len(lines) != 4 || lines[3] != "" {
		return Checkpoint{}, fmt.Errorf("%w: checkpoint text is not three lines each ending in a newline", ErrMalformed)
	}
	origin := strings.TrimSuffix(lines[0], "\n")
	if err := CheckOrigin(origin); err != nil {
		return Checkpoint{}, err
	}
	size, err := parseSize(strings.TrimSuffix(lines[1], "\n"))
	if err != nil {
		return Checkpoint{}, err
	}
	root, err := parseHash(strings.TrimSuffix(lines[2], "\n"))
	if err != nil {
		return Checkpoint{}, err
	}
	return Checkpoint{Origin: origin, Size: size, Root: root}, nil
}

// parseSize parses a decimal tree size with no sign and no leading zeros.
func parseSize(s string) (uint64, error) {
	if s == "" || len(s) > 1 && s[0] == '0' || strings.TrimLeft(s, "0123456789") != "" {
		return 0, fmt.Errorf("%w: tree size %q is not a canonical decimal", ErrMalformed, s)
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || n > maxSize {
		return 0, fmt.Errorf("%w: tree size %q out of range", ErrMalformed, s)
	}
	return n, nil
}

// parseHash parses a hash in canonical standard base64 with padding.
func parseHash(s string) (Hash, error) {
	var h Hash
	b, err := base64.StdEncoding.Strict().DecodeString(s)
	// The decoder skips newlines; only the canonical text is accepted.
	if err != nil || len(b) != HashSize || len(s) != base64.StdEncoding.EncodedLen(HashSize) {
		return h, fmt.Errorf("%w: root hash %q is not %d bytes of standard base64", ErrMalformed, s, HashSize)
	}
	copy(h[:], b)
	return h, nil
}

// SignCheckpoint signs a checkpoint. The signer's key name must be the
// checkpoint's origin.
func SignCheckpoint(c Checkpoint, s note.Signer) ([]byte, error) {
	if err := CheckOrigin(c.Origin); err != nil {
		return nil, err
	}
	if c.Size > maxSize {
		return nil, fmt.Errorf("%w: tree size %d", ErrRange, c.Size)
	}
	if s.Name() != c.Origin {
		return nil, fmt.Errorf("ledger: signer key %q does not name the log %q", s.Name(), c.Origin)
	}
	msg, err := note.Sign(&note.Note{Text: string(c.Text())}, s)
	if err != nil {
		return nil, fmt.Errorf("ledger: signing checkpoint: %w", err)
	}
	return msg, nil
}

// OpenCheckpoint verifies a signed checkpoint and parses it. It must carry a
// valid signature by v, and its origin must be v's key name. Signatures by
// other keys are ignored.
func OpenCheckpoint(msg []byte, v note.Verifier) (Checkpoint, error) {
	if len(msg) > MaxCheckpointSize {
		return Checkpoint{}, fmt.Errorf("%w: checkpoint longer than %d bytes", ErrMalformed, MaxCheckpointSize)
	}
	n, err := note.Open(msg, note.VerifierList(v))
	if err != nil {
		var unverified *note.UnverifiedNoteError
		var invalid *note.InvalidSignatureError
		switch {
		case errors.As(err, &unverified):
			return Checkpoint{}, fmt.Errorf("%w: not signed by %s", ErrSignature, v.Name())
		case errors.As(err, &invalid):
			return Checkpoint{}, fmt.Errorf("%w: %v", ErrSignature, err)
		}
		return Checkpoint{}, fmt.Errorf("%w: checkpoint: %v", ErrMalformed, err)
	}
	c, err := ParseCheckpoint([]byte(n.Text))
	if err != nil {
		return Checkpoint{}, err
	}
	if c.Origin != v.Name() {
		return Checkpoint{}, fmt.Errorf("%w: checkpoint of log %q, key of %q", ErrSignature, c.Origin, v.Name())
	}
	return c, nil
}

// noteText returns the text of a signed note without verifying anything,
// and the key name and hash of each signature line.
func noteText(msg []byte) (string, []note.Signature, error) {
	_, err := note.Open(msg, nil)
	var unverified *note.UnverifiedNoteError
	if !errors.As(err, &unverified) {
		return "", nil, fmt.Errorf("%w: checkpoint: %v", ErrMalformed, err)
	}
	return unverified.Note.Text, unverified.Note.UnverifiedSigs, nil
}

// GenerateKey generates an Ed25519 signed-note key pair for a log: the
// signer key (PRIVATE+KEY+<origin>+<hash>+<key>, secret) and the verifier
// key (<origin>+<hash>+<key>, published with the election).
func GenerateKey(rand io.Reader, origin string) (signerKey, verifierKey string, err error) {
	if err := CheckOrigin(origin); err != nil {
		return "", "", err
	}
	skey, vkey, err := note.GenerateKey(rand, origin)
	if err != nil {
		return "", "", fmt.Errorf("ledger: generating key: %w", err)
	}
	return skey, vkey, nil
}

// NewSigner parses a signer key as GenerateKey returns it. One final
// newline, as in a key file, is allowed.
func NewSigner(signerKey string) (note.Signer, error) {
	s, err := note.NewSigner(trimKey(signerKey))
	if err != nil {
		return nil, fmt.Errorf("%w: signer key: %v", ErrMalformed, err)
	}
	return s, nil
}

// NewVerifier parses a verifier key as GenerateKey returns it. One final
// newline, as in a key file, is allowed.
func NewVerifier(verifierKey string) (note.Verifier, error) {
	v, err := note.NewVerifier(trimKey(verifierKey))
	if err != nil {
		return nil, fmt.Errorf("%w: verifier key: %v", ErrMalformed, err)
	}
	return v, nil
}

func trimKey(k string) string {
	return string(bytes.TrimSuffix([]byte(k), []byte("\n")))
}
