package organiser

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/urna-vote/urna/registry"
)

// fixedSettings are the private settings of a fixed vote that decide who
// may apply.
type fixedSettings struct {
	TimeZone     string
	Applications Period
	Participants Participants
	Access       []AccessRule
}

// settingsOf returns the settings of the console's vote id once it is
// fixed, or nil for an election the console did not make.
func (s *Service) settingsOf(ctx context.Context, id string) (*fixedSettings, error) {
	if v, ok := s.settings.Load(id); ok {
		return v.(*fixedSettings), nil
	}
	d, err := s.Get(ctx, id)
	if err != nil && !isNotFound(err) {
		return nil, err
	}
	if err != nil || d.State == StateDraft {
		// Applications reach only elections the platform defined, and the
		// console never takes the id of one: this is not the console's.
		s.settings.Store(id, (*fixedSettings)(nil))
		return nil, nil
	}
	fs := &fixedSettings{TimeZone: d.Voting.TimeZone, Applications: d.Applications, Participants: d.Participants, Access: d.Access}
	if d.State == StateFixed {
		s.settings.Store(id, fs)
	}
	return fs, nil
}

// Eligible decides whether a person may apply to vote in a fixed vote of
// the console, after the registry's own checks: the application window has
// opened, they are among the participants (in the uploaded list, or in the
// register's regions and districts the vote admits), and their account
// meets one of the access rules. A refusal is a *registry.Error that says
// what the person can do about it. Elections the console did not make are
// not its concern.
func (s *Service) Eligible(ctx context.Context, electionID string, a registry.Applicant) error {
	fs, err := s.settingsOf(ctx, electionID)
	if err != nil || fs == nil {
		return err
	}
	if opens := fs.Applications.Opens; opens != 0 && s.opts.Now().UnixMilli() < opens {
		loc, err := time.LoadLocation(fs.TimeZone)
		if err != nil {
			loc = time.UTC
		}
		at := time.UnixMilli(opens).In(loc)
		return &registry.Error{Code: "applications_not_open", Message: registry.Text{
			RU: "Приём заявлений на это голосование начнётся " + at.Format("02.01.2006 в 15:04 MST") + ". Подайте заявление после этого.",
			EN: "Applications for this vote open on " + at.Format("2 January 2006 at 15:04 MST") + ". Please apply then."}}
	}
	if err := s.participates(ctx, electionID, fs.Participants, a); err != nil {
		return err
	}
	return s.admits(ctx, fs.Access, a)
}

func (s *Service) participates(ctx context.Context, id string, p Participants, a registry.Applicant) error {
	notEligible := func(ru, en string) error {
		return &registry.Error{Code: "not_eligible", Message: registry.Text{RU: ru, EN: en}}
	}
	if p.Source == SourceList {
		var n int
		acc := a.Account.Identity
		if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM organiser_participants WHERE vote = $1 AND entry IN ($2, $3, $4)`,
			id, acc.SNILS, acc.Phone, strings.ToLower(acc.Email)).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return notEligible("Вас нет в списке участников этого голосования: организатор указал участников по СНИЛС, телефону или адресу почты, и ни один из ваших не найден. Проверьте эти данные в профиле; если они верны, обратитесь к организатору голосования.",
				"You are not on this vote's list of participants: the organiser listed them by insurance number, phone or e-mail, and none of yours is there. Check these in your profile; if they are right, contact the vote's organiser.")
		}
		return nil
	}
	if len(p.Regions) > 0 && !slices.Contains(p.Regions, a.Region) {
		where := "вы не найдены в реестре избирателей"
		whereEN := "you are not in the voter register"
		if a.Region != "" {
			where, whereEN = "по реестру избирателей вы зарегистрированы в регионе "+a.Region, "the voter register places you in region "+a.Region
		}
		return notEligible("В этом голосовании участвуют избиратели регионов "+strings.Join(p.Regions, ", ")+", а "+where+". Если адрес регистрации изменился, обратитесь в территориальную избирательную комиссию.",
			"This vote is for voters of regions "+strings.Join(p.Regions, ", ")+", and "+whereEN+". If your registered address has changed, contact your territorial election commission.")
	}
	if len(p.Districts) > 0 && !slices.Contains(p.Districts, a.District) {
		where := "вы не найдены в реестре избирателей"
		whereEN := "you are not in the voter register"
		if a.District != "" {
			where, whereEN = "по реестру избирателей ваш округ — "+a.District, "the voter register places you in district "+a.District
		}
		return notEligible("В этом голосовании участвуют избиратели округов "+strings.Join(p.Districts, ", ")+", а "+where+". Если адрес регистрации изменился, обратитесь в территориальную избирательную комиссию.",
			"This vote is for voters of districts "+strings.Join(p.Districts, ", ")+", and "+whereEN+". If your registered address has changed, contact your territorial election commission.")
	}
	return nil
}

// admits checks the access rules: the account must meet one.
func (s *Service) admits(ctx context.Context, rules []AccessRule, a registry.Applicant) error {
	if len(rules) == 0 {
		rules = []AccessRule{{Accounts: AccountsVerified, Auth: AuthAny}}
	}
	var key *bool
	var ru, en []string
	for _, r := range rules {
		ok := a.Account.Status == registry.StatusVerified
		if ok && r.Accounts == AccountsSignatureKey {
			if key == nil {
				has, err := s.hasSignatureKey(ctx, a.Account.ID)
				if err != nil {
					return err
				}
				key = &has
			}
			ok = *key
		}
		switch r.Auth {
		case AuthPasswordSMS:
			ok = ok && a.Password
		case AuthOIDC:
			ok = ok && a.Provider != ""
		}
		if ok {
			return nil
		}
		dr, de := describeRule(r)
		ru, en = append(ru, dr), append(en, de)
	}
	return &registry.Error{Code: "access_denied", Message: registry.Text{
		RU: "Подать заявление на это голосование можно только с учётной записью, " + strings.Join(ru, "; или ") + ". Ваша учётная запись этому не отвечает.",
		EN: "Only an account " + strings.Join(en, "; or ") + " may apply to this vote. Yours does not."}}
}

// describeRule says what an access rule asks of an account and what to do
// to meet it.
func describeRule(r AccessRule) (ru, en string) {
	switch r.Accounts {
	case AccountsSignatureKey:
		ru, en = "подтверждённой и с зарегистрированным ключом электронной подписи (ключ регистрирует оператор)",
			"that is verified and has a registered signature key (an operator registers it)"
	default:
		ru, en = "подтверждённой (подтвердите личность у оператора или через портал госуслуг)",
			"that is verified (verify your identity with an operator or through the state services portal)"
	}
	switch r.Auth {
	case AuthPasswordSMS:
		ru, en = ru+", которая входит по паролю и коду из СМС", en+", logging in with a password and a code by SMS"
	case AuthOIDC:
		ru, en = ru+", которая входит через поставщика удостоверений (например, портал госуслуг)", en+", logging in through an identity provider (such as the state services portal)"
	}
	return ru, en
}
