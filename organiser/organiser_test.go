package organiser_test

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/urna-vote/urna/election"
	"github.com/urna-vote/urna/organiser"
)

// A draft's life: created with defaults, edited at the version read, a
// stale edit refused without effect, checked, fixed on the ledger (the
// manifest at entry 0, the private metadata registered, training marked
// everywhere), and never edited again.
func TestDraftToLedger(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		d, err := e.s.Create(e.ctx, organiser.Draft{ID: "council-2027", Title: election.Text{RU: "Черновик"}, Training: true}, "organiser-1")
		if err != nil {
			t.Fatal(err)
		}
		if d.Version != 1 || d.State != organiser.StateDraft || d.CreatedBy != "organiser-1" {
			t.Fatalf("new draft: version %d, state %q, by %q", d.Version, d.State, d.CreatedBy)
		}
		want := []organiser.AccessRule{{Accounts: organiser.AccountsVerified, Auth: organiser.AuthAny}}
		if diff := cmp.Diff(want, d.Access); diff != "" || len(d.Notifications) != len(organiser.Events) || d.Participants.Source != organiser.SourceRegister {
			t.Errorf("defaults: access %v, notifications %v, participants %q", d.Access, d.Notifications, d.Participants.Source)
		}
		if _, err := e.s.Create(e.ctx, organiser.Draft{ID: "council-2027"}, "organiser-2"); code(t, err) != organiser.CodeExists {
			t.Errorf("second draft with the same id: %v", err)
		}

		// An incomplete draft saves, and Check says what is missing.
		if probs := e.s.Check(d); len(probs) == 0 {
			t.Fatal("an empty draft passes Check")
		}
		full := complete(t, e, "council-2027", keys(t, 3))
		full.Training, full.Version = true, d.Version
		full.Notifications = []string{organiser.NotifyApplied, organiser.NotifyResultsPublished}
		v2, err := e.s.Update(e.ctx, full, "organiser-2")
		if err != nil {
			t.Fatal(err)
		}
		if v2.Version != 2 || v2.UpdatedBy != "organiser-2" || v2.Title.RU != full.Title.RU {
			t.Fatalf("after the edit: version %d by %q, title %q", v2.Version, v2.UpdatedBy, v2.Title.RU)
		}
		if probs := e.s.Check(v2); len(probs) != 0 {
			t.Fatalf("a complete draft has problems: %v", probs[0])
		}

		// Someone still holding version 1 saves: refused, nothing changes.
		stale := full
		stale.Version, stale.Title.RU = 1, "Чужая правка"
		_, err = e.s.Update(e.ctx, stale, "organiser-1")
		var oe *organiser.Error
		if !errors.As(err, &oe) || oe.Code != organiser.CodeStale || !strings.Contains(oe.Message.RU, "версия 2") {
			t.Fatalf("stale edit: %v", err)
		}
		if got, _ := e.s.Get(e.ctx, "council-2027"); got.Version != 2 || got.Title.RU != full.Title.RU {
			t.Fatalf("a stale edit changed the draft: version %d, title %q", got.Version, got.Title.RU)
		}
		if _, err := e.s.Fix(e.ctx, "council-2027", 1, "organiser-1"); code(t, err) != organiser.CodeStale {
			t.Errorf("fixing a stale version: %v", err)
		}
		if _, ok := e.p.Election("council-2027"); ok {
			t.Fatal("a refused fix defined the election")
		}

		fixed, err := e.s.Fix(e.ctx, "council-2027", 2, "organiser-2")
		if err != nil {
			t.Fatal(err)
		}
		if fixed.State != organiser.StateFixed || fixed.Fixed.IsZero() || fixed.Version != 3 {
			t.Fatalf("after Fix: state %q, fixed %v, version %d", fixed.State, fixed.Fixed, fixed.Version)
		}
		el, ok := e.p.Election("council-2027")
		if !ok {
			t.Fatal("the platform has no election after Fix")
		}
		var m *election.Manifest
		var phase election.Phase
		el.Box.View(func(st *election.State) { m, phase = st.Manifest, st.Phase })
		if m == nil || phase != election.PhaseCeremony || !m.Training || m.Threshold != 2 || len(m.Guardians) != 3 ||
			len(m.Commission) != 2 || len(m.Districts[0].Issuer) == 0 || m.Regions[0].Voting.TimeZone != "Asia/Novosibirsk" {
			t.Fatalf("the ledger's manifest: %+v, phase %v", m, phase)
		}
		var first struct{ Type string }
		for raw, err := range el.Box.Ledger().Entries(0, 1) {
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(raw, &first); err != nil || first.Type != election.TypeElection {
				t.Fatalf("entry 0: %s", raw)
			}
		}
		info, err := e.p.Registry.Election(e.ctx, "council-2027")
		if err != nil {
			t.Fatal(err)
		}
		if !info.Training || info.Level != "municipal" || info.ApplicationsClose.UnixMilli() != full.Applications.Closes || len(info.Districts) != 2 {
			t.Errorf("registered metadata %+v", info)
		}

		// Fixed: every edit is refused, saying so.
		fixed.Title.RU = "Поздно"
		_, err = e.s.Update(e.ctx, fixed, "organiser-1")
		if !errors.As(err, &oe) || oe.Code != organiser.CodeFixed || !strings.Contains(oe.Message.EN, "fixed on the ledger at entry 0") {
			t.Errorf("editing a fixed vote: %v", err)
		}
		if _, err := e.s.SetParticipants(e.ctx, "council-2027", fixed.Version, []string{"+79160000000"}, "organiser-1"); code(t, err) != organiser.CodeFixed {
			t.Errorf("a list for a fixed vote: %v", err)
		}
		if err := e.s.Delete(e.ctx, "council-2027", fixed.Version, "organiser-1"); code(t, err) != organiser.CodeFixed {
			t.Errorf("deleting a fixed vote: %v", err)
		}
		if _, err := e.s.Fix(e.ctx, "council-2027", fixed.Version, "organiser-1"); code(t, err) != organiser.CodeFixed {
			t.Errorf("fixing twice: %v", err)
		}
		list, err := e.s.List(e.ctx)
		if err != nil || len(list) != 1 || list[0].Phase != "ceremony" || !list[0].Training {
			t.Errorf("the console's list: %+v %v", list, err)
		}
	})
}

// Two organisers fix the same version at once: one election, one winner.
func TestFixRace(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		d, err := e.s.Create(e.ctx, complete(t, e, "race", keys(t, 2)), "a")
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = e.s.Fix(e.ctx, "race", d.Version, "organiser")
			}()
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch c := code(t, err); c {
			case "":
				ok++
			case organiser.CodeStale, organiser.CodeFixed:
			default:
				t.Errorf("the losing fix: %v", err)
			}
		}
		if ok != 1 {
			t.Fatalf("%d fixes succeeded: %v", ok, errs)
		}
		if got, _ := e.s.Get(e.ctx, "race"); got.State != organiser.StateFixed {
			t.Errorf("state %q", got.State)
		}
	})
}

func TestDeleteDraft(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		d, err := e.s.Create(e.ctx, organiser.Draft{ID: "gone"}, "a")
		if err != nil {
			t.Fatal(err)
		}
		if d, err = e.s.SetParticipants(e.ctx, "gone", d.Version, []string{"+79160000001"}, "a"); err != nil {
			t.Fatal(err)
		}
		if err := e.s.Delete(e.ctx, "gone", 1, "a"); code(t, err) != organiser.CodeStale {
			t.Errorf("deleting a stale version: %v", err)
		}
		if err := e.s.Delete(e.ctx, "gone", d.Version, "a"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.s.Get(e.ctx, "gone"); code(t, err) != organiser.CodeNotFound {
			t.Errorf("after delete: %v", err)
		}
		if list, _ := e.s.Participants(e.ctx, "gone"); len(list) != 0 {
			t.Errorf("the list outlived its draft: %v", list)
		}
	})
}

// Bad settings are refused when saved, naming the field; nothing is
// written.
func TestSaveRefusesBadSettings(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		for _, c := range []struct {
			field string
			d     organiser.Draft
		}{
			{"id", organiser.Draft{ID: "a/b"}},
			{"id", organiser.Draft{ID: "with.dot"}},
			{"level", organiser.Draft{ID: "x", Level: "galactic"}},
			{"participants.source", organiser.Draft{ID: "x", Participants: organiser.Participants{Source: "everyone"}}},
			{"access[0].accounts", organiser.Draft{ID: "x", Access: []organiser.AccessRule{{Accounts: "anyone"}}}},
			{"access[1].auth", organiser.Draft{ID: "x", Access: []organiser.AccessRule{{Accounts: "verified"}, {Accounts: "verified", Auth: "telepathy"}}}},
			{"access[1]", organiser.Draft{ID: "x", Access: []organiser.AccessRule{{Accounts: "verified"}, {Accounts: "verified", Auth: "any"}}}},
			{"notifications", organiser.Draft{ID: "x", Notifications: []string{"applied", "applied"}}},
			{"notifications", organiser.Draft{ID: "x", Notifications: []string{"carrier pigeon"}}},
		} {
			_, err := e.s.Create(e.ctx, c.d, "a")
			var oe *organiser.Error
			if !errors.As(err, &oe) || oe.Field != c.field || oe.Message.RU == "" || oe.Message.EN == "" {
				t.Errorf("%+v: %v, want a refusal naming %s", c.d, err, c.field)
			}
		}
		if list, _ := e.s.List(e.ctx); len(list) != 0 {
			t.Errorf("refused drafts were saved: %v", list)
		}
	})
}

func TestRoles(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		v := voters(t, e, 1)[0]
		if err := e.s.Grant(e.ctx, "nobody", organiser.RoleOrganiser, "operator"); code(t, err) != "not_found" {
			t.Errorf("granting to an unknown account: %v", err)
		}
		if err := e.s.Grant(e.ctx, v.account, "admin", "operator"); code(t, err) != "bad_role" {
			t.Errorf("an unknown role: %v", err)
		}
		for range 2 {
			if err := e.s.Grant(e.ctx, v.account, organiser.RoleOrganiser, "operator"); err != nil {
				t.Fatal(err)
			}
		}
		if ok, err := e.s.HasRole(e.ctx, v.account, organiser.RoleOrganiser); !ok || err != nil {
			t.Fatalf("after the grant: %v %v", ok, err)
		}
		if err := e.s.Revoke(e.ctx, v.account, organiser.RoleOrganiser, "operator"); err != nil {
			t.Fatal(err)
		}
		if ok, _ := e.s.HasRole(e.ctx, v.account, organiser.RoleOrganiser); ok {
			t.Error("the role survived its revocation")
		}
		if err := e.s.Revoke(e.ctx, v.account, organiser.RoleOrganiser, "operator"); code(t, err) != "not_found" {
			t.Errorf("revoking twice: %v", err)
		}
	})
}

// The console's status of a fixed vote follows the ceremony guardian by
// guardian, then the heartbeats and the key test.
func TestStatus(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		k := keys(t, 3)
		d, err := e.s.Create(e.ctx, complete(t, e, "status", k), "a")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.s.Status(e.ctx, "status"); code(t, err) != organiser.CodeNotFixed {
			t.Errorf("status of a draft: %v", err)
		}
		if _, err := e.s.Fix(e.ctx, "status", d.Version, "a"); err != nil {
			t.Fatal(err)
		}
		st, err := e.s.Status(e.ctx, "status")
		if err != nil {
			t.Fatal(err)
		}
		if st.Phase != "ceremony" || len(st.Guardians) != 3 || st.Guardians[0].Dealt || st.KeyPublished || st.Threshold != 2 || len(st.Commission) != 2 {
			t.Fatalf("status before the ceremony: %+v", st)
		}
		el, _ := e.p.Election("status")
		if err := k.Ceremony(e.ctx, el.Box); err != nil {
			t.Fatal(err)
		}
		if err := k.Heartbeats(e.ctx, el.Box); err != nil {
			t.Fatal(err)
		}
		st, err = e.s.Status(e.ctx, "status")
		if err != nil {
			t.Fatal(err)
		}
		if !st.KeyPublished || st.Phase != "keyed" {
			t.Fatalf("status after the ceremony: %+v", st)
		}
		for _, g := range st.Guardians {
			if !g.Dealt || !g.Judged || g.Complaints != 0 || g.Qualified != organiser.QualQualified || g.Heartbeat == 0 || g.Decrypted {
				t.Errorf("guardian %+v", g)
			}
		}
		// The conductor tests the key once a quorum's heartbeats are in.
		deadline := time.Now().Add(10 * time.Second)
		for st.KeyTestedAt == 0 && time.Now().Before(deadline) {
			time.Sleep(100 * time.Millisecond)
			st, _ = e.s.Status(e.ctx, "status")
		}
		if st.KeyTestedAt == 0 || len(st.KeyTestedBy) < 2 {
			t.Errorf("no key test in the status: %+v", st)
		}
	})
}

// The organiser may stop waiting for a guardian who never answers: the
// key is formed from those who dealt once they reach the threshold, the
// absent guardian is left out, and the quorum still decrypts.
func TestFinishCeremony(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		k := keys(t, 3)
		d, err := e.s.Create(e.ctx, complete(t, e, "late", k), "a")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.s.FinishCeremony(e.ctx, "late", "a"); code(t, err) != organiser.CodeNotFixed {
			t.Errorf("finishing the ceremony of a draft: %v", err)
		}
		if _, err := e.s.Fix(e.ctx, "late", d.Version, "a"); err != nil {
			t.Fatal(err)
		}
		el, _ := e.p.Election("late")
		if _, err := e.s.FinishCeremony(e.ctx, "late", "a"); code(t, err) != organiser.CodeTooFew {
			t.Errorf("finishing with nobody dealt: %v", err)
		}
		// Another vote where only one of the two needed dealt.
		lone, err := e.s.Create(e.ctx, complete(t, e, "lone", k), "a")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.s.Fix(e.ctx, "lone", lone.Version, "a"); err != nil {
			t.Fatal(err)
		}
		lel, _ := e.p.Election("lone")
		if err := k.Rounds(e.ctx, lel.Box, []int{1}); err != nil {
			t.Fatal(err)
		}
		var oe *organiser.Error
		if _, err := e.s.FinishCeremony(e.ctx, "lone", "a"); !errors.As(err, &oe) || oe.Code != organiser.CodeTooFew ||
			!strings.Contains(oe.Message.EN, "at least 2 guardians") || !strings.Contains(oe.Message.EN, "1 have dealt") {
			t.Errorf("finishing with one of two needed: %v", err)
		}
		if err := k.Rounds(e.ctx, el.Box, []int{1, 2}); err != nil {
			t.Fatal(err)
		}
		st, err := e.s.FinishCeremony(e.ctx, "late", "a")
		if err != nil {
			t.Fatal(err)
		}
		if !st.KeyPublished || st.Phase != "keyed" || st.Guardians[0].Qualified != organiser.QualQualified ||
			st.Guardians[1].Qualified != organiser.QualQualified || st.Guardians[2].Qualified != organiser.QualDisqualified {
			t.Fatalf("status after finishing: %+v", st)
		}
		if _, err := e.s.FinishCeremony(e.ctx, "late", "a"); code(t, err) != organiser.CodeNoCeremony {
			t.Errorf("finishing twice: %v", err)
		}
		if err := k.Rounds(e.ctx, el.Box, []int{3}); err == nil {
			t.Error("the absent guardian dealt after the key was published")
		}
		// Guardians 1 and 2 can use the key: their heartbeats let the
		// platform decrypt the test ciphertext with them. The absent
		// guardian holds no share.
		if err := k.HeartbeatsOf(e.ctx, el.Box, []int{3}); err == nil {
			t.Error("the absent guardian posted a heartbeat")
		}
		if err := k.HeartbeatsOf(e.ctx, el.Box, []int{1, 2}); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for st.KeyTestedAt == 0 && time.Now().Before(deadline) {
			time.Sleep(100 * time.Millisecond)
			st, _ = e.s.Status(e.ctx, "late")
		}
		if !slices.Equal(st.KeyTestedBy, []int{1, 2}) {
			t.Errorf("key test by %v, want guardians 1 and 2", st.KeyTestedBy)
		}
	})
}
