//go:build !js && !wasip1

package ledger

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/urna-vote/urna/internal/storetest"
)

// A testStore hands out fresh stores of one engine within a test: SQLite
// files in a temporary folder, or schemas of a PostgreSQL database of the
// test's own (internal/storetest).
type testStore struct {
	engine string // "sqlite" or "postgres"
	dir    string // SQLite: the folder of the files
	dsn    string // PostgreSQL: the test's database
	n      *int
}

// engines runs f once per engine, as subtests named for it: SQLite
// always, PostgreSQL when URNA_TEST_POSTGRES names a server (with
// URNA_REQUIRE_POSTGRES=1, its absence fails the test).
func engines(t *testing.T, f func(t *testing.T, s testStore)) {
	t.Helper()
	for _, s := range testStores(t) {
		t.Run(s.engine, func(t *testing.T) { f(t, s) })
	}
}

func testStores(t testing.TB) []testStore {
	t.Helper()
	out := []testStore{sqliteStore(t)}
	if dsn, ok := storetest.Engines(t)["postgres"]; ok {
		out = append(out, testStore{engine: "postgres", dsn: dsn, n: new(int)})
	}
	return out
}

// sqliteStore is for the tests that only apply to SQLite files.
func sqliteStore(t testing.TB) testStore {
	return testStore{engine: "sqlite", dir: t.TempDir(), n: new(int)}
}

// at returns the address of the store called name.
func (s testStore) at(t testing.TB, name string) string {
	t.Helper()
	if s.engine == "sqlite" {
		return filepath.Join(s.dir, name+".db")
	}
	where, err := PostgresStore(s.dsn, name)
	if err != nil {
		t.Fatal(err)
	}
	return where
}

// fresh returns the address of a store not used before.
func (s testStore) fresh(t testing.TB) string {
	*s.n++
	return s.at(t, fmt.Sprintf("l%d", *s.n))
}

// raw opens a store's database directly, for a test that changes it
// behind the ledger's back.
func (s testStore) raw(t testing.TB, where string) *sql.DB {
	t.Helper()
	driver := map[string]string{"sqlite": "sqlite", "postgres": "pgx"}[s.engine]
	db, err := sql.Open(driver, where)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// exec runs statements on a store's database directly.
func (s testStore) exec(t testing.TB, where, stmts string) {
	t.Helper()
	db := s.raw(t, where)
	if _, err := db.Exec(stmts); err != nil {
		t.Fatalf("%s: %v", stmts, err)
	}
	db.Close()
}

// clone copies the closed store at from to a new store called name.
func (s testStore) clone(t testing.TB, from, name string) string {
	t.Helper()
	to := s.at(t, name)
	if s.engine == "sqlite" {
		b, err := os.ReadFile(from)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(to, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return to
	}
	src, dst := schemaOfTest(t, from), schemaOfTest(t, to)
	stmts := []string{"CREATE SCHEMA " + dst}
	for _, table := range []string{"log", "entries", "hashes"} {
		stmts = append(stmts,
			fmt.Sprintf("CREATE TABLE %s.%s (LIKE %s.%s INCLUDING ALL)", dst, table, src, table),
			fmt.Sprintf("INSERT INTO %s.%s SELECT * FROM %s.%s", dst, table, src, table))
	}
	s.exec(t, s.dsn, strings.Join(stmts, "; "))
	return to
}

func schemaOfTest(t testing.TB, where string) string {
	t.Helper()
	schema, err := schemaOf(where)
	if err != nil {
		t.Fatal(err)
	}
	return schema
}

// openTest opens a new ledger on a fresh store.
func openTest(t testing.TB, s testStore, opts Options) (*Ledger, string) {
	t.Helper()
	where := s.fresh(t)
	return reopen(t, where, opts), where
}

// reopen opens the ledger at where with the test key, closing it when the
// test ends.
func reopen(t testing.TB, where string, opts Options) *Ledger {
	t.Helper()
	if opts.Origin == "" {
		opts.Origin = testOrigin
	}
	if opts.Signer == nil {
		opts.Signer, _ = testKeys(t)
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	l, err := Open(context.Background(), where, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}
