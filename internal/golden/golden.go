// Package golden keeps generated test data — test vectors, golden files —
// honest: a test regenerates the data from its published seed and either
// rewrites the stored file (go test -run TestVectors -update) or demands
// that the stored file is byte for byte what the generator produces now.
package golden

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

// Update is the -update flag of every test binary that uses this package.
var Update = flag.Bool("update", false, "rewrite test vectors and golden files from their generators")

// JSON marshals v (indented, with a final newline) and checks it against the
// file at path, or writes it there under -update. It returns the bytes.
func JSON(t testing.TB, path string, v any) []byte {
	t.Helper()
	out, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	out = append(out, '\n')
	Check(t, path, out)
	return out
}

// Check compares got with the file at path, or writes it there under
// -update.
func Check(t testing.TB, path string, got []byte) {
	t.Helper()
	if *Update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	stored, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (generate it with -update)", err)
	}
	if !bytes.Equal(stored, got) {
		t.Fatalf("%s is not what its generator produces; regenerate with -update and review the diff", path)
	}
}

// ReadJSON reads the JSON file at path into v.
func ReadJSON(t testing.TB, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}
