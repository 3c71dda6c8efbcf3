package simulate

import (
	"context"
	"crypto/rand"
	"encoding/json"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"strconv"

	"github.com/urna-vote/urna/ballot"
	"github.com/urna-vote/urna/crypto/credential"
	"github.com/urna-vote/urna/election"
	"github.com/urna-vote/urna/verify"
)

// batchSize is how many voters are simulated between two appends.
const batchSize = 512

// cast is what one voter's device produced in one batch.
type cast struct {
	credential *election.Entry
	spoil      *election.Entry
	ballot     []byte
	code       string
	choices    ballot.Choices
}

func (r *run) vote(ctx context.Context) error {
	m := r.st.Manifest
	if _, err := r.appendEntries(ctx, &election.Entry{Type: election.TypeOpen, Time: r.tick(3_600_000)}); err != nil {
		return err
	}
	rng := newRNG()
	r.voters = make([]*voter, r.opts.Voters)
	for i := range r.voters {
		r.voters[i] = &voter{
			district: m.Districts[rng.IntN(len(m.Districts))].ID,
			revote:   rng.Float64() < r.opts.RevoteShare,
			spoil:    rng.Float64() < r.opts.SpoilShare,
			receipt:  -1,
		}
		if i < r.opts.Receipts {
			r.voters[i].receipt = i
		}
	}
	// Batches are generated (credentials, encryption) on all cores while
	// the previous batch is appended (verified, through the state machine,
	// committed): first ballots, then re-votes.
	type generated struct {
		batch []*voter
		casts []*cast
		err   error
	}
	bctx := r.st.BallotContext()
	styles := map[string]ballot.Style{}
	for _, d := range m.Districts {
		styles[d.ID] = r.st.Style(d.ID)
	}
	gen := make(chan generated, 1)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		defer close(gen)
		for pass := 0; pass < 2; pass++ {
			var todo []*voter
			for _, v := range r.voters {
				if pass == 0 || v.revote {
					todo = append(todo, v)
				}
			}
			for lo := 0; lo < len(todo); lo += batchSize {
				batch := todo[lo:min(lo+batchSize, len(todo))]
				casts, err := r.generate(bctx, styles, batch, pass == 1, rng.Uint64())
				select {
				case gen <- generated{batch, casts, err}:
				case <-stop:
					return
				}
				if err != nil {
					return
				}
			}
		}
	}()
	done, total := 0, r.opts.Voters+countRevotes(r.voters)
	for g := range gen {
		if g.err != nil {
			return g.err
		}
		if err := r.appendCasts(ctx, g.batch, g.casts); err != nil {
			return err
		}
		done += len(g.batch)
		if r.opts.Progress != nil {
			r.opts.Progress(done, total)
		}
	}
	r.clock = max(r.clock+1000, m.Voting.Closes)
	_, err := r.appendEntries(ctx, &election.Entry{Type: election.TypeClose, Time: r.clock})
	return err
}

func countRevotes(vs []*voter) int {
	n := 0
	for _, v := range vs {
		if v.revote {
			n++
		}
	}
	return n
}

// generate lets a batch of voters obtain credentials (first pass) and
// encrypt their ballots, on all cores. It reads nothing of the state that
// appending changes.
func (r *run) generate(bctx *ballot.Context, styles map[string]ballot.Style, batch []*voter, revote bool, seed uint64) ([]*cast, error) {
	casts := make([]*cast, len(batch))
	err := parallel(len(batch), func(i int) error {
		rng := mrand.New(mrand.NewPCG(seed, uint64(i)))
		v := batch[i]
		c := &cast{}
		if !revote {
			if err := r.issue(v, c); err != nil {
				return err
			}
		}
		style := styles[v.district]
		seq := uint32(1)
		if revote {
			seq = 2
		}
		pick := func(s ballot.Style) ballot.Choices { return randomChoices(rng, s) }
		if v.spoil && !revote {
			b, op, err := ballot.Encrypt(rand.Reader, bctx, style, v.cred, v.key.Secret(), seq, pick(style))
			if err != nil {
				return err
			}
			c.spoil = &election.Entry{Type: election.TypeSpoil, Spoil: &election.SpoilEntry{Ballot: b.Bytes(), Opening: op.Encode()}}
		}
		c.choices = pick(style)
		b, _, err := ballot.Encrypt(rand.Reader, bctx, style, v.cred, v.key.Secret(), seq, c.choices)
		if err != nil {
			return err
		}
		c.ballot, c.code = b.Bytes(), b.TrackingCode()
		casts[i] = c
		return nil
	})
	return casts, err
}

// appendCasts appends a generated batch in order: credentials first, then
// spoiled ballots, then cast ballots.
func (r *run) appendCasts(ctx context.Context, batch []*voter, casts []*cast) error {
	// Credentials first, then spoiled ballots, then cast ballots.
	var entries []*election.Entry
	for _, c := range casts {
		if c.credential != nil {
			c.credential.Time = r.tick(5)
			entries = append(entries, c.credential)
		}
	}
	for _, c := range casts {
		if c.spoil != nil {
			c.spoil.Time = r.tick(5)
			entries = append(entries, c.spoil)
			r.sum.Spoiled++
		}
	}
	if len(entries) > 0 {
		if _, err := r.appendEntries(ctx, entries...); err != nil {
			return err
		}
	}
	raws := make([][]byte, len(casts))
	for i, c := range casts {
		e := &election.Entry{Type: election.TypeBallot, Time: r.tick(5), Ballot: &election.BallotEntry{Ballot: c.ballot}}
		raw, err := r.encode(e)
		if err != nil {
			return err
		}
		raws[i] = raw
	}
	first, err := r.appendRaw(ctx, raws)
	if err != nil {
		return err
	}
	r.sum.Ballots += len(casts)
	for i, v := range batch {
		v.final = casts[i].choices
		if v.receipt >= 0 {
			if err := r.writeReceipt(ctx, v, casts[i].code, first+uint64(i)); err != nil {
				return err
			}
		}
	}
	return nil
}

// issue runs the credential issuance of one voter: the device blinds a
// fresh credential key, the district's issuer signs, the device unblinds.
func (r *run) issue(v *voter, c *cast) error {
	issuer := r.issuers[v.district]
	req, err := credential.NewRequest(rand.Reader, issuer.PublicKey(), r.st.ContextHash, v.district)
	if err != nil {
		return err
	}
	blindSig, err := issuer.BlindSign(req.Blinded())
	if err != nil {
		return err
	}
	cred, err := req.Finalize(blindSig)
	if err != nil {
		return err
	}
	if v.key, err = req.Key(); err != nil {
		return err
	}
	v.cred = cred.Encode()
	pseudonym := make([]byte, 32)
	if _, err := rand.Read(pseudonym); err != nil {
		return err
	}
	c.credential = &election.Entry{Type: election.TypeCredential,
		Credential: &election.CredentialEntry{Pseudonym: pseudonym, District: v.district}}
	return nil
}

// writeReceipt writes the receipt of a voter's ballot at index: the
// checkpoint just signed and the inclusion proof in it.
func (r *run) writeReceipt(ctx context.Context, v *voter, code string, index uint64) error {
	c, signed := r.lg.Checkpoint()
	proof, err := r.lg.InclusionProof(index, c.Size)
	if err != nil {
		return err
	}
	rc := verify.Receipt{TrackingCode: code, Entry: index, Checkpoint: string(signed), Proof: proof}
	b, err := json.MarshalIndent(rc, "", "  ")
	if err != nil {
		return err
	}
	dir := filepath.Join(r.opts.Out, "receipts")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, strconv.Itoa(v.receipt)+".json"), append(b, '\n'), 0o644)
}
