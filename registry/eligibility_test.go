package registry

import (
	"context"
	"strings"
	"testing"
	"time"
)

// The eligibility rule is asked after the registry's own checks, with
// where the register places the applicant and how their account logs in;
// its refusal reaches the applicant as it is and writes nothing; with no
// rule the registry's rules alone decide. (TestMain runs this on each
// engine.)
func TestEligibilityRule(t *testing.T) {
	r, _, c := newRegistry(t)
	ctx := context.Background()
	if _, err := r.ImportRegister(ctx, strings.NewReader(registerCSV)); err != nil {
		t.Fatal(err)
	}
	closes := c.now().Add(24 * time.Hour)
	for _, id := range []string{"city", "training"} {
		if err := r.AddElection(ctx, ElectionInfo{ID: id, Title: Text{RU: "Город"}, Level: "municipal", Districts: []string{"77-01"},
			ApplicationsClose: closes, Training: id == "training"}); err != nil {
			t.Fatal(err)
		}
	}
	acc, err := r.Register(ctx, ivan, "correct horse battery", "ip")
	if err != nil {
		t.Fatal(err)
	}
	var asked []Applicant
	r.SetEligibility(func(ctx context.Context, election string, a Applicant) error {
		asked = append(asked, a)
		if election == "city" {
			return refuse("not_eligible", "", "Вас нет в списке.", "You are not on the list.")
		}
		return nil
	})
	if _, err := r.Apply(ctx, acc.ID, "city", "ip"); code(t, err) != "account_not_verified" || len(asked) != 0 {
		t.Fatalf("an unverified account: %v; the rule was asked %d times", err, len(asked))
	}
	if err := r.VerifyAccount(ctx, acc.ID, "op", "ip"); err != nil {
		t.Fatal(err)
	}
	_, err = r.Apply(ctx, acc.ID, "city", "ip")
	if re, ok := err.(*Error); !ok || re.Code != "not_eligible" || re.Message.RU != "Вас нет в списке." {
		t.Fatalf("the rule's refusal: %v", err)
	}
	if len(asked) != 1 || asked[0].Region != "77" || asked[0].District != "77-01" || !asked[0].Password || asked[0].Provider != "" ||
		asked[0].Account.ID != acc.ID {
		t.Fatalf("the rule was asked about %+v", asked)
	}
	if n := count(t, r, "applications"); n != 0 {
		t.Fatalf("%d applications written by a refusal", n)
	}
	if _, err := r.Apply(ctx, acc.ID, "training", "ip"); err != nil {
		t.Fatalf("a training vote the rule admits: %v", err)
	}

	// A person an identity provider verified: no password, the provider
	// named.
	ext, err := r.VerifyExternal(ctx, "https://id.example", "subject-1", Identity{FullName: "Петров Пётр Петрович", BirthDate: "1975-01-02",
		Document: "4500 000001", SNILS: "100-000-000 09", Phone: "+79160000009", Email: "petrov@example.test", Address: "Москва, ул. Арбат, д. 3"}, "ip")
	if err != nil {
		t.Fatal(err)
	}
	asked = nil
	r.Apply(ctx, ext.ID, "training", "ip")
	if len(asked) != 1 || asked[0].Password || asked[0].Provider != "https://id.example" || asked[0].District != "77-02" {
		t.Fatalf("the rule was asked about %+v", asked)
	}

	r.SetEligibility(nil)
	r.db.Exec(`DELETE FROM applications`)
	if _, err := r.Apply(ctx, acc.ID, "city", "ip"); err != nil {
		t.Errorf("with the rule removed: %v", err)
	}
}
