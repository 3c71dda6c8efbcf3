//go:build !js && !wasip1

package ledger

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The durability tests below check the promise "an index returned means
// durably sequenced" against the two ways a server dies.
//
// TestKillDuringAppends kills a process that appends (SIGKILL, as the OOM
// killer or kill -9 does), on each engine. Everything the process wrote is
// then in the operating system's page cache, or on the PostgreSQL server,
// which rolls back the killed connection's open transaction; so this
// proves that no acknowledged append is lost by the ledger itself (no
// acknowledgment before COMMIT returns, no state kept only in memory) and
// that a store interrupted at any point reopens intact. It cannot prove
// anything about fsync, which a process crash does not exercise.
//
// TestPowerLoss emulates losing what was not fsynced. With automatic WAL
// checkpoints off, every change since the store was created is in the
// write-ahead log, which SQLite only appends to, and the main database file
// is not written at all; synchronous=FULL fsyncs the log at each COMMIT. So
// the state a power loss can leave is the database file plus a prefix of
// the log that contains at least every fsynced commit, followed by nothing
// or by garbage (a torn write). The test records the log's length after
// each acknowledged append, then reopens copies cut at, and torn at, many
// offsets, and checks that each one opens to exactly the acknowledged
// entries whose commit lies within the cut: nothing acknowledged is lost,
// nothing not synced survives, the tree is recomputed and verified. It does
// not prove that the disk honours fsync (a lying disk defeats any
// software), and it does not cover a power loss during a WAL checkpoint,
// which rests on SQLite's own ordering of fsyncs (the log is synced before
// the database file is written, and reset only after the database file is
// synced).

const childEnv = "URNA_LEDGER_DURABILITY_CHILD"

func TestMain(m *testing.M) {
	if path := os.Getenv(childEnv); path != "" {
		appendForever(path)
		return
	}
	os.Exit(m.Run())
}

// appendForever is the child process: it appends from 8 goroutines until
// it is killed and prints "index sha256(entry)" for every acknowledged
// append, after Append returned.
func appendForever(path string) {
	s, _ := testKeys(&testing.T{})
	l, err := Open(context.Background(), path, Options{Origin: testOrigin, Signer: s, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	round := os.Getenv(childEnv + "_ROUND")
	for w := range 8 {
		wg.Go(func() {
			for i := 0; ; i++ {
				e := testEntry(fmt.Sprintf("%s/%d", round, w), i, 200+(i*97+w*31)%3000)
				idx, err := l.Append(context.Background(), e)
				if err != nil {
					fmt.Fprintln(os.Stderr, err)
					os.Exit(3)
				}
				h := sha256.Sum256(e)
				mu.Lock()
				fmt.Fprintf(os.Stdout, "%d %x\n", idx, h)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
}

func TestKillDuringAppends(t *testing.T) {
	if runtime.GOOS == "windows" || runtime.GOOS == "js" || runtime.GOOS == "wasip1" {
		t.Skip("needs SIGKILL and child processes")
	}
	if testing.Short() {
		t.Skip("spawns processes; skipped in -short mode")
	}
	engines(t, killDuringAppends)
}

func killDuringAppends(t *testing.T, ts testStore) {
	path := ts.fresh(t)
	acked := map[uint64]string{}
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 4 {
		kill := 200 + rng.IntN(1500)
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), childEnv+"="+path, childEnv+"_ROUND="+strconv.Itoa(round))
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// A child that stalls is killed too, and the check below
		// reports that it printed too few lines.
		stall := time.AfterFunc(2*time.Minute, func() { cmd.Process.Kill() })
		sc := bufio.NewScanner(out)
		lines := 0
		for sc.Scan() {
			// Every line was printed after Append returned: the
			// lines still in the pipe after the kill count too.
			f := strings.Fields(sc.Text())
			if len(f) != 2 {
				t.Fatalf("child printed %q", sc.Text())
			}
			idx, err := strconv.ParseUint(f[0], 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			if prev, ok := acked[idx]; ok && prev != f[1] {
				t.Fatalf("index %d acknowledged twice, for different entries", idx)
			}
			acked[idx] = f[1]
			if lines++; lines == kill {
				cmd.Process.Signal(syscall.SIGKILL)
			}
		}
		err = cmd.Wait()
		stall.Stop()
		if lines < kill {
			t.Fatalf("round %d: the child printed %d acknowledged appends and stopped (%v): %s", round, lines, err, stderr.Bytes())
		}
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
			t.Fatalf("round %d: child ended with %v before it was killed: %s", round, err, stderr.Bytes())
		}

		// Reopening runs the full check: every hash recomputed from the
		// entries, the root against the signed checkpoint.
		l := reopen(t, path, Options{})
		var max uint64
		for idx, h := range acked {
			max = maxOf(max, idx)
			e, err := l.Entry(context.Background(), idx)
			if err != nil {
				t.Fatalf("round %d: acknowledged entry %d: %v", round, idx, err)
			}
			if got := sha256.Sum256(e); hex.EncodeToString(got[:]) != h {
				t.Fatalf("round %d: entry %d is not the one acknowledged", round, idx)
			}
		}
		if l.Size() <= max {
			t.Fatalf("round %d: size %d, but index %d was acknowledged", round, l.Size(), max)
		}
		t.Logf("round %d: killed after %d acknowledged appends; size %d, %d acknowledged in all", round, lines, l.Size(), len(acked))
		l.Close()
	}
}

func maxOf(a, b uint64) uint64 {
	if a > b {
		return a
	}
	return b
}

// TestPowerLoss is SQLite's alone: on PostgreSQL what a power loss leaves
// is the server's write-ahead log, which the server replays, and the
// ledger's part of the promise (acknowledging only what COMMIT returned
// with synchronous_commit=on) is what TestKillDuringAppends and
// TestDurabilitySettings check.
func TestPowerLoss(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "ledger.db")
	l := reopen(t, path, Options{noAutoCheckpoint: true})
	walSize := func() int64 {
		fi, err := os.Stat(path + "-wal")
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}

	// synced[k] is the length of the log once k entries were
	// acknowledged: the commit of the k-th entry lies within it.
	var entries [][]byte
	synced := []int64{walSize()}
	rng := rand.New(rand.NewPCG(3, 4))
	for len(entries) < 120 {
		n := 1
		if rng.IntN(4) == 0 {
			n = 1 + rng.IntN(20) // some group commits of several entries
		}
		batch := make([][]byte, n)
		for i := range batch {
			batch[i] = testEntry("power", len(entries)+i, 100+rng.IntN(6000))
		}
		first, err := l.AppendBatch(ctx, batch)
		if err != nil || first != uint64(len(entries)) {
			t.Fatalf("AppendBatch = %d, %v", first, err)
		}
		entries = append(entries, batch...)
		for range n - 1 {
			synced = append(synced, -1) // not acknowledged on its own
		}
		synced = append(synced, walSize())
	}
	db, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	wal, err := os.ReadFile(path + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(wal)) != synced[len(synced)-1] {
		t.Fatalf("the log is %d bytes, %d after the last commit", len(wal), synced[len(synced)-1])
	}

	// want returns how many entries a log cut at c must hold: those of
	// every commit that ends within the cut.
	want := func(c int64) int {
		n := 0
		for k, s := range synced {
			if s >= 0 && s <= c {
				n = k
			}
		}
		return n
	}
	var cuts []int64
	for k, s := range synced {
		if s < 0 {
			continue
		}
		cuts = append(cuts, s) // exactly at a commit
		if k+1 < len(synced) {
			next := synced[len(synced)-1]
			for j := k + 1; j < len(synced); j++ {
				if synced[j] >= 0 {
					next = synced[j]
					break
				}
			}
			if next > s+1 {
				cuts = append(cuts, s+1, next-1, s+1+rng.Int64N(next-s-1)) // a torn commit
			}
		}
	}
	for i, c := range cuts {
		for _, torn := range []bool{false, true} {
			d := filepath.Join(dir, fmt.Sprintf("cut%d-%v", i, torn))
			os.Mkdir(d, 0o700)
			p := filepath.Join(d, "ledger.db")
			w := bytes.Clone(wal[:c])
			if torn {
				// A torn write: the tail holds garbage, not nothing.
				junk := make([]byte, int64(len(wal))-c)
				for j := range junk {
					junk[j] = byte(rng.Uint32())
				}
				w = append(w, junk...)
			}
			if err := os.WriteFile(p, db, 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p+"-wal", w, 0o600); err != nil {
				t.Fatal(err)
			}
			got := reopen(t, p, Options{})
			n := want(c)
			if got.Size() != uint64(n) {
				t.Fatalf("log cut at %d (torn %v): %d entries, want %d", c, torn, got.Size(), n)
			}
			if head, _ := got.Checkpoint(); head.Root != Hash(refRoot(entries[:n])) {
				t.Fatalf("log cut at %d: root %s, want the root of the first %d entries", c, head.Root, n)
			}
			var i uint64
			for e, err := range got.Entries(0, uint64(n)) {
				if err != nil || !bytes.Equal(e, entries[i]) {
					t.Fatalf("log cut at %d: entry %d differs: %v", c, i, err)
				}
				i++
			}
			// The store goes on from there.
			if idx, err := got.Append(ctx, []byte(`{"after":"power loss"}`)); err != nil || idx != uint64(n) {
				t.Fatalf("log cut at %d: Append = %d, %v", c, idx, err)
			}
			got.Close()
		}
	}
	t.Logf("%d cuts of a %d-byte log with %d entries", len(cuts), len(wal), len(entries))
	_ = io.Discard
}
