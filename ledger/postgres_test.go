//go:build !js && !wasip1

package ledger

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
)

func TestSchemaName(t *testing.T) {
	for _, tc := range []struct{ name, want string }{
		{"city2026", "ledger_city2026"},
		{"a_b", "ledger_a_b"},
		{"a-b", "ledger_a_b_"}, // then a hash: '-' is not kept
		{"A", "ledger___"},     // upper case is not kept either
		{"demo-park", "ledger_demo_park_"},
		{strings.Repeat("x", 56), "ledger_" + strings.Repeat("x", 56)},
		{strings.Repeat("x", 57), "ledger_" + strings.Repeat("x", 47) + "_"},
		{"", "ledger__"},
	} {
		got := SchemaName(tc.name)
		if !strings.HasPrefix(got, tc.want) || !plainIdentifier(got) || len(got) > 63 {
			t.Errorf("SchemaName(%q) = %q, want %q… and a plain identifier", tc.name, got, tc.want)
		}
		if strings.HasSuffix(tc.want, "_") && len(got) != len(tc.want)+8 {
			t.Errorf("SchemaName(%q) = %q, want a hash suffix", tc.name, got)
		}
	}
	seen := map[string]string{}
	for _, n := range []string{"a-b", "a_b", "a.b", "A_b", "a__b", strings.Repeat("y", 64), strings.Repeat("y", 63) + "z"} {
		s := SchemaName(n)
		if prev, ok := seen[s]; ok {
			t.Errorf("SchemaName(%q) = SchemaName(%q) = %q", n, prev, s)
		}
		seen[s] = n
	}
}

func TestPostgresAddress(t *testing.T) {
	got, err := PostgresStore("postgres://urna:pw@db.example:5432/urna?sslmode=verify-full", "demo-park")
	if err != nil {
		t.Fatal(err)
	}
	if s, err := schemaOf(got); err != nil || s != SchemaName("demo-park") {
		t.Errorf("PostgresStore gave %q: schema %q, %v", got, s, err)
	}
	if !strings.Contains(got, "sslmode=verify-full") {
		t.Errorf("PostgresStore dropped the URL's parameters: %q", got)
	}
	for _, dsn := range []string{"sqlite:x.db", "/var/lib/urna/ledger.db", "postgres://h/db?search_path=public"} {
		if _, err := PostgresStore(dsn, "e"); err == nil {
			t.Errorf("PostgresStore(%q) succeeded", dsn)
		}
	}
	// Open refuses a URL without one plain schema, before connecting.
	ctx := context.Background()
	s, _ := testKeys(t)
	for _, dsn := range []string{
		"postgres://127.0.0.1:1/db",
		"postgres://127.0.0.1:1/db?search_path=a,b",
		"postgres://127.0.0.1:1/db?search_path=Ledger",
		"postgres://127.0.0.1:1/db?search_path=pg_catalog",
		"postgres://127.0.0.1:1/db?search_path=%22x%22",
	} {
		_, err := Open(ctx, dsn, Options{Origin: testOrigin, Signer: s})
		if err == nil || !strings.Contains(err.Error(), "search_path") {
			t.Errorf("Open(%q) = %v, want an error about search_path", dsn, err)
		}
	}
}

// TestPostgresMessagesHideThePassword: the URL of a store carries its
// password; no error names it.
func TestPostgresMessagesHideThePassword(t *testing.T) {
	s, _ := testKeys(t)
	for _, dsn := range []string{
		"postgres://urna:sekret-pw@127.0.0.1:1/db?search_path=ledger_x&connect_timeout=2",
		"postgres://urna:sekret-pw@127.0.0.1:1/db?search_path=ledger_x&sslmode=bogus",
	} {
		_, err := Open(context.Background(), dsn, Options{Origin: testOrigin, Signer: s})
		if err == nil {
			t.Fatalf("Open(%s) succeeded", dsn)
		}
		if strings.Contains(err.Error(), "sekret") {
			t.Errorf("the error names the password: %v", err)
		}
	}
}

// TestPostgresIndexCheck runs Check with the amcheck extension installed:
// it passes on an intact store and finds a primary key gone.
func TestPostgresIndexCheck(t *testing.T) {
	ts := postgresOnly(t)
	ctx := context.Background()
	if _, err := ts.raw(t, ts.dsn).Exec("CREATE EXTENSION IF NOT EXISTS amcheck"); err != nil {
		t.Skipf("the server has no amcheck: %v", err)
	}
	l, where := openTest(t, ts, Options{})
	mustAppend(t, l, testEntries(300))
	if err := l.Check(ctx); err != nil {
		t.Fatalf("Check with amcheck: %v", err)
	}
	l.Close()
	ts.exec(t, where, "ALTER TABLE hashes DROP CONSTRAINT hashes_pkey")
	s, _ := testKeys(t)
	if _, err := Open(ctx, where, Options{Origin: testOrigin, Signer: s}); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "amcheck") {
		t.Errorf("Open without the hashes' primary key = %v, want ErrCorrupt from amcheck", err)
	}
}

// postgresOnly is for the tests of what only PostgreSQL has.
func postgresOnly(t *testing.T) testStore {
	t.Helper()
	for _, s := range testStores(t) {
		if s.engine == "postgres" {
			return s
		}
	}
	t.Skip("no PostgreSQL server: set URNA_TEST_POSTGRES")
	return testStore{}
}

// TestConcurrentWriters runs two ledgers on one store appending at the
// same time: the store never interleaves them. Whatever either
// acknowledged is on the reopened store, which checks whole.
func TestConcurrentWriters(t *testing.T) {
	engines(t, func(t *testing.T, ts testStore) {
		ctx := context.Background()
		a, where := openTest(t, ts, Options{})
		b := reopen(t, where, Options{})
		var mu sync.Mutex
		acked := map[uint64]string{}
		var failed int
		var wg sync.WaitGroup
		for w, l := range []*Ledger{a, b} {
			for g := range 4 {
				wg.Go(func() {
					for i := range 50 {
						e := testEntry(string(rune('a'+w))+string(rune('0'+g)), i, 80)
						idx, err := l.Append(ctx, e)
						mu.Lock()
						switch {
						case err == nil:
							if prev, ok := acked[idx]; ok {
								t.Errorf("index %d acknowledged twice (%s, %s)", idx, prev, e)
							}
							acked[idx] = string(e)
						case errors.Is(err, ErrFailed):
							failed++
						default:
							t.Errorf("Append = %v", err)
						}
						mu.Unlock()
						if err != nil {
							return
						}
					}
				})
			}
		}
		wg.Wait()
		a.Close()
		b.Close()
		if failed == 0 {
			t.Error("two writers appended to one store, neither failed")
		}
		l := reopen(t, where, Options{})
		if l.Size() != uint64(len(acked)) {
			t.Errorf("reopened with %d entries, %d were acknowledged", l.Size(), len(acked))
		}
		for idx, e := range acked {
			if got, err := l.Entry(ctx, idx); err != nil || string(got) != e {
				t.Errorf("entry %d = %q, %v; acknowledged %q", idx, got, err, e)
			}
		}
	})
}

// TestPostgresConnectionLost ends the writer's server process inside a
// group commit, just before COMMIT (as a server restart or a cut network
// would): the append is not acknowledged, the ledger fails, and the
// reopened store holds exactly what was acknowledged before.
func TestPostgresConnectionLost(t *testing.T) {
	ts := postgresOnly(t)
	ctx := context.Background()
	var pid int
	var mu sync.Mutex
	kill := false
	admin := ts.raw(t, ts.dsn)
	l, where := openTest(t, ts, Options{failpoint: func() error {
		mu.Lock()
		defer mu.Unlock()
		if kill {
			_, err := admin.Exec("SELECT pg_terminate_backend($1)", pid)
			return err
		}
		return nil
	}})
	all := testEntries(12)
	mustAppend(t, l, all[:10])
	if err := l.w.QueryRow("SELECT pg_backend_pid()").Scan(&pid); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	kill = true
	mu.Unlock()
	if _, err := l.Append(ctx, all[10]); !errors.Is(err, ErrFailed) {
		t.Fatalf("Append whose connection ended before COMMIT = %v, want ErrFailed", err)
	}
	if _, err := l.Append(ctx, all[11]); !errors.Is(err, ErrFailed) {
		t.Errorf("Append after the failure = %v, want ErrFailed", err)
	}
	l.Close()
	l = reopen(t, where, Options{})
	if l.Size() != 10 {
		t.Fatalf("reopened with %d entries, 10 were acknowledged", l.Size())
	}
	if idx, err := l.Append(ctx, all[10]); err != nil || idx != 10 {
		t.Errorf("Append after reopening = %d, %v", idx, err)
	}
}
