package ledger

import (
	"context"
	"errors"
	"fmt"
	"time"

	"golang.org/x/mod/sumdb/tlog"
)

// A request is one Append or AppendBatch call waiting for the writer.
type request struct {
	ctx     context.Context
	entries [][]byte
	bytes   int
	done    chan result // buffered: the writer never blocks on it
}

type result struct {
	first uint64
	err   error
}

// Append appends an entry and returns its index once the entry is durably
// sequenced: committed in a transaction whose write-ahead log is on disk
// (SQLite's fsynced, or PostgreSQL's flushed with synchronous_commit=on).
// An index returned means exactly that; an error means the entry was not
// appended, with one exception: if ctx ends after the writer took the entry,
// Append returns an error wrapping ctx.Err() and the entry may or may not be
// on the log, as with any request whose answer was lost.
//
// The entry must pass CheckEntry. If the ledger has a Validator and it
// rejects the entry, Append returns a *RejectedError. After a failed write
// every Append returns an error wrapping ErrFailed.
func (l *Ledger) Append(ctx context.Context, entry []byte) (index uint64, err error) {
	first, err := l.AppendBatch(ctx, [][]byte{entry})
	var rej *RejectedError
	if errors.As(err, &rej) {
		return 0, err
	}
	return first, err
}

// AppendBatch appends entries at consecutive indices, in one group commit,
// and returns the index of the first. Either all entries are appended or,
// on error, none, with one exception: if the Validator rejects an entry,
// the entries before it are appended and the rest are not, and the error is
// a *RejectedError whose Offset is the number appended, starting at first.
func (l *Ledger) AppendBatch(ctx context.Context, entries [][]byte) (first uint64, err error) {
	if len(entries) == 0 {
		return 0, fmt.Errorf("%w: no entries", ErrInvalidEntry)
	}
	size := 0
	for i, e := range entries {
		if err := CheckEntry(e); err != nil {
			return 0, fmt.Errorf("entry %d of %d: %w", i, len(entries), err)
		}
		size += len(e)
	}
	if l.opts.Signer == nil {
		return 0, ErrReadOnly
	}
	if err := l.Err(); err != nil {
		return 0, err
	}
	req := &request{ctx: ctx, entries: entries, bytes: size, done: make(chan result, 1)}
	select {
	case l.reqs <- req:
	case <-ctx.Done():
		return 0, ctx.Err()
	case <-l.closed:
		return 0, ErrClosed
	}
	select {
	case res := <-req.done:
		return res.first, res.err
	case <-ctx.Done():
		select {
		case res := <-req.done:
			return res.first, res.err
		default:
		}
		return 0, fmt.Errorf("ledger: %w while the entry was being sequenced; it may have been appended", ctx.Err())
	}
}

// run is the single writer: it takes a request, gathers the requests
// waiting behind it into a group (up to MaxBatch entries and MaxBatchBytes,
// waiting up to MaxDelay for more), commits the group in one transaction
// and answers every request of the group.
func (l *Ledger) run() {
	defer close(l.done)
	for {
		var first *request
		select {
		case first = <-l.reqs:
		case <-l.closed:
			return
		}
		g := []*request{first}
		n, b := len(first.entries), first.bytes
		var deadline <-chan time.Time
		var timer *time.Timer
		if l.opts.MaxDelay > 0 {
			timer = time.NewTimer(l.opts.MaxDelay)
			deadline = timer.C
		}
	gather:
		for n < l.opts.MaxBatch && b < l.opts.MaxBatchBytes {
			var r *request
			select {
			case r = <-l.reqs:
			default:
				if deadline == nil {
					break gather
				}
				select {
				case r = <-l.reqs:
				case <-deadline:
					break gather
				case <-l.closed:
					break gather
				}
			}
			g = append(g, r)
			n, b = n+len(r.entries), b+r.bytes
		}
		if timer != nil {
			timer.Stop()
		}
		l.commit(g)
	}
}

// commit sequences a group: it checks each entry with the validator,
// computes the new hashes and root from what the writer holds in memory,
// signs the checkpoint and writes everything in one transaction. Only then
// does it publish the new head and answer the requests. Any failure on the
// way fails the ledger.
func (l *Ledger) commit(g []*request) {
	res := make([]result, len(g))
	reply := func() {
		for k, r := range g {
			r.done <- res[k]
		}
	}
	defer reply()
	if err := l.Err(); err != nil {
		for k := range res {
			res[k].err = err
		}
		return
	}

	old := l.head.Size // only this goroutine writes head
	size := old
	overlay := make(map[int64]Hash)
	read := tlog.HashReaderFunc(func(indexes []int64) ([]Hash, error) {
		out := make([]Hash, len(indexes))
		for i, x := range indexes {
			h, ok := overlay[x]
			if !ok {
				h, ok = l.edge[x]
			}
			if !ok {
				return nil, fmt.Errorf("ledger: internal error: stored hash %d is not at hand", x)
			}
			out[i] = h
		}
		return out, nil
	})
	var entries [][]byte
	var hashes []Hash
	written := make([]bool, len(g))
	for k, r := range g {
		if err := r.ctx.Err(); err != nil {
			res[k].err = err // abandoned before it was sequenced
			continue
		}
		res[k].first = size
		for i, e := range r.entries {
			if v := l.opts.Validator; v != nil {
				if err := v.Check(size, e); err != nil {
					res[k].err = &RejectedError{Index: size, Offset: i, Err: err}
					break
				}
			}
			hs, err := tlog.StoredHashes(int64(size), e, read)
			if err != nil {
				l.failGroup(res, written, fmt.Errorf("hashing entry %d: %w", size, err))
				return
			}
			base := tlog.StoredHashIndex(0, int64(size))
			for j, h := range hs {
				overlay[base+int64(j)] = h
			}
			hashes = append(hashes, hs...)
			entries = append(entries, e)
			written[k] = true
			size++
		}
	}
	if size == old {
		return
	}

	root, err := tlog.TreeHash(int64(size), read)
	if err != nil {
		l.failGroup(res, written, fmt.Errorf("computing the root: %w", err))
		return
	}
	head := Checkpoint{Origin: l.opts.Origin, Size: size, Root: root}
	signed, err := SignCheckpoint(head, l.opts.Signer)
	if err != nil {
		l.failGroup(res, written, err)
		return
	}
	err = write(context.Background(), l.w, l.st, &group{
		oldSize:   old,
		entries:   entries,
		hashes:    hashes,
		head:      head,
		signed:    signed,
		failpoint: l.opts.failpoint,
	})
	if err != nil {
		l.failGroup(res, written, fmt.Errorf("writing entries %d to %d: %w", old, size-1, err))
		return
	}

	edge := make(map[int64]Hash)
	for _, x := range compactIndexes(size) {
		h, ok := overlay[x]
		if !ok {
			h = l.edge[x]
		}
		edge[x] = h
	}
	l.edge = edge
	l.mu.Lock()
	l.head, l.signed = head, signed
	l.mu.Unlock()
}

// failGroup fails the ledger and answers every request that had entries in
// the group with the failure. Requests rejected or abandoned whole keep
// their own error: nothing of theirs was to be written.
func (l *Ledger) failGroup(res []result, written []bool, cause error) {
	err := l.fail(cause)
	for k := range res {
		if written[k] {
			res[k] = result{err: err}
		}
	}
}

// fail puts the ledger in its failed state, once, and returns the error
// every later Append gets.
func (l *Ledger) fail(cause error) error {
	l.mu.Lock()
	if l.failed == nil {
		l.failed = fmt.Errorf("%w: %w", ErrFailed, cause)
		l.log.Error("ledger failed: no more appends until it is reopened",
			"origin", l.opts.Origin, "size", l.head.Size, "err", cause)
	}
	err := l.failed
	l.mu.Unlock()
	return err
}
