package chain

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	rpclocal "github.com/cometbft/cometbft/rpc/client/local"
	"github.com/urna-vote/urna/election"
	"github.com/urna-vote/urna/ledger"
	"github.com/urna-vote/urna/simulate"
)

// rate is the entries a second the benchmark submits: about 380 ballots
// and as many credentials.
const rate = 800

// BenchmarkFourValidators commits a simulated election of 2,000 voters
// through four validators on loopback, all in this process (so on this
// machine's two cores every ballot is verified by four validators, twice
// each: in ProcessProposal and in FinalizeBlock). It reports ballots
// committed per second and the latency from submission to commit.
//
//	go test ./chain -run '^$' -bench FourValidators -benchtime 1x
func BenchmarkFourValidators(b *testing.B) {
	dir := b.TempDir()
	if _, err := simulate.Run(context.Background(), simulate.Options{Voters: 2000, Guardians: 3, Threshold: 2, RevoteShare: 0.1, Out: dir}); err != nil {
		b.Fatal(err)
	}
	f, err := os.Open(filepath.Join(dir, "ledger.jsonl"))
	if err != nil {
		b.Fatal(err)
	}
	var entries [][]byte
	var isBallot []bool
	for e, err := range ledger.ReadJSONL(f) {
		if err != nil {
			b.Fatal(err)
		}
		entries = append(entries, bytes.Clone(e))
		d, _ := election.DecodeEntry(e)
		isBallot = append(isBallot, d.Type == election.TypeBallot)
	}
	f.Close()
	for b.Loop() {
		homes, err := Testnet(b.TempDir(), "urna-bench", 4, 0, freePortTB(b))
		if err != nil {
			b.Fatal(err)
		}
		var nodes []*Node
		for _, h := range homes {
			n, err := Start(h, nil)
			if err != nil {
				b.Fatal(err)
			}
			nodes = append(nodes, n)
		}
		client := rpclocal.New(nodes[0].Node)
		submitted := make([]time.Time, len(entries))
		committed := make([]time.Time, len(entries))
		done := make(chan struct{})
		go func() {
			defer close(done)
			next := 0
			for next < len(entries) {
				size, _ := nodes[1].App.Size()
				now := time.Now()
				for ; next < int(size); next++ {
					committed[next] = now
				}
				time.Sleep(5 * time.Millisecond)
			}
		}()
		// A steady load, as the platform submits what voters cast: rate
		// entries a second (credentials, ballots and the rest together).
		start := time.Now()
		for i, tx := range entries {
			if wait := time.Duration(float64(i)/rate*float64(time.Second)) - time.Since(start); wait > 0 {
				time.Sleep(wait)
			}
			submitted[i] = time.Now()
			if _, err := client.BroadcastTxAsync(context.Background(), tx); err != nil {
				b.Fatalf("broadcast %d: %v", i, err)
			}
		}
		submittedAll := time.Since(start)
		<-done
		elapsed := time.Since(start)
		b.Logf("submitted in %v, committed in %v", submittedAll, elapsed)
		var lat []time.Duration
		ballots := 0
		for i := range entries {
			if isBallot[i] {
				ballots++
				lat = append(lat, committed[i].Sub(submitted[i]))
			}
		}
		slices.Sort(lat)
		b.ReportMetric(float64(ballots)/elapsed.Seconds(), "ballots/s")
		b.ReportMetric(float64(len(entries))/elapsed.Seconds(), "entries/s")
		b.ReportMetric(lat[len(lat)/2].Seconds()*1000, "p50-ms")
		b.ReportMetric(lat[len(lat)*99/100].Seconds()*1000, "p99-ms")
		b.Logf("%d entries in %d blocks (height %d)", len(entries), nodes[1].App.blocks, nodes[1].App.height)
		for _, n := range nodes {
			n.Stop()
		}
	}
}
