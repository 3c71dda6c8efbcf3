package notify

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/urna-vote/urna/store"
)

// Channels of a queued message.
const (
	ChannelSMS  = "sms"
	ChannelMail = "email"
)

// A Queue is the persistent outbox of notifications: a message is queued
// in the private database under the event it tells of ("applied:E:A" —
// unique, so an event never queues a message twice), and a dispatcher
// delivers due messages, retrying failures with exponential backoff (from
// 30 seconds up to an hour, 20 attempts, then marked failed for the
// operator). A delivered message is marked sent and never sent again; if
// the process dies between delivery and the mark, it is delivered once
// more on restart, carrying the same Message-ID for the receiver to drop.
type Queue struct {
	db   *store.DB
	sms  SMS
	mail Mail
	now  func() time.Time
	log  *slog.Logger
}

// maxAttempts bounds the deliveries tried for one message.
const maxAttempts = 20

// NewQueue returns the outbox of db, delivering through sms and mail
// (either may be nil: its messages then fail and are retried like any
// failed delivery).
func NewQueue(db *store.DB, sms SMS, mail Mail, now func() time.Time, log *slog.Logger) *Queue {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.Default()
	}
	return &Queue{db: db, sms: sms, mail: mail, now: now, log: log}
}

// Enqueue queues a message for event, unless one was queued for it
// already. It reports whether it queued one.
func (q *Queue) Enqueue(ctx context.Context, event, channel, to, subject, body string) (bool, error) {
	if channel != ChannelSMS && channel != ChannelMail {
		return false, fmt.Errorf("notify: unknown channel %q", channel)
	}
	if to == "" {
		return false, errors.New("notify: no recipient")
	}
	b := make([]byte, 12)
	rand.Read(b)
	now := q.now().UnixMilli()
	res, err := q.db.ExecContext(ctx, `INSERT INTO outbox (id, event, channel, recipient, subject, body, created, attempts, next_at, sent_at, failed, last_error)
		VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, 0, 0, '') ON CONFLICT (event) DO NOTHING`,
		hex.EncodeToString(b), event, channel, to, subject, body, now, now)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// Dispatch delivers the messages due now, at most limit of them, and
// returns how many it delivered.
func (q *Queue) Dispatch(ctx context.Context, limit int) (int, error) {
	now := q.now()
	rows, err := q.db.QueryContext(ctx, `SELECT id, channel, recipient, subject, body, attempts, next_at FROM outbox
		WHERE sent_at = 0 AND failed = 0 AND next_at <= $1 ORDER BY next_at LIMIT $2`, now.UnixMilli(), limit)
	if err != nil {
		return 0, err
	}
	type due struct {
		id, channel, to, subject, body string
		attempts, nextAt               int64
	}
	var list []due
	for rows.Next() {
		var d due
		if err := rows.Scan(&d.id, &d.channel, &d.to, &d.subject, &d.body, &d.attempts, &d.nextAt); err != nil {
			rows.Close()
			return 0, err
		}
		list = append(list, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	sent := 0
	for _, d := range list {
		// Claim it: another dispatcher that read it too finds next_at
		// moved and leaves it.
		lease := now.Add(5 * time.Minute).UnixMilli()
		res, err := q.db.ExecContext(ctx, `UPDATE outbox SET next_at = $1 WHERE id = $2 AND next_at = $3 AND sent_at = 0`, lease, d.id, d.nextAt)
		if err != nil {
			return sent, err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			continue
		}
		err = q.deliver(ctx, d.id, d.channel, d.to, d.subject, d.body)
		if err == nil {
			if _, err := q.db.ExecContext(ctx, `UPDATE outbox SET sent_at = $1, attempts = attempts + 1, last_error = '' WHERE id = $2`, q.now().UnixMilli(), d.id); err != nil {
				return sent, err
			}
			sent++
			continue
		}
		attempts := d.attempts + 1
		failed := 0
		if attempts >= maxAttempts {
			failed = 1
			q.log.Error("notify: giving up a message", "id", d.id, "channel", d.channel, "attempts", attempts, "err", err)
		} else {
			q.log.Warn("notify: delivery failed; will retry", "id", d.id, "channel", d.channel, "attempts", attempts, "err", err)
		}
		next := now.Add(backoff(attempts)).UnixMilli()
		if _, err2 := q.db.ExecContext(ctx, `UPDATE outbox SET attempts = $1, next_at = $2, failed = $3, last_error = $4 WHERE id = $5`,
			attempts, next, failed, err.Error(), d.id); err2 != nil {
			return sent, err2
		}
	}
	return sent, nil
}

// backoff is the wait after the attempts-th failure: 30 s doubling, at
// most an hour.
func backoff(attempts int64) time.Duration {
	d := 30 * time.Second
	for i := int64(1); i < attempts && d < time.Hour; i++ {
		d *= 2
	}
	return min(d, time.Hour)
}

func (q *Queue) deliver(ctx context.Context, id, channel, to, subject, body string) error {
	switch channel {
	case ChannelSMS:
		if q.sms == nil {
			return errors.New("no SMS gateway configured")
		}
		return q.sms.SendSMS(ctx, to, body)
	default:
		if q.mail == nil {
			return errors.New("no mail server configured")
		}
		if m, ok := q.mail.(interface {
			SendMailID(ctx context.Context, id, to, subject, body string) error
		}); ok {
			return m.SendMailID(ctx, id, to, subject, body)
		}
		return q.mail.SendMail(ctx, to, subject, body)
	}
}

// Run dispatches every interval until ctx ends.
func (q *Queue) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := q.Dispatch(ctx, 100); err != nil && ctx.Err() == nil {
			q.log.Error("notify: dispatch", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Counts returns how many messages are waiting, sent and failed.
func (q *Queue) Counts(ctx context.Context) (waiting, sent, failed int, err error) {
	err = q.db.QueryRowContext(ctx, `SELECT
		count(CASE WHEN sent_at = 0 AND failed = 0 THEN 1 END),
		count(CASE WHEN sent_at <> 0 THEN 1 END),
		count(CASE WHEN failed <> 0 THEN 1 END) FROM outbox`).Scan(&waiting, &sent, &failed)
	return waiting, sent, failed, err
}
