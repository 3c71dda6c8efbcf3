package sign

import (
	"bytes"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
)

// privateHeader starts every private key text.
const privateHeader = "urna-sign-v1"

// maxPrivateText bounds what ParsePrivate reads; the longest valid text is
// far shorter.
const maxPrivateText = 256

// MarshalPrivate encodes the private key of s as one line of text:
//
//	urna-sign-v1 <scheme> <base64>\n
//
// with <scheme> the canonical scheme name, <base64> the private key bytes
// in standard base64 with padding (RFC 4648 §4), single spaces and one
// final line feed. The private key bytes are the Ed25519 seed (32 bytes,
// RFC 8032 §5.1.5) or the GOST key d (32 bytes little endian). The text is
// the secret itself: store it only encrypted (internal/secretfile does).
// Signers not made by this package return ErrNotExportable.
func MarshalPrivate(s Signer) ([]byte, error) {
	p, ok := s.(privateSigner)
	if !ok {
		return nil, fmt.Errorf("%w: %T", ErrNotExportable, s)
	}
	key := p.privateBytes()
	defer clear(key)
	out := make([]byte, 0, len(privateHeader)+len(p.Scheme())+base64.StdEncoding.EncodedLen(len(key))+3)
	out = append(out, privateHeader...)
	out = append(out, ' ')
	out = append(out, p.Scheme()...)
	out = append(out, ' ')
	out = base64.StdEncoding.AppendEncode(out, key)
	return append(out, '\n'), nil
}

// ParsePrivate decodes MarshalPrivate's text. It is strict: it accepts
// exactly the bytes MarshalPrivate produces for some key, and nothing
// else — no other spacing, no carriage return, no missing or extra line
// feed, no unpadded or non-canonical base64, no empty scheme. Errors wrap
// ErrMalformedPrivateKey or ErrUnknownScheme and never quote the input.
func ParsePrivate(b []byte) (Signer, error) {
	if len(b) > maxPrivateText {
		return nil, fmt.Errorf("%w: longer than %d bytes", ErrMalformedPrivateKey, maxPrivateText)
	}
	line, ok := bytes.CutSuffix(b, []byte("\n"))
	if !ok {
		return nil, fmt.Errorf("%w: does not end with a line feed", ErrMalformedPrivateKey)
	}
	fields := bytes.Split(line, []byte(" "))
	if len(fields) != 3 {
		return nil, fmt.Errorf("%w: want %q, a scheme and the key, separated by single spaces", ErrMalformedPrivateKey, privateHeader)
	}
	if string(fields[0]) != privateHeader {
		return nil, fmt.Errorf("%w: does not start with %q", ErrMalformedPrivateKey, privateHeader)
	}
	sc, ok := schemes[string(fields[1])]
	if !ok {
		return nil, fmt.Errorf("%w: %w (want %q or %q)", ErrMalformedPrivateKey, ErrUnknownScheme, Ed25519, GOST256)
	}
	key := make([]byte, base64.StdEncoding.DecodedLen(len(fields[2])))
	defer clear(key)
	n, err := base64.StdEncoding.Strict().Decode(key, fields[2])
	if err != nil {
		return nil, fmt.Errorf("%w: the key is not standard base64", ErrMalformedPrivateKey)
	}
	if n != sc.privateKeySize() {
		return nil, fmt.Errorf("%w: %s: %d key bytes, want %d", ErrMalformedPrivateKey, sc.name(), n, sc.privateKeySize())
	}
	s, err := sc.parsePrivate(key[:n])
	if err != nil {
		return nil, err
	}
	// The base64 decoder skips line breaks; the text must also be the one
	// encoding of the key.
	again, err := MarshalPrivate(s)
	if err != nil {
		return nil, err
	}
	defer clear(again)
	if subtle.ConstantTimeCompare(again, b) != 1 {
		return nil, fmt.Errorf("%w: not in canonical form", ErrMalformedPrivateKey)
	}
	return s, nil
}
