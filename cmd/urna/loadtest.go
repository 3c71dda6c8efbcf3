package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"time"

	"github.com/urna-vote/urna/demo"
	"github.com/urna-vote/urna/loadtest"
)

func init() {
	register("loadtest", "drive voters through a running server and measure it", runLoadtest)
}

func runLoadtest(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("loadtest", "loadtest URL --voters N --rate R [flags]", stderr)
	voters := fs.Int("voters", 200, "voters taking part (the demo's voters, from the first)")
	first := fs.Int("first-voter", 0, "index of the first demo voter to use (a voter receives each ballot once)")
	rate := fs.Float64("rate", 1000, "ballots cast per second")
	duration := fs.Duration("duration", 10*time.Second, "how long to cast")
	electionID := fs.String("election", "", "election to vote in (default: each voter's first open one)")
	password := fs.String("password", demo.Password, "the voters' password")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	phases := fs.String("phases", "", `successive rates and durations instead of --rate and --duration, e.g. "2000:20s,1000:60s"`)
	url, rest := "", args
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		url, rest = args[0], args[1:]
	}
	if err := fs.Parse(rest); err != nil {
		return err
	}
	if url == "" && fs.NArg() == 1 {
		url = fs.Arg(0)
	} else if fs.NArg() != 0 || url == "" {
		fs.Usage()
		return errUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	opts := loadtest.Options{
		URL: url, Voters: *voters, Password: *password, Election: *electionID,
		Login: func(i int) string { return demo.Voter(*first + i) },
		Rate:  *rate, Duration: *duration,
		Progress: func(format string, a ...any) { fmt.Fprintf(stderr, "loadtest: "+format+"\n", a...) },
	}
	if *phases != "" {
		for _, p := range strings.Split(*phases, ",") {
			r, d, ok := strings.Cut(strings.TrimSpace(p), ":")
			rate, err1 := strconv.ParseFloat(r, 64)
			dur, err2 := time.ParseDuration(d)
			if !ok || err1 != nil || err2 != nil {
				return fmt.Errorf("--phases: %q is not RATE:DURATION", p)
			}
			opts.Phases = append(opts.Phases, loadtest.Phase{Rate: rate, Duration: dur})
		}
	}
	rep, err := loadtest.Run(ctx, opts)
	if err != nil {
		return err
	}
	if *asJSON {
		b, _ := json.Marshal(rep)
		fmt.Fprintf(stdout, "%s\n", b)
	} else {
		fmt.Fprintf(stdout, "%d voters prepared in %.1f s\n", rep.Voters, rep.PrepareSeconds)
		for i, ph := range append(rep.Phases, rep) {
			name := "all"
			if i < len(rep.Phases) {
				name = fmt.Sprintf("phase %d at %.0f/s", i+1, ph.Rate)
			}
			fmt.Fprintf(stdout, "%s: %d sent, %d accepted, %d busy, %d errors, %d skipped (voter still waiting); %.0f ballots/s; latency p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms; busy answers p99 %.1f ms, last at %.1f s\n",
				name, ph.Sent, ph.Accepted, ph.Busy, ph.Errors, ph.Skipped,
				ph.BallotsPerSec, ph.P50ms, ph.P90ms, ph.P99ms, ph.MaxMs, ph.BusyP99ms, ph.LastBusySeconds)
		}
		if rep.FirstError != "" {
			fmt.Fprintf(stdout, "first error: %s\n", rep.FirstError)
		}
	}
	if rep.Errors > 0 {
		return exitError{code: 1}
	}
	return nil
}
