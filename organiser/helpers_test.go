package organiser_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/urna-vote/urna/election"
	"github.com/urna-vote/urna/internal/storetest"
	"github.com/urna-vote/urna/keyholders"
	"github.com/urna-vote/urna/notify"
	"github.com/urna-vote/urna/organiser"
	"github.com/urna-vote/urna/platform"
	"github.com/urna-vote/urna/registry"
)

// clock is a test clock: the real time when the test started, moved on by
// advance.
type clock struct {
	start time.Time
	off   atomic.Int64
}

func (c *clock) now() time.Time          { return c.start.Add(time.Duration(c.off.Load())) }
func (c *clock) advance(d time.Duration) { c.off.Add(int64(d)) }

// env is a real platform in a temporary folder with its database on one
// engine, and the organiser service over it.
type env struct {
	p     *platform.Platform
	s     *organiser.Service
	clock *clock
	ctx   context.Context
}

// engines runs f on a fresh platform on each database engine available.
func engines(t *testing.T, f func(t *testing.T, e *env)) {
	for name, dsn := range storetest.Engines(t) {
		t.Run(name, func(t *testing.T) { f(t, newEnv(t, dsn)) })
	}
}

func newEnv(t *testing.T, dsn string) *env {
	t.Helper()
	c := &clock{start: time.Now().Truncate(time.Minute)}
	p, err := platform.Open(context.Background(), platform.Config{Data: t.TempDir(), DB: dsn, Now: c.now, SMS: notify.NewOutbox(4)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return &env{p: p, s: organiser.New(p.DB, p.Registry, p, organiser.Options{Now: c.now}), clock: c, ctx: context.Background()}
}

// code is the code of an *organiser.Error or *registry.Error, "" for nil.
func code(t *testing.T, err error) string {
	t.Helper()
	var oe *organiser.Error
	var re *registry.Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &oe):
		return oe.Code
	case errors.As(err, &re):
		return re.Code
	}
	t.Fatalf("not a refusal: %v", err)
	return ""
}

// keys are a vote's guardians and commission, simulated in the test.
func keys(t *testing.T, n int) *keyholders.Keys {
	t.Helper()
	return keyholders.Generate(n, []string{"chair", "secretary"})
}

// complete is a draft that can be fixed: voting in two days for a day, in
// districts 77-01 (Moscow) and 54-01 (Novosibirsk, with its own window),
// one question, k's guardians (two of them decrypt) and commission.
func complete(t *testing.T, e *env, id string, k *keyholders.Keys) organiser.Draft {
	t.Helper()
	var scratch election.Manifest
	if err := k.Fill(&scratch, 2, map[string]string{"chair": "Председатель", "secretary": "Секретарь"}); err != nil {
		t.Fatal(err)
	}
	now := e.clock.now().UnixMilli()
	hour := time.Hour.Milliseconds()
	d := organiser.Draft{
		ID:           id,
		Title:        election.Text{RU: "Выборы в совет депутатов", EN: "Council election"},
		Level:        "municipal",
		Applications: organiser.Period{Closes: now + 24*hour},
		Voting:       election.Window{Opens: now + 48*hour, Closes: now + 72*hour, TimeZone: "Europe/Moscow"},
		Regions: []election.Region{{ID: "54", Name: election.Text{RU: "Новосибирская область", EN: "Novosibirsk Oblast"},
			Voting: election.Window{Opens: now + 48*hour, Closes: now + 68*hour, TimeZone: "Asia/Novosibirsk"}}},
		Districts: []organiser.District{
			{ID: "77-01", Name: election.Text{RU: "Москва, округ 1", EN: "Moscow, district 1"}, Region: "77"},
			{ID: "54-01", Name: election.Text{RU: "Новосибирск, округ 1", EN: "Novosibirsk, district 1"}, Region: "54"},
		},
		Contests: []election.Contest{{ID: "council", Title: election.Text{RU: "Депутат", EN: "Councillor"}, Kind: election.KindOneOfN, Min: 1, Max: 1,
			Options: []election.Option{{ID: "a", Title: election.Text{RU: "Анна", EN: "Anna"}}, {ID: "b", Title: election.Text{RU: "Борис", EN: "Boris"}}}}},
		Threshold: scratch.Threshold,
	}
	for _, g := range scratch.Guardians {
		d.Guardians = append(d.Guardians, organiser.Guardian{Name: g.Name, Key: organiser.FormatGuardianKey(g.Key)})
	}
	for _, m := range scratch.Commission {
		d.Commission = append(d.Commission, organiser.Member{ID: m.ID, Name: m.Name, Key: organiser.FormatMemberKey("ed25519", m.Key)})
	}
	return d
}

// voter is a person in the voter register with a verified account.
type voter struct {
	registry.Identity
	region, district string
	account          string
}

// snils makes a valid insurance number from 9 digits.
func snils(n int) string {
	d := fmt.Sprintf("%09d", n)
	sum := 0
	for k := 0; k < 9; k++ {
		sum += int(d[k]-'0') * (9 - k)
	}
	check := sum % 101
	if check == 100 {
		check = 0
	}
	return fmt.Sprintf("%s-%s-%s %02d", d[0:3], d[3:6], d[6:9], check)
}

// voters registers n people (in 77-01, 54-01, 77-01, …) in the register
// and gives each a verified account.
func voters(t *testing.T, e *env, n int) []voter {
	t.Helper()
	var csv strings.Builder
	csv.WriteString("full_name,birth_date,document,snils,address,region,district\n")
	out := make([]voter, n)
	for i := range out {
		region, district := "77", "77-01"
		if i%2 == 1 {
			region, district = "54", "54-01"
		}
		out[i] = voter{Identity: registry.Identity{
			FullName:  "Проверкин Пётр " + []string{"Иванович", "Петрович", "Сергеевич", "Андреевич", "Олегович", "Ильич"}[i%6],
			BirthDate: fmt.Sprintf("19%02d-03-04", 60+i), Document: fmt.Sprintf("4510 %06d", 200000+i), SNILS: snils(300000000 + i),
			Phone: fmt.Sprintf("+7916000%04d", i), Email: fmt.Sprintf("voter%d@example.test", i), Address: "Город, ул. Проверочная, д. " + fmt.Sprint(i+1),
		}, region: region, district: district}
		fmt.Fprintf(&csv, "%s,%s,%s,%s,%q,%s,%s\n", out[i].FullName, out[i].BirthDate, out[i].Document, out[i].SNILS, out[i].Address, region, district)
	}
	if _, err := e.p.Registry.ImportRegister(e.ctx, strings.NewReader(csv.String())); err != nil {
		t.Fatal(err)
	}
	for i := range out {
		acc, err := e.p.Registry.Register(e.ctx, out[i].Identity, "correct horse battery", "test")
		if err != nil {
			t.Fatal(err)
		}
		if err := e.p.Registry.VerifyAccount(e.ctx, acc.ID, "test", "test"); err != nil {
			t.Fatal(err)
		}
		out[i].account = acc.ID
	}
	return out
}

// fix creates, saves and fixes a draft, failing the test on any error.
func fix(t *testing.T, e *env, d organiser.Draft, list ...string) organiser.Draft {
	t.Helper()
	got, err := e.s.Create(e.ctx, d, "organiser-1")
	if err != nil {
		t.Fatal(err)
	}
	if list != nil {
		if got, err = e.s.SetParticipants(e.ctx, d.ID, got.Version, list, "organiser-1"); err != nil {
			t.Fatal(err)
		}
	}
	fixed, err := e.s.Fix(e.ctx, d.ID, got.Version, "organiser-1")
	if err != nil {
		t.Fatalf("fixing %s: %v", d.ID, err)
	}
	return fixed
}
