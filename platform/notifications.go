package platform

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/urna-vote/urna/election"
	"github.com/urna-vote/urna/issuance"
	"github.com/urna-vote/urna/notify"
	"github.com/urna-vote/urna/registry"
)

// Notifications: what a voter is told, by SMS and (where the account has
// an address and a mail server is configured) e-mail, through the
// persistent outbox (notify.Queue): the application accepted, voting
// started, a reminder a day before the end to those who have not received
// their ballot, voting ended, the result published. Each goes once per
// voter and election (the outbox's event key), and only those the
// election chose (registry.ElectionInfo.Notify).

// notifyVoter queues a message to one voter.
func (p *Platform) notifyVoter(ctx context.Context, event string, c registry.Contact, subject, text string) {
	if c.Phone != "" {
		if _, err := p.Notifications.Enqueue(ctx, event+":sms:"+c.AccountID, notify.ChannelSMS, c.Phone, "", text); err != nil && ctx.Err() == nil {
			p.Log.Error("platform: queueing a notification", "event", event, "err", err)
		}
	}
	if c.Email != "" && p.Config.Mail != nil {
		if _, err := p.Notifications.Enqueue(ctx, event+":email:"+c.AccountID, notify.ChannelMail, c.Email, subject, text); err != nil && ctx.Err() == nil {
			p.Log.Error("platform: queueing a notification", "event", event, "err", err)
		}
	}
}

// Apply accounts a voter's application (registry.Apply) and tells them,
// if the election's voters are told of it. Applying again to an accounted
// application changes nothing and tells nothing twice.
func (p *Platform) Apply(ctx context.Context, accountID, electionID, ip string) (registry.Application, error) {
	app, err := p.Registry.Apply(ctx, accountID, electionID, ip)
	if err != nil {
		return app, err
	}
	p.applied(ctx, accountID, app)
	return app, nil
}

// applied tells a voter their application is accounted.
func (p *Platform) applied(ctx context.Context, accountID string, app registry.Application) {
	info, err := p.Registry.Election(ctx, app.ElectionID)
	if err != nil || !info.Notifies(notify.EventApplied) {
		return
	}
	acc, err := p.Registry.Account(ctx, accountID)
	if err != nil {
		return
	}
	p.notifyVoter(ctx, "applied:"+app.ElectionID, registry.Contact{AccountID: accountID, Phone: acc.Identity.Phone, Email: acc.Identity.Email},
		"Заявление учтено / Application accounted",
		fmt.Sprintf("Ваше заявление № %s на дистанционное голосование учтено. Your application No. %s to vote online is accounted.", app.Number, app.Number))
}

// phaseMessages are what the phases tell the applicants, in order. Each
// is due while the election is in a phase from its own up to until, so a
// phase passed within a second (a tally with nothing to decrypt) is still
// told of, and a platform started after the close does not announce that
// voting started.
var phaseMessages = []struct {
	phase, until         election.Phase
	event, subject, text string
}{
	{election.PhaseOpen, election.PhaseOpen, notify.EventVotingStarted, "Голосование началось / Voting has started",
		"Дистанционное голосование началось: войдите на портал, чтобы проголосовать. Online voting has started: log in to vote."},
	{election.PhaseClosed, election.PhaseDecided, notify.EventVotingEnded, "Голосование завершено / Voting has ended",
		"Дистанционное голосование завершено. Online voting has ended."},
	{election.PhaseDecided, election.PhaseDecided, notify.EventResultsPublished, "Итоги опубликованы / Results published",
		"Итоги выборов опубликованы; их можно проверить в открытом реестре. The results are published and can be checked on the public ledger."},
}

// watchPhases tells the applicants of an election of its phase changes,
// and reminds those who have not voted a day before it closes, each as
// the election chose (registry.ElectionInfo.Notify).
func (p *Platform) watchPhases(ctx context.Context, e *issuance.Election, seen map[string]bool) {
	var phase election.Phase
	var closes int64
	e.Box.View(func(st *election.State) {
		phase = st.Phase
		if st.Manifest != nil {
			closes = st.Manifest.Voting.Closes
		}
	})
	// due lists the seen-keys of what is to be told now.
	var due []string
	for _, m := range phaseMessages {
		if key := fmt.Sprintf("%s:%s", e.ID, m.phase); phase >= m.phase && phase <= m.until && !seen[key] {
			due = append(due, key)
		}
	}
	remind := phase == election.PhaseOpen && closes > 0 && time.UnixMilli(closes).Sub(p.Config.Now()) < 24*time.Hour
	if remind && !seen[e.ID+":reminder"] {
		due = append(due, e.ID+":reminder")
	}
	if len(due) == 0 {
		return
	}
	// The election's choice of events; an election the registry does not
	// know (defined from the command line) tells of every event.
	info, err := p.Registry.Election(ctx, e.ID)
	var re *registry.Error
	if errors.As(err, &re) && re.Code == "unknown_election" {
		info, err = registry.ElectionInfo{}, nil
	}
	var contacts []registry.Contact
	if err == nil {
		contacts, err = p.Registry.Applicants(ctx, e.ID)
	}
	if err != nil {
		if ctx.Err() == nil {
			p.Log.Error("platform: applicants", "election", e.ID, "err", err)
		}
		return
	}
	for _, m := range phaseMessages {
		key := fmt.Sprintf("%s:%s", e.ID, m.phase)
		if !slices.Contains(due, key) || !info.Notifies(m.event) {
			continue
		}
		for _, c := range contacts {
			p.notifyVoter(ctx, "phase:"+key, c, m.subject, m.text)
		}
	}
	if slices.Contains(due, e.ID+":reminder") && info.Notifies(notify.EventReminder) {
		for _, c := range contacts {
			if !c.Issued {
				p.notifyVoter(ctx, "reminder:"+e.ID, c, "Напоминание / Reminder",
					"До конца дистанционного голосования меньше суток, а вы ещё не проголосовали. Less than a day of online voting is left, and you have not voted yet.")
			}
		}
	}
	for _, key := range due {
		seen[key] = true
	}
}
