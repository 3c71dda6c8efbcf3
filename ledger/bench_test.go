//go:build !js && !wasip1

package ledger

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"
)

// BenchmarkAppend measures durable appends of ~2 KB entries from 64
// concurrent appenders, batched by group commit, on each engine (SQLite;
// PostgreSQL when URNA_TEST_POSTGRES names a server). It reports appends/s
// and the latency of one Append (median and 99th percentile).
//
//	go test ./ledger -run '^$' -bench Append -benchtime 20000x
func BenchmarkAppend(b *testing.B) {
	stores := testStores(b)
	run := func(name string, appenders int, delay time.Duration) {
		b.Run(name, func(b *testing.B) {
			for _, s := range stores {
				b.Run(s.engine, func(b *testing.B) { benchAppend(b, s, appenders, delay) })
			}
		})
	}
	for _, delay := range []time.Duration{0, time.Millisecond, 5 * time.Millisecond} {
		run(fmt.Sprintf("appenders=64/delay=%v", delay), 64, delay)
	}
	run("appenders=1/delay=0s", 1, 0)
}

func benchAppend(b *testing.B, s testStore, appenders int, delay time.Duration) {
	l, _ := openTest(b, s, Options{MaxDelay: delay})
	entry := testEntry("bench", 0, 2048)
	ctx := context.Background()
	var mu sync.Mutex
	var lat []time.Duration
	var next int
	b.SetBytes(int64(len(entry)))
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for range appenders {
		wg.Go(func() {
			mine := make([]time.Duration, 0, b.N/appenders+1)
			for {
				mu.Lock()
				if next == b.N {
					lat = append(lat, mine...)
					mu.Unlock()
					return
				}
				next++
				mu.Unlock()
				t := time.Now()
				if _, err := l.Append(ctx, entry); err != nil {
					b.Error(err)
					return
				}
				mine = append(mine, time.Since(t))
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "appends/s")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(lat[len(lat)-1].Microseconds())/1000, "max-ms")
}

// proofLedger returns a ledger of 1<<16 small entries and its Tree.
func proofLedger(b *testing.B, s testStore) (*Ledger, *Tree) {
	l, _ := openTest(b, s, Options{})
	var tr Tree
	batch := make([][]byte, 0, 1024)
	for i := range 1 << 16 {
		e := testEntry("proof", i, 100)
		tr.Append(e)
		if batch = append(batch, e); len(batch) == cap(batch) {
			if _, err := l.AppendBatch(context.Background(), batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	return l, &tr
}

// BenchmarkInclusionProof measures generating an inclusion proof in a tree
// of 65,536 entries, from the store of each engine and from an in-memory
// Tree.
func BenchmarkInclusionProof(b *testing.B) {
	var tr *Tree
	for _, s := range testStores(b) {
		l, t := proofLedger(b, s)
		tr = t
		n := l.Size()
		b.Run("store/"+s.engine, func(b *testing.B) {
			for i := range b.N {
				if _, err := l.InclusionProof(uint64(i*7919)%n, n); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	n := tr.Size()
	b.Run("memory", func(b *testing.B) {
		for i := range b.N {
			if _, err := tr.InclusionProof(uint64(i*7919)%n, n); err != nil {
				b.Fatal(err)
			}
		}
	})
	p, _ := tr.InclusionProof(12345, n)
	root, _ := tr.Root(n)
	c := Checkpoint{Origin: testOrigin, Size: n, Root: root}
	e := testEntry("proof", 12345, 100)
	b.Run("verify", func(b *testing.B) {
		for range b.N {
			if err := VerifyInclusion(e, 12345, c, p); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkCheck measures the full check run when a ledger opens, on each
// engine.
func BenchmarkCheck(b *testing.B) {
	for _, s := range testStores(b) {
		l, _ := proofLedger(b, s)
		b.Run(s.engine, func(b *testing.B) {
			for range b.N {
				if err := l.Check(context.Background()); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(l.Size())*float64(b.N)/b.Elapsed().Seconds(), "entries/s")
		})
	}
}
