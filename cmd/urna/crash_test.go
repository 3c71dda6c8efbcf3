package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/urna-vote/urna/ballot"
	"github.com/urna-vote/urna/chain"
	"github.com/urna-vote/urna/client"
	"github.com/urna-vote/urna/demo"
)

// startDemo runs `urna demo` (this test binary under the name urna) on a
// free port and returns the process and its URL.
func startDemo(t *testing.T, data string, voters int, extra ...string) (*exec.Cmd, string) {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "urna")
	if err := os.Symlink(self, bin); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, append([]string{"demo", "--data", data, "--addr", "127.0.0.1:0", "--voters", fmt.Sprint(voters)}, extra...)...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	portal := regexp.MustCompile(`portal:\s+(http://\S+)`)
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if m := portal.FindStringSubmatch(sc.Text()); m != nil {
				urls <- m[1]
			}
		}
		close(urls)
	}()
	select {
	case url, ok := <-urls:
		if !ok {
			t.Fatal("urna demo exited before serving")
		}
		return cmd, url
	case <-time.After(2 * time.Minute):
		t.Fatal("urna demo did not start in 2 minutes")
	}
	return nil, ""
}

// TestCrashLosesNoAcknowledgedBallot kills the server with SIGKILL while
// ballots are being cast, restarts it on the same data and checks that
// every ballot it acknowledged is on the ledger: with the embedded ledger,
// and with the election's ledger on four validators (where it must also
// be on the network, and the restarted server's mirror equal to it).
func TestCrashLosesNoAcknowledgedBallot(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the server twice")
	}
	t.Run("embedded", func(t *testing.T) { crashTest(t, nil) })
	t.Run("four validators", func(t *testing.T) {
		// Not t.TempDir: the nodes write there until the process ends.
		dir, err := os.MkdirTemp("", "urna-crash-net")
		if err != nil {
			t.Fatal(err)
		}
		homes, err := chain.Testnet(dir, "urna-crash", 4, 0, freePort(t))
		if err != nil {
			t.Fatal(err)
		}
		nodes, err := chain.StartAll(homes, nil)
		if err != nil {
			t.Fatal(err)
		}
		// The nodes run until the test process ends: a CometBFT node
		// stopped in-process may still read its closed block store from
		// a peer routine.
		crashTest(t, nodes)
	})
}

// freePort is a base port for a network of four.
func freePort(t *testing.T) int {
	base, err := chain.FreeBasePort(4)
	if err != nil {
		t.Fatal(err)
	}
	return base
}

func crashTest(t *testing.T, nodes []*chain.Node) {
	const voters, perVoter = 24, 30
	data := t.TempDir()
	var extra []string
	if nodes != nil {
		extra = []string{"--chain", "demo-federal=" + nodes[0].Config().RPC.ListenAddress}
	}
	cmd, url := startDemo(t, data, voters, extra...)
	ctx := context.Background()

	type device struct {
		c       *client.Client
		dev     *client.Device
		ballots []*ballot.Ballot
	}
	devs := make([]*device, voters)
	for i := range devs {
		c := client.New(url, nil)
		if err := c.DemoLogin(ctx, demo.Voter(i), demo.Password); err != nil {
			t.Fatal(err)
		}
		el, err := c.Election(ctx, "demo-federal")
		if err != nil {
			t.Fatal(err)
		}
		bs, err := c.Ballots(ctx)
		if err != nil {
			t.Fatal(err)
		}
		district := ""
		for _, b := range bs {
			if b.Election == "demo-federal" {
				district = b.District
			}
		}
		dev, err := c.Credential(ctx, el, district)
		if err != nil {
			t.Fatal(err)
		}
		d := &device{c: c, dev: dev}
		for k := 0; k < perVoter; k++ {
			b, _, err := dev.Encrypt(ballot.Choices{{0, 0, 1, 0, 0}})
			if err != nil {
				t.Fatal(err)
			}
			d.ballots = append(d.ballots, b)
		}
		devs[i] = d
	}

	// Every voter re-votes as fast as the server answers; the server is
	// killed (SIGKILL) each time another 120 ballots have been
	// acknowledged, and restarted on the same data, three times.
	var (
		mu    sync.Mutex
		acked []string
	)
	next := make([]atomic.Int64, len(devs)) // each voter's next ballot
	for round := 0; round < 3; round++ {
		if round > 0 {
			cmd, url = startDemo(t, data, voters, extra...)
		}
		var n atomic.Int64
		var wg sync.WaitGroup
		killed := make(chan struct{})
		for i, d := range devs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c := client.New(url, nil) // casting needs no session
				for {
					k := next[i].Add(1) - 1
					if int(k) >= len(d.ballots) {
						return
					}
					rc, err := c.Cast(ctx, "demo-federal", d.ballots[k].Bytes())
					if err != nil {
						select {
						case <-killed:
							return // the server is gone: unacknowledged
						default:
							t.Errorf("cast before the kill: %v", err)
							return
						}
					}
					mu.Lock()
					acked = append(acked, rc.TrackingCode)
					mu.Unlock()
					n.Add(1)
				}
			}()
		}
		for n.Load() < 120 {
			time.Sleep(5 * time.Millisecond)
		}
		close(killed)
		if err := cmd.Process.Signal(os.Kill); err != nil {
			t.Fatal(err)
		}
		cmd.Wait()
		wg.Wait()
	}
	mu.Lock()
	defer mu.Unlock()
	t.Logf("%d ballots acknowledged across three SIGKILLs", len(acked))

	_, url = startDemo(t, data, voters, extra...)
	if nodes != nil {
		var info struct{ Entries uint64 }
		resp, err := http.Get(url + "/api/v1/elections/demo-federal")
		if err != nil {
			t.Fatal(err)
		}
		json.NewDecoder(resp.Body).Decode(&info)
		resp.Body.Close()
		size, _ := nodes[1].App.Size()
		if info.Entries > size {
			t.Errorf("the restarted server holds %d entries, the network only %d", info.Entries, size)
		}
	}
	for _, code := range acked {
		resp, err := http.Get(url + "/api/v1/elections/demo-federal/track/" + code)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("acknowledged ballot %s is not on the ledger after the crash: %d %s", code, resp.StatusCode, body)
		}
	}
}
