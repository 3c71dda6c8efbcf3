package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"
)

// A dialect is what the store's SQL must know about its engine. The schema
// (schema in store.go) and every query are written once, in the subset both
// engines share: $N placeholders, INTEGER and BLOB columns, multi-row
// VALUES, min/max/count. What differs is here, and only here.
type dialect struct {
	engine string // "sqlite" or "postgres"

	// ddl renders the schema for the engine.
	ddl func(schema string) string

	// lockHead ends the writer's read of the log row inside its
	// transaction: it makes the row the transaction's until COMMIT, so a
	// second writer waits and then finds the store moved. (SQLite's BEGIN
	// IMMEDIATE already holds the database's write lock.)
	lockHead string

	// maxRows bounds the rows of one INSERT: on a server, every statement
	// is a round trip.
	maxRows int

	// integrity runs the engine's own check of its structures, beneath the
	// ledger's recomputation of the tree. An error wraps ErrCorrupt when
	// it finds damage.
	integrity func(ctx context.Context, db *sql.DB) error
}

// The SQLite dialect: the schema as written (STRICT tables, INTEGER
// PRIMARY KEY being the rowid), and quick_check.
var sqliteDialect = &dialect{
	engine:    "sqlite",
	ddl:       func(s string) string { return s },
	maxRows:   1,
	integrity: sqliteIntegrity,
}

// The PostgreSQL dialect: 64-bit integers, BYTEA, no STRICT; the log row
// locked FOR UPDATE; the B-tree check of the amcheck extension where the
// database has it.
var postgresDialect = &dialect{
	engine: "postgres",
	ddl: strings.NewReplacer(
		"INTEGER", "BIGINT",
		"BLOB", "BYTEA",
		") STRICT;", ");",
	).Replace,
	lockHead: " FOR UPDATE",
	maxRows:  256,
	// integrity: checkPostgresIndexes, set where the driver builds
}

func sqliteIntegrity(ctx context.Context, db *sql.DB) error {
	var res string
	if err := db.QueryRowContext(ctx, "PRAGMA quick_check").Scan(&res); err != nil {
		return fmt.Errorf("%w: quick_check: %v", ErrCorrupt, err)
	}
	if res != "ok" {
		return fmt.Errorf("%w: quick_check: %s", ErrCorrupt, res)
	}
	return nil
}

// openPostgres opens a PostgreSQL store (store_postgres.go); nil where the
// driver does not build (WebAssembly).
var openPostgres func(ctx context.Context, dsn string, writable bool) (w, r *sql.DB, err error)

// isPostgres reports whether a store address is a PostgreSQL URL.
func isPostgres(store string) bool {
	return strings.HasPrefix(store, "postgres://") || strings.HasPrefix(store, "postgresql://")
}

// openStore opens the store at the address store (see Open): the writer's
// connection, the readers' pool and the engine's dialect. A store opened
// without writable is never created nor written.
func openStore(ctx context.Context, store string, writable, noAutoCheckpoint bool) (w, r *sql.DB, d *dialect, err error) {
	if isPostgres(store) {
		if openPostgres == nil {
			return nil, nil, nil, errors.New("ledger: PostgreSQL is not available in this build")
		}
		w, r, err = openPostgres(ctx, store, writable)
		return w, r, postgresDialect, err
	}
	if !writable {
		if _, err := os.Stat(store); err != nil {
			return nil, nil, nil, fmt.Errorf("ledger: opening read-only: %w", err)
		}
	}
	w, r, err = openDBs(store, noAutoCheckpoint)
	return w, r, sqliteDialect, err
}

// describe names a store in messages and logs: a SQLite path as it is, a
// PostgreSQL URL as its host, database and schema, never its password or
// other parameters.
func describe(store string) string {
	if !isPostgres(store) {
		return store
	}
	host, db, schema := postgresParts(store)
	return fmt.Sprintf("postgres://%s/%s schema %s", host, db, schema)
}
