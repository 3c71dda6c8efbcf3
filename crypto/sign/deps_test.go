package sign

import (
	"encoding/json"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
)

// The state machine imports this package, and the verifier, the browser
// and every ledger node run it: it must not reach for the network, a
// database, a consensus engine, logging, processes or the JavaScript
// bridge, and its GOST dependency must not bring them in. (internal/deptest
// holds the same rule for the whole crypto core.)
var forbiddenDeps = []string{
	"net", "net/http", "database/sql", "os/exec", "log", "log/slog", "syscall/js",
	"modernc.org/sqlite", "github.com/jackc/pgx", "github.com/lib/pq",
	"github.com/cometbft/cometbft",
}

func TestDependencies(t *testing.T) {
	if testing.Short() || runtime.GOOS == "js" {
		t.Skip("runs the go command")
	}
	for _, env := range [][]string{nil, {"GOOS=js", "GOARCH=wasm"}} {
		cmd := exec.Command("go", "list", "-json", ".")
		cmd.Env = append(os.Environ(), env...)
		cmd.Stderr = os.Stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatal(err)
		}
		var p struct {
			ImportPath string
			Imports    []string
			Deps       []string
		}
		if err := json.Unmarshal(out, &p); err != nil {
			t.Fatal(err)
		}
		if len(p.Deps) == 0 {
			t.Fatal("go list found no dependencies")
		}
		for _, d := range p.Deps {
			// On js/wasm the runtime itself reaches syscall/js; the
			// package must not import it (checked below).
			if d == "syscall/js" && len(env) > 0 {
				continue
			}
			for _, f := range forbiddenDeps {
				if d == f || strings.HasPrefix(d, f+"/") {
					t.Errorf("%v: %s depends on %s", env, p.ImportPath, d)
				}
			}
			// The browser build stays small: no encoding/json.
			if len(env) > 0 && d == "encoding/json" {
				t.Errorf("%v: %s depends on encoding/json", env, p.ImportPath)
			}
		}
		for _, d := range p.Imports {
			if d == "syscall/js" || d == "os" || d == "time" || d == "io/fs" {
				t.Errorf("%v: %s imports %s", env, p.ImportPath, d)
			}
		}
	}
}
