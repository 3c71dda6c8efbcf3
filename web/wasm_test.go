package web_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestWasmIsCurrent rebuilds the browser's module and demands the bytes
// kept in static/: the portal must serve the build of the code in this
// tree. The build is reproducible for one Go release; under another one
// the test says so and checks only that the module builds.
func TestWasmIsCurrent(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the WebAssembly module")
	}
	dir := t.TempDir()
	cmd := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "run", "../internal/wasmbuild", "-o", dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("wasmbuild: %v\n%s", err, out)
	}
	version, err := os.ReadFile("static/urna.wasm.version")
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(string(version)) != runtime.Version() {
		t.Skipf("static/urna.wasm was built with %s, this is %s: run go generate ./web to rebuild it", strings.TrimSpace(string(version)), runtime.Version())
	}
	for _, name := range []string{"urna.wasm.gz", "wasm_exec.js"} {
		want, _ := os.ReadFile(filepath.Join(dir, name))
		got, err := os.ReadFile(filepath.Join("static", name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("static/%s is not the build of this tree: run go generate ./web", name)
		}
	}
}

// TestWasmServed checks the module is served compressed to browsers that
// accept gzip, plain to others, cached for good under its hashed address.
func TestWasmServed(t *testing.T) {
	e := newEnv(t)
	var path string
	{
		resp, err := http.Get(e.url + "/static/vote.js")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("vote.js: %d", resp.StatusCode)
		}
	}
	raw, _ := os.ReadFile("static/urna.wasm.gz")
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := io.ReadAll(zr)
	path = "/static/urna.wasm"
	for _, c := range []struct {
		encoding string
		want     []byte
	}{{"gzip, deflate, br", raw}, {"identity", plain}} {
		req, _ := http.NewRequest("GET", e.url+path, nil)
		req.Header.Set("Accept-Encoding", c.encoding)
		resp, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.Header.Get("Content-Type") != "application/wasm" || !bytes.Equal(body, c.want) {
			t.Errorf("Accept-Encoding %q: %s, %d bytes, want %d", c.encoding, resp.Header.Get("Content-Type"), len(body), len(c.want))
		}
		if !bytes.HasPrefix(plain, []byte("\x00asm")) {
			t.Error("the module is not WebAssembly")
		}
	}
}
