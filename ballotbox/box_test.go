package ballotbox_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/urna-vote/urna/ballot"
	"github.com/urna-vote/urna/ballotbox"
	"github.com/urna-vote/urna/crypto/credential"
	"github.com/urna-vote/urna/election"
	"github.com/urna-vote/urna/keyholders"
	"github.com/urna-vote/urna/ledger"
)

// clock is a settable test clock.
type clock struct{ ms atomic.Int64 }

func (c *clock) now() time.Time      { return time.UnixMilli(c.ms.Load()) }
func (c *clock) set(t time.Time)     { c.ms.Store(t.UnixMilli()) }
func (c *clock) add(d time.Duration) { c.ms.Add(d.Milliseconds()) }

// testElection is an open election with one district and one one-of-three
// contest.
type testElection struct {
	box    *ballotbox.Box
	path   string
	opts   ballotbox.Options
	issuer *credential.Issuer
	keys   *keyholders.Keys
	clock  *clock
	m      *election.Manifest

	verifier note.Verifier
}

var start = time.Date(2027, 9, 19, 5, 0, 0, 0, time.UTC)

func newElection(t testing.TB, maxQueue int) *testElection {
	t.Helper()
	ctx := context.Background()
	skey, vkey, err := ledger.GenerateKey(rand.Reader, "urna.test/box")
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ledger.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	verifier, err := ledger.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{}
	c.set(start)
	te := &testElection{verifier: verifier, path: filepath.Join(t.TempDir(), "ledger.db"), clock: c,
		opts: ballotbox.Options{Origin: "urna.test/box", Signer: signer, Now: c.now, MaxQueue: maxQueue}}
	te.box, err = ballotbox.Open(ctx, te.path, te.opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { te.box.Close() })
	te.issuer = testIssuer(t, 0)
	tx := func(ru string) election.Text { return election.Text{RU: ru, EN: ru} }
	te.m = &election.Manifest{
		ID: "box-test", Title: tx("Проверка"), Build: "test",
		Voting: election.Window{Opens: start.UnixMilli(), Closes: start.Add(12 * time.Hour).UnixMilli(), TimeZone: "Europe/Moscow"},
		Districts: []election.District{
			{ID: "d1", Name: tx("Округ 1"), Region: "77", Issuer: credential.MarshalPublicKey(te.issuer.PublicKey())},
			{ID: "d2", Name: tx("Округ 2"), Region: "55", Issuer: credential.MarshalPublicKey(testIssuer(t, 1).PublicKey())},
		},
		// Region 55 votes from two to ten hours after the election opens.
		Regions: []election.Region{{ID: "55", Name: tx("Омская область"),
			Voting: election.Window{Opens: start.Add(2 * time.Hour).UnixMilli(), Closes: start.Add(10 * time.Hour).UnixMilli(), TimeZone: "Asia/Omsk"}}},
		Contests: []election.Contest{
			{ID: "q", Title: tx("Вопрос"), Kind: election.KindOneOfN, Min: 1, Max: 1,
				Districts: []string{}, Options: []election.Option{{ID: "a", Title: tx("А")}, {ID: "b", Title: tx("Б")}, {ID: "c", Title: tx("В")}}},
			{ID: "local", Title: tx("Местный вопрос"), Kind: election.KindReferendum, Min: 1, Max: 1,
				Districts: []string{"d2"}, Options: []election.Option{{ID: "y", Title: tx("За")}, {ID: "n", Title: tx("Против")}, {ID: "x", Title: tx("Воздержался")}}},
		},
	}
	te.keys = keyholders.Generate(3, []string{"m1"})
	if err := te.keys.Fill(te.m, 2, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := te.box.Append(ctx, &election.Entry{Type: election.TypeElection, Election: te.m}); err != nil {
		t.Fatal(err)
	}
	if err := te.keys.Ceremony(ctx, te.box); err != nil {
		t.Fatal(err)
	}
	if _, err := te.box.Append(ctx, &election.Entry{Type: election.TypeOpen}); err != nil {
		t.Fatal(err)
	}
	return te
}

var (
	issuerMu   sync.Mutex
	issuerKeys = map[int]*credential.Issuer{}
)

// testIssuer returns issuer key i, generated once for all tests.
func testIssuer(t testing.TB, i int) *credential.Issuer {
	issuerMu.Lock()
	defer issuerMu.Unlock()
	if issuerKeys[i] == nil {
		k, err := credential.GenerateIssuer(rand.Reader, credential.DefaultModulusBits)
		if err != nil {
			t.Fatal(err)
		}
		issuerKeys[i] = k
	}
	return issuerKeys[i]
}

// voter is a device with a credential.
type voter struct {
	district string
	cred     []byte
	key      *credential.Key
	seq      uint32
}

// issue appends a credential entry of district d1 and gives a voter its
// credential.
func (te *testElection) issue(t testing.TB) *voter {
	t.Helper()
	v, err := te.issueIn("d1", te.issuer)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func (te *testElection) issueIn(district string, issuer *credential.Issuer) (*voter, error) {
	ctx := context.Background()
	var hash [32]byte
	te.box.View(func(st *election.State) { hash = st.ContextHash })
	req, err := credential.NewRequest(rand.Reader, issuer.PublicKey(), hash, district)
	if err != nil {
		return nil, err
	}
	sig, err := issuer.BlindSign(req.Blinded())
	if err != nil {
		return nil, err
	}
	cred, err := req.Finalize(sig)
	if err != nil {
		return nil, err
	}
	key, err := req.Key()
	if err != nil {
		return nil, err
	}
	ps := make([]byte, 32)
	rand.Read(ps)
	if _, err := te.box.Append(ctx, &election.Entry{Type: election.TypeCredential,
		Credential: &election.CredentialEntry{Pseudonym: ps, District: district}}); err != nil {
		return nil, err
	}
	return &voter{district: district, cred: cred.Encode(), key: key}, nil
}

// ballot encrypts a choice of option i under the voter's next sequence
// number.
func (te *testElection) ballot(t *testing.T, v *voter, option int) *ballot.Ballot {
	v.seq++
	return te.ballotSeq(t, v, option, v.seq)
}

func (te *testElection) ballotSeq(t testing.TB, v *voter, option int, seq uint32) *ballot.Ballot {
	var (
		bctx  *ballot.Context
		style ballot.Style
	)
	te.box.View(func(st *election.State) { bctx, style = st.BallotContext(), st.Style("d1") })
	choice := []uint8{0, 0, 0}
	choice[option] = 1
	choices := ballot.Choices{choice}
	if len(style) == 0 || v.district == "d2" {
		te.box.View(func(st *election.State) { style = st.Style("d2") })
		choices = append(choices, []uint8{1, 0, 0})
	}
	b, _, err := ballot.Encrypt(rand.Reader, bctx, style, v.cred, v.key.Secret(), seq, choices)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// wrongDistrict encrypts a ballot of district d2's style under a
// credential of d1.
func (te *testElection) wrongDistrict(t *testing.T, v *voter) *ballot.Ballot {
	t.Helper()
	var (
		bctx  *ballot.Context
		style ballot.Style
	)
	te.box.View(func(st *election.State) { bctx, style = st.BallotContext(), st.Style("d2") })
	v.seq++
	b, _, err := ballot.Encrypt(rand.Reader, bctx, style, v.cred, v.key.Secret(), v.seq, ballot.Choices{{1, 0, 0}, {0, 1, 0}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCastConcurrentReceiptsVerify(t *testing.T) {
	te := newElection(t, 0)
	ctx := context.Background()
	const n = 24
	voters := make([]*voter, n)
	ballots := make([]*ballot.Ballot, n)
	for i := range voters {
		voters[i] = te.issue(t)
		ballots[i] = te.ballot(t, voters[i], i%3)
	}
	receipts := make([]*ballotbox.Receipt, n)
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range ballots {
		wg.Add(1)
		go func() {
			defer wg.Done()
			receipts[i], errs[i] = te.box.Cast(ctx, ballots[i].Bytes())
		}()
	}
	wg.Wait()
	seen := map[uint64]bool{}
	for i, rc := range receipts {
		if errs[i] != nil {
			t.Fatalf("ballot %d: %v", i, errs[i])
		}
		if rc.TrackingCode != ballots[i].TrackingCode() {
			t.Errorf("ballot %d: tracking code %s, want %s", i, rc.TrackingCode, ballots[i].TrackingCode())
		}
		if seen[rc.Entry] {
			t.Errorf("entry %d answered twice", rc.Entry)
		}
		seen[rc.Entry] = true
		c, err := ledger.OpenCheckpoint([]byte(rc.Checkpoint), te.verifier)
		if err != nil {
			t.Fatalf("ballot %d: checkpoint: %v", i, err)
		}
		entry, err := te.box.Ledger().Entry(ctx, rc.Entry)
		if err != nil {
			t.Fatal(err)
		}
		if err := ledger.VerifyInclusion(entry, rc.Entry, c, rc.Proof); err != nil {
			t.Errorf("ballot %d: inclusion proof: %v", i, err)
		}
		var tr election.Tracked
		var ok bool
		te.box.View(func(st *election.State) { tr, ok = st.Track(rc.TrackingCode) })
		if !ok || !tr.Counted || tr.Index != rc.Entry {
			t.Errorf("ballot %d: tracked %+v %v, want counted at %d", i, tr, ok, rc.Entry)
		}
	}
	var voted uint64
	te.box.View(func(st *election.State) { voted = st.Counts.Voted })
	if voted != n {
		t.Errorf("voted = %d, want %d", voted, n)
	}
}

// TestRefusals: each refused ballot gets its stable code and leaves the
// ledger as it was.
func TestRefusals(t *testing.T) {
	te := newElection(t, 0)
	ctx := context.Background()
	v := te.issue(t)
	first := te.ballot(t, v, 0)
	second := te.ballot(t, v, 1)
	if _, err := te.box.Cast(ctx, second.Bytes()); err != nil {
		t.Fatal(err)
	}
	forged := first.Bytes()
	forged[len(forged)-70] ^= 1 // inside the last proof
	stranger := &voter{cred: v.cred, key: te.issue(t).key}
	cases := []struct {
		name string
		data []byte
		code string
	}{
		{"empty", nil, "invalid"},
		{"garbage", []byte("not a ballot"), "malformed_ballot"},
		{"forged proof", forged, "invalid_proof"},
		{"replayed earlier ballot after the re-vote", first.Bytes(), "stale_sequence"},
		{"duplicate", second.Bytes(), "duplicate_ballot"},
		{"signed with a key the credential does not certify", te.ballot(t, stranger, 2).Bytes(), "invalid_credential"},
		{"for a district the credential does not cover", te.wrongDistrict(t, te.issue(t)).Bytes(), "wrong_district"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := te.box.Ledger().Size()
			_, err := te.box.Cast(ctx, c.data)
			if err == nil {
				t.Fatal("accepted")
			}
			var phase election.Phase
			te.box.View(func(st *election.State) { phase = st.Phase })
			if got := ballotbox.Code(err, phase); got != c.code {
				t.Errorf("code %q (%v), want %q", got, err, c.code)
			}
			if after := te.box.Ledger().Size(); after != before {
				t.Errorf("ledger grew from %d to %d", before, after)
			}
		})
	}
}

func TestClosedAndReopen(t *testing.T) {
	te := newElection(t, 0)
	ctx := context.Background()
	v := te.issue(t)
	rc, err := te.box.Cast(ctx, te.ballot(t, v, 2).Bytes())
	if err != nil {
		t.Fatal(err)
	}
	late := te.ballot(t, v, 0)
	te.clock.set(start.Add(12 * time.Hour))
	if _, err := te.box.Cast(ctx, late.Bytes()); ballotbox.Code(err, election.PhaseOpen) != "voting_closed" {
		t.Fatalf("ballot after the window: %v, want voting_closed", err)
	}
	if err := te.keys.Count(ctx, te.box); err != nil {
		t.Fatal(err)
	}
	if _, err := te.box.Cast(ctx, late.Bytes()); ballotbox.Code(err, election.PhaseDecided) != "voting_closed" {
		t.Fatalf("ballot after closing: %v, want voting_closed", err)
	}
	var res *election.ResultEntry
	te.box.View(func(st *election.State) { res = st.Result })
	if res == nil {
		t.Fatal("no result")
	}
	size := te.box.Ledger().Size()
	if err := te.box.Close(); err != nil {
		t.Fatal(err)
	}
	box, err := ballotbox.Open(ctx, te.path, te.opts)
	if err != nil {
		t.Fatal(err)
	}
	defer box.Close()
	var (
		tr    election.Tracked
		found bool
		phase election.Phase
		next  uint64
	)
	box.View(func(st *election.State) { tr, found = st.Track(rc.TrackingCode); phase, next = st.Phase, st.Next })
	if !found || !tr.Counted || phase != election.PhaseDecided || next != size {
		t.Errorf("after reopening: tracked %+v %v, phase %s, next %d; want counted, decided, %d", tr, found, phase, next, size)
	}
}

// TestBusy: with the pipeline stalled, a Cast beyond the queue's bound is
// refused at once with its position, and the queued ones go through once
// the pipeline moves.
func TestBusy(t *testing.T) {
	te := newElection(t, 4)
	ctx := context.Background()
	var bs [][]byte
	for i := 0; i < 6; i++ {
		bs = append(bs, te.ballot(t, te.issue(t), 0).Bytes())
	}
	release := ballotbox.StallForTest(te.box)
	results := make(chan error, 6)
	for _, b := range bs[:5] {
		go func() { _, err := te.box.Cast(ctx, b); results <- err }()
	}
	// Wait until the queue holds its four plus the one being stamped.
	deadline := time.Now().Add(10 * time.Second)
	for {
		if q, _ := te.box.QueueLength(); q >= 4 || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Millisecond)
	}
	_, err := te.box.Cast(ctx, bs[5])
	var be *ballotbox.BusyError
	if !errors.As(err, &be) || be.Position < 4 || be.Wait <= 0 {
		t.Fatalf("cast into a full queue: %v, want a BusyError with position ≥ 4", err)
	}
	release()
	accepted := 0
	for range 5 {
		if err := <-results; err == nil {
			accepted++
		} else if !errors.As(err, &be) {
			t.Errorf("queued ballot: %v", err)
		}
	}
	if accepted < 4 {
		t.Errorf("%d queued ballots accepted after the stall, want at least 4", accepted)
	}
}

// TestRegionWindow: a district whose region votes later takes credentials
// and ballots only within the region's window.
func TestRegionWindow(t *testing.T) {
	te := newElection(t, 0)
	ctx := context.Background()
	is := testIssuer(t, 1)
	if _, err := te.issueIn("d2", is); err == nil || !strings.Contains(err.Error(), "C1") {
		t.Fatalf("credential before the region opens: %v, want check C1", err)
	}
	te.clock.add(3 * time.Hour)
	v, err := te.issueIn("d2", is)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := te.box.Cast(ctx, te.ballot(t, v, 1).Bytes()); err != nil {
		t.Fatalf("ballot inside the region's window: %v", err)
	}
	late := te.ballot(t, v, 2)
	te.clock.add(7 * time.Hour) // 10 h: the region has closed, the election has not
	if _, err := te.box.Cast(ctx, late.Bytes()); ballotbox.Code(err, election.PhaseOpen) != "voting_closed" {
		t.Errorf("ballot after the region closed: %v, want voting_closed", err)
	}
	// Voters of district d1 still vote.
	if _, err := te.box.Cast(ctx, te.ballot(t, te.issue(t), 0).Bytes()); err != nil {
		t.Errorf("ballot in d1 at 10 h: %v", err)
	}
}

// TestOperatorSignsEntries: in an election whose manifest names the
// operator's key, the box signs every entry it stamps, so the state
// machine accepts them (check O1); a box holding another key refuses to
// append and says why.
func TestOperatorSignsEntries(t *testing.T) {
	ctx := context.Background()
	base := newElection(t, 0)
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	_, other, _ := ed25519.GenerateKey(rand.Reader)
	for _, tc := range []struct {
		name string
		key  ed25519.PrivateKey
		ok   bool
	}{{"own key", priv, true}, {"another key", other, false}} {
		t.Run(tc.name, func(t *testing.T) {
			opts := base.opts
			opts.Operator = tc.key
			box, err := ballotbox.Open(ctx, filepath.Join(t.TempDir(), "ledger.db"), opts)
			if err != nil {
				t.Fatal(err)
			}
			defer box.Close()
			m := *base.m
			m.Operator = pub
			keys := keyholders.Generate(3, []string{"m1"})
			if err := keys.Fill(&m, 2, nil); err != nil {
				t.Fatal(err)
			}
			if _, err := box.Append(ctx, &election.Entry{Type: election.TypeElection, Election: &m}); err != nil {
				t.Fatal(err)
			}
			err = keys.Ceremony(ctx, box)
			if tc.ok && err != nil {
				t.Fatalf("ceremony: %v", err)
			}
			if !tc.ok && (err == nil || !strings.Contains(err.Error(), "operator key is not this platform's")) {
				t.Fatalf("ceremony with another key: %v, want a refusal naming the operator key", err)
			}
			if !tc.ok {
				return
			}
			raw, err := box.Ledger().Entry(ctx, 1)
			if err != nil {
				t.Fatal(err)
			}
			e, err := election.DecodeEntry(raw)
			if err != nil || len(e.Operator) != ed25519.SignatureSize {
				t.Fatalf("entry 1: %v, operator signature of %d bytes", err, len(e.Operator))
			}
		})
	}
}
