package ledger

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestWebAssemblyDeps checks that the package builds for the browser
// (GOOS=js GOARCH=wasm), where receipts are verified, without SQLite or
// PostgreSQL: its dependencies there must all build, and include no
// database driver nor net/http.
func TestWebAssemblyDeps(t *testing.T) {
	gotool := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(gotool); err != nil {
		t.Skipf("no go tool at %s", gotool)
	}
	cmd := exec.Command(gotool, "list", "-e", "-deps", "-f", "{{.ImportPath}} {{if .Error}}ERROR {{.Error}}{{end}}", ".")
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, errText, _ := strings.Cut(line, " ")
		switch {
		case errText != "":
			t.Errorf("%s does not build for js/wasm: %s", pkg, errText)
		case strings.HasPrefix(pkg, "modernc.org/"), strings.HasPrefix(pkg, "github.com/jackc/"), pkg == "net/http":
			t.Errorf("the package imports %s on js/wasm", pkg)
		}
	}
}
