package platform

import (
	"context"
	"fmt"
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
// voter and election (the outbox's event key).

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

// Applied tells a voter their application is accounted.
func (p *Platform) Applied(ctx context.Context, accountID string, app registry.Application) {
	acc, err := p.Registry.Account(ctx, accountID)
	if err != nil {
		return
	}
	p.notifyVoter(ctx, "applied:"+app.ElectionID, registry.Contact{AccountID: accountID, Phone: acc.Identity.Phone, Email: acc.Identity.Email},
		"Заявление учтено / Application accounted",
		fmt.Sprintf("Ваше заявление № %s на дистанционное голосование учтено. Your application No. %s to vote online is accounted.", app.Number, app.Number))
}

// phaseMessages are what each phase change tells the applicants.
var phaseMessages = map[election.Phase][2]string{
	election.PhaseOpen:    {"Голосование началось / Voting has started", "Дистанционное голосование началось: войдите на портал, чтобы проголосовать. Online voting has started: log in to vote."},
	election.PhaseClosed:  {"Голосование завершено / Voting has ended", "Дистанционное голосование завершено. Online voting has ended."},
	election.PhaseDecided: {"Итоги опубликованы / Results published", "Итоги выборов опубликованы; их можно проверить в открытом реестре. The results are published and can be checked on the public ledger."},
}

// watchPhases tells the applicants of an election of its phase changes,
// and reminds those who have not voted a day before it closes.
func (p *Platform) watchPhases(ctx context.Context, e *issuance.Election, seen map[string]bool) {
	var phase election.Phase
	var closes int64
	e.Box.View(func(st *election.State) {
		phase = st.Phase
		if st.Manifest != nil {
			closes = st.Manifest.Voting.Closes
		}
	})
	event := ""
	msg, ok := phaseMessages[phase]
	if ok {
		event = fmt.Sprintf("%s:%s", e.ID, phase)
	}
	now := p.Config.Now()
	remind := phase == election.PhaseOpen && closes > 0 && time.UnixMilli(closes).Sub(now) < 24*time.Hour
	if (event == "" || seen[event]) && (!remind || seen[e.ID+":reminder"]) {
		return
	}
	contacts, err := p.Registry.Applicants(ctx, e.ID)
	if err != nil {
		if ctx.Err() == nil {
			p.Log.Error("platform: applicants", "election", e.ID, "err", err)
		}
		return
	}
	for _, c := range contacts {
		if event != "" && !seen[event] {
			p.notifyVoter(ctx, "phase:"+event, c, msg[0], msg[1])
		}
		if remind && !seen[e.ID+":reminder"] && !c.Issued {
			p.notifyVoter(ctx, "reminder:"+e.ID, c, "Напоминание / Reminder",
				"До конца дистанционного голосования меньше суток, а вы ещё не проголосовали. Less than a day of online voting is left, and you have not voted yet.")
		}
	}
	if event != "" {
		seen[event] = true
	}
	if remind {
		seen[e.ID+":reminder"] = true
	}
}
