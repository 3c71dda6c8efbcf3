package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"iter"
	"log/slog"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// Options configure a Ledger.
type Options struct {
	// Origin names the log, e.g. "urna.example/elections/2026-city". It
	// is the first line of every checkpoint and the key name of the
	// signer. A store created for one origin does not open for another.
	Origin string

	// Signer signs a checkpoint after every commit. Its key name must be
	// Origin (see GenerateKey). Without a signer the ledger opens
	// read-only: it reads, proves and exports, and Append returns
	// ErrReadOnly.
	Signer note.Signer

	// Validator, if not nil, decides under the writer, in sequence order,
	// whether each entry may take its index (see Validator).
	Validator Validator

	// MaxBatch bounds the entries of one group commit (default 1024), and
	// MaxBatchBytes their total size (default 16 MiB). One AppendBatch call
	// is never split, so it may exceed both.
	MaxBatch      int
	MaxBatchBytes int

	// MaxDelay is how long the writer waits for more appends before it
	// commits a group that is not full. The default, 0, commits at once
	// whatever has queued: appends that arrive during one commit's fsync
	// form the next group, which is what batches them under load.
	MaxDelay time.Duration

	// SkipFullCheck skips the full recomputation of the tree from the
	// entries when opening (see Ledger.Check). Opening still checks the
	// stored root against the stored hashes, the checkpoint against the
	// root, and the last 256 entries against their hashes.
	SkipFullCheck bool

	// Logger receives an error record when the ledger fails; nil means
	// slog.Default().
	Logger *slog.Logger

	// For tests: keep every change in the write-ahead log, and a hook run
	// inside each transaction before COMMIT whose error aborts it.
	noAutoCheckpoint bool
	failpoint        func() error
}

// A Validator decides whether an entry may take the next index. The ledger
// calls Check from its single writer goroutine, one entry at a time, in the
// order the entries will be sequenced, with the index the entry takes if
// accepted. Check must judge the entry against the state after every entry
// below index and, when it accepts, apply the entry to that state, so that
// the next call sees it.
//
// An entry Check rejects is not written and does not take an index: the
// next entry of the same group is checked at the same index, and the rest
// of the group is committed as usual. Append returns a *RejectedError that
// wraps Check's error.
//
// Every entry Check accepts is written in the group's transaction. If that
// transaction fails, the ledger fails (ErrFailed) and appends nothing more:
// the validator's state is then ahead of the log, and the process recovers
// by reopening the ledger and replaying its entries into a fresh state.
// Before the first Append, the caller replays Entries(0, Size()) into the
// state; a validator should compare index with its own count and reject a
// mismatch.
//
// Check runs serially, on the path of every append, so it should do only
// what depends on the state: decoding and proof verification, which do
// not, belong before Append, on the caller's goroutines.
type Validator interface {
	Check(index uint64, entry []byte) error
}

// ValidatorFunc adapts a function to a Validator.
type ValidatorFunc func(index uint64, entry []byte) error

// Check calls f.
func (f ValidatorFunc) Check(index uint64, entry []byte) error { return f(index, entry) }

// A Ledger is an open log. Its methods are safe for concurrent use.
type Ledger struct {
	opts   Options
	log    *slog.Logger
	w, r   *sql.DB
	d      *dialect
	st     *statements
	closed chan struct{}
	done   chan struct{} // closed when the writer has stopped
	once   sync.Once
	reqs   chan *request

	mu     sync.RWMutex
	head   Checkpoint
	signed []byte
	failed error

	edge map[int64]Hash // owned by the writer: the compact range of head.Size
}

// Open opens the ledger kept at store, creating it if it does not exist
// and opts.Signer is set. store is either
//
//   - the path of a SQLite database file, e.g. "DATA/elections/ID/ledger.db";
//   - or a PostgreSQL URL, postgres://USER@HOST/DB?search_path=SCHEMA, whose
//     search_path names the schema that holds this ledger alone (see
//     PostgresStore and SchemaName). Opened with a signer, the schema is
//     created if need be, and the server must be durable: fsync,
//     synchronous_commit and full_page_writes on, data_sync_retry off.
//
// Both engines keep the same promise (see Append) and the same tables. Open
// refuses a store whose tree does not match its entries, hashes or
// checkpoint (ErrCorrupt), and never repairs one. Messages name a
// PostgreSQL store by host, database and schema, never with its password.
func Open(ctx context.Context, store string, opts Options) (*Ledger, error) {
	if err := CheckOrigin(opts.Origin); err != nil {
		return nil, err
	}
	if opts.Signer != nil && opts.Signer.Name() != opts.Origin {
		return nil, fmt.Errorf("ledger: signer key %q does not name the log %q", opts.Signer.Name(), opts.Origin)
	}
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = 1024
	}
	if opts.MaxBatchBytes <= 0 {
		opts.MaxBatchBytes = 16 << 20
	}
	w, r, d, err := openStore(ctx, store, opts.Signer != nil, opts.noAutoCheckpoint)
	if err != nil {
		return nil, err
	}
	l := &Ledger{
		opts:   opts,
		log:    opts.Logger,
		w:      w,
		r:      r,
		d:      d,
		closed: make(chan struct{}),
		done:   make(chan struct{}),
		reqs:   make(chan *request),
	}
	if l.log == nil {
		l.log = slog.Default()
	}
	if err := l.open(ctx); err != nil {
		w.Close()
		r.Close()
		return nil, fmt.Errorf("ledger: opening %s: %w", describe(store), err)
	}
	if opts.Signer != nil {
		go l.run()
	} else {
		close(l.done)
	}
	return l, nil
}

func (l *Ledger) open(ctx context.Context) error {
	if l.opts.Signer != nil {
		if _, err := l.w.ExecContext(ctx, l.d.ddl(schema)); err != nil {
			return fmt.Errorf("creating tables: %w", err)
		}
	}
	if err := l.create(ctx); err != nil {
		return err
	}
	st, err := prepare(ctx, l.d, l.w, l.r)
	if err != nil {
		return err
	}
	l.st = st
	s, err := readLogRow(ctx, l.r)
	if err != nil {
		return fmt.Errorf("reading the log row: %w", err)
	}
	if err := l.checkHead(ctx, s); err != nil {
		return err
	}
	l.head = Checkpoint{Origin: s.origin, Size: s.size, Root: s.root}
	l.signed = s.checkpoint
	if !l.opts.SkipFullCheck {
		if err := l.check(ctx, l.head); err != nil {
			return err
		}
	}
	idx := compactIndexes(s.size)
	hs, err := readHashes(ctx, l.st, idx)
	if err != nil {
		return err
	}
	l.edge = make(map[int64]Hash, len(idx))
	for i, x := range idx {
		l.edge[x] = hs[i]
	}
	return nil
}

// create writes the log row of an empty log, with its signed checkpoint,
// unless there is one.
func (l *Ledger) create(ctx context.Context) error {
	var n int
	if err := l.w.QueryRowContext(ctx, "SELECT count(*) FROM log").Scan(&n); err != nil {
		return fmt.Errorf("reading the log row: %w", err)
	}
	if n > 0 {
		return nil
	}
	if l.opts.Signer == nil {
		return fmt.Errorf("%w: the store holds no log", ErrCorrupt)
	}
	head := Checkpoint{Origin: l.opts.Origin, Size: 0, Root: EmptyRoot}
	signed, err := SignCheckpoint(head, l.opts.Signer)
	if err != nil {
		return err
	}
	_, err = l.w.ExecContext(ctx, "INSERT INTO log (id, format, origin, size, root, checkpoint) VALUES (0, $1, $2, 0, $3, $4)",
		storeFormat, head.Origin, head.Root[:], signed)
	if err != nil {
		return fmt.Errorf("creating the log: %w", err)
	}
	return nil
}

// Close stops the writer, after the group it is committing, and closes the
// store. Appends waiting to be sequenced return ErrClosed.
func (l *Ledger) Close() error {
	l.once.Do(func() { close(l.closed) })
	<-l.done
	return errors.Join(l.r.Close(), l.w.Close())
}

// Err returns the error that stopped the ledger (wrapping ErrFailed), or
// nil.
func (l *Ledger) Err() error {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.failed
}

// Origin returns the log's name.
func (l *Ledger) Origin() string { return l.opts.Origin }

// Size returns the number of entries durably sequenced.
func (l *Ledger) Size() uint64 {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.head.Size
}

// Checkpoint returns the latest tree head and its signed checkpoint, which
// commits to exactly the entries below its size.
func (l *Ledger) Checkpoint() (Checkpoint, []byte) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.head, l.signed
}

// Entry returns the entry at index i.
func (l *Ledger) Entry(ctx context.Context, i uint64) ([]byte, error) {
	if size := l.Size(); i >= size {
		return nil, fmt.Errorf("%w: entry %d of %d", ErrRange, i, size)
	}
	var e []byte
	err := l.st.entry.QueryRowContext(ctx, int64(i)).Scan(&e)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: entry %d is missing", ErrCorrupt, i)
	}
	if err != nil {
		return nil, fmt.Errorf("ledger: reading entry %d: %w", i, err)
	}
	return e, nil
}

// entriesChunk is how many entries one query of Entries reads: no read
// transaction stays open while the caller works on the entries.
const entriesChunk = 256

// Entries iterates over the entries with indices in [from, to), which must
// be within Size. Each entry is a fresh slice. The iterator stops after the
// first error.
func (l *Ledger) Entries(from, to uint64) iter.Seq2[[]byte, error] {
	return func(yield func([]byte, error) bool) {
		if size := l.Size(); from > to || to > size {
			yield(nil, fmt.Errorf("%w: entries [%d, %d) of %d", ErrRange, from, to, size))
			return
		}
		for e, err := range l.rawEntries(context.Background(), from, to) {
			if !yield(e, err) || err != nil {
				return
			}
		}
	}
}

func (l *Ledger) readEntries(buf [][]byte, from, to uint64) ([][]byte, error) {
	rows, err := l.st.entries.Query(int64(from), int64(to))
	if err != nil {
		return nil, fmt.Errorf("ledger: reading entries: %w", err)
	}
	defer rows.Close()
	want := int64(from)
	for rows.Next() {
		var i int64
		var e []byte
		if err := rows.Scan(&i, &e); err != nil {
			return nil, fmt.Errorf("ledger: reading entries: %w", err)
		}
		if i != want {
			return nil, fmt.Errorf("%w: entry %d is missing", ErrCorrupt, want)
		}
		buf = append(buf, e)
		want++
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("ledger: reading entries: %w", err)
	}
	if want != int64(to) {
		return nil, fmt.Errorf("%w: entry %d is missing", ErrCorrupt, want)
	}
	return buf, nil
}

// ReadHashes reads stored tree hashes by their tlog stored-hash index
// (golang.org/x/mod/sumdb/tlog.StoredHashIndex), implementing
// tlog.HashReader: the one storage interface that roots, proofs and tiles
// are computed from. Only hashes of the tree at Size are readable.
func (l *Ledger) ReadHashes(indexes []int64) ([]Hash, error) {
	limit := tlog.StoredHashCount(int64(l.Size()))
	for _, x := range indexes {
		if x < 0 || x >= limit {
			return nil, fmt.Errorf("%w: stored hash %d of %d", ErrRange, x, limit)
		}
	}
	return readHashes(context.Background(), l.st, indexes)
}

// Root returns the root of the tree of the first size entries.
func (l *Ledger) Root(size uint64) (Hash, error) {
	head, _ := l.Checkpoint()
	switch {
	case size > head.Size:
		return Hash{}, fmt.Errorf("%w: size %d of %d", ErrRange, size, head.Size)
	case size == head.Size:
		return head.Root, nil
	}
	return treeRoot(l, size)
}

// InclusionProof returns the proof that the entry at index is in the tree
// of the first size entries (see VerifyInclusion).
func (l *Ledger) InclusionProof(index, size uint64) (Proof, error) {
	if s := l.Size(); size > s {
		return nil, fmt.Errorf("%w: size %d of %d", ErrRange, size, s)
	}
	return proveInclusion(l, index, size)
}

// ConsistencyProof returns the proof that the tree of the first older
// entries is a prefix of the tree of the first newer entries (see
// VerifyConsistency).
func (l *Ledger) ConsistencyProof(older, newer uint64) (Proof, error) {
	if s := l.Size(); newer > s {
		return nil, fmt.Errorf("%w: size %d of %d", ErrRange, newer, s)
	}
	return proveConsistency(l, older, newer)
}

// Export writes the log as JSONL, one entry per line (see WriteJSONL), up
// to the latest checkpoint, and returns that signed checkpoint: the two
// files DIR/ledger.jsonl and DIR/checkpoint of an exported election.
func (l *Ledger) Export(ctx context.Context, w io.Writer) (checkpoint []byte, err error) {
	head, signed := l.Checkpoint()
	entries := func(yield func([]byte, error) bool) {
		for e, err := range l.Entries(0, head.Size) {
			if err == nil {
				err = ctx.Err()
			}
			if !yield(e, err) || err != nil {
				return
			}
		}
	}
	if _, err := WriteJSONL(w, entries); err != nil {
		return nil, err
	}
	return signed, nil
}

var _ tlog.HashReader = (*Ledger)(nil)
