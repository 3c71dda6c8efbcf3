// Package buildhash names the running build: the SHA-256 of the binary
// being run. The platform records it on the ledger when an election is
// defined (Manifest.Build), so observers can check that the servers run
// the published code: a release is built reproducibly (docs/operations.md)
// and anyone rebuilding it gets the same hash.
package buildhash

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"sync"
)

// Hash returns the hex SHA-256 of the running executable, or "unknown"
// if it cannot be read.
var Hash = sync.OnceValue(func() string {
	path, err := os.Executable()
	if err != nil {
		return "unknown"
	}
	f, err := os.Open(path)
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "unknown"
	}
	return hex.EncodeToString(h.Sum(nil))
})
