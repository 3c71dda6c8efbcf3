// Package ballotbox keeps one election's ledger and the state it replays to,
// and is the only way entries reach that ledger.
//
// Every entry — the manifest, the ceremony, opening and closing, each
// credential issued and each ballot cast — goes through one pipeline:
//
//	Cast/Append ─► queue ─► stamp time, batch-verify (election.State.Prepare,
//	                         both cores) ─► ledger.AppendBatch, the state
//	                         machine as the ledger's validator ─► answer
//
// A ballot is answered only when the state machine accepted it and its
// group commit is on disk, so an acknowledged ballot survives a crash. The
// queue is bounded: when it is full, Cast refuses at once with a *BusyError
// that says how long the wait would be, instead of letting requests time
// out (the callers put the voter in a waiting queue and try again).
//
// The box stamps each entry with the time it was accepted; times never
// decrease along the ledger because one goroutine stamps them in the order
// the ledger sequences them.
package ballotbox

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/urna-vote/urna/election"
	"github.com/urna-vote/urna/ledger"
)

// Options configure a Box.
type Options struct {
	// Origin names the election's log; Signer signs its checkpoints (see
	// package ledger).
	Origin string
	Signer note.Signer

	// Now is the clock that stamps entries; nil means time.Now.
	Now func() time.Time

	// MaxQueue bounds the ballots waiting to be verified and appended
	// (default 4096). A Cast beyond it gets a *BusyError at once.
	MaxQueue int

	// MaxBatch bounds the entries verified and appended together (default
	// 512). Under load, the entries that arrive while one batch is being
	// verified or committed form the next one.
	MaxBatch int

	// Logger receives the box's errors; nil means slog.Default().
	Logger *slog.Logger

	// Operator, if set, is the platform's operator key: in an election
	// whose manifest names its public key, the box signs every entry it
	// stamps (check O1 of package election).
	Operator ed25519.PrivateKey

	// Replica, if set, is the election's ledger replicated on a network
	// of validators (package chain): every batch is committed there before
	// it is appended here, and an entry is acknowledged only once the
	// network committed it. The local ledger is then the network's mirror,
	// serving receipts, proofs and tiles; at Open it fetches what the
	// network committed and the mirror lacks (a crash between the two).
	Replica Replica
}

// A Replica is the replicated ledger of one election.
type Replica interface {
	// Commit submits entries in order and returns once the network has
	// decided each: errs[i] is nil if it was committed (at index
	// indexes[i]), the network's refusal otherwise. err means the network
	// could not be reached: then nothing is known to be committed.
	Commit(ctx context.Context, raws [][]byte) (indexes []uint64, errs []error, err error)
	// Entries returns the committed entries from index from on.
	Entries(ctx context.Context, from uint64) ([][]byte, error)
}

// A Box is an open election ledger. Its methods are safe for concurrent
// use.
type Box struct {
	opts Options
	lg   *ledger.Ledger
	log  *slog.Logger

	mu sync.RWMutex // guards st, which the ledger's writer mutates
	st *election.State

	in      chan *request // to the stamper
	batches chan []*request
	stop    chan struct{}
	done    sync.WaitGroup
	queued  atomic.Int64 // requests in the pipeline
	rate    rateMeter    // entries appended per second, recently

	// owned by the appending goroutine and the validator it drives
	cur []*request
	pos int
}

// A request is one entry on its way through the pipeline.
type request struct {
	ctx   context.Context
	entry *election.Entry // to stamp and encode; nil if raw is set
	raw   []byte
	prep  *election.Prepared
	done  chan result
}

type result struct {
	index uint64
	err   error
}

// Open opens (or creates) the ledger of one election kept at store — a
// SQLite file path or a PostgreSQL URL naming the ledger's schema (see
// ledger.Open) — and replays it into a fresh state.
func Open(ctx context.Context, store string, opts Options) (*Box, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.MaxQueue <= 0 {
		opts.MaxQueue = 4096
	}
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = 512
	}
	b := &Box{
		opts:    opts,
		log:     opts.Logger,
		st:      election.New(),
		in:      make(chan *request, opts.MaxQueue),
		batches: make(chan []*request, 1),
		stop:    make(chan struct{}),
	}
	if b.log == nil {
		b.log = slog.Default()
	}
	lg, err := ledger.Open(ctx, store, ledger.Options{
		Origin: opts.Origin, Signer: opts.Signer,
		Validator: ledger.ValidatorFunc(b.validate),
		Logger:    opts.Logger,
	})
	if err != nil {
		return nil, err
	}
	b.lg = lg
	if err := b.replay(); err != nil {
		lg.Close()
		return nil, err
	}
	if opts.Replica != nil {
		missing, err := opts.Replica.Entries(ctx, lg.Size())
		if err != nil {
			lg.Close()
			return nil, fmt.Errorf("ballotbox: reading the replicated ledger: %w", err)
		}
		if len(missing) > 0 {
			if _, err := lg.AppendBatch(ctx, missing); err != nil {
				lg.Close()
				return nil, fmt.Errorf("ballotbox: mirroring the replicated ledger: %w", err)
			}
		}
	}
	b.done.Add(2)
	go b.stamper()
	go b.appender()
	return b, nil
}

// replay applies the stored entries to the state, batch-verifying ballots.
func (b *Box) replay() error {
	size := b.lg.Size()
	const chunk = 4096
	var raws [][]byte
	flush := func() error {
		for _, p := range b.st.Prepare(rand.Reader, b.st.Next, raws) {
			if err := b.st.ApplyPrepared(p); err != nil {
				return fmt.Errorf("ballotbox: the stored ledger does not replay: %w", err)
			}
		}
		raws = raws[:0]
		return nil
	}
	for e, err := range b.lg.Entries(0, size) {
		if err != nil {
			return err
		}
		raws = append(raws, e)
		if len(raws) == chunk {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}

// Close stops the pipeline, answering what is queued with ErrClosed, and
// closes the ledger.
func (b *Box) Close() error {
	select {
	case <-b.stop:
		return nil
	default:
	}
	close(b.stop)
	b.done.Wait()
	return b.lg.Close()
}

// Ledger returns the election's ledger, for reading and proofs.
func (b *Box) Ledger() *ledger.Ledger { return b.lg }

// View calls f with the election's state, which must not be modified or
// kept after f returns. Appends wait while f runs, so keep it short.
func (b *Box) View(f func(st *election.State)) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	f(b.st)
}

// Append stamps e with the current time and appends it through the state
// machine, waiting for room in the queue. It returns the entry's index.
func (b *Box) Append(ctx context.Context, e *election.Entry) (uint64, error) {
	r := &request{ctx: ctx, entry: e, done: make(chan result, 1)}
	b.queued.Add(1)
	select {
	case b.in <- r:
	case <-ctx.Done():
		b.queued.Add(-1)
		return 0, ctx.Err()
	case <-b.stop:
		b.queued.Add(-1)
		return 0, ErrClosed
	}
	return b.wait(r)
}

// submit queues r without waiting for room: a full queue is a *BusyError.
func (b *Box) submit(r *request) (uint64, error) {
	if n := b.queued.Add(1); n > int64(b.opts.MaxQueue) {
		b.queued.Add(-1)
		return 0, b.busy(int(n))
	}
	select {
	case b.in <- r:
	case <-b.stop:
		b.queued.Add(-1)
		return 0, ErrClosed
	default:
		b.queued.Add(-1)
		return 0, b.busy(b.opts.MaxQueue)
	}
	return b.wait(r)
}

func (b *Box) wait(r *request) (uint64, error) {
	select {
	case res := <-r.done:
		return res.index, res.err
	case <-r.ctx.Done():
		// The request stays in the pipeline: it may still be appended.
		return 0, fmt.Errorf("ballotbox: %w while the entry was queued; it may still be appended", r.ctx.Err())
	}
}

// sign signs e as the operator, if the election names one (opKey): with
// the box's operator key, which must be that one.
func (b *Box) sign(e *election.Entry, opKey []byte, opContext [32]byte) error {
	if opKey == nil || e.Type == election.TypeElection {
		return nil
	}
	if b.opts.Operator == nil || !bytes.Equal(b.opts.Operator.Public().(ed25519.PublicKey), opKey) {
		return fmt.Errorf("ballotbox: the election's operator key is not this platform's: it cannot append")
	}
	return e.SignAsOperator(opContext, b.opts.Operator)
}

// stamper takes queued requests in batches, stamps and encodes them and
// checks what it can without the state (decoding, credentials, proofs, in
// one batch over all cores), then hands the batch to the appender.
func (b *Box) stamper() {
	defer b.done.Done()
	defer close(b.batches)
	var last int64
	for {
		var batch []*request
		select {
		case r := <-b.in:
			batch = append(batch, r)
		case <-b.stop:
			b.drain()
			return
		}
	gather:
		for len(batch) < b.opts.MaxBatch {
			select {
			case r := <-b.in:
				batch = append(batch, r)
			default:
				break gather
			}
		}
		now := b.opts.Now().UnixMilli()
		if now < last {
			now = last
		}
		last = now
		b.mu.RLock()
		opKey, opContext := b.st.Operator()
		b.mu.RUnlock()
		var ok []*request
		var raws [][]byte
		for _, r := range batch {
			if r.ctx.Err() != nil {
				b.answer(r, 0, r.ctx.Err())
				continue
			}
			if r.entry != nil {
				r.entry.Time = now
				if err := b.sign(r.entry, opKey, opContext); err != nil {
					b.answer(r, 0, err)
					continue
				}
				raw, err := r.entry.Encode()
				if err != nil {
					b.answer(r, 0, fmt.Errorf("%w: %v", ErrInvalid, err))
					continue
				}
				r.raw = raw
			}
			ok = append(ok, r)
			raws = append(raws, r.raw)
		}
		if len(ok) == 0 {
			continue
		}
		// Prepare reads only the election's fixed context, but that is set
		// by the key entry, so read it under the lock.
		b.mu.RLock()
		preps := b.st.Prepare(rand.Reader, b.lg.Size(), raws)
		b.mu.RUnlock()
		kept := ok[:0]
		for i, r := range ok {
			r.prep = preps[i]
			if err := r.prep.Err(); err != nil {
				b.answer(r, 0, err)
				continue
			}
			kept = append(kept, r)
		}
		if ok = kept; len(ok) == 0 {
			continue
		}
		select {
		case b.batches <- ok:
		case <-b.stop:
			for _, r := range ok {
				b.answer(r, 0, ErrClosed)
			}
			b.drain()
			return
		}
	}
}

// drain answers every queued request with ErrClosed.
func (b *Box) drain() {
	for {
		select {
		case r := <-b.in:
			b.answer(r, 0, ErrClosed)
		default:
			return
		}
	}
}

func (b *Box) answer(r *request, index uint64, err error) {
	b.queued.Add(-1)
	r.done <- result{index: index, err: err}
}

// appender appends each batch, the state machine judging every entry in
// order; entries it rejects are answered with their error and the rest of
// the batch is appended again.
func (b *Box) appender() {
	defer b.done.Done()
	for batch := range b.batches {
		if b.opts.Replica != nil {
			b.replicate(batch)
			continue
		}
		for len(batch) > 0 {
			raws := make([][]byte, len(batch))
			for i, r := range batch {
				raws[i] = r.raw
			}
			b.cur, b.pos = batch, 0
			first, err := b.lg.AppendBatch(context.Background(), raws)
			b.cur = nil
			var rej *ledger.RejectedError
			switch {
			case err == nil:
				for i, r := range batch {
					b.answer(r, first+uint64(i), nil)
				}
				b.rate.add(len(batch))
				batch = nil
			case errors.As(err, &rej):
				for i, r := range batch[:rej.Offset] {
					b.answer(r, rej.Index-uint64(rej.Offset)+uint64(i), nil)
				}
				b.rate.add(rej.Offset)
				b.answer(batch[rej.Offset], 0, rej.Err)
				batch = batch[rej.Offset+1:]
			default:
				b.log.Error("ballotbox: appending to the ledger failed", "origin", b.opts.Origin, "err", err)
				for _, r := range batch {
					b.answer(r, 0, err)
				}
				batch = nil
			}
		}
	}
}

// replicate commits a batch on the replicated ledger, then mirrors into
// the local ledger everything the network holds beyond it — entries an
// earlier run submitted and the network committed late come before this
// batch's — and answers each request with its index on the network. A
// refused entry is answered with the network's refusal; all are answered
// with ErrUnavailable if the network cannot be reached.
func (b *Box) replicate(batch []*request) {
	fail := func(rs []*request, err error) {
		for _, r := range rs {
			b.answer(r, 0, fmt.Errorf("%w: %v", ErrUnavailable, err))
		}
	}
	// Mirror first what the network holds beyond the mirror, so that the
	// batch is prepared against the same state.
	if err := b.mirror(nil); err != nil {
		fail(batch, err)
		return
	}
	raws := make([][]byte, len(batch))
	for i, r := range batch {
		raws[i] = r.raw
	}
	ctx, cancel := context.WithTimeout(context.Background(), replicaTimeout)
	indexes, errs, err := b.opts.Replica.Commit(ctx, raws)
	cancel()
	if err != nil {
		b.log.Error("ballotbox: the replicated ledger is unreachable", "origin", b.opts.Origin, "err", err)
		fail(batch, err)
		return
	}
	var kept []*request
	var at []uint64
	for i, r := range batch {
		if errs[i] != nil {
			b.answer(r, 0, errs[i])
			continue
		}
		kept, at = append(kept, r), append(at, indexes[i])
	}
	if err := b.mirror(kept); err != nil {
		b.log.Error("ballotbox: mirroring the replicated ledger failed", "origin", b.opts.Origin, "err", err)
		fail(kept, err)
		return
	}
	for i, r := range kept {
		b.answer(r, at[i], nil)
	}
	b.rate.add(len(kept))
}

// mirror appends to the local ledger what the network committed beyond
// it; ours are the requests whose prepared entries it may use.
func (b *Box) mirror(ours []*request) error {
	ctx, cancel := context.WithTimeout(context.Background(), replicaTimeout)
	missing, err := b.opts.Replica.Entries(ctx, b.lg.Size())
	cancel()
	if err != nil || len(missing) == 0 {
		return err
	}
	b.cur, b.pos = ours, 0
	_, err = b.lg.AppendBatch(context.Background(), missing)
	b.cur = nil
	return err
}

// replicaTimeout bounds the wait for the network to commit a batch.
const replicaTimeout = 30 * time.Second

// validate is the ledger's validator: it applies the entry prepared for
// this position of the batch being appended.
func (b *Box) validate(index uint64, entry []byte) error {
	var p *election.Prepared
	for j := b.pos; j < len(b.cur); j++ {
		if bytes.Equal(b.cur[j].raw, entry) {
			p, b.pos = b.cur[j].prep, j+1
			break
		}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if p == nil {
		return b.st.Apply(entry)
	}
	p.Index = index
	return b.st.ApplyPrepared(p)
}

// A Receipt is what a voter keeps of a cast ballot: its tracking code, the
// entry that holds it, the checkpoint signed when it was appended and the
// proof that the entry is in that checkpoint's tree.
type Receipt struct {
	TrackingCode string       `json:"tracking_code"`
	Entry        uint64       `json:"entry"`
	Time         int64        `json:"time"`               // the entry's time: with the ballot (and Operator), it gives the entry's exact bytes
	Operator     []byte       `json:"operator,omitempty"` // the operator's signature of the entry, if the election names an operator
	Checkpoint   string       `json:"checkpoint"`
	Proof        ledger.Proof `json:"proof"`
}

// Cast appends a ballot (package ballot's encoding) and returns its receipt
// once it is on disk. Errors are *election.CheckError (the ballot was
// refused: see Code), *BusyError (the queue is full; try again later) or
// ErrClosed; nothing is written on error.
func (b *Box) Cast(ctx context.Context, data []byte) (*Receipt, error) {
	if len(data) == 0 || len(data) > MaxBallotSize {
		return nil, fmt.Errorf("%w: a ballot is 1 to %d bytes", ErrInvalid, MaxBallotSize)
	}
	r := &request{ctx: ctx, entry: &election.Entry{Type: election.TypeBallot,
		Ballot: &election.BallotEntry{Ballot: data}}, done: make(chan result, 1)}
	index, err := b.submit(r)
	if err != nil {
		return nil, err
	}
	code := r.prep.Ballot().TrackingCode()
	c, signed := b.lg.Checkpoint()
	proof, err := b.lg.InclusionProof(index, c.Size)
	if err != nil {
		return nil, err
	}
	return &Receipt{TrackingCode: code, Entry: index, Time: r.entry.Time, Operator: r.entry.Operator, Checkpoint: string(signed), Proof: proof}, nil
}

// Spoil appends a ballot its voter chose to open instead of casting (a
// Benaloh challenge), with its opening, and returns the entry's index.
func (b *Box) Spoil(ctx context.Context, data, opening []byte) (uint64, error) {
	if len(data) == 0 || len(data) > MaxBallotSize || len(opening) == 0 || len(opening) > MaxBallotSize {
		return 0, fmt.Errorf("%w: a ballot and its opening are 1 to %d bytes", ErrInvalid, MaxBallotSize)
	}
	r := &request{ctx: ctx, entry: &election.Entry{Type: election.TypeSpoil,
		Spoil: &election.SpoilEntry{Ballot: data, Opening: opening}}, done: make(chan result, 1)}
	return b.submit(r)
}

// MaxBallotSize bounds a ballot's encoding.
const MaxBallotSize = 256 << 10
