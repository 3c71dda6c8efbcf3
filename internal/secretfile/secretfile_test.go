package secretfile

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"
	"filippo.io/age/armor"
)

// testWorkFactor keeps the tests fast; the default is tested once.
const testWorkFactor = 10

var (
	pass   = []byte("correct horse battery staple")
	secret = []byte("urna-sign-v1 ed25519 VoGo4HGhoSpj5OP6qRNbYpRnEfihnUUJFQH9gpYDUvo=\n")
)

func seal(t testing.TB, plaintext []byte) []byte {
	t.Helper()
	s, err := SealWorkFactor(pass, plaintext, testWorkFactor)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// dearmor returns the binary age file inside an armored one.
func dearmor(t testing.TB, s []byte) []byte {
	t.Helper()
	b, err := io.ReadAll(armor.NewReader(bytes.NewReader(s)))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSealOpen(t *testing.T) {
	s := seal(t, secret)
	if !bytes.HasPrefix(s, []byte("-----BEGIN AGE ENCRYPTED FILE-----\n")) {
		t.Fatalf("not armored: %q", s[:40])
	}
	if bytes.Contains(s, secret) || bytes.Contains(s, []byte("VoGo4HGh")) {
		t.Fatal("the secret shows in the sealed file")
	}
	got, err := Open(pass, s)
	if err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("Open = %q, %v", got, err)
	}
	// Sealing twice gives two different files (fresh salt and file key).
	if bytes.Equal(s, seal(t, secret)) {
		t.Fatal("two seals are identical")
	}
	// age's binary form opens too.
	if got, err := Open(pass, dearmor(t, s)); err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("binary form: %q, %v", got, err)
	}
	// The empty secret round-trips.
	if got, err := Open(pass, seal(t, nil)); err != nil || len(got) != 0 {
		t.Fatalf("empty secret: %q, %v", got, err)
	}
}

func TestSealDefaultWorkFactor(t *testing.T) {
	s, err := Seal(pass, secret)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(dearmor(t, s), []byte(" 18\n")) {
		t.Fatal("the scrypt stanza does not name work factor 18")
	}
	if got, err := Open(pass, s); err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("Open = %q, %v", got, err)
	}
}

func TestWrongPassphrase(t *testing.T) {
	s := seal(t, secret)
	_, err := Open([]byte("correct horse battery stapler"), s)
	if !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("Open with a wrong passphrase: %v", err)
	}
	if want := "secretfile: wrong passphrase (or the file was altered)"; err.Error() != want {
		t.Fatalf("error %q, want %q", err, want)
	}
	if _, err := Open(nil, s); err == nil {
		t.Fatal("Open accepted an empty passphrase")
	}
	if _, err := SealWorkFactor(nil, secret, testWorkFactor); err == nil {
		t.Fatal("Seal accepted an empty passphrase")
	}
}

func TestTamperedRejected(t *testing.T) {
	bin := dearmor(t, seal(t, secret))
	hdrEnd := bytes.Index(bin, []byte("\n---"))
	macAt := hdrEnd + 5
	withWF := func(wf string) []byte {
		return bytes.Replace(bin, []byte(" 10\n"), []byte(" "+wf+"\n"), 1)
	}
	other, _ := age.GenerateX25519Identity()
	var x25519 bytes.Buffer
	w, _ := age.Encrypt(&x25519, other.Recipient())
	w.Write(secret)
	w.Close()
	for _, x := range []struct {
		name string
		b    []byte
		want error
	}{
		{"last payload byte changed", flip(bin, len(bin)-1), ErrDamaged},
		{"first payload byte changed", flip(bin, len(bin)-len(secret)-16), ErrDamaged},
		{"header MAC changed", flip(bin, macAt), ErrDamaged},
		{"salt changed", flip(bin, bytes.Index(bin, []byte("scrypt "))+8), ErrWrongPassphrase},
		{"truncated payload", bin[:len(bin)-1], ErrDamaged},
		{"payload removed", bin[:bytes.IndexByte(bin[hdrEnd+1:], '\n')+hdrEnd+2], ErrDamaged},
		{"an extra byte", append(bytes.Clone(bin), 0), ErrDamaged},
		{"work factor 2^21, beyond what Open spends", withWF("21"), ErrDamaged},
		{"work factor 2^30", withWF("30"), ErrDamaged},
		{"not an age file", []byte("urna-sign-v1 ed25519 AAAA\n"), ErrDamaged},
		{"empty", nil, ErrDamaged},
		{"sealed to a key, not a passphrase", x25519.Bytes(), ErrDamaged},
		{"armor with a changed character", flip(seal(t, secret), 60), nil},
		{"too long", bytes.Repeat([]byte("a"), maxSealed+1), ErrDamaged},
	} {
		_, err := Open(pass, x.b)
		switch {
		case err == nil:
			t.Errorf("%s: accepted", x.name)
		case x.want == nil && !errors.Is(err, ErrDamaged) && !errors.Is(err, ErrWrongPassphrase):
			t.Errorf("%s: %v", x.name, err)
		case x.want != nil && !errors.Is(err, x.want):
			t.Errorf("%s: %v, want %v", x.name, err, x.want)
		}
	}
}

func flip(b []byte, i int) []byte {
	c := bytes.Clone(b)
	c[i] ^= 1
	return c
}

func TestWriteFileReadFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "member.key")
	if err := WriteFile(path, pass, secret); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, want 0600", fi.Mode().Perm())
	}
	got, err := ReadFile(path, pass)
	if err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("ReadFile = %q, %v", got, err)
	}
	if _, err := ReadFile(path, []byte("wrong")); !errors.Is(err, ErrWrongPassphrase) || !strings.Contains(err.Error(), path) {
		t.Fatalf("ReadFile with a wrong passphrase: %v", err)
	}
	if _, err := ReadFile(filepath.Join(dir, "missing"), pass); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("ReadFile of a missing file: %v", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("the folder holds %d entries, want only the file", len(entries))
	}
}

func TestWriteFileRefusesToOverwrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "member.key")
	if err := os.WriteFile(path, []byte("precious"), 0o600); err != nil {
		t.Fatal(err)
	}
	err := writeNew(path, seal(t, secret))
	if err == nil || !strings.Contains(err.Error(), "refusing to overwrite") {
		t.Fatalf("writeNew over an existing file: %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "precious" {
		t.Fatalf("the existing file now holds %q", b)
	}
	// A dangling symlink is an existing name too: writing through it
	// would create a file elsewhere.
	tmp := filepath.Join(dir, "second.key")
	if err := os.Symlink("precious-target", tmp); err != nil {
		t.Fatal(err)
	}
	if err := writeNew(tmp, seal(t, secret)); err == nil {
		t.Fatal("writeNew replaced a dangling symlink")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Fatalf("the folder holds %d entries, a temporary file was left behind", len(entries))
	}
	if err := writeNew(filepath.Join(dir, "no-such-folder", "k"), []byte("x")); err == nil {
		t.Fatal("writeNew into a missing folder succeeded")
	}
}

func TestReadPassphraseFromEnv(t *testing.T) {
	t.Setenv(PassphraseEnv, "from the environment")
	p, err := ReadPassphrase("passphrase: ")
	if err != nil || string(p) != "from the environment" {
		t.Fatalf("ReadPassphrase = %q, %v", p, err)
	}
	t.Setenv(PassphraseEnv, "")
	if _, err := ReadPassphrase("passphrase: "); err == nil || !strings.Contains(err.Error(), "URNA_PASSPHRASE is set but empty") {
		t.Fatalf("empty URNA_PASSPHRASE: %v", err)
	}
}

// TestReadPassphraseFromPipe: without the variable and without a terminal,
// one line of standard input is the passphrase.
func TestReadPassphraseFromPipe(t *testing.T) {
	old, had := os.LookupEnv(PassphraseEnv)
	os.Unsetenv(PassphraseEnv)
	t.Cleanup(func() {
		if had {
			os.Setenv(PassphraseEnv, old)
		}
	})
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	w.WriteString("piped secret\r\nthe next line\n")
	w.Close()
	stdin := os.Stdin
	os.Stdin = r
	t.Cleanup(func() { os.Stdin = stdin; r.Close() })
	p, err := ReadPassphrase("passphrase: ")
	if err != nil || string(p) != "piped secret" {
		t.Fatalf("ReadPassphrase = %q, %v", p, err)
	}
	rest, _ := io.ReadAll(r)
	if string(rest) != "the next line\n" {
		t.Fatalf("ReadPassphrase consumed more than its line: %q left", rest)
	}
}

func TestReadLine(t *testing.T) {
	for _, x := range []struct {
		in, want string
		err      bool
	}{
		{"abc\n", "abc", false},
		{"abc", "abc", false},
		{"abc\r\n", "abc", false},
		{"\n", "", false},
		{"", "", true},
		{strings.Repeat("a", maxPassphrase+1) + "\n", "", true},
	} {
		got, err := readLine(strings.NewReader(x.in))
		if (err != nil) != x.err || string(got) != x.want {
			t.Errorf("readLine(%q) = %q, %v", x.in, got, err)
		}
	}
}

// FuzzOpen: Open never panics, and every error is one of its two classes
// or the empty-passphrase error.
func FuzzOpen(f *testing.F) {
	s := seal(f, secret)
	bin := dearmor(f, s)
	for _, b := range [][]byte{s, bin, flip(bin, len(bin)-1), flip(s, 70), bin[:40], []byte("age-encryption.org/v1\n")} {
		f.Add(b)
	}
	maxWorkFactor = testWorkFactor + 1
	f.Cleanup(func() { maxWorkFactor = maxSealWorkFactor })
	f.Fuzz(func(t *testing.T, b []byte) {
		out, err := Open(pass, b)
		if err != nil {
			if !errors.Is(err, ErrDamaged) && !errors.Is(err, ErrWrongPassphrase) {
				t.Fatalf("unclassified error: %v", err)
			}
			return
		}
		if len(out) > maxSealed {
			t.Fatalf("%d bytes out", len(out))
		}
	})
}
