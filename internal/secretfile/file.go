package secretfile

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"golang.org/x/term"
)

// PassphraseEnv names the environment variable ReadPassphrase reads first.
const PassphraseEnv = "URNA_PASSPHRASE"

// maxPassphrase bounds a passphrase read from a pipe.
const maxPassphrase = 1024

// WriteFile seals plaintext under passphrase (Seal) and writes it to path
// with mode 0600. It never replaces an existing file, and never leaves a
// partial one: the sealed bytes go to a temporary file in the same folder,
// which is synced and then linked into place, which fails if path exists
// (on a file system without hard links: renamed into place after a check).
func WriteFile(path string, passphrase, plaintext []byte) error {
	sealed, err := Seal(passphrase, plaintext)
	if err != nil {
		return err
	}
	return writeNew(path, sealed)
}

// writeNew writes data to a new file at path, atomically.
func writeNew(path string, data []byte) error {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("secretfile: %w", err)
	}
	tmpName := tmp.Name()
	defer os.Remove(tmpName) // after the link, only the temporary name goes
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("secretfile: %w", err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("secretfile: writing %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("secretfile: syncing %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("secretfile: %w", err)
	}
	// A hard link, unlike rename, fails if path exists: no check-then-act
	// race with another writer. Where the file system has no hard links (a
	// FAT-formatted stick), rename after a check.
	if err := os.Link(tmpName, path); errors.Is(err, fs.ErrExist) {
		return errExists(path)
	} else if err != nil {
		if _, err := os.Lstat(path); err == nil {
			return errExists(path)
		}
		if err := os.Rename(tmpName, path); err != nil {
			return fmt.Errorf("secretfile: %w", err)
		}
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync() // make the new name durable; not every platform can
		d.Close()
	}
	return nil
}

func errExists(path string) error {
	return fmt.Errorf("secretfile: %s already exists; refusing to overwrite it", path)
}

// ReadFile reads a sealed file and opens it with passphrase (Open).
func ReadFile(path string, passphrase []byte) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("secretfile: %w", err)
	}
	defer f.Close()
	sealed, err := io.ReadAll(io.LimitReader(f, maxSealed+1))
	if err != nil {
		return nil, fmt.Errorf("secretfile: reading %s: %w", path, err)
	}
	out, err := Open(passphrase, sealed)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return out, nil
}

// ReadPassphrase returns the passphrase from the URNA_PASSPHRASE
// environment variable if it is set, else asks for it with prompt on
// standard error and reads it from the terminal without echo; if standard
// input is not a terminal, it reads one line from it. An empty passphrase
// is an error.
func ReadPassphrase(prompt string) ([]byte, error) {
	if p, ok := os.LookupEnv(PassphraseEnv); ok {
		if p == "" {
			return nil, fmt.Errorf("secretfile: %s is set but empty", PassphraseEnv)
		}
		return []byte(p), nil
	}
	fd := int(os.Stdin.Fd())
	var p []byte
	if term.IsTerminal(fd) {
		fmt.Fprint(os.Stderr, prompt)
		var err error
		p, err = term.ReadPassword(fd)
		fmt.Fprintln(os.Stderr)
		if err != nil {
			return nil, fmt.Errorf("secretfile: reading the passphrase: %w", err)
		}
	} else {
		var err error
		p, err = readLine(os.Stdin)
		if err != nil {
			return nil, err
		}
	}
	if len(p) == 0 {
		return nil, errors.New("secretfile: empty passphrase")
	}
	return p, nil
}

// ReadNewPassphrase is ReadPassphrase for a passphrase being chosen: on a
// terminal it asks twice and fails if the two differ.
func ReadNewPassphrase(prompt string) ([]byte, error) {
	_, fromEnv := os.LookupEnv(PassphraseEnv)
	p, err := ReadPassphrase(prompt)
	if err != nil || fromEnv || !term.IsTerminal(int(os.Stdin.Fd())) {
		return p, err
	}
	again, err := ReadPassphrase("Repeat the passphrase: ")
	if err != nil {
		clear(p)
		return nil, err
	}
	defer clear(again)
	if subtle.ConstantTimeCompare(p, again) != 1 {
		clear(p)
		return nil, errors.New("secretfile: the passphrases differ")
	}
	return p, nil
}

// readLine reads one line (without its line ending) from r, a byte at a
// time so that nothing after it is consumed.
func readLine(r io.Reader) ([]byte, error) {
	var line []byte
	var buf [1]byte
	for {
		n, err := r.Read(buf[:])
		if n == 1 {
			if buf[0] == '\n' {
				break
			}
			if len(line) >= maxPassphrase {
				return nil, fmt.Errorf("secretfile: passphrase longer than %d bytes", maxPassphrase)
			}
			line = append(line, buf[0])
		}
		if err == io.EOF && len(line) > 0 {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("secretfile: reading the passphrase: %w", err)
		}
	}
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, nil
}
