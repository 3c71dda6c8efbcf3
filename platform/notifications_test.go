package platform_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/urna-vote/urna/internal/storetest"
	"github.com/urna-vote/urna/notify"
	"github.com/urna-vote/urna/platform"
	"github.com/urna-vote/urna/registry"
)

// A voter is told of the events each election chose, once each: one
// election tells of everything, the other only that voting ended.
func TestNotificationChoices(t *testing.T) {
	ctx := context.Background()
	start := time.Date(2027, 9, 19, 5, 0, 0, 0, time.UTC)
	c := &clock{}
	c.ms.Store(start.Add(-time.Hour).UnixMilli())
	sms := notify.NewOutbox(100)
	p, err := platform.Open(ctx, platform.Config{Data: t.TempDir(), DB: storetest.DSN(t), Now: c.now, SMS: sms})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	for id, notifyOf := range map[string][]string{"all": nil, "ended": {notify.EventVotingEnded}} {
		keyedElection(t, p, id, true, start, registry.ElectionInfo{Level: "municipal", ApplicationsClose: start, Notify: notifyOf})
	}

	const phone = "+79001234567"
	acc, err := p.Registry.Register(ctx, registry.Identity{FullName: "Иванова Мария Петровна", BirthDate: "1980-01-02",
		Document: "4500 123456", SNILS: "112-233-445 95", Phone: phone, Email: "maria@example.org", Address: "Москва"}, "a long enough password", "test")
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Registry.VerifyAccount(ctx, acc.ID, "operator", "test"); err != nil {
		t.Fatal(err)
	}
	for range 2 { // applying twice tells once
		for _, id := range []string{"all", "ended"} {
			if _, err := p.Apply(ctx, acc.ID, id, "test"); err != nil {
				t.Fatal(err)
			}
		}
	}

	// count counts the messages naming an election's application or
	// containing s.
	count := func(s string) int {
		n := 0
		for _, m := range sms.All(phone) {
			if strings.Contains(m.Text, s) {
				n++
			}
		}
		return n
	}
	wait := func(s string, want int) {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for count(s) < want {
			if time.Now().After(deadline) {
				t.Fatalf("%d messages with %q, want %d: %+v", count(s), s, want, sms.All(phone))
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	wait("Z-all-", 1)
	c.ms.Store(start.Add(time.Minute).UnixMilli())
	wait("голосование началось", 1)
	c.ms.Store(start.Add(12 * time.Hour).UnixMilli())
	wait("голосование завершено", 2)
	time.Sleep(5 * time.Second) // more phase checks and dispatches
	for s, want := range map[string]int{"Z-all-": 1, "Z-ended-": 0, "голосование началось": 1, "голосование завершено": 2, "меньше суток": 1} {
		if n := count(s); n != want {
			t.Errorf("%d messages with %q, want %d", n, s, want)
		}
	}
}
