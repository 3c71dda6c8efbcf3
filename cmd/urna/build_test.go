package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// TestReproducibleBuild builds the release binary twice, each with an
// empty build cache of its own (-trimpath keeps the source's location out
// of the binary), and demands the same bytes: anyone can rebuild a release
// and compare its SHA-256 with the one the platform records on the ledger.
func TestReproducibleBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds urna twice from scratch")
	}
	gotool := filepath.Join(runtime.GOROOT(), "bin", "go")
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	build := func(n int) []byte {
		out := filepath.Join(t.TempDir(), "urna")
		cmd := exec.Command(gotool, "build", "-trimpath", "-buildvcs=false", "-ldflags=-buildid=", "-o", out, "./cmd/urna")
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOCACHE="+filepath.Join(t.TempDir(), "cache"), "GOFLAGS=")
		if n == 1 {
			cmd.Env = append(cmd.Env, "GOCACHE="+filepath.Join(t.TempDir(), "cache1"))
		}
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("build %d: %v\n%s", n, err, b)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	a, b := build(0), build(1)
	if !bytes.Equal(a, b) {
		t.Fatal("two builds of the same source differ")
	}
}
