package store_test

import (
	"bytes"
	"context"
	"database/sql"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/urna-vote/urna/internal/storetest"
	"github.com/urna-vote/urna/store"
)

// The same migrations and queries on each engine: opening twice applies
// nothing twice, sessions keep binary data, a UNIQUE constraint refuses a
// duplicate whatever the isolation.
func TestEngines(t *testing.T) {
	ctx := context.Background()
	for engine, dsn := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			for range 2 {
				db, err := store.Open(ctx, dsn)
				if err != nil {
					t.Fatal(err)
				}
				if db.Engine != engine {
					t.Errorf("engine %q", db.Engine)
				}
				db.Close()
			}
			db, err := store.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			s := store.NewSessions(db)
			data := []byte{0, 1, 2, 0xff, 0xfe, 0}
			if err := s.Commit("token-1", data, time.Now().Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
			got, ok, err := s.Find("token-1")
			if err != nil || !ok || !bytes.Equal(got, data) {
				t.Fatalf("session: %x %v %v", got, ok, err)
			}
			if err := s.Delete("token-1"); err != nil {
				t.Fatal(err)
			}
			if _, ok, _ := s.Find("token-1"); ok {
				t.Error("a deleted session is found")
			}
			insert := func() error {
				_, err := db.ExecContext(ctx, `INSERT INTO issued (election, account, at) VALUES ($1, $2, $3)`, "e", "a", 1)
				return err
			}
			if err := insert(); err != nil {
				t.Fatal(err)
			}
			if err := insert(); err == nil {
				t.Error("a second ballot issued to the same voter was stored")
			}
			// A failed transaction leaves nothing behind.
			err = db.Tx(ctx, func(tx *sql.Tx) error {
				if _, err := tx.ExecContext(ctx, `INSERT INTO issued (election, account, at) VALUES ($1, $2, $3)`, "e", "b", 1); err != nil {
					return err
				}
				_, err := tx.ExecContext(ctx, `INSERT INTO issued (election, account, at) VALUES ($1, $2, $3)`, "e", "a", 1)
				return err
			})
			var n int
			db.QueryRowContext(ctx, `SELECT count(*) FROM issued`).Scan(&n)
			if err == nil || n != 1 {
				t.Errorf("failed transaction: %v, %d rows", err, n)
			}
		})
	}
}

// A database of the earlier migration scheme gets a clear refusal, not a
// half-applied schema.
func TestOldSchemaRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	db.Exec(`CREATE TABLE schema_migrations (version TEXT PRIMARY KEY)`)
	db.Close()
	if _, err := store.Open(context.Background(), "sqlite:"+path); err == nil || !strings.Contains(err.Error(), "earlier version") {
		t.Fatalf("opening an old database: %v", err)
	}
	if _, err := store.Open(context.Background(), "mysql://x"); err == nil {
		t.Error("an unsupported database was accepted")
	}
}

// A PostgreSQL server that could acknowledge a commit it has not made
// durable is refused at Open, naming the setting.
func TestNonDurablePostgresRefused(t *testing.T) {
	dsn, ok := storetest.Engines(t)["postgres"]
	if !ok {
		t.Skip("no PostgreSQL server (URNA_TEST_POSTGRES)")
	}
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec("ALTER DATABASE " + strings.TrimPrefix(u.Path, "/") + " SET synchronous_commit = off"); err != nil {
		t.Fatal(err)
	}
	s, err := store.Open(context.Background(), dsn)
	if err == nil {
		s.Close()
		t.Fatal("a server without synchronous_commit was accepted")
	}
	if want := "store: PostgreSQL has synchronous_commit = off; urna needs on"; !strings.Contains(err.Error(), want) {
		t.Errorf("refusal %q, want it to contain %q", err, want)
	}
}
