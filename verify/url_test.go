package verify_test

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/urna-vote/urna/ledger"
	"github.com/urna-vote/urna/ledger/tiles"
	. "github.com/urna-vote/urna/verify"
)

// TestVerifyURL serves a simulated election's ledger as tlog tiles over
// HTTP and verifies it from the URL, as an observer would a live platform.
func TestVerifyURL(t *testing.T) {
	dir := simulated(t)
	key, err := os.ReadFile(filepath.Join(dir, "log.pub"))
	if err != nil {
		t.Fatal(err)
	}
	origin := strings.SplitN(strings.TrimSpace(string(key)), "+", 2)[0]
	l, err := ledger.Open(context.Background(), filepath.Join(dir, "ledger.db"), ledger.Options{Origin: origin})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	srv := httptest.NewServer(tiles.NewHandler(l, nil))
	defer srv.Close()
	r, err := URL(context.Background(), srv.URL, Options{Key: strings.TrimSpace(string(key))})
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK || r.Ballots != 40 {
		t.Fatalf("ok %v, %d ballots: %v", r.OK, r.Ballots, r.Failures)
	}
	if _, err := URL(context.Background(), srv.URL, Options{}); err == nil {
		t.Fatal("verified a URL without the log key")
	}
}
