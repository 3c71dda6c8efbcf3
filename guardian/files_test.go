package guardian

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSecretTextRoundTrip(t *testing.T) {
	secret := bytes.Repeat([]byte{7}, secretSize)
	for _, s := range []*secretText{
		{Kind: kindKey, Secret: secret},
		{Kind: kindShare, Election: "city-2027", Guardian: 3, Secret: secret},
		{Kind: kindDeal, Election: "a.b_c-1", Guardian: 255, Secret: secret},
	} {
		got, err := decodeSecretText(s.Kind, s.encode())
		if err != nil {
			t.Fatalf("%s: %v", s.Kind, err)
		}
		if got.Election != s.Election || got.Guardian != s.Guardian || !bytes.Equal(got.Secret, s.Secret) {
			t.Errorf("%s: decoded %+v", s.Kind, got)
		}
	}
}

func TestSecretTextRejects(t *testing.T) {
	good := (&secretText{Kind: kindShare, Election: "e1", Guardian: 2, Secret: make([]byte, 32)}).encode()
	for name, data := range map[string]string{
		"another kind":       strings.Replace(string(good), "share", "deal", 1),
		"no final newline":   strings.TrimSuffix(string(good), "\n"),
		"extra line":         string(good) + "\n",
		"short secret":       "urna guardian share v1\nelection e1\nguardian 2\nAAAA\n",
		"unpadded":           "urna guardian key v1\n" + strings.TrimRight(string(good[len(good)-46:]), "=\n") + "\n",
		"guardian 0":         strings.Replace(string(good), "guardian 2", "guardian 0", 1),
		"guardian 02":        strings.Replace(string(good), "guardian 2", "guardian 02", 1),
		"election with path": strings.Replace(string(good), "election e1", "election ../x", 1),
		"carriage return":    strings.ReplaceAll(string(good), "\n", "\r\n"),
	} {
		if _, err := decodeSecretText(kindShare, []byte(data)); !errors.Is(err, errNotGuardianFile) {
			t.Errorf("%s: %v, want a refusal", name, err)
		}
	}
}

// FuzzDecodeSecretText: the decoder of a guardian file's plaintext never
// panics, and accepts only what it would write itself.
func FuzzDecodeSecretText(f *testing.F) {
	secret := bytes.Repeat([]byte{0xa5}, secretSize)
	for _, s := range []*secretText{
		{Kind: kindKey, Secret: secret},
		{Kind: kindShare, Election: "city-2027", Guardian: 3, Secret: secret},
		{Kind: kindDeal, Election: "e", Guardian: 7, Secret: secret},
	} {
		f.Add(s.Kind, s.encode())
	}
	f.Add(kindKey, []byte("urna guardian key v1\n\n"))
	f.Fuzz(func(t *testing.T, kind string, data []byte) {
		s, err := decodeSecretText(kind, data)
		if err != nil {
			return
		}
		if !bytes.Equal(s.encode(), data) {
			t.Fatalf("%q decodes but encodes as %q", data, s.encode())
		}
	})
}

// TestWrongPassphrase: a wrong passphrase is said so, naming the file,
// and nothing is written.
func TestWrongPassphrase(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "g.key")
	pub, err := Init(path, []byte("the right one"), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Init(path, []byte("the right one"), rand.Reader); err == nil || !strings.Contains(err.Error(), "refusing to overwrite") {
		t.Errorf("a second Init over the key file: %v", err)
	}
	got, err := PublicKey(path, []byte("the right one"))
	if err != nil || !bytes.Equal(got, pub) {
		t.Fatalf("PublicKey: %x, %v; want %x", got, err, pub)
	}
	_, err = Open(context.Background(), Config{URL: "http://127.0.0.1:1", Election: "e1", KeyFile: path, Passphrase: []byte("a wrong one")})
	if !errors.Is(err, ErrPassphrase) || !strings.Contains(err.Error(), path) {
		t.Fatalf("Open with a wrong passphrase: %v; want ErrPassphrase naming %s", err, path)
	}
	if strings.Contains(err.Error(), "a wrong one") {
		t.Errorf("the error shows the passphrase: %v", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("%d files in the folder, want the key file alone", len(entries))
	}
}
