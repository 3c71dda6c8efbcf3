package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/urna-vote/urna/election"
	"github.com/urna-vote/urna/simulate"
)

func init() {
	register("simulate", "run a whole election in one process and write its ledger", runSimulate)
}

func runSimulate(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("simulate", "simulate --voters N --out DIR [flags]", stderr)
	voters := fs.Int("voters", 1000, "number of voters")
	manifest := fs.String("manifest", "", "election manifest (JSON) without keys; default: the built-in one")
	guardians := fs.Int("guardians", 7, "number of guardians holding the key")
	threshold := fs.Int("threshold", 4, "guardians needed to decrypt")
	revote := fs.Float64("revote-share", 0.1, "share of voters who vote again")
	spoil := fs.Float64("spoil-share", 0.01, "share of voters who check (spoil) a ballot first")
	receipts := fs.Int("receipts", 0, "write the receipts of this many voters to DIR/receipts/")
	out := fs.String("out", "", "output folder (required)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" || fs.NArg() != 0 {
		fs.Usage()
		return errUsage
	}
	opts := simulate.Options{
		Voters: *voters, Guardians: *guardians, Threshold: *threshold,
		RevoteShare: *revote, SpoilShare: *spoil, Receipts: *receipts, Out: *out,
	}
	if *manifest != "" {
		b, err := os.ReadFile(*manifest)
		if err != nil {
			return err
		}
		var m election.Manifest
		if err := json.Unmarshal(b, &m); err != nil {
			return fmt.Errorf("manifest %s: %w", *manifest, err)
		}
		opts.Manifest = &m
	}
	bar := newProgress(stderr, "voters")
	opts.Progress = func(done, total int) { bar.set(uint64(done), uint64(total)) }
	start := time.Now()
	sum, err := simulate.Run(context.Background(), opts)
	bar.done()
	if err != nil {
		return err
	}
	secs := time.Since(start).Seconds()
	fmt.Fprintf(stdout, "simulated %d voters: %d ballots cast (%d spoiled), %d ledger entries in %.1f s (%.0f ballots/s)\n",
		*voters, sum.Ballots, sum.Spoiled, sum.Entries, secs, float64(sum.Ballots)/secs)
	fmt.Fprintf(stdout, "wrote %s/ledger.jsonl, checkpoint, log.pub, expected.json, operator.key, operator-entries.key\n", *out)
	return nil
}
