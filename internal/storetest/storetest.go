// Package storetest gives tests a fresh private database on each engine
// that the machine has: SQLite always, PostgreSQL when URNA_TEST_POSTGRES
// names a server (a postgres:// URL of a database the test may create
// databases from). .ci/run starts a throwaway PostgreSQL cluster, sets it
// and sets URNA_REQUIRE_POSTGRES=1, so there a missing server fails.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"
)

// Engines returns a fresh database of each engine available, by name.
// PostgreSQL databases are dropped when the test ends.
func Engines(t testing.TB) map[string]string {
	t.Helper()
	out := map[string]string{"sqlite": "sqlite:" + filepath.Join(t.TempDir(), "private.db")}
	if dsn := postgres(t); dsn != "" {
		out["postgres"] = dsn
	}
	return out
}

// DSN returns one fresh database: PostgreSQL when available (the engine of
// production, for the tests of the whole platform), SQLite otherwise.
func DSN(t testing.TB) string {
	t.Helper()
	if dsn := postgres(t); dsn != "" {
		return dsn
	}
	return "sqlite:" + filepath.Join(t.TempDir(), "private.db")
}

func postgres(t testing.TB) string {
	t.Helper()
	base := os.Getenv("URNA_TEST_POSTGRES")
	if base == "" {
		if os.Getenv("URNA_REQUIRE_POSTGRES") != "" {
			t.Fatal("URNA_REQUIRE_POSTGRES is set but URNA_TEST_POSTGRES names no server")
		}
		return ""
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	b := make([]byte, 6)
	rand.Read(b)
	name := "urna_test_" + hex.EncodeToString(b)
	if _, err := admin.ExecContext(context.Background(), "CREATE DATABASE "+name); err != nil {
		t.Fatalf("creating a test database on %s: %v", base, err)
	}
	t.Cleanup(func() {
		admin, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer admin.Close()
		admin.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}
