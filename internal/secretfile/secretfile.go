// Package secretfile keeps a secret — a commission member's signing key, a
// guardian's share — in a file encrypted under a passphrase.
//
// The file is an age file (age-encryption.org/v1) with one scrypt
// passphrase stanza, ASCII-armored:
//
//	-----BEGIN AGE ENCRYPTED FILE-----
//	…
//	-----END AGE ENCRYPTED FILE-----
//
// so a member can also open it with the age tool ("age -d FILE"), and a
// file made with "age -p -a" opens here. Seal uses age's default scrypt work
// factor, 2^18 (about a second and 256 MiB); SealWorkFactor takes another,
// for tests that seal many files. Open accepts work factors up to 2^20, which
// bounds what a crafted file can make it spend (1 GiB of memory).
//
// WriteFile writes a sealed file atomically with mode 0600 and never
// replaces an existing file; ReadFile reads one back. ReadPassphrase takes
// the passphrase from the URNA_PASSPHRASE environment variable (for scripts
// and tests) or asks for it on the terminal without echo (from a pipe: one
// line); ReadNewPassphrase, for a passphrase being chosen, asks twice.
package secretfile

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"

	"filippo.io/age"
	"filippo.io/age/armor"
)

// Errors of Open and ReadFile; callers decide with errors.Is.
var (
	// ErrWrongPassphrase: the passphrase does not open the file (or the
	// passphrase stanza was altered, which looks the same).
	ErrWrongPassphrase = errors.New("secretfile: wrong passphrase")

	// ErrDamaged: the file is not a passphrase-sealed age file, or it was
	// altered after sealing (age authenticates every byte).
	ErrDamaged = errors.New("secretfile: damaged or not a secret file")
)

// DefaultWorkFactor is the scrypt work factor (log2 N) Seal uses: age's
// own default.
const DefaultWorkFactor = 18

// maxSealWorkFactor is the largest work factor SealWorkFactor uses.
const maxSealWorkFactor = 20

// maxWorkFactor is the largest scrypt work factor Open accepts. Tests that
// fuzz Open lower it.
var maxWorkFactor = maxSealWorkFactor

// maxSealed bounds a sealed file; a secret is a few hundred bytes.
const maxSealed = 64 << 10

// Seal encrypts plaintext under passphrase with age's default work factor.
func Seal(passphrase, plaintext []byte) ([]byte, error) {
	return SealWorkFactor(passphrase, plaintext, DefaultWorkFactor)
}

// SealWorkFactor is Seal with the scrypt work factor 2^logN, 1 ≤ logN ≤ 20.
// Production code uses Seal; a lower factor is for tests, where a second
// per file adds up.
func SealWorkFactor(passphrase, plaintext []byte, logN int) ([]byte, error) {
	if len(passphrase) == 0 {
		return nil, errors.New("secretfile: empty passphrase")
	}
	if logN < 1 || logN > maxSealWorkFactor {
		return nil, fmt.Errorf("secretfile: scrypt work factor 2^%d is outside 2^1..2^%d", logN, maxSealWorkFactor)
	}
	if len(plaintext) > maxSealed/2 {
		return nil, fmt.Errorf("secretfile: a secret of %d bytes is too long", len(plaintext))
	}
	r, err := age.NewScryptRecipient(string(passphrase))
	if err != nil {
		return nil, fmt.Errorf("secretfile: %w", err)
	}
	r.SetWorkFactor(logN)
	var buf bytes.Buffer
	a := armor.NewWriter(&buf)
	w, err := age.Encrypt(a, r)
	if err != nil {
		return nil, fmt.Errorf("secretfile: %w", err)
	}
	if _, err := w.Write(plaintext); err != nil {
		return nil, fmt.Errorf("secretfile: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("secretfile: %w", err)
	}
	if err := a.Close(); err != nil {
		return nil, fmt.Errorf("secretfile: %w", err)
	}
	return buf.Bytes(), nil
}

// Open decrypts a sealed file with passphrase. It accepts the armored form
// Seal writes and age's binary form. A wrong passphrase gives an error
// wrapping ErrWrongPassphrase; anything altered, truncated or not an age
// passphrase file, ErrDamaged.
func Open(passphrase, sealed []byte) ([]byte, error) {
	if len(passphrase) == 0 {
		return nil, errors.New("secretfile: empty passphrase")
	}
	if len(sealed) > maxSealed {
		return nil, fmt.Errorf("%w: longer than %d bytes", ErrDamaged, maxSealed)
	}
	id, err := age.NewScryptIdentity(string(passphrase))
	if err != nil {
		return nil, fmt.Errorf("secretfile: %w", err)
	}
	id.SetMaxWorkFactor(maxWorkFactor)
	var src io.Reader = bytes.NewReader(sealed)
	if bytes.HasPrefix(sealed, []byte("-----BEGIN AGE ENCRYPTED FILE-----")) {
		src = armor.NewReader(src)
	}
	r, err := age.Decrypt(src, id)
	var noMatch *age.NoIdentityMatchError
	switch {
	case errors.As(err, &noMatch) && len(noMatch.StanzaTypes) == 1 && noMatch.StanzaTypes[0] == "scrypt":
		return nil, fmt.Errorf("%w (or the file was altered)", ErrWrongPassphrase)
	case err != nil:
		return nil, fmt.Errorf("%w: %v", ErrDamaged, err)
	}
	out, err := io.ReadAll(io.LimitReader(bufio.NewReader(r), maxSealed))
	if err != nil {
		clear(out)
		return nil, fmt.Errorf("%w: %v", ErrDamaged, err)
	}
	return out, nil
}
