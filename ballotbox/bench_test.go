package ballotbox_test

import (
	"context"
	"runtime"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/urna-vote/urna/ballot"
)

// BenchmarkCast measures the whole casting path in one process: ballots
// arriving from 512 concurrent clients are batch-verified, checked by the
// state machine and appended durably, each answered with its receipt.
// Ballots are encrypted before the timer starts. Run with a fixed count:
//
//	go test ./ballotbox -run '^$' -bench Cast -benchtime 10000x
func BenchmarkCast(b *testing.B) {
	te := newElection(b, 1<<20)
	voters := 512
	vs := make([]*voter, voters)
	for i := range vs {
		vs[i] = te.issue(b)
	}
	// Each voter's ballots are cast in order by one client at a time.
	queues := make([][]*ballot.Ballot, voters)
	var mu sync.Mutex
	var wg sync.WaitGroup
	work := make(chan int)
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				v := vs[i%voters]
				mu.Lock()
				v.seq++
				seq := v.seq
				mu.Unlock()
				bb := te.ballotSeq(b, v, i%3, seq)
				mu.Lock()
				queues[i%voters] = append(queues[i%voters], bb)
				mu.Unlock()
			}
		}()
	}
	for i := 0; i < b.N; i++ {
		work <- i
	}
	close(work)
	wg.Wait()
	for _, q := range queues {
		sort.Slice(q, func(i, j int) bool { return q[i].Seq < q[j].Seq })
	}
	lat := make([]time.Duration, 0, b.N)
	var lmu sync.Mutex
	ctx := context.Background()
	b.ResetTimer()
	start := time.Now()
	var cwg sync.WaitGroup
	for _, q := range queues {
		cwg.Add(1)
		go func() {
			defer cwg.Done()
			for _, bb := range q {
				t0 := time.Now()
				if _, err := te.box.Cast(ctx, bb.Bytes()); err != nil {
					b.Error(err)
					return
				}
				lmu.Lock()
				lat = append(lat, time.Since(t0))
				lmu.Unlock()
			}
		}()
	}
	cwg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	if len(lat) > 0 {
		b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "ballots/s")
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	}
	te.box.Close()
}
