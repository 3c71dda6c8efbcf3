package ballotbox

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/urna-vote/urna/election"
)

var (
	// ErrClosed: the box was closed; nothing more is appended.
	ErrClosed = errors.New("ballotbox: closed")

	// ErrInvalid: the request is malformed before any check of the
	// election (empty, oversized, not encodable).
	ErrInvalid = errors.New("ballotbox: invalid request")

	// ErrUnavailable: the replicated ledger could not commit the entry
	// (too few validators reachable); nothing was appended.
	ErrUnavailable = errors.New("ballotbox: the replicated ledger is unavailable")
)

// A BusyError says the queue is full: the entry was not taken. Wait is how
// long the queue ahead would take at the recent rate, and Position where
// the entry would have stood.
type BusyError struct {
	Position int
	Wait     time.Duration
}

func (e *BusyError) Error() string {
	return fmt.Sprintf("ballotbox: the queue is full (%d ahead, about %s); try again", e.Position, e.Wait.Round(time.Second))
}

func (b *Box) busy(position int) *BusyError {
	rate := b.rate.perSecond()
	if rate < 1 {
		rate = 1
	}
	wait := time.Duration(float64(position) / rate * float64(time.Second))
	return &BusyError{Position: position, Wait: max(wait, time.Second)}
}

// QueueLength returns how many entries wait in the pipeline now, and the
// recent rate at which entries are appended per second.
func (b *Box) QueueLength() (queued int, perSecond float64) {
	return int(b.queued.Load()), b.rate.perSecond()
}

// Code returns the stable error code of an error of Cast, Spoil or Append,
// for clients: "voting_not_open", "voting_closed", "malformed_ballot",
// "invalid_credential", "wrong_district", "invalid_proof",
// "stale_sequence", "duplicate_ballot", "spoiled_ballot",
// "turnout_exceeded", "invalid_spoil", "rejected" (another check of the
// state machine), "busy", "unavailable" (closed or failed) or "invalid".
func Code(err error, phase election.Phase) string {
	var ce *election.CheckError
	var be *BusyError
	switch {
	case errors.As(err, &be):
		return "busy"
	case errors.Is(err, ErrInvalid):
		return "invalid"
	case errors.As(err, &ce):
		switch ce.ID {
		case election.CheckDecode, election.CheckBallotForm:
			return "malformed_ballot"
		case election.CheckPhase:
			if phase < election.PhaseOpen {
				return "voting_not_open"
			}
			return "voting_closed"
		case election.CheckWindow:
			return "voting_closed"
		case election.CheckCredential:
			return "invalid_credential"
		case election.CheckShape:
			return "wrong_district"
		case election.CheckProofs:
			return "invalid_proof"
		case election.CheckSequence:
			return "stale_sequence"
		case election.CheckUnique:
			return "duplicate_ballot"
		case election.CheckSpoiled:
			return "spoiled_ballot"
		case election.CheckTurnout:
			return "turnout_exceeded"
		case election.CheckSpoil:
			return "invalid_spoil"
		}
		return "rejected"
	}
	return "unavailable"
}

// rateMeter measures a rate over the last few seconds.
type rateMeter struct {
	mu     sync.Mutex
	start  time.Time
	count  [4]int // per second, ring
	second int64
}

func (m *rateMeter) add(n int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.roll(time.Now())
	m.count[m.second%4] += n
}

// roll moves the ring to now, zeroing the seconds skipped.
func (m *rateMeter) roll(now time.Time) {
	s := now.Unix()
	if m.start.IsZero() {
		m.start, m.second = now, s
	}
	for m.second < s {
		m.second++
		m.count[m.second%4] = 0
	}
}

// perSecond is the rate over the three whole seconds before this one (or
// since the start, if shorter).
func (m *rateMeter) perSecond() float64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := time.Now()
	m.roll(now)
	total := 0
	for i := int64(1); i <= 3; i++ {
		total += m.count[(m.second-i)%4]
	}
	secs := min(3, now.Sub(m.start).Seconds())
	if secs < 1 {
		return float64(total + m.count[m.second%4])
	}
	return float64(total) / secs
}
