package web_test

import (
	"bytes"
	"context"
	"encoding/pem"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/urna-vote/urna/demo"
	"github.com/urna-vote/urna/protocol"
)

// The signed exports: 409 before the result, then the signed XML, whose
// signature verifies with the served publication certificate and which
// strips to exactly the unsigned protocol.xml, and the signed PDF, which
// Poppler's pdfsig reports valid; both the same on a second request.
func TestSignedProtocolExports(t *testing.T) {
	e := newEnv(t)
	get := func(path string) (int, []byte) {
		t.Helper()
		resp, err := http.Get(e.url + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, b
	}
	const base = "/api/v1/elections/demo-park/protocol"
	for _, ext := range []string{".signed.xml", ".pdf"} {
		if st, body := get(base + ext); st != http.StatusConflict || !bytes.Contains(body, []byte("not_decided")) {
			t.Errorf("%s before the result: %d %s", ext, st, body)
		}
	}
	if st, _ := get("/api/v1/elections/nope/protocol.pdf"); st != http.StatusNotFound {
		t.Errorf("an unknown election: %d", st)
	}
	box, _ := e.p.Election("demo-park")
	keys, err := demo.LoadKeys(e.data, "demo-park")
	if err != nil {
		t.Fatal(err)
	}
	e.clock.advance(8 * 24 * time.Hour)
	if err := keys.Count(context.Background(), box.Box); err != nil {
		t.Fatal(err)
	}

	st, crtPEM := get("/api/v1/publisher.crt")
	block, _ := pem.Decode(crtPEM)
	if st != http.StatusOK || block == nil || block.Type != "CERTIFICATE" {
		t.Fatalf("publisher.crt: %d %s", st, crtPEM)
	}
	st, signed := get(base + ".signed.xml")
	if st != http.StatusOK {
		t.Fatalf("protocol.signed.xml: %d %s", st, signed)
	}
	doc, cert, err := protocol.VerifyXML(signed)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(cert.Raw, block.Bytes) {
		t.Error("the XML is signed with another certificate than the one served")
	}
	if _, unsigned := get(base + ".xml"); !bytes.Equal(doc, unsigned) {
		t.Error("the signed protocol without its signature is not protocol.xml")
	}
	st, pdf := get(base + ".pdf")
	if st != http.StatusOK || !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("protocol.pdf: %d %.40q", st, pdf)
	}
	if _, again := get(base + ".pdf"); !bytes.Equal(again, pdf) {
		t.Error("a second request gives another PDF while the ledger is unchanged")
	}
	if _, again := get(base + ".signed.xml"); !bytes.Equal(again, signed) {
		t.Error("a second request gives another signed XML while the ledger is unchanged")
	}

	pdfsig, err := exec.LookPath("pdfsig")
	if err != nil {
		if os.Getenv("URNA_REQUIRE_BROWSER") == "1" {
			t.Fatalf("pdfsig is required (apt-get install poppler-utils): %v", err)
		}
		t.Skip("pdfsig is not installed (apt-get install poppler-utils)")
	}
	file := filepath.Join(t.TempDir(), "protocol.pdf")
	if err := os.WriteFile(file, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	out, _ := exec.Command(pdfsig, file).CombinedOutput()
	if !strings.Contains(string(out), "Signature Validation: Signature is Valid.") || !strings.Contains(string(out), "Total document signed") {
		t.Fatalf("pdfsig:\n%s", out)
	}
}
