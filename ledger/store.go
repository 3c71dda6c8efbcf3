package ledger

import (
	"context"
	"database/sql"
	"fmt"
	"math/bits"
	"slices"
	"strings"

	"golang.org/x/mod/sumdb/tlog"
)

// The store is one SQLite database, or one schema of a PostgreSQL
// database (see SchemaName), with three tables:
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
//
// The schema below is the one description of the store for both engines:
// SQLite runs it as written; PostgreSQL runs it rendered by its dialect
// (BIGINT for INTEGER, BYTEA for BLOB, no STRICT). Its version is the log
// row's format: a store of another format does not open.
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

// openDBs opens a SQLite store in WAL mode with synchronous=FULL, where a
// transaction is in the write-ahead log and fsynced when COMMIT returns:
// the writer's connection (one, so that a transaction, its prepared
// statements and its pragmas live on one connection) and a pool of
// query-only connections for readers.
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

// maxHashesIn is the most stored hashes one scattered read asks for.
const maxHashesIn = 64

// statements are the prepared statements of the store.
type statements struct {
	d *dialect
	w *sql.DB // the writer's connection

	// On the readers' pool.
	entry, entries, hashRange *sql.Stmt
	hashesIn                  map[int]*sql.Stmt // k → reads k hashes by index, k a power of two

	// On the writer's connection.
	readHead, setHead *sql.Stmt
	inserts           map[insert]*sql.Stmt
}

// An insert is a statement that inserts rows rows into table.
type insert struct {
	table string
	rows  int
}

func prepare(ctx context.Context, d *dialect, w, r *sql.DB) (*statements, error) {
	s := statements{d: d, w: w, hashesIn: map[int]*sql.Stmt{}, inserts: map[insert]*sql.Stmt{}}
	type p struct {
		db  *sql.DB
		dst **sql.Stmt
		sql string
	}
	ps := []p{
		{r, &s.entry, "SELECT data FROM entries WHERE idx = $1"},
		{r, &s.entries, "SELECT idx, data FROM entries WHERE idx >= $1 AND idx < $2 ORDER BY idx"},
		{r, &s.hashRange, "SELECT idx, hash FROM hashes WHERE idx >= $1 AND idx <= $2 ORDER BY idx"},
		{w, &s.readHead, "SELECT size FROM log WHERE id = 0" + d.lockHead},
		{w, &s.setHead, "UPDATE log SET size = $1, root = $2, checkpoint = $3 WHERE id = 0"},
	}
	in := make([]*sql.Stmt, bits.Len(maxHashesIn)) // in[i] reads 1<<i hashes
	for i := range in {
		ps = append(ps, p{r, &in[i], "SELECT idx, hash FROM hashes WHERE idx IN (" + placeholders(1, 1<<i) + ")"})
	}
	for _, p := range ps {
		st, err := p.db.PrepareContext(ctx, p.sql)
		if err != nil {
			return nil, fmt.Errorf("ledger: preparing %q: %w", p.sql, err)
		}
		*p.dst = st
	}
	for i, st := range in {
		s.hashesIn[1<<i] = st
	}
	// The inserts, prepared now: within a transaction the writer's one
	// connection is taken.
	for k := 1; k <= d.maxRows; k *= 2 {
		for _, t := range [][2]string{{"entries", "data"}, {"hashes", "hash"}} {
			if err := s.prepareInsert(ctx, t[0], t[1], k); err != nil {
				return nil, err
			}
		}
	}
	return &s, nil
}

// placeholders returns "$from, …, $(from+n-1)".
func placeholders(from, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "$%d", from+i)
	}
	return b.String()
}

// prepareInsert prepares the statement that inserts k rows (idx, value)
// into table.
func (st *statements) prepareInsert(ctx context.Context, table, column string, k int) error {
	var b strings.Builder
	fmt.Fprintf(&b, "INSERT INTO %s (idx, %s) VALUES ", table, column)
	for i := range k {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "($%d, $%d)", 2*i+1, 2*i+2)
	}
	s, err := st.w.PrepareContext(ctx, b.String())
	if err != nil {
		return fmt.Errorf("ledger: preparing an insert of %d %s: %w", k, table, err)
	}
	st.inserts[insert{table, k}] = s
	return nil
}

// insertRows inserts the rows (first+i, vals[i]) into table in a
// transaction, in chunks of a power of two rows up to the dialect's
// maxRows, so that a handful of statements serve every group size.
func (st *statements) insertRows(ctx context.Context, tx *sql.Tx, table string, first int64, vals [][]byte) error {
	args := make([]any, 0, 2*min(len(vals), st.d.maxRows))
	for len(vals) > 0 {
		k := 1
		for k*2 <= min(len(vals), st.d.maxRows) {
			k *= 2
		}
		s := st.inserts[insert{table, k}]
		args = args[:0]
		for i, v := range vals[:k] {
			args = append(args, first+int64(i), v)
		}
		if _, err := tx.StmtContext(ctx, s).ExecContext(ctx, args...); err != nil {
			if k == 1 {
				return fmt.Errorf("writing %s %d: %w", table, first, err)
			}
			return fmt.Errorf("writing %s %d to %d: %w", table, first, first+int64(k)-1, err)
		}
		first += int64(k)
		vals = vals[k:]
	}
	return nil
}

// readHashes reads stored hashes from the database. Indexes close together
// (a tile of level 0 spans about twice its width) are read with one range
// query, scattered ones (a proof, a tile of a higher level) by up to
// maxHashesIn at a time.
func readHashes(ctx context.Context, st *statements, indexes []int64) ([]Hash, error) {
	out := make([]Hash, len(indexes))
	if len(indexes) == 0 {
		return out, nil
	}
	got := make(map[int64]Hash, len(indexes))
	lo, hi := slices.Min(indexes), slices.Max(indexes)
	if hi-lo < int64(4*len(indexes)+64) {
		rows, err := st.hashRange.QueryContext(ctx, lo, hi)
		if err != nil {
			return nil, fmt.Errorf("ledger: reading hashes: %w", err)
		}
		if err := scanHashes(rows, got); err != nil {
			return nil, err
		}
	} else {
		args := make([]any, 0, maxHashesIn)
		for rest := indexes; len(rest) > 0; {
			n := min(len(rest), maxHashesIn)
			k := 1
			for k < n {
				k *= 2
			}
			args = args[:0]
			for i := range k {
				args = append(args, rest[min(i, n-1)]) // padded with the last
			}
			rows, err := st.hashesIn[k].QueryContext(ctx, args...)
			if err != nil {
				return nil, fmt.Errorf("ledger: reading hashes: %w", err)
			}
			if err := scanHashes(rows, got); err != nil {
				return nil, err
			}
			rest = rest[n:]
		}
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

// scanHashes reads rows of (idx, hash) into got and closes them.
func scanHashes(rows *sql.Rows, got map[int64]Hash) error {
	defer rows.Close()
	for rows.Next() {
		var i int64
		var h []byte
		if err := rows.Scan(&i, &h); err != nil {
			return fmt.Errorf("ledger: reading hashes: %w", err)
		}
		if len(h) != HashSize {
			return fmt.Errorf("%w: stored hash %d has %d bytes", ErrCorrupt, i, len(h))
		}
		got[i] = Hash(h)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("ledger: reading hashes: %w", err)
	}
	return nil
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
// store is still at oldSize, holding the log row until COMMIT: a second
// writer on the same store, or any change behind the ledger's back, fails
// the write instead of interleaving. On any error the transaction is
// rolled back.
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
	if err := tx.StmtContext(ctx, st.readHead).QueryRowContext(ctx).Scan(&size); err != nil {
		return fmt.Errorf("reading size: %w", err)
	}
	if size != int64(g.oldSize) {
		return fmt.Errorf("%w: the store holds %d entries, the ledger expected %d (another writer?)", ErrCorrupt, size, g.oldSize)
	}
	if err := st.insertRows(ctx, tx, "entries", int64(g.oldSize), g.entries); err != nil {
		return err
	}
	hashes := make([][]byte, len(g.hashes))
	for i := range g.hashes {
		hashes[i] = g.hashes[i][:]
	}
	if err := st.insertRows(ctx, tx, "hashes", tlog.StoredHashIndex(0, int64(g.oldSize)), hashes); err != nil {
		return err
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
