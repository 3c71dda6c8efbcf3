package notify

import (
	"context"
	"crypto/tls"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/urna-vote/urna/internal/storetest"
	"github.com/urna-vote/urna/store"
)

// flaky fails its first failures deliveries, then counts them.
type flaky struct {
	failures atomic.Int32
	sent     atomic.Int32
}

func (f *flaky) SendSMS(ctx context.Context, phone, text string) error {
	if f.failures.Add(-1) >= 0 {
		return errors.New("gateway down")
	}
	f.sent.Add(1)
	return nil
}

// The outbox on each engine: an event queues one message however often
// it is told; a failing gateway is retried with backoff until it delivers,
// once; e-mail goes over a real SMTP conversation with its Message-ID; two
// dispatchers at once deliver each message once.
func TestQueue(t *testing.T) {
	ctx := context.Background()
	for engine, dsn := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			db, err := store.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			var clock atomic.Int64
			clock.Store(time.Date(2026, 9, 1, 9, 0, 0, 0, time.UTC).UnixMilli())
			now := func() time.Time { return time.UnixMilli(clock.Load()) }
			gw := &flaky{}
			gw.failures.Store(2)
			srv := newSMTPServer(t, serverConf{})
			q := NewQueue(db, gw, &SMTP{Addr: srv.addr, From: "urna@vybory.test"}, now, nil)
			for range 3 {
				if _, err := q.Enqueue(ctx, "applied:e:a1", ChannelSMS, "+79160000001", "", "Заявление учтено"); err != nil {
					t.Fatal(err)
				}
			}
			if n, _ := q.Dispatch(ctx, 10); n != 0 || gw.sent.Load() != 0 {
				t.Fatalf("first attempt against a failing gateway: %d sent", n)
			}
			if n, _ := q.Dispatch(ctx, 10); n != 0 {
				t.Fatal("a failed message was retried before its backoff")
			}
			clock.Add(int64(31 * time.Second / time.Millisecond))
			q.Dispatch(ctx, 10) // second failure
			clock.Add(int64(61 * time.Second / time.Millisecond))
			if n, err := q.Dispatch(ctx, 10); n != 1 || err != nil {
				t.Fatalf("after the backoff: %d sent, %v", n, err)
			}
			clock.Add(int64(time.Hour / time.Millisecond))
			q.Dispatch(ctx, 10)
			if gw.sent.Load() != 1 {
				t.Fatalf("the SMS was delivered %d times, want once", gw.sent.Load())
			}

			// E-mail, over SMTP.
			if ok, err := q.Enqueue(ctx, "results:e:a1", ChannelMail, "voter@example.test", "Итоги опубликованы", "Итоги выборов опубликованы."); !ok || err != nil {
				t.Fatal(ok, err)
			}
			if n, err := q.Dispatch(ctx, 10); n != 1 || err != nil {
				t.Fatalf("e-mail: %d sent, %v", n, err)
			}
			ss := srv.next(t)
			if !ss.has("RCPT TO:<voter@example.test>") || len(ss.data) != 1 {
				t.Fatalf("the e-mail conversation:\n%s", strings.Join(ss.lines, "\n"))
			}
			m := parse(t, ss.data[0])
			if want := "<" + outboxID(t, db, "results:e:a1") + "@vybory.test>"; m.messageID != want {
				t.Errorf("Message-ID %q, want the queue's %q", m.messageID, want)
			}
			if m.subject != "Итоги опубликованы" || m.body != "Итоги выборов опубликованы." {
				t.Errorf("subject %q, body %q", m.subject, m.body)
			}

			// Two dispatchers at once.
			gw2 := &flaky{}
			q2 := NewQueue(db, gw2, nil, now, nil)
			for i := range 40 {
				q2.Enqueue(ctx, "opened:e:"+string(rune('A'+i)), ChannelSMS, "+7916000000"+string(rune('0'+i%10)), "", "Голосование началось")
			}
			var wg sync.WaitGroup
			for range 2 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					q2.Dispatch(ctx, 100)
				}()
			}
			wg.Wait()
			if gw2.sent.Load() != 40 {
				t.Errorf("two dispatchers delivered %d messages, want each of the 40 once", gw2.sent.Load())
			}
			waiting, sent, failed, err := q.Counts(ctx)
			if err != nil || waiting != 0 || sent != 42 || failed != 0 {
				t.Errorf("counts: %d waiting, %d sent, %d failed, %v", waiting, sent, failed, err)
			}
		})
	}
}

// outboxID is the queue's id of the message queued for event.
func outboxID(t *testing.T, db *store.DB, event string) string {
	t.Helper()
	var id string
	if err := db.QueryRowContext(context.Background(), `SELECT id FROM outbox WHERE event = $1`, event).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// An e-mail through a server that refuses the password, then the
// recipient, then takes the message but hangs up before saying it has it:
// each failure is kept as a clear error without the password or the
// address, and retried after its backoff; the retry after the unknown
// outcome carries the same Message-ID, and once delivered the message is
// never sent again.
func TestQueueMailRetries(t *testing.T) {
	ctx := context.Background()
	serverTLS, roots := testCert(t)
	for engine, dsn := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			db, err := store.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			var clock atomic.Int64
			clock.Store(time.Date(2026, 9, 1, 9, 0, 0, 0, time.UTC).UnixMilli())
			now := func() time.Time { return time.UnixMilli(clock.Load()) }
			good := serverConf{tls: serverTLS, auth: "PLAIN", user: "urna", password: "client pass"}
			badAuth := good
			badAuth.password = "another pass"
			srv := newSMTPServer(t, badAuth)
			mailer := &SMTP{Addr: "mail.example.test:587", From: "urna@vybory.test", Username: "urna", Password: "client pass",
				RequireTLS: true, TLSConfig: &tls.Config{RootCAs: roots}, dial: srv.dialer()}
			q := NewQueue(db, nil, mailer, now, nil)
			const event = "results:e:a7"
			if ok, err := q.Enqueue(ctx, event, ChannelMail, "voter7@example.test", "Итоги опубликованы", "Итоги выборов опубликованы."); !ok || err != nil {
				t.Fatal(ok, err)
			}
			id := outboxID(t, db, event)
			lastError := func() (int, string) {
				var attempts int
				var text string
				if err := db.QueryRowContext(ctx, `SELECT attempts, last_error FROM outbox WHERE id = $1`, id).Scan(&attempts, &text); err != nil {
					t.Fatal(err)
				}
				return attempts, text
			}
			refuseRcpt, drop := good, good
			refuseRcpt.refuseRcpt = true
			drop.dropAfterData = true
			for i, step := range []struct {
				next serverConf // how the server treats the retry
				want []string   // in the kept error
			}{
				{refuseRcpt, []string{"mail.example.test:587", "AUTH", "535"}},
				{drop, []string{"mail.example.test:587", "RCPT", "550"}},
				{good, []string{"mail.example.test:587", "send", "no answer after the message"}},
			} {
				if n, err := q.Dispatch(ctx, 10); n != 0 || err != nil {
					t.Fatalf("attempt %d: %d sent, %v", i+1, n, err)
				}
				attempts, text := lastError()
				if attempts != i+1 {
					t.Errorf("attempt %d counted as %d", i+1, attempts)
				}
				for _, w := range step.want {
					if !strings.Contains(text, w) {
						t.Errorf("attempt %d: kept error %q lacks %q", i+1, text, w)
					}
				}
				checkRedacted(t, errors.New(text), mailer.Password, "voter7@example.test")
				srv.next(t)
				if n, _ := q.Dispatch(ctx, 10); n != 0 {
					t.Fatalf("attempt %d retried before its backoff", i+1)
				}
				srv.set(step.next)
				clock.Add(int64(time.Hour / time.Millisecond))
			}
			// The third attempt left a message whose fate the queue could
			// not know; the fourth delivers it again under the same id.
			if n, err := q.Dispatch(ctx, 10); n != 1 || err != nil {
				t.Fatalf("attempt 4: %d sent, %v", n, err)
			}
			delivered := srv.next(t)
			if len(delivered.data) != 1 {
				t.Fatalf("attempt 4: %d messages", len(delivered.data))
			}
			want := "<" + id + "@vybory.test>"
			if m := parse(t, delivered.data[0]); m.messageID != want || m.subject != "Итоги опубликованы" {
				t.Errorf("delivered Message-ID %q subject %q, want %q", m.messageID, m.subject, want)
			}
			clock.Add(int64(time.Hour / time.Millisecond))
			if n, _ := q.Dispatch(ctx, 10); n != 0 {
				t.Error("a delivered message was sent again")
			}
			select {
			case ss := <-srv.got:
				t.Errorf("a conversation after delivery:\n%s", strings.Join(ss.lines, "\n"))
			default:
			}
			if waiting, sent, failed, err := q.Counts(ctx); waiting != 0 || sent != 1 || failed != 0 || err != nil {
				t.Errorf("counts: %d waiting, %d sent, %d failed, %v", waiting, sent, failed, err)
			}
		})
	}
}
