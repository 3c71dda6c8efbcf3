package organiser_test

import (
	"crypto/rand"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/urna-vote/urna/crypto/sign"
	"github.com/urna-vote/urna/election"
	"github.com/urna-vote/urna/organiser"
	"github.com/urna-vote/urna/registry"
)

// refusal applies and returns the refusal's code and Russian and English
// messages ("" for an accepted application).
func refusal(t *testing.T, e *env, v voter, id string) (code, ru, en string) {
	t.Helper()
	_, err := e.p.Registry.Apply(e.ctx, v.account, id, "test")
	if err == nil {
		return "", "", ""
	}
	var re *registry.Error
	if !errors.As(err, &re) {
		t.Fatalf("applying to %s: %v", id, err)
	}
	return re.Code, re.Message.RU, re.Message.EN
}

func applications(t *testing.T, e *env, id string) int {
	t.Helper()
	var n int
	if err := e.p.DB.QueryRowContext(e.ctx, `SELECT count(*) FROM applications WHERE election = $1`, id).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// A vote by list, whose applications open later and admit accounts with a
// registered signature key or logging in through an identity provider:
// each refusal says what to fix, and nothing is written until the
// application is accepted.
func TestEligibilityListAndAccess(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		vs := voters(t, e, 4)
		d := complete(t, e, "by-list", keys(t, 2))
		d.Applications.Opens = e.clock.now().Add(2 * time.Hour).UnixMilli()
		d.Access = []organiser.AccessRule{{Accounts: organiser.AccountsSignatureKey, Auth: organiser.AuthAny},
			{Accounts: organiser.AccountsVerified, Auth: organiser.AuthOIDC}}
		// Voter 0 by insurance number, voter 1 by phone (written loosely),
		// voter 2 by e-mail; voter 3 is not on the list.
		list, err := organiser.ParseParticipants(strings.NewReader(strings.ReplaceAll(vs[0].SNILS, "-", "") + "\r\n" +
			"+7 916 000-00-01\r\n" + strings.ToUpper(vs[2].Email) + "\r\n"))
		if err != nil {
			t.Fatal(err)
		}
		fix(t, e, d, list...)

		if c, ru, _ := refusal(t, e, vs[0], "by-list"); c != "applications_not_open" || !strings.Contains(ru, "начнётся") {
			t.Errorf("before applications open: %s %s", c, ru)
		}
		e.clock.advance(3 * time.Hour)
		if c, ru, en := refusal(t, e, vs[3], "by-list"); c != "not_eligible" || !strings.Contains(ru, "списке участников") || !strings.Contains(en, "list of participants") {
			t.Errorf("not on the list: %s %s", c, ru)
		}
		c, ru, en := refusal(t, e, vs[0], "by-list")
		if c != "access_denied" || !strings.Contains(ru, "ключом электронной подписи") || !strings.Contains(ru, "поставщика удостоверений") ||
			!strings.Contains(en, "signature key") {
			t.Errorf("no signature key: %s\n%s\n%s", c, ru, en)
		}
		if n := applications(t, e, "by-list"); n != 0 {
			t.Fatalf("%d applications written by refusals", n)
		}
		signer, err := sign.Generate(sign.GOST256, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.s.SetSignatureKey(e.ctx, vs[0].account, "gost2012-256 not-base64", "operator"); code(t, err) != organiser.CodeBadKey {
			t.Errorf("a malformed key: %v", err)
		}
		for _, v := range vs[:3] {
			if err := e.s.SetSignatureKey(e.ctx, v.account, organiser.FormatMemberKey(signer.Scheme(), signer.Public()), "operator"); err != nil {
				t.Fatal(err)
			}
			if c, ru, _ := refusal(t, e, v, "by-list"); c != "" {
				t.Errorf("%s with a key, on the list: %s %s", v.FullName, c, ru)
			}
		}
		if n := applications(t, e, "by-list"); n != 3 {
			t.Errorf("%d applications, want 3", n)
		}
	})
}

// A vote of the register's region 54: a voter registered in 77 is told
// where the register places them.
func TestEligibilityRegions(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		vs := voters(t, e, 2) // 77-01 and 54-01
		d := complete(t, e, "siberia", keys(t, 2))
		d.Participants.Regions = []string{"54"}
		fix(t, e, d)
		if c, ru, en := refusal(t, e, vs[0], "siberia"); c != "not_eligible" || !strings.Contains(ru, "регионе 77") || !strings.Contains(en, "region 77") {
			t.Errorf("a Moscow voter: %s %s %s", c, ru, en)
		}
		if c, ru, _ := refusal(t, e, vs[1], "siberia"); c != "" {
			t.Errorf("a Novosibirsk voter: %s %s", c, ru)
		}

		d = complete(t, e, "moscow-only", keys(t, 2))
		d.Participants.Districts = []string{"77-01"}
		d.Access = []organiser.AccessRule{{Accounts: organiser.AccountsVerified, Auth: organiser.AuthPasswordSMS}}
		fix(t, e, d)
		if c, _, en := refusal(t, e, vs[1], "moscow-only"); c != "not_eligible" || !strings.Contains(en, "district 54-01") {
			t.Errorf("a Novosibirsk voter in a Moscow vote: %s %s", c, en)
		}
		if c, ru, _ := refusal(t, e, vs[0], "moscow-only"); c != "" {
			t.Errorf("a Moscow voter with a password: %s %s", c, ru)
		}
	})
}

// Elections the console did not make keep the registry's rules alone.
func TestEligibilityLeavesOtherElections(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		vs := voters(t, e, 1)
		d := complete(t, e, "direct", keys(t, 2))
		var scratch election.Manifest
		if err := keys(t, 2).Fill(&scratch, 1, nil); err != nil {
			t.Fatal(err)
		}
		m := &election.Manifest{ID: "direct", Title: d.Title, Voting: d.Voting, Contests: d.Contests,
			Districts: []election.District{{ID: "77-01", Name: election.Text{RU: "Москва"}, Region: "77"}},
			Guardians: scratch.Guardians, Threshold: 1, Commission: scratch.Commission}
		if _, err := e.p.CreateElection(e.ctx, m, registry.ElectionInfo{ApplicationsClose: e.clock.now().Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		if c, ru, _ := refusal(t, e, vs[0], "direct"); c != "" {
			t.Errorf("applying to an election made without the console: %s %s", c, ru)
		}
		if _, err := e.s.Create(e.ctx, organiser.Draft{ID: "direct"}, "a"); code(t, err) != organiser.CodeExists {
			t.Errorf("a draft taking an election's id: %v", err)
		}
	})
}
