package platform_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/urna-vote/urna/ballot"
	"github.com/urna-vote/urna/client"
	"github.com/urna-vote/urna/demo"
	"github.com/urna-vote/urna/internal/storetest"
	"github.com/urna-vote/urna/ledger"
	"github.com/urna-vote/urna/notify"
	"github.com/urna-vote/urna/platform"
	"github.com/urna-vote/urna/verify"
	"github.com/urna-vote/urna/web"
)

// TestLedgerOnPostgres runs the demo with its private database and its
// elections' ledgers on PostgreSQL (Config.LedgerDB): voters cast ballots
// through the API, the platform restarts (every ledger reopened from its
// schema and checked whole), a voter casts again, the election is counted,
// and `urna verify` accepts the ledger both as the platform serves it
// (tlog tiles read from PostgreSQL) and as exported from it. No ledger
// file is left in the data folder.
func TestLedgerOnPostgres(t *testing.T) {
	dsn, ok := storetest.Engines(t)["postgres"]
	if !ok {
		t.Skip("no PostgreSQL server: set URNA_TEST_POSTGRES")
	}
	if testing.Short() {
		t.Skip("runs a whole election")
	}
	ctx := context.Background()
	var offset atomic.Int64
	now := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	outbox := notify.NewOutbox(64)
	cfg := platform.Config{Data: t.TempDir(), DB: dsn, LedgerDB: dsn, SMS: outbox, Now: now}
	p, err := platform.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { p.Close() }()
	if err := demo.Setup(ctx, p, demo.Options{Voters: 6, Guardians: 3, Threshold: 2}); err != nil {
		t.Fatal(err)
	}
	var handler atomic.Value
	serve := func(p *platform.Platform) {
		handler.Store(web.New(p, web.Options{Demo: true, Outbox: outbox, InsecureCookies: true, ExemptLoopback: true}))
	}
	serve(p)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		handler.Load().(http.Handler).ServeHTTP(w, r)
	}))
	defer srv.Close()

	const id = "demo-park"
	cast := func(c *client.Client, dev *client.Device, choices ballot.Choices) {
		t.Helper()
		b, _, err := dev.Encrypt(choices)
		if err != nil {
			t.Fatal(err)
		}
		rc, err := c.Cast(ctx, id, b.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		el, err := c.Election(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if err := el.CheckReceipt(rc, b); err != nil {
			t.Errorf("receipt of entry %d: %v", rc.Entry, err)
		}
	}
	voter := func(i int) (*client.Client, *client.Device) {
		t.Helper()
		c := client.New(srv.URL, nil)
		if err := c.DemoLogin(ctx, demo.Voter(i), demo.Password); err != nil {
			t.Fatal(err)
		}
		el, err := c.Election(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		dev, err := c.Credential(ctx, el, "77-01")
		if err != nil {
			t.Fatal(err)
		}
		return c, dev
	}
	c0, dev0 := voter(0)
	cast(c0, dev0, ballot.Choices{{1, 0, 0}})
	c3, dev3 := voter(3)
	cast(c3, dev3, ballot.Choices{{1, 0, 0}})

	// The ledgers are in their schemas, not in files.
	if files, _ := filepath.Glob(filepath.Join(cfg.Data, "elections", "*", "ledger.db*")); len(files) > 0 {
		t.Errorf("ledger files in the data folder: %v", files)
	}
	e, _ := p.Election(id)
	var stored int64
	if err := p.DB.QueryRowContext(ctx, "SELECT count(*) FROM "+ledger.SchemaName(id)+".entries").Scan(&stored); err != nil || stored == 0 {
		t.Fatalf("schema %s holds %d entries (%v)", ledger.SchemaName(id), stored, err)
	}

	// A restart reopens every ledger from PostgreSQL; voting goes on.
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	before, _ := e.Box.Ledger().Checkpoint()
	if p, err = platform.Open(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	serve(p)
	e, _ = p.Election(id)
	if root, err := e.Box.Ledger().Root(before.Size); err != nil || root != before.Root {
		t.Fatalf("reopened, the tree of the first %d entries has root %s (%v), %s before", before.Size, root, err, before.Root)
	}
	cast(c3, dev3, ballot.Choices{{0, 1, 0}})

	// The count, then urna verify: from the platform's tiles, and from an
	// export of the store.
	offset.Store(int64(8 * 24 * time.Hour))
	keys, err := demo.LoadKeys(cfg.Data, id)
	if err != nil {
		t.Fatal(err)
	}
	if err := keys.Count(ctx, e.Box); err != nil {
		t.Fatal(err)
	}
	vkey, err := os.ReadFile(filepath.Join(cfg.Data, "elections", id, "log.pub"))
	if err != nil {
		t.Fatal(err)
	}
	key := strings.TrimSpace(string(vkey))
	rep, err := verify.URL(ctx, srv.URL+"/ledger/"+id+"/", verify.Options{Key: key})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK || rep.Results["park"]["r1"] != 1 || rep.Results["park"]["r2"] != 1 {
		t.Fatalf("urna verify of the served ledger: ok %v, results %v: %s", rep.OK, rep.Results, rep.Error)
	}
	var jsonl bytes.Buffer
	signed, err := e.Box.Ledger().Export(ctx, &jsonl)
	if err != nil {
		t.Fatal(err)
	}
	v, err := ledger.NewVerifier(key)
	if err != nil {
		t.Fatal(err)
	}
	if rep := verify.Entries(ledger.ReadJSONL(&jsonl), signed, v, verify.Options{}); !rep.OK || rep.Entries != e.Box.Ledger().Size() {
		t.Fatalf("urna verify of the export: ok %v, %d entries: %s", rep.OK, rep.Entries, rep.Error)
	}
	t.Logf("%d entries on PostgreSQL in schema %s, verified", rep.Entries, ledger.SchemaName(id))

	// An election whose ledger is a file does not open on the ledger
	// database (as an empty ledger would).
	p.Close()
	file := filepath.Join(cfg.Data, "elections", id, "ledger.db")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := platform.Open(ctx, cfg); err == nil || !strings.Contains(err.Error(), "not moved to the ledger database") {
		t.Errorf("platform.Open with a ledger file and a ledger database = %v", err)
	}
}
