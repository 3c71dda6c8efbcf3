package simulate

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/urna-vote/urna/crypto/credential"
	"github.com/urna-vote/urna/election"
	"github.com/urna-vote/urna/ledger"
)

// Origin is the name of a simulated election's log.
const Origin = "urna.simulation/ledger"

// run holds a simulation in progress.
type run struct {
	opts    Options
	st      *election.State
	lg      *ledger.Ledger
	clock   int64
	issuers map[string]*credential.Issuer
	members map[string]ed25519.PrivateKey
	// operator signs every entry after the manifest (check O1).
	operator ed25519.PrivateKey
	// prepared holds entries batch-verified for the index they will take;
	// the validator applies them without checking their proofs again.
	prepared  map[uint64]*election.Prepared
	guardians []*guardian
	voters    []*voter
	sum       Summary
}

// Run runs a simulation and writes its files to opts.Out.
func Run(ctx context.Context, opts Options) (*Summary, error) {
	if opts.Voters < 1 {
		return nil, fmt.Errorf("simulate: at least one voter")
	}
	if opts.Guardians == 0 {
		opts.Guardians = 7
	}
	if opts.Threshold == 0 {
		opts.Threshold = 4
	}
	if opts.RevoteShare < 0 || opts.RevoteShare > 1 || opts.SpoilShare < 0 || opts.SpoilShare > 1 {
		return nil, fmt.Errorf("simulate: shares must lie in [0, 1]")
	}
	if opts.Receipts > opts.Voters {
		opts.Receipts = opts.Voters
	}
	if opts.Start == 0 {
		opts.Start = 1_798_790_400_000 // 2027-01-01 00:00 UTC
	}
	if err := os.MkdirAll(opts.Out, 0o755); err != nil {
		return nil, err
	}
	r := &run{opts: opts, st: election.New(), clock: opts.Start - 3_600_000, prepared: map[uint64]*election.Prepared{}}
	if err := r.openLedger(ctx); err != nil {
		return nil, err
	}
	defer r.lg.Close()
	steps := []func(context.Context) error{r.define, r.ceremony, r.vote, r.count, r.write}
	for _, step := range steps {
		if err := step(ctx); err != nil {
			return nil, err
		}
	}
	return &r.sum, nil
}

// openLedger creates the operator's log key and a fresh ledger in Out.
func (r *run) openLedger(ctx context.Context) error {
	skey, vkey, err := ledger.GenerateKey(rand.Reader, Origin)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(r.opts.Out, "operator.key"), []byte(skey+"\n"), 0o600); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(r.opts.Out, "log.pub"), []byte(vkey+"\n"), 0o644); err != nil {
		return err
	}
	signer, err := ledger.NewSigner(skey)
	if err != nil {
		return err
	}
	path := filepath.Join(r.opts.Out, "ledger.db")
	for _, suffix := range []string{"", "-wal", "-shm"} {
		os.Remove(path + suffix)
	}
	r.lg, err = ledger.Open(ctx, path, ledger.Options{
		Origin: Origin, Signer: signer,
		Validator: ledger.ValidatorFunc(r.validate),
	})
	return err
}

// validate is the ledger's validator: the state machine, with the entries
// prepared for this index taken as batch-verified.
func (r *run) validate(index uint64, entry []byte) error {
	p := r.prepared[index]
	delete(r.prepared, index)
	if p != nil && bytes.Equal(p.Raw, entry) {
		return r.st.ApplyPrepared(p)
	}
	return r.st.Apply(entry)
}

// tick advances the simulated clock by ms milliseconds and returns it.
func (r *run) tick(ms int64) int64 {
	r.clock += ms
	return r.clock
}

// appendEntries encodes and appends entries, through the state machine.
func (r *run) appendEntries(ctx context.Context, es ...*election.Entry) (uint64, error) {
	raws := make([][]byte, len(es))
	for i, e := range es {
		b, err := r.encode(e)
		if err != nil {
			return 0, err
		}
		raws[i] = b
	}
	return r.appendRaw(ctx, raws)
}

// encode signs an entry as the operator, as a platform does (none for the
// manifest itself), and encodes it.
func (r *run) encode(e *election.Entry) ([]byte, error) {
	if key, context := r.st.Operator(); key != nil && e.Type != election.TypeElection {
		if err := e.SignAsOperator(context, r.operator); err != nil {
			return nil, err
		}
	}
	return e.Encode()
}

// appendRaw prepares (batch-verifies) raw entries for the indices they will
// take and appends them in one group.
func (r *run) appendRaw(ctx context.Context, raws [][]byte) (uint64, error) {
	first := r.lg.Size()
	for _, p := range r.st.Prepare(rand.Reader, first, raws) {
		r.prepared[p.Index] = p
	}
	idx, err := r.lg.AppendBatch(ctx, raws)
	if err != nil {
		return 0, fmt.Errorf("appending entries %d…: %w", first, err)
	}
	return idx, nil
}

func (r *run) write(ctx context.Context) error {
	f, err := os.Create(filepath.Join(r.opts.Out, "ledger.jsonl"))
	if err != nil {
		return err
	}
	signed, err := r.lg.Export(ctx, f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(r.opts.Out, "checkpoint"), signed, 0o644); err != nil {
		return err
	}
	b, err := json.MarshalIndent(r.sum.Expected, "", "  ")
	if err != nil {
		return err
	}
	r.sum.Entries = r.lg.Size()
	return os.WriteFile(filepath.Join(r.opts.Out, "expected.json"), append(b, '\n'), 0o644)
}
