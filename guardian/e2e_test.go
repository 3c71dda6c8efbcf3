package guardian_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/urna-vote/urna/ballot"
	"github.com/urna-vote/urna/client"
	"github.com/urna-vote/urna/crypto/credential"
	"github.com/urna-vote/urna/election"
	"github.com/urna-vote/urna/guardian"
	"github.com/urna-vote/urna/internal/storetest"
	"github.com/urna-vote/urna/issuance"
	"github.com/urna-vote/urna/keyholders"
	"github.com/urna-vote/urna/platform"
	"github.com/urna-vote/urna/registry"
	"github.com/urna-vote/urna/verify"
	"github.com/urna-vote/urna/web"
)

// testClock is the platform's clock, which the test moves past the end
// of voting.
type testClock struct{ off atomic.Int64 }

func (c *testClock) now() time.Time          { return time.Now().Add(time.Duration(c.off.Load())) }
func (c *testClock) advance(d time.Duration) { c.off.Add(int64(d)) }

// world is a running platform with one election whose guardians are not
// simulated: they are the test's key files.
type world struct {
	t       *testing.T
	dir     string
	url     string
	clock   *testClock
	p       *platform.Platform
	el      *issuance.Election
	id      string
	keys    []string // key files, guardian i+1's at keys[i]
	members *keyholders.Keys
}

func passphrase(i int) string { return fmt.Sprintf("correct horse %d battery", i) }

// newWorld starts a platform behind an HTTP server, makes n guardians'
// key files and creates an election of threshold t whose manifest lists
// their public keys.
func newWorld(t *testing.T, n, threshold int) *world {
	t.Helper()
	w := &world{t: t, dir: t.TempDir(), clock: &testClock{}, id: "city-2027"}
	ctx := context.Background()
	p, err := platform.Open(ctx, platform.Config{Data: filepath.Join(w.dir, "data"), DB: storetest.DSN(t), Now: w.clock.now,
		Logger: slog.New(slog.NewTextHandler(&lockedBuffer{}, nil))})
	if err != nil {
		t.Fatal(err)
	}
	w.p = p
	srv := httptest.NewServer(web.New(p, web.Options{ExemptLoopback: true}))
	t.Cleanup(func() { srv.Close(); p.Close() })
	w.url = srv.URL

	var guardians []election.Guardian
	for i := 1; i <= n; i++ {
		path := filepath.Join(w.dir, fmt.Sprintf("guardian-%d.key", i))
		pub, err := guardian.Init(path, []byte(passphrase(i)), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		w.keys = append(w.keys, path)
		guardians = append(guardians, election.Guardian{Index: i, Name: fmt.Sprintf("Хранитель %d", i), Key: pub})
	}
	now := w.clock.now()
	m := &election.Manifest{
		ID: w.id, Title: election.Text{RU: "Выборы в городской совет", EN: "City council election"},
		Voting: election.Window{Opens: now.Add(-time.Hour).UnixMilli(), Closes: now.Add(time.Hour).UnixMilli(), TimeZone: "Europe/Moscow"},
		Districts: []election.District{{ID: "d1", Name: election.Text{RU: "Округ 1", EN: "District 1"}, Region: "77"},
			{ID: "d2", Name: election.Text{RU: "Округ 2", EN: "District 2"}, Region: "77"}},
		Contests: []election.Contest{{ID: "mayor", Title: election.Text{RU: "Мэр", EN: "Mayor"}, Kind: election.KindOneOfN, Min: 1, Max: 1,
			Districts: []string{}, Options: []election.Option{{ID: "a", Title: election.Text{RU: "А"}}, {ID: "b", Title: election.Text{RU: "Б"}}, {ID: "c", Title: election.Text{RU: "В"}}}}},
	}
	w.members = keyholders.Generate(0, []string{"member-1", "member-2"})
	if err := w.members.Fill(m, threshold, nil); err != nil {
		t.Fatal(err)
	}
	m.Guardians = guardians
	if w.el, err = p.CreateElection(ctx, m, registry.ElectionInfo{Level: "municipal", ApplicationsClose: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	return w
}

// view reads the platform's state of the election.
func (w *world) view(f func(st *election.State)) { w.el.Box.View(f) }

// append appends an entry as the platform does; an entry some other part
// of the platform already made is not an error.
func (w *world) append(e *election.Entry) {
	w.t.Helper()
	if _, err := w.el.Box.Append(context.Background(), e); err != nil {
		var ce *election.CheckError
		if errors.As(err, &ce) && ce.ID == election.CheckPhase {
			return
		}
		w.t.Fatalf("appending %s: %v", e.Type, err)
	}
}

// waitFor polls the platform's state until cond holds.
func (w *world) waitFor(what string, timeout time.Duration, cond func(st *election.State) bool) {
	w.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok := false
		w.view(func(st *election.State) { ok = cond(st) })
		if ok {
			return
		}
		if time.Now().After(deadline) {
			var p election.Progress
			w.view(func(st *election.State) { p = st.Progress() })
			w.t.Fatalf("timed out waiting for %s: %+v", what, p)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func dealt(st *election.State, g int) bool {
	for _, m := range st.Ceremony().Round1Messages() {
		if m.Dealer == g {
			return true
		}
	}
	return false
}

func judged(st *election.State, g int) bool {
	for _, m := range st.Ceremony().Round2Messages() {
		if m.Guardian == g {
			return true
		}
	}
	return false
}

// vote issues a credential in district and casts a ballot for option
// over the HTTP API.
func (w *world) vote(district string, option int) {
	w.t.Helper()
	var (
		ctxHash [32]byte
		bctx    *ballot.Context
		style   ballot.Style
	)
	w.view(func(st *election.State) {
		ctxHash, bctx, style = st.ContextHash, st.BallotContext(), st.Style(district)
	})
	issuer := w.el.Issuers[district]
	req, err := credential.NewRequest(rand.Reader, issuer.PublicKey(), ctxHash, district)
	if err != nil {
		w.t.Fatal(err)
	}
	sig, err := issuer.BlindSign(req.Blinded())
	if err != nil {
		w.t.Fatal(err)
	}
	cred, err := req.Finalize(sig)
	if err != nil {
		w.t.Fatal(err)
	}
	key, err := req.Key()
	if err != nil {
		w.t.Fatal(err)
	}
	pseudonym := make([]byte, 32)
	rand.Read(pseudonym)
	w.append(&election.Entry{Type: election.TypeCredential, Credential: &election.CredentialEntry{Pseudonym: pseudonym, District: district}})
	choices := ballot.Choices{make([]uint8, style[0].Options)}
	choices[0][option] = 1
	b, _, err := ballot.Encrypt(rand.Reader, bctx, style, cred.Encode(), key.Secret(), 1, choices)
	if err != nil {
		w.t.Fatal(err)
	}
	if _, err := client.New(w.url, nil).Cast(context.Background(), w.id, b.Bytes()); err != nil {
		w.t.Fatalf("casting: %v", err)
	}
}

// lockedBuffer collects a log written from several goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// inProcess runs guardian i's Run in a goroutine.
type inProcess struct {
	cancel context.CancelFunc
	done   chan error
	log    *lockedBuffer
}

func (w *world) startInProcess(i int, every time.Duration) *inProcess {
	ctx, cancel := context.WithCancel(context.Background())
	ip := &inProcess{cancel: cancel, done: make(chan error, 1), log: &lockedBuffer{}}
	go func() {
		g, err := guardian.Open(ctx, guardian.Config{URL: w.url, Election: w.id, KeyFile: w.keys[i-1], Passphrase: []byte(passphrase(i)),
			Every: every, Deadline: 2 * time.Minute, Log: slog.New(slog.NewTextHandler(ip.log, nil))})
		if err == nil {
			err = g.Run(ctx)
		}
		ip.done <- err
	}()
	return ip
}

// urnaBinary builds the urna command once for the tests that run it.
var urnaBinary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "urna-guardian-test")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "urna")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/urna-vote/urna/cmd/urna").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

// process is guardian i as a separate process: urna guardian run.
type process struct {
	cmd  *exec.Cmd
	out  *lockedBuffer
	done chan error
}

func (w *world) startProcess(i int, every time.Duration) *process {
	w.t.Helper()
	bin, err := urnaBinary()
	if err != nil {
		w.t.Fatal(err)
	}
	pr := &process{out: &lockedBuffer{}, done: make(chan error, 1)}
	pr.cmd = exec.Command(bin, "guardian", "run", w.url, "--election", w.id, "--key", w.keys[i-1],
		"--every", every.String(), "--deadline", "2m")
	pr.cmd.Env = append(os.Environ(), "URNA_PASSPHRASE="+passphrase(i))
	pr.cmd.Stdout, pr.cmd.Stderr = pr.out, pr.out
	if err := pr.cmd.Start(); err != nil {
		w.t.Fatal(err)
	}
	go func() { pr.done <- pr.cmd.Wait() }()
	return pr
}

// TestElection: seven guardians hold an election's key ceremony, post
// heartbeats while voting runs and decrypt the tally, over the platform's
// HTTP API alone — guardians 1 to 3 as separate `urna guardian run`
// processes, 4 to 7 in this process. Guardian 7 stops right after posting
// its deal and is started again (it judges the deals with the deal it
// draws again from its deal file); guardian 1 is killed after its round-2
// message and started again once the key is published (it recovers its
// share from the ledger). The ledger then verifies.
func TestElection(t *testing.T) {
	if testing.Short() {
		t.Skip("an election with seven guardians, three of them processes")
	}
	if _, err := urnaBinary(); err != nil {
		t.Fatal(err)
	}
	const n, threshold = 7, 4
	w := newWorld(t, n, threshold)
	every := 500 * time.Millisecond
	logs := map[string]fmt.Stringer{}
	defer func() {
		if t.Failed() {
			for name, l := range logs {
				t.Logf("--- %s\n%s", name, l)
			}
		}
	}()

	// Guardian 7 deals alone and stops before judging.
	g7 := w.startInProcess(7, every)
	logs["guardian 7, first run"] = g7.log
	w.waitFor("guardian 7's deal", time.Minute, func(st *election.State) bool { return st.Manifest != nil && dealt(st, 7) })
	g7.cancel()
	if err := <-g7.done; !errors.Is(err, context.Canceled) {
		t.Fatalf("guardian 7 stopped with %v", err)
	}
	if _, err := os.Stat(w.keys[6] + "." + w.id + ".deal"); err != nil {
		t.Fatalf("guardian 7's deal file: %v", err)
	}

	procs := map[int]*process{}
	for i := 1; i <= 3; i++ {
		procs[i] = w.startProcess(i, every)
		logs[fmt.Sprintf("guardian %d (process)", i)] = procs[i].out
	}
	inproc := map[int]*inProcess{}
	for i := 4; i <= 7; i++ {
		inproc[i] = w.startInProcess(i, every)
		logs[fmt.Sprintf("guardian %d", i)] = inproc[i].log
	}
	defer func() {
		for _, pr := range procs {
			pr.cmd.Process.Kill()
		}
		for _, ip := range inproc {
			ip.cancel()
		}
	}()

	// Guardian 1 is killed once its complaints are on the ledger.
	w.waitFor("guardian 1's round-2 message", 3*time.Minute, func(st *election.State) bool { return judged(st, 1) })
	procs[1].cmd.Process.Kill()
	<-procs[1].done

	// The platform publishes the key once every guardian has judged.
	w.waitFor("every guardian's round-2 message", 3*time.Minute, func(st *election.State) bool {
		return len(st.Ceremony().Round2Messages()) == n
	})
	if _, err := os.Stat(w.keys[6] + "." + w.id + ".deal"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("guardian 7's deal file is still there after its round-2 message: %v", err)
	}
	var key *election.KeyEntry
	w.view(func(st *election.State) {
		res, err := st.Ceremony().Result()
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Qualified) != n || len(res.FalseComplaints) != 0 {
			t.Fatalf("qualified %v, false complaints %v", res.Qualified, res.FalseComplaints)
		}
		key = &election.KeyEntry{Key: res.Key.Bytes(), Qualified: res.Qualified}
	})
	w.append(&election.Entry{Type: election.TypeKey, Key: key})
	procs[1] = w.startProcess(1, every)
	logs["guardian 1 (process, restarted)"] = procs[1].out

	// Voting.
	w.append(&election.Entry{Type: election.TypeOpen})
	votes := []struct {
		district string
		option   int
	}{{"d1", 0}, {"d1", 2}, {"d2", 0}, {"d2", 1}, {"d1", 0}}
	for _, v := range votes {
		w.vote(v.district, v.option)
	}
	// Heartbeats, and the platform's key test combining them.
	w.waitFor("every guardian's heartbeat and a key test", 3*time.Minute, func(st *election.State) bool {
		return len(st.Heartbeats) == n && st.KeyTestedAt != 0
	})

	// Counting: voting closes, the participants (here: those who received
	// credentials) and the tally are published, and once a quorum of
	// guardians have decrypted the platform publishes the result.
	w.clock.advance(2 * time.Hour)
	w.append(&election.Entry{Type: election.TypeClose})
	var participants *election.ParticipantsEntry
	w.view(func(st *election.State) {
		issued := map[string]uint64{}
		for _, d := range st.Manifest.Districts {
			issued[d.ID] = st.Issued(d.ID)
		}
		participants = st.ExpectedParticipants(issued)
	})
	w.append(&election.Entry{Type: election.TypeParticipants, Participants: participants})
	var tally *election.TallyEntry
	w.view(func(st *election.State) { tally = st.ExpectedTally() })
	w.append(&election.Entry{Type: election.TypeTally, Tally: tally})
	w.waitFor("a quorum of decryption shares", 3*time.Minute, func(st *election.State) bool {
		return st.Progress().SharesPublished >= threshold
	})
	// The result is the decryption by the shares on the ledger when it is
	// appended: a share that lands between computing it and appending it
	// gets it refused (R1), and it is computed again, as the platform's
	// conductor does.
	for attempt := 1; ; attempt++ {
		var res *election.ResultEntry
		w.view(func(st *election.State) {
			if res = st.Result; res == nil {
				var err error
				if res, err = st.ExpectedResult(); err != nil {
					t.Fatal(err)
				}
			}
		})
		_, err := w.el.Box.Append(context.Background(), &election.Entry{Type: election.TypeResult, Result: res})
		var ce *election.CheckError
		if err == nil || errors.As(err, &ce) && ce.ID == election.CheckPhase {
			break // appended, or the conductor did first
		}
		if !errors.As(err, &ce) || ce.ID != election.CheckResult || attempt == 5 {
			t.Fatalf("appending result: %v", err)
		}
	}
	var res *election.ResultEntry
	var msg []byte
	w.view(func(st *election.State) { res, msg = st.Result, st.ProtocolMessage() })
	if len(res.Guardians) < threshold {
		t.Fatalf("the result was decrypted by guardians %v", res.Guardians)
	}
	t.Logf("the result was decrypted by guardians %v", res.Guardians)
	for _, id := range []string{"member-1", "member-2"} {
		w.append(&election.Entry{Type: election.TypeSignature, Signature: &election.SignatureEntry{Member: id,
			Signature: ed25519.Sign(ed25519.NewKeyFromSeed(w.members.Members[id]), msg)}})
	}

	// Every guardian ends by itself once the result is on the ledger.
	for i, pr := range procs {
		select {
		case err := <-pr.done:
			if err != nil {
				t.Errorf("guardian %d (process): %v", i, err)
			}
		case <-time.After(2 * time.Minute):
			t.Errorf("guardian %d (process) did not end", i)
		}
	}
	for i, ip := range inproc {
		select {
		case err := <-ip.done:
			if err != nil {
				t.Errorf("guardian %d: %v", i, err)
			}
		case <-time.After(2 * time.Minute):
			t.Errorf("guardian %d did not end", i)
		}
	}
	for name, l := range logs {
		for i := 1; i <= n; i++ {
			if strings.Contains(l.String(), passphrase(i)) {
				t.Errorf("%s's output shows a passphrase", name)
			}
		}
	}

	var totals map[string]map[string]uint64
	w.view(func(st *election.State) { totals = res.Totals(st.Manifest) })
	if got := totals["mayor"]; got["a"] != 3 || got["b"] != 1 || got["c"] != 1 {
		t.Errorf("result %v, want a 3, b 1, c 1", got)
	}
	report, err := verify.URL(context.Background(), w.url+"/ledger/"+w.id+"/", verify.Options{Key: w.el.VerifierKey})
	if err != nil {
		t.Fatal(err)
	}
	if !report.OK {
		t.Fatalf("the ledger does not verify:\n%s", report.Text())
	}

	// urna guardian status shows it all.
	bin, _ := urnaBinary()
	out, err := exec.Command(bin, "guardian", "status", w.url, "--election", w.id).CombinedOutput()
	if err != nil {
		t.Fatalf("urna guardian status: %v\n%s", err, out)
	}
	rows := 0
	for _, line := range strings.Split(string(out), "\n") {
		if strings.Contains(line, "Хранитель") && strings.Count(line, "yes") == 3 && strings.Contains(line, "none") {
			rows++
		}
	}
	if !strings.Contains(string(out), fmt.Sprintf("decrypted by guardians %v", res.Guardians)) || rows < len(res.Guardians) {
		t.Errorf("urna guardian status shows %d guardians who dealt, judged, are qualified and decrypted, want %d:\n%s", rows, len(res.Guardians), out)
	}
}

// A guardian whose deal is on the ledger but whose deal file is lost
// cannot sign a round-2 message. It checks the shares dealt to it itself
// and, finding them valid, goes on without one; the platform then waits
// for it until the organiser forms the key without its verdict
// (Platform.FinishCeremony). Its deal still counts, and it recovers its
// share from the ledger: its heartbeats decrypt the test ciphertext.
func TestLostDealFile(t *testing.T) {
	if testing.Short() {
		t.Skip("a key ceremony with a restarted guardian")
	}
	w := newWorld(t, 3, 2)
	every := 300 * time.Millisecond
	g3 := w.startInProcess(3, every)
	w.waitFor("guardian 3's deal", time.Minute, func(st *election.State) bool { return st.Manifest != nil && dealt(st, 3) })
	g3.cancel()
	if err := <-g3.done; !errors.Is(err, context.Canceled) {
		t.Fatalf("guardian 3 stopped with %v", err)
	}
	if err := os.Remove(w.keys[2] + "." + w.id + ".deal"); err != nil {
		t.Fatal(err)
	}

	gs := map[int]*inProcess{}
	for i := 1; i <= 3; i++ {
		gs[i] = w.startInProcess(i, every)
	}
	defer func() {
		for _, g := range gs {
			g.cancel()
		}
		if t.Failed() {
			for i, g := range gs {
				t.Logf("--- guardian %d\n%s", i, g.log)
			}
		}
	}()
	w.waitFor("guardians 1 and 2's round-2 messages", 2*time.Minute, func(st *election.State) bool { return judged(st, 1) && judged(st, 2) })
	deadline := time.Now().Add(time.Minute)
	for !strings.Contains(gs[3].log.String(), "deal file is gone") {
		if time.Now().After(deadline) {
			t.Fatal("guardian 3 did not notice its lost deal file")
		}
		time.Sleep(100 * time.Millisecond)
	}
	var phase election.Phase
	w.view(func(st *election.State) { phase = st.Phase })
	if phase != election.PhaseCeremony {
		t.Fatalf("the election is %s without guardian 3's verdict", phase)
	}

	if _, err := w.p.FinishCeremony(context.Background(), w.id); err != nil {
		t.Fatal(err)
	}
	w.view(func(st *election.State) {
		res, err := st.Ceremony().Result()
		if st.Phase < election.PhaseKeyed || err != nil || !slices.Equal(res.Qualified, []int{1, 2, 3}) {
			t.Fatalf("the key of the ceremony without guardian 3's verdict (phase %s, %v): want every guardian qualified", st.Phase, err)
		}
	})
	w.waitFor("guardian 3's heartbeat", 2*time.Minute, func(st *election.State) bool { return st.Heartbeats[3] != 0 })
}
