package notify

import (
	"context"
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
			addr, got := smtpServer(t)
			q := NewQueue(db, gw, &SMTP{Addr: addr, From: "urna@vybory.test"}, now, nil)
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
			text := strings.Join(<-got, "\n")
			if !strings.Contains(text, "Message-ID: <") || !strings.Contains(text, "RCPT TO:<voter@example.test>") {
				t.Errorf("the e-mail conversation:\n%s", text)
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
