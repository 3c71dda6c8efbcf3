package platform_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/urna-vote/urna/platform"
)

// The publication key is made once in the data folder (the key with mode
// 0600), loaded again by a reopened platform, and a key whose certificate
// is lost is an error rather than a silent new certificate.
func TestPublisher(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	open := func() *platform.Platform {
		p, err := platform.Open(ctx, platform.Config{Data: data})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { p.Close() })
		return p
	}
	pub, err := open().Publisher()
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(filepath.Join(data, "publisher.key"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("publisher.key: %v %v", st, err)
	}
	if pub.Certificate().Subject.CommonName != "Публикация протоколов urna.local" {
		t.Errorf("certificate name %q", pub.Certificate().Subject.CommonName)
	}
	again, err := open().Publisher()
	if err != nil || again.Fingerprint() != pub.Fingerprint() {
		t.Fatalf("reopened: %v %v", again, err)
	}

	lost := t.TempDir()
	for _, f := range []string{"publisher.key", "publisher.crt"} {
		b, _ := os.ReadFile(filepath.Join(data, f))
		os.WriteFile(filepath.Join(lost, f), b, 0o600)
	}
	os.Remove(filepath.Join(lost, "publisher.crt"))
	p, err := platform.Open(ctx, platform.Config{Data: lost})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if _, err := p.Publisher(); err == nil || !strings.Contains(err.Error(), "restore the certificate") {
		t.Fatalf("a key without its certificate: %v", err)
	}
	if _, err := os.Stat(filepath.Join(lost, "publisher.crt")); !os.IsNotExist(err) {
		t.Error("a new certificate was written for the old key")
	}
}
