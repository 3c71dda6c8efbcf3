package commission_test

import (
	"context"
	"crypto/rand"
	"errors"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/urna-vote/urna/ballot"
	"github.com/urna-vote/urna/client"
	"github.com/urna-vote/urna/commission"
	"github.com/urna-vote/urna/crypto/sign"
	"github.com/urna-vote/urna/demo"
	"github.com/urna-vote/urna/election"
	"github.com/urna-vote/urna/issuance"
	"github.com/urna-vote/urna/keyholders"
	"github.com/urna-vote/urna/notify"
	"github.com/urna-vote/urna/platform"
	"github.com/urna-vote/urna/registry"
	"github.com/urna-vote/urna/verify"
	"github.com/urna-vote/urna/web"
)

const electionID = "commission-test"

// clock is a clock the test moves.
type clock struct{ off atomic.Int64 }

func (c *clock) now() time.Time          { return time.Now().Add(time.Duration(c.off.Load())) }
func (c *clock) advance(d time.Duration) { c.off.Add(int64(d)) }

// env is a platform behind a test server with one election whose
// commission signs with two schemes: "chair" with GOST R 34.10-2012,
// "secretary" with Ed25519.
type env struct {
	url     string
	p       *platform.Platform
	e       *issuance.Election
	keys    *keyholders.Keys
	members map[string]sign.Signer
	clock   *clock
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	v := &env{clock: &clock{}, members: map[string]sign.Signer{}}
	outbox := notify.NewOutbox(8)
	p, err := platform.Open(ctx, platform.Config{Data: t.TempDir(), SMS: outbox, Now: v.clock.now})
	if err != nil {
		t.Fatal(err)
	}
	// The demo's register and voters; the election under test is ours.
	if err := demo.Setup(ctx, p, demo.Options{Voters: 4, Guardians: 3, Threshold: 2}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(web.New(p, web.Options{Demo: true, Outbox: outbox, InsecureCookies: true, ExemptLoopback: true}))
	t.Cleanup(func() { srv.Close(); p.Close() })
	v.url, v.p = srv.URL, p

	for id, scheme := range map[string]string{"chair": sign.GOST256, "secretary": sign.Ed25519} {
		if v.members[id], err = sign.Generate(scheme, rand.Reader); err != nil {
			t.Fatal(err)
		}
	}
	now := v.clock.now()
	m := &election.Manifest{ID: electionID, Title: election.Text{RU: "Выборы старосты", EN: "Elder election"},
		Voting:    election.Window{Opens: now.Add(-time.Hour).UnixMilli(), Closes: now.Add(24 * time.Hour).UnixMilli(), TimeZone: "Europe/Moscow"},
		Districts: []election.District{{ID: "77-01", Name: election.Text{RU: "Округ 1", EN: "District 1"}, Region: "77"}},
		Contests: []election.Contest{{ID: "elder", Title: election.Text{RU: "Староста", EN: "Elder"}, Kind: election.KindOneOfN, Min: 1, Max: 1,
			Districts: []string{}, Options: []election.Option{{ID: "a", Title: election.Text{RU: "Анна", EN: "Anna"}}, {ID: "b", Title: election.Text{RU: "Борис", EN: "Boris"}}}}},
	}
	v.keys = keyholders.Generate(3, nil)
	if err := v.keys.Fill(m, 2, nil); err != nil {
		t.Fatal(err)
	}
	m.Commission = []election.Member{
		{ID: "chair", Name: "Председатель", Scheme: sign.GOST256, Key: v.members["chair"].Public()},
		{ID: "secretary", Name: "Секретарь", Key: v.members["secretary"].Public()},
	}
	if v.e, err = p.CreateElection(ctx, m, registry.ElectionInfo{Level: "municipal", ApplicationsClose: now.Add(12 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := v.keys.Ceremony(ctx, v.e.Box); err != nil {
		t.Fatal(err)
	}
	if _, err := v.e.Box.Append(ctx, &election.Entry{Type: election.TypeOpen}); err != nil {
		t.Fatal(err)
	}
	return v
}

// vote has demo voter i apply and vote for option choice.
func (v *env) vote(t *testing.T, i, choice int) {
	t.Helper()
	ctx := context.Background()
	c := client.New(v.url, nil)
	if err := c.DemoLogin(ctx, demo.Voter(i), demo.Password); err != nil {
		t.Fatal(err)
	}
	if err := c.Call(ctx, "POST", "/api/v1/elections/"+electionID+"/application", nil, nil); err != nil {
		t.Fatalf("voter %d applying: %v", i, err)
	}
	el, err := c.Election(ctx, electionID)
	if err != nil {
		t.Fatal(err)
	}
	dev, err := c.Credential(ctx, el, "77-01")
	if err != nil {
		t.Fatal(err)
	}
	choices := ballot.Choices{make([]uint8, 2)}
	choices[0][choice] = 1
	b, _, err := dev.Encrypt(choices)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Cast(ctx, electionID, b.Bytes()); err != nil {
		t.Fatal(err)
	}
}

// dispute puts a voter's dispute on the ledger, as the platform does once
// it has checked the receipt.
func (v *env) dispute(t *testing.T, tracking string) uint64 {
	t.Helper()
	i, err := v.e.Box.Append(context.Background(), &election.Entry{Type: election.TypeDispute,
		Dispute: &election.DisputeEntry{Tracking: tracking, Receipt: []byte(`{"tracking_code":"` + tracking + `"}`), Reason: "моего бюллетеня нет"}})
	if err != nil {
		t.Fatal(err)
	}
	return i
}

func (v *env) open(t *testing.T) *commission.Election {
	t.Helper()
	e, err := commission.Open(context.Background(), v.url, electionID, commission.Options{LogKey: v.e.VerifierKey})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// The commission at work: signing is refused while a voter's dispute is
// open, a member resolves it, a dispute filed behind a member's back is
// refused by the platform (P2), and then a GOST member and an Ed25519
// member both sign; the ledger verifies with both signatures.
func TestCommissionSignsAfterDisputes(t *testing.T) {
	v := newEnv(t)
	ctx := context.Background()
	v.vote(t, 0, 0)
	v.vote(t, 3, 1) // voters 0 and 3 are registered in 77-01
	first := v.dispute(t, "AAAA-AAAA-AAAA-AAAA")

	// The count: the result is published; keyholders sign nothing, the
	// members sign below.
	v.clock.advance(48 * time.Hour)
	if err := v.keys.Count(ctx, v.e.Box); err != nil {
		t.Fatal(err)
	}

	e := v.open(t)
	sum := e.Summary()
	if sum.Counts == nil || sum.Counts.Counted != 2 || sum.Contests[0].Options[0].Votes != 1 || sum.Contests[0].Options[1].Votes != 1 {
		t.Fatalf("summary counts %+v, contests %+v", sum.Counts, sum.Contests)
	}
	if len(sum.Unresolved()) != 1 || sum.Members[0].Signed || sum.Members[1].Signed {
		t.Fatalf("summary: disputes %+v, members %+v", sum.Disputes, sum.Members)
	}
	text := sum.Text()
	for _, want := range []string{"Anna (a)", "1 unresolved", "UNRESOLVED", "chair", "gost2012-256", "not signed"} {
		if !strings.Contains(text, want) {
			t.Errorf("summary text lacks %q:\n%s", want, text)
		}
	}

	// Refused while the dispute is open, before anything is signed.
	size := v.e.Box.Ledger().Size()
	_, err := e.Sign(ctx, "chair", v.members["chair"])
	var ue *commission.UnresolvedError
	if !errors.As(err, &ue) || len(ue.Disputes) != 1 || ue.Disputes[0] != first {
		t.Fatalf("signing with a dispute open: %v, want an UnresolvedError naming entry %d", err, first)
	}
	if !strings.Contains(err.Error(), "urna commission resolve") {
		t.Errorf("the refusal does not say what to do: %v", err)
	}
	if v.e.Box.Ledger().Size() != size {
		t.Fatal("a refused signature changed the ledger")
	}

	// Resolving: only a member, with the key the manifest lists.
	if _, err := e.Resolve(ctx, first, election.OutcomeDismissed, "бюллетень найден", "chair", v.members["secretary"]); !errors.Is(err, commission.ErrWrongKey) {
		t.Errorf("resolving with another member's key: %v, want ErrWrongKey", err)
	}
	if _, err := e.Resolve(ctx, first, election.OutcomeDismissed, "x", "stranger", v.members["chair"]); !errors.Is(err, commission.ErrNotMember) {
		t.Errorf("resolving as a stranger: %v, want ErrNotMember", err)
	}
	if _, err := e.Resolve(ctx, first, "maybe", "x", "chair", v.members["chair"]); err == nil {
		t.Error("an outcome that is neither upheld nor dismissed was accepted")
	}
	posted, err := e.Resolve(ctx, first, election.OutcomeDismissed, "Бюллетень найден: запись 12.", "chair", v.members["chair"])
	if err != nil {
		t.Fatal(err)
	}
	if posted.Entry != size || posted.Checkpoint.Size != size+1 {
		t.Errorf("resolution posted at %d in a checkpoint of %d, want %d of %d", posted.Entry, posted.Checkpoint.Size, size, size+1)
	}

	// A dispute filed after the member read the ledger: the member's
	// signature is refused by the platform's state machine.
	e = v.open(t)
	if err := e.CanSign("secretary"); err != nil {
		t.Fatalf("after the resolution: %v", err)
	}
	second := v.dispute(t, "BBBB-BBBB-BBBB-BBBB")
	_, err = e.Sign(ctx, "secretary", v.members["secretary"])
	var re *commission.RefusedError
	if !errors.As(err, &re) || re.Check != election.CheckDisputes {
		t.Fatalf("signing past a new dispute: %v, want the platform's refusal with check %s", err, election.CheckDisputes)
	}
	e = v.open(t)
	if _, err := e.Resolve(ctx, second, election.OutcomeUpheld, "Жалоба обоснована.", "secretary", v.members["secretary"]); err != nil {
		t.Fatal(err)
	}

	// Both schemes sign, each checked against the ledger replayed.
	e = v.open(t)
	for _, id := range []string{"chair", "secretary"} {
		if _, err := e.Sign(ctx, id, v.members[id]); err != nil {
			t.Fatalf("%s signing: %v", id, err)
		}
	}
	e = v.open(t)
	if _, err := e.Sign(ctx, "chair", v.members["chair"]); !errors.Is(err, commission.ErrAlreadySigned) {
		t.Errorf("signing twice: %v, want ErrAlreadySigned", err)
	}
	sum = e.Summary()
	if !sum.Members[0].Signed || !sum.Members[1].Signed || len(sum.Unresolved()) != 0 || len(sum.Disputes) != 2 {
		t.Fatalf("after signing: members %+v, disputes %+v", sum.Members, sum.Disputes)
	}
	var st *election.State
	v.e.Box.View(func(s *election.State) { st = s })
	for _, id := range []string{"chair", "secretary"} {
		m, _ := st.Manifest.Member(id)
		if err := m.Verify(st.ProtocolMessage(), st.Signed[id]); err != nil {
			t.Errorf("%s's signature on the platform's ledger: %v", id, err)
		}
	}
	rep, err := verify.URL(ctx, v.url+"/ledger/"+electionID+"/", verify.Options{Key: v.e.VerifierKey})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK {
		t.Fatalf("urna verify: %s", rep.Error)
	}
}

// A member who pins the organiser's log key refuses a platform that
// signs with another.
func TestCommissionRefusesAnotherLogKey(t *testing.T) {
	v := newEnv(t)
	other, ok := v.p.Election("demo-federal")
	if !ok {
		t.Fatal("no demo election")
	}
	_, err := commission.Open(context.Background(), v.url, electionID, commission.Options{LogKey: other.VerifierKey})
	if err == nil {
		t.Fatal("a ledger signed with another log key was accepted")
	}
	if _, err := commission.Open(context.Background(), v.url, "no-such-election", commission.Options{}); err == nil {
		t.Fatal("an unknown election was opened")
	}
}
