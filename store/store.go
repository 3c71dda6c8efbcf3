// Package store is the platform's private database: accounts, the voter
// register, applications, the list of who received ballots, sessions and
// the audit log. Nothing here is ever on the public ledger.
//
// The embedded default is SQLite (modernc.org/sqlite, pure Go) in WAL mode
// with synchronous=FULL, so a committed write survives a crash. The
// schema lives in migrations/*.sql, applied in order at Open and recorded
// in the table schema_migrations; the SQL is a portable subset ($N
// placeholders, BLOB/BYTEA-free TEXT and BIGINT columns, ON CONFLICT,
// application-made ids) so that the same files serve PostgreSQL.
package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"net/url"
	"sort"
	"strings"

	_ "modernc.org/sqlite"
)

// A DB is the open private database.
type DB struct {
	*sql.DB
}

//go:embed migrations/*.sql
var migrations embed.FS

// Open opens the database named by dsn ("sqlite:PATH") and brings its
// schema up to date.
func Open(ctx context.Context, dsn string) (*DB, error) {
	path, ok := strings.CutPrefix(dsn, "sqlite:")
	if !ok {
		return nil, fmt.Errorf("store: unsupported database %q (want sqlite:PATH)", dsn)
	}
	// The path goes in a URI: escape what would end or bend it ('#', '?', '%').
	u := (&url.URL{Path: path}).EscapedPath()
	db, err := sql.Open("sqlite", "file:"+u+"?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=busy_timeout(10000)&_pragma=foreign_keys(ON)&_txlock=immediate")
	if err != nil {
		return nil, err
	}
	// One connection: SQLite has one writer, and serialising here keeps
	// transactions from waiting on each other's locks.
	db.SetMaxOpenConns(1)
	s := &DB{db}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// migrate applies the embedded migrations not yet applied, each in its own
// transaction.
func (s *DB) migrate(ctx context.Context) error {
	if _, err := s.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version TEXT PRIMARY KEY)`); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	names, err := migrations.ReadDir("migrations")
	if err != nil {
		return err
	}
	sort.Slice(names, func(i, j int) bool { return names[i].Name() < names[j].Name() })
	for _, n := range names {
		var done int
		if err := s.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = $1`, n.Name()).Scan(&done); err != nil {
			return fmt.Errorf("store: %w", err)
		}
		if done > 0 {
			continue
		}
		body, err := migrations.ReadFile("migrations/" + n.Name())
		if err != nil {
			return err
		}
		err = s.Tx(ctx, func(tx *sql.Tx) error {
			for _, stmt := range strings.Split(string(body), ";\n") {
				if strings.TrimSpace(stmt) == "" {
					continue
				}
				if _, err := tx.ExecContext(ctx, stmt); err != nil {
					return err
				}
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version) VALUES ($1)`, n.Name())
			return err
		})
		if err != nil {
			return fmt.Errorf("store: migration %s: %w", n.Name(), err)
		}
	}
	return nil
}

// Tx runs f in a transaction, committed if f returns nil and rolled back
// otherwise: nothing of a failed f is written.
func (s *DB) Tx(ctx context.Context, f func(tx *sql.Tx) error) error {
	tx, err := s.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := f(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}
