// Package witness is how independent parties vouch for an urna ledger:
// C2SP tlog-cosignature (https://c2sp.org/tlog-cosignature) signatures on
// its checkpoints, the tlog-witness protocol's add-checkpoint request
// (https://c2sp.org/tlog-witness) that a platform sends to each witness,
// and the k-of-n policy a verifier demands.
//
// A witness cosigns a checkpoint only if it is consistent with every
// checkpoint it cosigned before (an urna observer node cosigns only what it
// has replayed itself). A log that shows different histories to different
// people — a split view — then cannot collect a quorum of cosignatures on
// both.
//
// A cosignature (cosignature/v1) is an Ed25519 signature over
//
//	cosignature/v1
//	time <seconds since the Unix epoch>
//	<the checkpoint's text>
//
// added to the checkpoint as a note signature line whose bytes are the key
// ID (4), the time (8, big-endian) and the signature (64). The key ID is the
// first four bytes of SHA-256(name || "\n" || 0x04 || public key); a
// verifier key is written <name>+<key ID hex>+<base64(0x04 || public key)>.
package witness

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
)

// Both implement golang.org/x/mod/sumdb/note's interfaces, so a
// cosignature is an ordinary note signature.
var (
	_ note.Signer   = (*Signer)(nil)
	_ note.Verifier = (*Verifier)(nil)
)

// algCosignature is the signature type byte of cosignature/v1.
const algCosignature = 0x04

// ErrKey is returned for a malformed key.
var ErrKey = errors.New("witness: malformed key")

func keyID(name string, pub ed25519.PublicKey) uint32 {
	h := sha256.New()
	h.Write([]byte(name + "\n"))
	h.Write([]byte{algCosignature})
	h.Write(pub)
	return binary.BigEndian.Uint32(h.Sum(nil))
}

func message(text []byte, t uint64) []byte {
	return append([]byte("cosignature/v1\ntime "+strconv.FormatUint(t, 10)+"\n"), text...)
}

// GenerateKey makes a witness key: the signer key
// (PRIVATE+KEY+<name>+<key ID>+<base64(0x04 || seed)>, kept secret by the
// witness) and the verifier key published in the election's witness
// policy.
func GenerateKey(rand io.Reader, name string) (signerKey, verifierKey string, err error) {
	if name == "" || strings.ContainsAny(name, "+ \t\n") {
		return "", "", fmt.Errorf("%w: name %q", ErrKey, name)
	}
	pub, priv, err := ed25519.GenerateKey(rand)
	if err != nil {
		return "", "", err
	}
	id := keyID(name, pub)
	enc := func(b []byte) string { return base64.StdEncoding.EncodeToString(append([]byte{algCosignature}, b...)) }
	vkey := fmt.Sprintf("%s+%08x+%s", name, id, enc(pub))
	return "PRIVATE+KEY+" + fmt.Sprintf("%s+%08x+%s", name, id, enc(priv.Seed())), vkey, nil
}

// A Signer makes cosignatures. Its clock is the time written into them.
type Signer struct {
	name string
	id   uint32
	priv ed25519.PrivateKey
	Now  func() time.Time
}

// NewSigner parses a signer key as GenerateKey returns it.
func NewSigner(signerKey string) (*Signer, error) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(signerKey), "PRIVATE+KEY+")
	if !ok {
		return nil, fmt.Errorf("%w: not a signer key", ErrKey)
	}
	name, id, key, err := parseKey(rest)
	if err != nil {
		return nil, err
	}
	if len(key) != ed25519.SeedSize {
		return nil, fmt.Errorf("%w: seed of %d bytes", ErrKey, len(key))
	}
	priv := ed25519.NewKeyFromSeed(key)
	if keyID(name, priv.Public().(ed25519.PublicKey)) != id {
		return nil, fmt.Errorf("%w: key ID does not match", ErrKey)
	}
	return &Signer{name: name, id: id, priv: priv, Now: time.Now}, nil
}

// Name is the witness's name.
func (s *Signer) Name() string { return s.name }

// KeyHash is the key ID.
func (s *Signer) KeyHash() uint32 { return s.id }

// Sign returns time || signature over the cosigned message of text.
func (s *Signer) Sign(text []byte) ([]byte, error) {
	t := uint64(s.Now().Unix())
	out := binary.BigEndian.AppendUint64(nil, t)
	return append(out, ed25519.Sign(s.priv, message(text, t))...), nil
}

// Verifier verifies cosignatures of one witness (a note.Verifier).
type Verifier struct {
	name string
	id   uint32
	pub  ed25519.PublicKey
}

// NewVerifier parses a verifier key.
func NewVerifier(verifierKey string) (*Verifier, error) {
	name, id, key, err := parseKey(strings.TrimSpace(verifierKey))
	if err != nil {
		return nil, err
	}
	if len(key) != ed25519.PublicKeySize || keyID(name, key) != id {
		return nil, fmt.Errorf("%w: public key or key ID", ErrKey)
	}
	return &Verifier{name: name, id: id, pub: ed25519.PublicKey(key)}, nil
}

func (v *Verifier) Name() string    { return v.name }
func (v *Verifier) KeyHash() uint32 { return v.id }

// Verify checks sig (time || signature) on text.
func (v *Verifier) Verify(text, sig []byte) bool {
	if len(sig) != 8+ed25519.SignatureSize {
		return false
	}
	t := binary.BigEndian.Uint64(sig[:8])
	return ed25519.Verify(v.pub, message(text, t), sig[8:])
}

// Time returns when sig says it was made.
func Time(sig []byte) time.Time {
	if len(sig) < 8 {
		return time.Time{}
	}
	return time.Unix(int64(binary.BigEndian.Uint64(sig[:8])), 0)
}

func parseKey(k string) (name string, id uint32, key []byte, err error) {
	parts := strings.SplitN(k, "+", 3)
	if len(parts) != 3 || parts[0] == "" {
		return "", 0, nil, fmt.Errorf("%w: want <name>+<id>+<key>", ErrKey)
	}
	idb, err := hex.DecodeString(parts[1])
	if err != nil || len(idb) != 4 {
		return "", 0, nil, fmt.Errorf("%w: key ID", ErrKey)
	}
	raw, err := base64.StdEncoding.DecodeString(parts[2])
	if err != nil || len(raw) < 1 || raw[0] != algCosignature {
		return "", 0, nil, fmt.Errorf("%w: not a cosignature/v1 key", ErrKey)
	}
	return parts[0], binary.BigEndian.Uint32(idb), raw[1:], nil
}

// Cosign adds s's cosignature to a signed checkpoint. The caller must have
// checked the checkpoint (its log signature, and its consistency with
// everything it cosigned before).
func Cosign(signed []byte, s *Signer) ([]byte, error) {
	text, _, ok := bytes.Cut(signed, []byte("\n\n"))
	if !ok {
		return nil, errors.New("witness: not a signed note")
	}
	text = append(text, '\n')
	sig, err := s.Sign(text)
	if err != nil {
		return nil, err
	}
	line := "— " + s.name + " " + base64.StdEncoding.EncodeToString(append(binary.BigEndian.AppendUint32(nil, s.id), sig...)) + "\n"
	return append(bytes.Clone(signed), line...), nil
}

// Signatures returns the cosignature lines of a signed note that verify
// under one of vs, by witness name (one each).
func Signatures(signed []byte, vs []*Verifier) map[string][]byte {
	text, sigs, ok := bytes.Cut(signed, []byte("\n\n"))
	out := map[string][]byte{}
	if !ok {
		return out
	}
	text = append(text, '\n')
	for line := range strings.Lines(string(sigs)) {
		line = strings.TrimSuffix(line, "\n")
		name, b64, ok := strings.Cut(strings.TrimPrefix(line, "— "), " ")
		if !ok || !strings.HasPrefix(line, "— ") {
			continue
		}
		raw, err := base64.StdEncoding.DecodeString(b64)
		if err != nil || len(raw) < 4 {
			continue
		}
		for _, v := range vs {
			if v.name == name && binary.BigEndian.Uint32(raw) == v.id && v.Verify(text, raw[4:]) {
				out[name] = raw[4:]
			}
		}
	}
	return out
}

// Merge returns signed with the signature lines of more that it lacks
// (both must be the same checkpoint text).
func Merge(signed, more []byte) ([]byte, error) {
	t1, s1, ok1 := bytes.Cut(signed, []byte("\n\n"))
	t2, s2, ok2 := bytes.Cut(more, []byte("\n\n"))
	if !ok1 || !ok2 || !bytes.Equal(t1, t2) {
		return nil, errors.New("witness: not signatures of the same checkpoint")
	}
	out := bytes.Clone(signed)
	have := string(s1)
	for line := range strings.Lines(string(s2)) {
		if !strings.Contains(have, line) {
			out = append(out, line...)
		}
	}
	return out, nil
}

// A Policy is the witnesses whose cosignatures count and how many are
// needed. Its text form, one statement a line ('#' starts a comment):
//
//	witness <name> <verifier key> [<URL>]
//	quorum <k>
type Policy struct {
	Witnesses []*Verifier
	URLs      map[string]string // name → the witness's URL, if given
	Quorum    int
}

// ParsePolicy reads a policy.
func ParsePolicy(text []byte) (*Policy, error) {
	p := &Policy{URLs: map[string]string{}}
	quorum := false
	for i, line := range strings.Split(string(text), "\n") {
		if j := strings.IndexByte(line, '#'); j >= 0 {
			line = line[:j]
		}
		f := strings.Fields(line)
		switch {
		case len(f) == 0:
		case f[0] == "witness" && (len(f) == 3 || len(f) == 4):
			v, err := NewVerifier(f[2])
			if err != nil {
				return nil, fmt.Errorf("witness policy, line %d: %w", i+1, err)
			}
			if v.name != f[1] {
				return nil, fmt.Errorf("witness policy, line %d: the key is of %q, not %q", i+1, v.name, f[1])
			}
			for _, w := range p.Witnesses {
				if w.name == v.name {
					return nil, fmt.Errorf("witness policy, line %d: witness %q twice", i+1, v.name)
				}
			}
			p.Witnesses = append(p.Witnesses, v)
			if len(f) == 4 {
				p.URLs[v.name] = f[3]
			}
		case f[0] == "quorum" && len(f) == 2:
			k, err := strconv.Atoi(f[1])
			if err != nil || k < 1 {
				return nil, fmt.Errorf("witness policy, line %d: quorum must be a positive number", i+1)
			}
			p.Quorum, quorum = k, true
		default:
			return nil, fmt.Errorf("witness policy, line %d: want 'witness NAME KEY [URL]' or 'quorum K'", i+1)
		}
	}
	if !quorum {
		return nil, errors.New("witness policy: no quorum line")
	}
	if p.Quorum > len(p.Witnesses) {
		return nil, fmt.Errorf("witness policy: quorum %d of %d witnesses", p.Quorum, len(p.Witnesses))
	}
	return p, nil
}

// Check demands the policy's quorum of cosignatures on a signed
// checkpoint, and returns the witnesses that cosigned.
func (p *Policy) Check(signed []byte) ([]string, error) {
	sigs := Signatures(signed, p.Witnesses)
	var names []string
	for _, w := range p.Witnesses {
		if _, ok := sigs[w.name]; ok {
			names = append(names, w.name)
		}
	}
	if len(names) < p.Quorum {
		return names, fmt.Errorf("the checkpoint is cosigned by %d witnesses (%s), the policy demands %d", len(names), strings.Join(names, ", "), p.Quorum)
	}
	return names, nil
}
