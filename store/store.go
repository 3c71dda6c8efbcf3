// Package store is the platform's private database: accounts, the voter
// register, applications, the list of who received ballots, sessions and
// the audit log. Nothing here is ever on the public ledger.
//
// The embedded default is SQLite (modernc.org/sqlite, pure Go) in WAL mode
// with synchronous=FULL, so a committed write survives a crash; production
// uses PostgreSQL (jackc/pgx), which must be configured to fail-stop
// (internal/pgdurable). The schema lives in migrations/*.sql, applied in order
// at Open by pressly/goose; the SQL is a portable subset ($N placeholders,
// TEXT, BIGINT and BYTEA columns, ON CONFLICT, application-made ids) so
// that the same files serve both engines. Uniqueness that matters (one
// application per voter and election, one ballot issued per voter) rests
// on UNIQUE constraints, not on transaction isolation.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver
	"github.com/pressly/goose/v3"
	_ "modernc.org/sqlite"

	"github.com/urna-vote/urna/internal/pgdurable"
)

// A DB is the open private database.
type DB struct {
	*sql.DB
	// Engine is "sqlite" or "postgres".
	Engine string
}

//go:embed migrations/*.sql
var migrations embed.FS

// Open opens the database named by dsn — "sqlite:PATH", or a PostgreSQL
// URL "postgres://…" — and brings its schema up to date.
func Open(ctx context.Context, dsn string) (*DB, error) {
	var s *DB
	switch {
	case strings.HasPrefix(dsn, "sqlite:"):
		db, err := openSQLite(strings.TrimPrefix(dsn, "sqlite:"))
		if err != nil {
			return nil, err
		}
		s = &DB{db, "sqlite"}
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			return nil, err
		}
		s = &DB{db, "postgres"}
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err = pgdurable.Check(cctx, db)
		cancel()
		if err != nil {
			db.Close()
			return nil, fmt.Errorf("store: %w", err)
		}
	default:
		return nil, fmt.Errorf("store: unsupported database %q (want sqlite:PATH or postgres://…)", dsn)
	}
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func openSQLite(path string) (*sql.DB, error) {
	// The path goes in a URI: escape what would end or bend it ('#', '?', '%').
	u := (&url.URL{Path: path}).EscapedPath()
	db, err := sql.Open("sqlite", "file:"+u+"?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=busy_timeout(10000)&_pragma=foreign_keys(ON)&_txlock=immediate")
	if err != nil {
		return nil, err
	}
	// One connection: SQLite has one writer, and serialising here keeps
	// transactions from waiting on each other's locks.
	db.SetMaxOpenConns(1)
	return db, nil
}

// migrate applies the embedded migrations not yet applied (pressly/goose),
// each in its own transaction. The same files serve both engines.
func (s *DB) migrate(ctx context.Context) error {
	var old int
	if err := s.QueryRowContext(ctx, `SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_migrations'`).Scan(&old); err != nil && s.Engine == "postgres" {
		return fmt.Errorf("store: %w", err)
	}
	if s.Engine == "sqlite" {
		if err := s.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE name = 'schema_migrations'`).Scan(&old); err != nil {
			return fmt.Errorf("store: %w", err)
		}
	}
	if old > 0 {
		return errors.New("store: this database was made by an earlier version of urna (table schema_migrations); make a new data folder")
	}
	dialect := goose.DialectSQLite3
	if s.Engine == "postgres" {
		dialect = goose.DialectPostgres
	}
	files, _ := fs.Sub(migrations, "migrations")
	p, err := goose.NewProvider(dialect, s.DB, files, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return fmt.Errorf("store: migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("store: migrations: %w", err)
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
