//go:build !js && !wasip1

package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/urna-vote/urna/internal/pgdurable"
)

// The store on PostgreSQL (jackc/pgx through database/sql). The durability
// promise rests on the server: a COMMIT acknowledged with
// synchronous_commit=on is flushed to the server's write-ahead log, so an
// index returned survives a crash of the server or of its machine. The
// writer's connections force synchronous_commit=on whatever the server,
// database or role defaults say, and a writable open refuses a server
// configured to lose or retry what it has not made durable.

func init() {
	openPostgres = openPostgresStore
	postgresDialect.integrity = checkPostgresIndexes
}

// openPostgresStore opens the writer's pool (one connection) and the
// readers' pool of a PostgreSQL store, creating its schema if writable.
func openPostgresStore(ctx context.Context, dsn string, writable bool) (w, r *sql.DB, err error) {
	schema, err := schemaOf(dsn)
	if err != nil {
		return nil, nil, err
	}
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		// pgx's message may quote the URL, password included.
		return nil, nil, fmt.Errorf("ledger: the PostgreSQL URL of %s does not parse", describe(dsn))
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = 10 * time.Second
	}
	cfg.RuntimeParams["search_path"] = schema
	wcfg, rcfg := cfg.Copy(), cfg.Copy()
	wcfg.RuntimeParams["synchronous_commit"] = "on"
	// As SQLite's busy timeout: a second writer waits this long for the
	// log row, then fails.
	wcfg.RuntimeParams["lock_timeout"] = "10000"
	rcfg.RuntimeParams["default_transaction_read_only"] = "on"
	if !writable {
		wcfg.RuntimeParams["default_transaction_read_only"] = "on"
	}
	w = stdlib.OpenDB(*wcfg)
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	r = stdlib.OpenDB(*rcfg)
	r.SetMaxOpenConns(4)
	r.SetMaxIdleConns(2)
	r.SetConnMaxIdleTime(5 * time.Minute)
	if err := preparePostgres(ctx, w, r, schema, writable); err != nil {
		w.Close()
		r.Close()
		return nil, nil, err
	}
	return w, r, nil
}

// preparePostgres checks the server's durability settings and creates the
// schema (writable), or checks that the ledger is there (read-only); then
// that both pools see the schema.
func preparePostgres(ctx context.Context, w, r *sql.DB, schema string, writable bool) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if writable {
		if err := pgdurable.Check(ctx, w); err != nil {
			return fmt.Errorf("ledger: %w", err)
		}
		if _, err := w.ExecContext(ctx, "CREATE SCHEMA IF NOT EXISTS "+pgx.Identifier{schema}.Sanitize()); err != nil {
			return fmt.Errorf("ledger: creating schema %s: %w", schema, err)
		}
	} else {
		var n int
		err := r.QueryRowContext(ctx, "SELECT count(*) FROM information_schema.tables WHERE table_schema = $1 AND table_name = 'log'", schema).Scan(&n)
		if err != nil {
			return fmt.Errorf("ledger: PostgreSQL: %w", err)
		}
		if n == 0 {
			return fmt.Errorf("ledger: opening read-only: schema %s holds no ledger", schema)
		}
	}
	for _, db := range []*sql.DB{w, r} {
		var cur sql.NullString
		if err := db.QueryRowContext(ctx, "SELECT current_schema()").Scan(&cur); err != nil {
			return fmt.Errorf("ledger: PostgreSQL: %w", err)
		}
		if cur.String != schema {
			return fmt.Errorf("ledger: the PostgreSQL connection's schema is %q, not %s (does the URL's options parameter set search_path?)", cur.String, schema)
		}
	}
	return nil
}

// checkPostgresIndexes is PostgreSQL's counterpart of SQLite's
// quick_check: where the database has the amcheck extension and the
// ledger's role may use it, bt_index_check verifies the B-tree of each
// table's primary key and that every row of the table is in it
// (heapallindexed), since the ledger reads entries and hashes through
// those indexes. Without amcheck it checks nothing; the ledger's own check
// (every hash recomputed from the entries) runs either way.
func checkPostgresIndexes(ctx context.Context, db *sql.DB) error {
	var ns string
	err := db.QueryRowContext(ctx, `SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
		WHERE e.extname = 'amcheck'
		AND has_function_privilege(to_regprocedure(quote_ident(n.nspname) || '.bt_index_check(regclass, boolean)'), 'EXECUTE')`).Scan(&ns)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("ledger: looking for amcheck: %w", err)
	}
	var n int
	err = db.QueryRowContext(ctx, `SELECT count(*) FROM (
		SELECT `+pgx.Identifier{ns}.Sanitize()+`.bt_index_check(i.indexrelid::regclass, true)
		FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace s ON s.oid = c.relnamespace
		WHERE s.nspname = current_schema() AND c.relname IN ('log', 'entries', 'hashes') AND i.indisprimary) AS checked`).Scan(&n)
	var pe *pgconn.PgError
	switch {
	case errors.As(err, &pe) && strings.HasPrefix(pe.Code, "XX"):
		return fmt.Errorf("%w: amcheck: %s", ErrCorrupt, pe.Message)
	case err != nil:
		return fmt.Errorf("ledger: amcheck: %w", err)
	case n != 3:
		return fmt.Errorf("%w: amcheck found %d of the 3 primary keys", ErrCorrupt, n)
	}
	return nil
}
