// Package pgdurable checks that a PostgreSQL server cannot acknowledge a
// commit it has not made durable, nor carry on after an fsync error — the
// settings both the private store and the ledger require, so that an
// acknowledged ballot or application is never lost.
package pgdurable

import (
	"context"
	"database/sql"
	"fmt"
)

// settings are the server settings required, with why.
var settings = []struct{ name, want, why string }{
	{"fsync", "on", "writes must reach the disk"},
	{"synchronous_commit", "on", "a commit must be durable before it is acknowledged"},
	{"full_page_writes", "on", "a torn page must be recoverable"},
	{"data_sync_retry", "off", "an fsync error must stop the server (fail-stop), never be retried"},
}

// Check refuses a server whose settings could lose an acknowledged
// commit; the error names the setting, its value and what is needed.
func Check(ctx context.Context, db *sql.DB) error {
	for _, c := range settings {
		var got string
		if err := db.QueryRowContext(ctx, "SELECT current_setting($1)", c.name).Scan(&got); err != nil {
			return fmt.Errorf("PostgreSQL: reading %s: %w", c.name, err)
		}
		if got != c.want {
			return fmt.Errorf("PostgreSQL has %s = %s; urna needs %s: %s", c.name, got, c.want, c.why)
		}
	}
	return nil
}
