package main

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/urna-vote/urna/crypto/sign"
	"github.com/urna-vote/urna/internal/secretfile"
)

// TestMemberKeygenPubkey runs "urna member keygen" for each scheme with
// the passphrase in URNA_PASSPHRASE, and "urna member pubkey" on the file:
// the same public key and fingerprint, a key that signs, a file that only
// the passphrase opens.
func TestMemberKeygenPubkey(t *testing.T) {
	t.Setenv(secretfile.PassphraseEnv, "member passphrase")
	line := regexp.MustCompile(`^(ed25519|gost2012-256) ([A-Za-z0-9+/]+=*)\nfingerprint ([0-9a-f]{64})\n$`)
	for _, scheme := range []string{sign.Ed25519, sign.GOST256} {
		t.Run(scheme, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "member.key")
			var stdout, stderr bytes.Buffer
			if err := runMember([]string{"keygen", "--scheme", scheme, "--out", path}, &stdout, &stderr); err != nil {
				t.Fatalf("keygen: %v\n%s", err, stderr.String())
			}
			m := line.FindStringSubmatch(stdout.String())
			if m == nil || m[1] != scheme {
				t.Fatalf("keygen printed %q", stdout.String())
			}
			pub, err := base64.StdEncoding.Strict().DecodeString(m[2])
			if err != nil {
				t.Fatal(err)
			}
			if err := sign.CheckPublicKey(scheme, pub); err != nil {
				t.Fatal(err)
			}
			if m[3] != sign.Fingerprint(scheme, pub) {
				t.Fatalf("fingerprint %s", m[3])
			}
			if !strings.Contains(stderr.String(), "wrote the private key to "+path) {
				t.Fatalf("stderr %q", stderr.String())
			}

			fi, err := os.Stat(path)
			if err != nil || fi.Mode().Perm() != 0o600 {
				t.Fatalf("key file: %v, %v", fi, err)
			}
			raw, _ := os.ReadFile(path)
			if !bytes.HasPrefix(raw, []byte("-----BEGIN AGE ENCRYPTED FILE-----\n")) || bytes.Contains(raw, []byte("urna-sign-v1")) {
				t.Fatalf("the key file is not sealed: %q", raw)
			}

			var again bytes.Buffer
			if err := runMember([]string{"pubkey", path}, &again, &stderr); err != nil {
				t.Fatalf("pubkey: %v", err)
			}
			if again.String() != stdout.String() {
				t.Fatalf("pubkey printed %q, keygen %q", again.String(), stdout.String())
			}

			// The file holds a working key for that public key.
			text, err := secretfile.ReadFile(path, []byte("member passphrase"))
			if err != nil {
				t.Fatal(err)
			}
			s, err := sign.ParsePrivate(text)
			if err != nil {
				t.Fatal(err)
			}
			sig, _ := s.Sign(rand.Reader, []byte("protocol"))
			if err := sign.Verify(scheme, pub, []byte("protocol"), sig); err != nil {
				t.Fatal(err)
			}

			t.Setenv(secretfile.PassphraseEnv, "another passphrase")
			err = runMember([]string{"pubkey", path}, &again, &stderr)
			if !errors.Is(err, secretfile.ErrWrongPassphrase) || !strings.Contains(err.Error(), "wrong passphrase") {
				t.Fatalf("pubkey with a wrong passphrase: %v", err)
			}
		})
	}
}

func TestMemberKeygenRefuses(t *testing.T) {
	t.Setenv(secretfile.PassphraseEnv, "member passphrase")
	dir := t.TempDir()
	existing := filepath.Join(dir, "existing.key")
	os.WriteFile(existing, []byte("keep me"), 0o600)
	for _, x := range []struct {
		name string
		args []string
		want string
	}{
		{"existing file", []string{"keygen", "--out", existing}, "already exists; refusing to overwrite it"},
		{"unknown scheme", []string{"keygen", "--scheme", "rsa", "--out", filepath.Join(dir, "a")}, "--scheme: want ed25519 or gost2012-256"},
		{"empty scheme", []string{"keygen", "--scheme", "", "--out", filepath.Join(dir, "b")}, "--scheme: want ed25519 or gost2012-256"},
		{"missing file", []string{"pubkey", filepath.Join(dir, "none")}, "no such file"},
		{"not a key file", []string{"pubkey", existing}, "damaged or not a secret file"},
	} {
		var stdout, stderr bytes.Buffer
		err := runMember(x.args, &stdout, &stderr)
		if err == nil || !strings.Contains(err.Error(), x.want) {
			t.Errorf("%s: %v, want %q", x.name, err, x.want)
		}
		if stdout.Len() != 0 {
			t.Errorf("%s: printed %q", x.name, stdout.String())
		}
	}
	if b, _ := os.ReadFile(existing); string(b) != "keep me" {
		t.Fatal("keygen changed an existing file")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("%d files in the folder, want only the existing one", len(entries))
	}

	t.Setenv(secretfile.PassphraseEnv, "")
	err := runMember([]string{"keygen", "--out", filepath.Join(dir, "c")}, &bytes.Buffer{}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "URNA_PASSPHRASE is set but empty") {
		t.Fatalf("empty passphrase: %v", err)
	}
}

func TestMemberUsage(t *testing.T) {
	for _, args := range [][]string{nil, {"frob"}, {"keygen"}, {"pubkey"}, {"pubkey", "a", "b"}} {
		var stderr bytes.Buffer
		if err := runMember(args, &bytes.Buffer{}, &stderr); !errors.Is(err, errUsage) {
			t.Errorf("%q: %v", args, err)
		}
		if !strings.Contains(stderr.String(), "usage: urna member") {
			t.Errorf("%q: stderr %q", args, stderr.String())
		}
	}
}
