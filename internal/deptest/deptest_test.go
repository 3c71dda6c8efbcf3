// Package deptest holds the dependency rules of the architecture as tests:
// the crypto core and the ballot code run in the browser, the verifier and a
// replicated ledger node, so they must not reach for the network, a
// database, a consensus engine, the JavaScript bridge, logging or processes;
// and the state machine does no I/O.
package deptest

import (
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// core is the crypto core and the ballot code.
var core = []string{
	"./crypto/...", "./ballot/...", "./internal/seeded",
}

// forbiddenEverywhere may not be imported by the core in any build.
var forbiddenEverywhere = []string{
	"net", "net/http", "database/sql", "os/exec", "log", "log/slog", "syscall/js",
	"modernc.org/sqlite", "github.com/jackc/pgx", "github.com/cometbft/cometbft",
}

type pkg struct {
	ImportPath string
	Imports    []string
	Deps       []string
}

func list(t *testing.T, env []string, patterns ...string) []pkg {
	t.Helper()
	cmd := exec.Command("go", append([]string{"list", "-json"}, patterns...)...)
	cmd.Dir = "../.."
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var pkgs []pkg
	dec := json.NewDecoder(out)
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	if len(pkgs) == 0 {
		t.Fatal("go list found no packages")
	}
	return pkgs
}

func forbidden(dep string, rules []string) bool {
	for _, r := range rules {
		if dep == r || strings.HasPrefix(dep, r+"/") {
			return true
		}
	}
	return false
}

func TestCoreImportsNoIO(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go command")
	}
	for _, p := range list(t, nil, core...) {
		for _, d := range p.Deps {
			if forbidden(d, forbiddenEverywhere) {
				t.Errorf("%s depends on %s", p.ImportPath, d)
			}
		}
	}
}

// TestBrowserBuildStaysSmall: built for WebAssembly, the core links neither
// net/http nor encoding/json (together about 2 MB of the wasm).
func TestBrowserBuildStaysSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go command")
	}
	for _, p := range list(t, []string{"GOOS=js", "GOARCH=wasm"}, core...) {
		for _, d := range p.Deps {
			// The Go runtime itself reaches syscall/js on js/wasm; the
			// core must not import it directly (checked below).
			if d != "syscall/js" && forbidden(d, append(forbiddenEverywhere, "encoding/json")) {
				t.Errorf("wasm: %s depends on %s", p.ImportPath, d)
			}
		}
		for _, d := range p.Imports {
			if d == "syscall/js" {
				t.Errorf("wasm: %s imports syscall/js", p.ImportPath)
			}
		}
	}
}

// TestStateMachineDoesNoIO: the election state machine, which every node
// and verifier replays, touches no network, database, file or clock: its
// own imports name no os, time or io/fs package.
func TestStateMachineDoesNoIO(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go command")
	}
	for _, p := range list(t, nil, "./election") {
		for _, d := range p.Deps {
			if forbidden(d, forbiddenEverywhere) {
				t.Errorf("%s depends on %s", p.ImportPath, d)
			}
		}
		for _, d := range p.Imports {
			if d == "os" || d == "time" || d == "io/fs" {
				t.Errorf("%s imports %s", p.ImportPath, d)
			}
		}
	}
}
