package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"golang.org/x/mod/sumdb/tlog"
)

// The store is one SQLite database in WAL mode with synchronous=FULL: a
// transaction is in the write-ahead log and fsynced when COMMIT returns.
//
//	log      one row: format, origin, size, root, latest signed checkpoint
//	entries  idx → the entry's exact bytes
//	hashes   idx → a tree hash, idx being the tlog stored-hash index
//	         (golang.org/x/mod/sumdb/tlog.StoredHashIndex): every leaf hash
//	         and every interior node of a complete subtree, about two per
//	         entry, so roots, proofs and tiles are read, never recomputed
//
// One transaction per group commit writes the group's entries, their hashes
// and the new size, root and checkpoint, so the three tables always agree
// on disk.
const schema = `
CREATE TABLE IF NOT EXISTS log (
	id         INTEGER PRIMARY KEY CHECK (id = 0),
	format     INTEGER NOT NULL,
	origin     TEXT    NOT NULL,
	size       INTEGER NOT NULL,
	root       BLOB    NOT NULL,
	checkpoint BLOB    NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS entries (
	idx  INTEGER PRIMARY KEY,
	data BLOB NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS hashes (
	idx  INTEGER PRIMARY KEY,
	hash BLOB NOT NULL
) STRICT;
`

// storeFormat is the version of the schema above.
const storeFormat = 1

// openDBs opens the writer's connection (one, so that a transaction, its
// prepared statements and its pragmas live on one connection) and a pool
// of query-only connections for readers.
func openDBs(path string, noAutoCheckpoint bool) (w, r *sql.DB, err error) {
	if path == "" || strings.ContainsAny(path, "?#") {
		return nil, nil, fmt.Errorf("ledger: store path %q must be a plain file name", path)
	}
	dsn := path + "?_busy_timeout=10000&_journal_mode=WAL&_synchronous=FULL&_txlock=immediate"
	if noAutoCheckpoint {
		dsn += "&_pragma=wal_autocheckpoint(0)"
	}
	w, err = sql.Open("sqlite", dsn)
	if err != nil {
		return nil, nil, fmt.Errorf("ledger: opening %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	r, err = sql.Open("sqlite", path+"?_busy_timeout=10000&_query_only=1")
	if err != nil {
		w.Close()
		return nil, nil, fmt.Errorf("ledger: opening %s: %w", path, err)
	}
	r.SetMaxOpenConns(4)
	r.SetMaxIdleConns(4)
	return w, r, nil
}

// stored is the log row.
type stored struct {
	format     int64
	origin     string
	size       uint64
	root       Hash
	checkpoint []byte
}

func readLogRow(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}) (stored, error) {
	var s stored
	var size int64
	var root []byte
	err := q.QueryRowContext(ctx, "SELECT format, origin, size, root, checkpoint FROM log WHERE id = 0").
		Scan(&s.format, &s.origin, &size, &root, &s.checkpoint)
	if err != nil {
		return s, err
	}
	if size < 0 || len(root) != HashSize {
		return s, fmt.Errorf("%w: log row holds size %d and a root of %d bytes", ErrCorrupt, size, len(root))
	}
	s.size = uint64(size)
	copy(s.root[:], root)
	return s, nil
}

// statements are the prepared statements of the store.
type statements struct {
	entry, entries, hash, hashRange *sql.Stmt // on the read pool
	insEntry, insHash, setHead      *sql.Stmt // on the writer's connection
}

func prepare(ctx context.Context, w, r *sql.DB) (*statements, error) {
	var s statements
	for _, p := range []struct {
		db  *sql.DB
		dst **sql.Stmt
		sql string
	}{
		{r, &s.entry, "SELECT data FROM entries WHERE idx = ?"},
		{r, &s.entries, "SELECT idx, data FROM entries WHERE idx >= ? AND idx < ? ORDER BY idx"},
		{r, &s.hash, "SELECT hash FROM hashes WHERE idx = ?"},
		{r, &s.hashRange, "SELECT idx, hash FROM hashes WHERE idx >= ? AND idx <= ? ORDER BY idx"},
		{w, &s.insEntry, "INSERT INTO entries (idx, data) VALUES (?, ?)"},
		{w, &s.insHash, "INSERT INTO hashes (idx, hash) VALUES (?, ?)"},
		{w, &s.setHead, "UPDATE log SET size = ?, root = ?, checkpoint = ? WHERE id = 0"},
	} {
		st, err := p.db.PrepareContext(ctx, p.sql)
		if err != nil {
			return nil, fmt.Errorf("ledger: preparing %q: %w", p.sql, err)
		}
		*p.dst = st
	}
	return &s, nil
}

// readHashes reads stored hashes from the database. Indexes close together
// (a tile of level 0 spans about twice its width) are read with one range
// query, scattered ones (a proof, a tile of a higher level) one by one.
func readHashes(ctx context.Context, st *statements, indexes []int64) ([]Hash, error) {
	out := make([]Hash, len(indexes))
	if len(indexes) == 0 {
		return out, nil
	}
	lo, hi := slices.Min(indexes), slices.Max(indexes)
	if hi-lo < int64(4*len(indexes)+64) {
		got := make(map[int64]Hash, hi-lo+1)
		rows, err := st.hashRange.QueryContext(ctx, lo, hi)
		if err != nil {
			return nil, fmt.Errorf("ledger: reading hashes: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var i int64
			var h []byte
			if err := rows.Scan(&i, &h); err != nil {
				return nil, fmt.Errorf("ledger: reading hashes: %w", err)
			}
			if len(h) != HashSize {
				return nil, fmt.Errorf("%w: stored hash %d has %d bytes", ErrCorrupt, i, len(h))
			}
			got[i] = Hash(h)
		}
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("ledger: reading hashes: %w", err)
		}
		for k, i := range indexes {
			h, ok := got[i]
			if !ok {
				return nil, fmt.Errorf("%w: stored hash %d is missing", ErrCorrupt, i)
			}
			out[k] = h
		}
		return out, nil
	}
	for k, i := range indexes {
		var h []byte
		err := st.hash.QueryRowContext(ctx, i).Scan(&h)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("%w: stored hash %d is missing", ErrCorrupt, i)
		}
		if err != nil {
			return nil, fmt.Errorf("ledger: reading hash %d: %w", i, err)
		}
		if len(h) != HashSize {
			return nil, fmt.Errorf("%w: stored hash %d has %d bytes", ErrCorrupt, i, len(h))
		}
		out[k] = Hash(h)
	}
	return out, nil
}

// hashReader adapts readHashes to tlog.HashReader.
func hashReader(ctx context.Context, st *statements) tlog.HashReader {
	return tlog.HashReaderFunc(func(indexes []int64) ([]Hash, error) {
		return readHashes(ctx, st, indexes)
	})
}

// group is what one transaction writes.
type group struct {
	oldSize   uint64
	entries   [][]byte
	hashes    []Hash // stored from index tlog.StoredHashIndex(0, oldSize) on
	head      Checkpoint
	signed    []byte
	failpoint func() error
}

// write commits a group in one transaction. It checks first that the
// store is still at oldSize: a second writer on the same file, or any
// change behind the ledger's back, fails the write instead of interleaving.
// On any error the transaction is rolled back.
func write(ctx context.Context, w *sql.DB, st *statements, g *group) (err error) {
	tx, err := w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if err != nil {
			tx.Rollback()
		}
	}()
	var size int64
	if err := tx.QueryRowContext(ctx, "SELECT size FROM log WHERE id = 0").Scan(&size); err != nil {
		return fmt.Errorf("reading size: %w", err)
	}
	if size != int64(g.oldSize) {
		return fmt.Errorf("%w: the store holds %d entries, the ledger expected %d (another writer?)", ErrCorrupt, size, g.oldSize)
	}
	insEntry := tx.StmtContext(ctx, st.insEntry)
	for i, e := range g.entries {
		if _, err := insEntry.ExecContext(ctx, int64(g.oldSize)+int64(i), e); err != nil {
			return fmt.Errorf("writing entry %d: %w", g.oldSize+uint64(i), err)
		}
	}
	insHash := tx.StmtContext(ctx, st.insHash)
	first := tlog.StoredHashIndex(0, int64(g.oldSize))
	for i, h := range g.hashes {
		if _, err := insHash.ExecContext(ctx, first+int64(i), h[:]); err != nil {
			return fmt.Errorf("writing hash %d: %w", first+int64(i), err)
		}
	}
	if _, err := tx.StmtContext(ctx, st.setHead).ExecContext(ctx, int64(g.head.Size), g.head.Root[:], g.signed); err != nil {
		return fmt.Errorf("writing checkpoint: %w", err)
	}
	if g.failpoint != nil {
		if err := g.failpoint(); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}
