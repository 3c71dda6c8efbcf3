package organiser_test

import (
	"crypto/rand"
	"strings"
	"testing"

	"github.com/urna-vote/urna/crypto/sign"
	"github.com/urna-vote/urna/crypto/threshold"
	"github.com/urna-vote/urna/election"
	"github.com/urna-vote/urna/organiser"
)

// Each rule a draft can break is reported naming its field, with a
// Russian message of its own (not the English of the manifest's check
// under a generic lead): the table covers every check of
// election.Manifest.Check that a draft can reach, so a change of their
// wording fails here rather than reaching organisers untranslated.
func TestCheckNamesTheField(t *testing.T) {
	e := newEnv(t, "sqlite:"+t.TempDir()+"/private.db")
	k := keys(t, 3)
	gostSigner, err := sign.Generate(sign.GOST256, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		field, ru string
		mutate    func(d *organiser.Draft)
	}{
		{"title", "нужно название на русском", func(d *organiser.Draft) { d.Title.RU = "" }},
		{"voting", "открываться раньше", func(d *organiser.Draft) { d.Voting.Opens = d.Voting.Closes }},
		{"voting.tz", "IANA", func(d *organiser.Draft) { d.Voting.TimeZone = "Moscow time" }},
		{"voting.closes", "уже закончилось", func(d *organiser.Draft) { d.Voting.Opens, d.Voting.Closes = 1, 2 }},
		{"applications.closes", "не позже конца голосования", func(d *organiser.Draft) { d.Applications.Closes = d.Voting.Closes + 1 }},
		{"applications.closes", "Укажите", func(d *organiser.Draft) { d.Applications.Closes = 0 }},
		{"applications", "начинаться раньше", func(d *organiser.Draft) { d.Applications.Opens = d.Applications.Closes }},
		{"regions[0]", "Регион «54»", func(d *organiser.Draft) { d.Regions[0].Voting.Closes = d.Voting.Closes + 1 }},
		{"regions[0]", "часовой пояс", func(d *organiser.Draft) { d.Regions[0].Voting.TimeZone = "" }},
		{"regions[1]", "указан дважды", func(d *organiser.Draft) { d.Regions = append(d.Regions, d.Regions[0]) }},
		{"regions[0]", "Идентификатор региона", func(d *organiser.Draft) { d.Regions[0].ID = "54 область" }},
		{"regions[0]", "Регион «54»: нужно название", func(d *organiser.Draft) { d.Regions[0].Name.RU = "" }},
		{"districts", "Округов 0", func(d *organiser.Draft) { d.Districts = nil }},
		{"districts[1]", "Идентификатор округа", func(d *organiser.Draft) { d.Districts[1].ID = strings.Repeat("x", 65) }},
		{"districts[1]", "указан дважды", func(d *organiser.Draft) { d.Districts[1].ID = d.Districts[0].ID }},
		{"districts[0]", "Округ «77-01»: нужно название", func(d *organiser.Draft) { d.Districts[0].Name.RU = "" }},
		{"contests", "Вопросов 0", func(d *organiser.Draft) { d.Contests = nil }},
		{"contests[0]", "вариантов 0", func(d *organiser.Draft) { d.Contests[0].Options = nil }},
		{"contests[0]", "ровно один вариант", func(d *organiser.Draft) { d.Contests[0].Max = 2 }},
		{"contests[0]", "три варианта", func(d *organiser.Draft) { d.Contests[0].Kind = election.KindReferendum }},
		{"contests[0]", "пределы выбора от 0 до 3", func(d *organiser.Draft) {
			d.Contests[0].Kind, d.Contests[0].Min, d.Contests[0].Max = election.KindKOfN, 0, 3
		}},
		{"contests[0]", "неизвестный вид", func(d *organiser.Draft) { d.Contests[0].Kind = "ranked" }},
		{"contests[0]", "вариант «a» указан дважды", func(d *organiser.Draft) { d.Contests[0].Options[1].ID = "a" }},
		{"contests[0]", "округа «99-01» нет", func(d *organiser.Draft) { d.Contests[0].Districts = []string{"99-01"} }},
		{"contests[1]", "указан дважды", func(d *organiser.Draft) { d.Contests = append(d.Contests, d.Contests[0]) }},
		{"contests[0]", "Идентификатор варианта", func(d *organiser.Draft) { d.Contests[0].Options[0].ID = "" }},
		{"contests[0]", "Вариант «b»: нужно название", func(d *organiser.Draft) { d.Contests[0].Options[1].Title.RU = "" }},
		{"contests[0]", "Вопрос «council»: нужно название", func(d *organiser.Draft) { d.Contests[0].Title.RU = "" }},
		{"guardians", "Хранителей ключа 0", func(d *organiser.Draft) { d.Guardians, d.Threshold = nil, 0 }},
		{"threshold", "Порог 4", func(d *organiser.Draft) { d.Threshold = 4 }},
		{"guardians", "один и тот же ключ", func(d *organiser.Draft) { d.Guardians[2].Key = d.Guardians[0].Key }},
		{"guardians[1].key", "urna guardian init", func(d *organiser.Draft) { d.Guardians[1].Key = "AAAA" }},
		{"guardians[0].name", "укажите имя", func(d *organiser.Draft) { d.Guardians[0].Name = " " }},
		{"commission[1].key", "urna member keygen", func(d *organiser.Draft) { d.Commission[1].Key = "rsa AAAA" }},
		{"commission[1]", "указан дважды", func(d *organiser.Draft) { d.Commission[1].ID = d.Commission[0].ID }},
		{"commission[0]", "Идентификатор члена комиссии", func(d *organiser.Draft) { d.Commission[0].ID = "председатель" }},
		{"commission", "хотя бы одного", func(d *organiser.Draft) { d.Commission = nil }},
		{"participants", "список не загружен", func(d *organiser.Draft) { d.Participants.Source = organiser.SourceList }},
		{"participants.regions", "регион «66»", func(d *organiser.Draft) { d.Participants.Regions = []string{"66"} }},
		{"participants.districts", "округ «66-01»", func(d *organiser.Draft) { d.Participants.Districts = []string{"66-01"} }},
		// A GOST key reaches the manifest's check, which decides whether
		// this platform's state machine takes it.
		{"", "", func(d *organiser.Draft) {
			d.Commission[1].Key = organiser.FormatMemberKey(sign.GOST256, gostSigner.Public())
		}},
	} {
		d := complete(t, e, "checked", k)
		d.Access = []organiser.AccessRule{{Accounts: organiser.AccountsVerified, Auth: organiser.AuthAny}}
		c.mutate(&d)
		probs := e.s.Check(d)
		if c.field == "" && c.ru == "" {
			for _, p := range probs {
				if strings.HasPrefix(p.Message.RU, "Описание голосования не прошло проверку") {
					t.Errorf("an untranslated problem: %v", p)
				}
			}
			continue
		}
		if len(probs) == 0 {
			t.Errorf("%s: no problem found", c.ru)
			continue
		}
		p := probs[0]
		if p.Field != c.field || !strings.Contains(p.Message.RU, c.ru) || p.Message.EN == "" || p.Code != organiser.CodeInvalid {
			t.Errorf("want %s «%s», got %s: %s / %s", c.field, c.ru, p.Field, p.Message.RU, p.Message.EN)
		}
	}
}

func TestKeyTextForms(t *testing.T) {
	lt, err := threshold.GenerateLongTermKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	gk := organiser.FormatGuardianKey(lt.Public().Bytes())
	if b, err := organiser.ParseGuardianKey(gk); err != nil || organiser.FormatGuardianKey(b) != gk {
		t.Fatalf("a guardian's key: %v", err)
	}
	for _, bad := range []string{"", " " + gk, gk + "\n", strings.TrimRight(gk, "="), "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
		strings.Repeat("/", 43) + "="} {
		if _, err := organiser.ParseGuardianKey(bad); err == nil {
			t.Errorf("guardian key %q accepted", bad)
		}
	}
	for _, scheme := range []string{sign.Ed25519, sign.GOST256} {
		s, err := sign.Generate(scheme, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		mk := organiser.FormatMemberKey(scheme, s.Public())
		if sc, key, err := organiser.ParseMemberKey(mk); err != nil || organiser.FormatMemberKey(sc, key) != mk {
			t.Fatalf("%s: %v", scheme, err)
		}
		for _, bad := range []string{strings.Replace(mk, " ", "  ", 1), strings.ToUpper(scheme) + mk[len(scheme):], mk[len(scheme)+1:], mk + "AA==", " " + mk} {
			if _, _, err := organiser.ParseMemberKey(bad); err == nil {
				t.Errorf("member key %q accepted", bad)
			}
		}
	}
}
