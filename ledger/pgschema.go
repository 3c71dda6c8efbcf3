package ledger

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"
)

// A ledger on PostgreSQL lives in a schema of its own: the tables log,
// entries and hashes, exactly as in a SQLite file, so that one schema
// description and every query serve both engines, and an election's ledger
// is dumped, restored, granted or dropped as one schema (pg_dump -n). The
// schema is named in the store's URL by the standard search_path
// parameter; PostgresStore builds that URL for a ledger's name.

// SchemaName returns the PostgreSQL schema of the ledger called name (an
// election's id): "ledger_" followed by name when name is made only of
// lower-case letters, digits and '_' (at most 56 of them), and otherwise
// by name with every other character replaced by '_', cut to 47
// characters, and '_' and 8 hex digits of SHA-256(name), so that two names
// never share a schema by accident. The result is always a valid unquoted
// identifier of at most 63 bytes.
func SchemaName(name string) string {
	plain := name != "" && len(name) <= 56
	var b strings.Builder
	for _, r := range name {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' {
			b.WriteRune(r)
			continue
		}
		plain = false
		b.WriteByte('_')
	}
	if plain {
		return "ledger_" + name
	}
	body := b.String()
	if len(body) > 47 {
		body = body[:47]
	}
	h := sha256.Sum256([]byte(name))
	return "ledger_" + body + "_" + hex.EncodeToString(h[:4])
}

// PostgresStore returns the address of the ledger called name in the
// PostgreSQL database dsn (postgres://…): dsn with search_path set to
// SchemaName(name). dsn must not set search_path itself.
func PostgresStore(dsn, name string) (string, error) {
	if !isPostgres(dsn) {
		return "", fmt.Errorf("ledger: the ledger database must be a postgres:// URL")
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return "", fmt.Errorf("ledger: the ledger database's URL does not parse")
	}
	q := u.Query()
	if q.Has("search_path") {
		return "", fmt.Errorf("ledger: the ledger database's URL sets search_path; each ledger has a schema of its own")
	}
	q.Set("search_path", SchemaName(name))
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// schemaOf returns the schema a PostgreSQL store's URL names: its
// search_path, which must be one plain lower-case identifier.
func schemaOf(dsn string) (string, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return "", fmt.Errorf("ledger: the PostgreSQL URL does not parse")
	}
	s := u.Query().Get("search_path")
	if !plainIdentifier(s) {
		return "", fmt.Errorf("ledger: a PostgreSQL store names its schema as search_path=NAME in its URL, "+
			"one lower-case identifier not starting with pg_ (got %q; see PostgresStore)", s)
	}
	return s, nil
}

func plainIdentifier(s string) bool {
	if s == "" || len(s) > 63 || strings.HasPrefix(s, "pg_") || s == "information_schema" {
		return false
	}
	for i, r := range s {
		if !(r >= 'a' && r <= 'z' || r == '_' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// postgresParts returns the host, database and schema of a PostgreSQL URL,
// for messages.
func postgresParts(dsn string) (host, db, schema string) {
	u, err := url.Parse(dsn)
	if err != nil {
		return "?", "?", "?"
	}
	return u.Host, strings.TrimPrefix(u.Path, "/"), u.Query().Get("search_path")
}
