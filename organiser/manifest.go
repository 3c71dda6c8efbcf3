package organiser

import (
	"crypto/rand"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/urna-vote/urna/crypto/credential"
	"github.com/urna-vote/urna/crypto/sign"
	"github.com/urna-vote/urna/crypto/threshold"
	"github.com/urna-vote/urna/election"
)

// Check validates a draft fully, as Fix will: the private settings, then
// the manifest it builds with the election's own checks. It returns every
// problem it finds with the settings and the keys, or the first the
// manifest's checks find; none means the draft can be fixed now.
func (s *Service) Check(d Draft) []*Error {
	d.defaults()
	probs := d.checkSettings(s.opts.Now())
	m, more := d.build()
	probs = append(probs, more...)
	if len(more) > 0 {
		return probs
	}
	if err := checkManifest(m); err != nil {
		probs = append(probs, translate(err, &d))
	}
	return probs
}

// checkSettings checks the private settings against each other, the
// manifest-to-be and the time now.
func (d *Draft) checkSettings(now time.Time) []*Error {
	var probs []*Error
	bad := func(field, ru, en string) { probs = append(probs, refuse(CodeInvalid, field, ru, en)) }
	var saved *Error
	if errors.As(d.checkSaved(), &saved) {
		probs = append(probs, saved)
	}
	a, v := d.Applications, d.Voting
	if v.Closes != 0 && v.Closes <= now.UnixMilli() {
		bad("voting.closes", "Голосование уже закончилось бы: перенесите его окончание на будущее.", "voting.closes: already past")
	}
	switch {
	case a.Closes == 0:
		bad("applications.closes", "Укажите, когда заканчивается приём заявлений.", "applications.closes: when applications close is required")
	case a.Opens != 0 && a.Opens >= a.Closes:
		bad("applications", "Приём заявлений должен начинаться раньше, чем заканчивается.", "applications: opens must be before closes")
	case a.Closes > v.Closes:
		bad("applications.closes", "Приём заявлений должен закончиться не позже конца голосования.", "applications.closes: must not be after voting closes")
	case a.Closes <= now.UnixMilli():
		bad("applications.closes", "Приём заявлений уже закончился бы: перенесите его окончание на будущее.", "applications.closes: already past")
	}
	regions, districts := map[string]bool{}, map[string]bool{}
	for _, ds := range d.Districts {
		regions[ds.Region], districts[ds.ID] = true, true
	}
	p := d.Participants
	for _, r := range p.Regions {
		if !regions[r] {
			bad("participants.regions", "В фильтре участников регион «"+r+"», но ни один округ голосования к нему не относится.",
				"participants.regions: no district of the vote is in region "+r)
		}
	}
	for _, ds := range p.Districts {
		if !districts[ds] {
			bad("participants.districts", "В фильтре участников округ «"+ds+"», которого нет в списке округов.",
				"participants.districts: "+ds+" is not a district of the vote")
		}
	}
	if p.Source == SourceList && p.ListSize == 0 {
		bad("participants", "Участники — по списку, но список не загружен.", "participants: the source is a list, and none is uploaded")
	}
	for i, g := range d.Guardians {
		if strings.TrimSpace(g.Name) == "" || len(g.Name) > 200 {
			bad(fmt.Sprintf("guardians[%d].name", i), fmt.Sprintf("Хранитель ключа %d: укажите имя (до 200 байт).", i+1),
				fmt.Sprintf("guardians[%d].name: 1 to 200 bytes", i))
		}
	}
	for i, m := range d.Commission {
		if strings.TrimSpace(m.Name) == "" || len(m.Name) > 200 {
			bad(fmt.Sprintf("commission[%d].name", i), fmt.Sprintf("Член комиссии %d: укажите имя (до 200 байт).", i+1),
				fmt.Sprintf("commission[%d].name: 1 to 200 bytes", i))
		}
	}
	if len(d.Commission) == 0 {
		bad("commission", "Укажите хотя бы одного члена комиссии: итоги подписывает комиссия.", "commission: at least one member signs the result")
	}
	return probs
}

// build makes the manifest-to-be: the draft's content with the guardians'
// and members' keys decoded. The districts' issuer keys are left for the
// platform to make.
func (d *Draft) build() (*election.Manifest, []*Error) {
	var probs []*Error
	m := &election.Manifest{ID: d.ID, Title: d.Title, Training: d.Training, Voting: d.Voting,
		Regions: slices.Clone(d.Regions), Threshold: d.Threshold}
	for _, ds := range d.Districts {
		m.Districts = append(m.Districts, election.District{ID: ds.ID, Name: ds.Name, Region: ds.Region})
	}
	for _, c := range d.Contests {
		c.Options, c.Districts = slices.Clone(c.Options), slices.Clone(c.Districts)
		m.Contests = append(m.Contests, c)
	}
	for i, g := range d.Guardians {
		key, err := ParseGuardianKey(g.Key)
		if err != nil {
			probs = append(probs, refuse(CodeInvalid, fmt.Sprintf("guardians[%d].key", i),
				fmt.Sprintf("Хранитель ключа %d («%s»): ключ — не то, что печатает urna guardian init (%s).", i+1, g.Name, err),
				fmt.Sprintf("guardians[%d].key: not what urna guardian init prints: %v", i, err)))
		}
		m.Guardians = append(m.Guardians, election.Guardian{Index: i + 1, Name: g.Name, Key: key})
	}
	for i, mb := range d.Commission {
		scheme, key, err := ParseMemberKey(mb.Key)
		if scheme == sign.Ed25519 {
			scheme = "" // the manifest's default
		}
		m.Commission = append(m.Commission, election.Member{ID: mb.ID, Name: mb.Name, Scheme: scheme, Key: key})
		if err != nil {
			probs = append(probs, refuse(CodeInvalid, fmt.Sprintf("commission[%d].key", i),
				fmt.Sprintf("Член комиссии %d («%s»): ключ — не то, что печатает urna member keygen (%s).", i+1, mb.ID, err),
				fmt.Sprintf("commission[%d].key: not what urna member keygen prints: %v", i, err)))
		}
	}
	return m, probs
}

// checkManifest runs the election's own checks on a manifest-to-be: those
// of the state machine's first entry (election.Manifest.Check, with a
// stand-in issuer key for every district, since the real ones are made
// when the vote is fixed) and the key ceremony's setup, which a manifest
// whose guardians' keys it refuses could never pass.
func checkManifest(m *election.Manifest) error {
	issuer, err := standInIssuer()
	if err != nil {
		return err
	}
	c := *m
	c.Districts = slices.Clone(m.Districts)
	for i := range c.Districts {
		c.Districts[i].Issuer = issuer
	}
	if _, err := c.Check(); err != nil {
		return err
	}
	keys := make([][]byte, len(m.Guardians))
	for i, g := range m.Guardians {
		keys[i] = g.Key
	}
	_, err = threshold.NewSetup(threshold.Params{N: len(m.Guardians), T: m.Threshold}, [32]byte{}, keys)
	return err
}

var standIn struct {
	once sync.Once
	der  []byte
	err  error
}

// standInIssuer is an issuer public key made once per process, standing
// in for the districts' keys while a draft is checked.
func standInIssuer() ([]byte, error) {
	standIn.once.Do(func() {
		is, err := credential.GenerateIssuer(rand.Reader, credential.DefaultModulusBits)
		if err != nil {
			standIn.err = err
			return
		}
		standIn.der = credential.MarshalPublicKey(is.PublicKey())
	})
	return standIn.der, standIn.err
}

// A verdict translates one of the manifest's checks: its English message
// (matched whole), the draft field it concerns, and the Russian message.
type verdict struct {
	re    *regexp.Regexp
	field func(m []string, d *Draft) string
	ru    func(m []string) string
}

var subjects = map[string][2]string{ // what → Russian genitive, draft list
	"election": {"голосования", "id"}, "region": {"региона", "regions"}, "district": {"округа", "districts"},
	"contest": {"вопроса", "contests"}, "option": {"варианта", "contests"}, "commission member": {"члена комиссии", "commission"},
}

func fixed(f string) func([]string, *Draft) string { return func([]string, *Draft) string { return f } }

// itemField names the draft's first list item with the id, or the list.
func itemField(list string, group int) func([]string, *Draft) string {
	return func(m []string, d *Draft) string { return item(d, list, m[group], false) }
}

// twiceField names the second of two list items with the same id.
func twiceField(list string, group int) func([]string, *Draft) string {
	return func(m []string, d *Draft) string { return item(d, list, m[group], true) }
}

func item(d *Draft, list, id string, second bool) string {
	var ids []string
	switch list {
	case "regions":
		for _, r := range d.Regions {
			ids = append(ids, r.ID)
		}
	case "districts":
		for _, r := range d.Districts {
			ids = append(ids, r.ID)
		}
	case "contests":
		for _, c := range d.Contests {
			ids = append(ids, c.ID)
		}
	case "commission":
		for _, c := range d.Commission {
			ids = append(ids, c.ID)
		}
	}
	i := slices.Index(ids, id)
	if second && i >= 0 {
		if j := slices.Index(ids[i+1:], id); j >= 0 {
			i += 1 + j
		}
	}
	if i < 0 && list == "contests" { // an option's id: its contest
		i = slices.IndexFunc(d.Contests, func(c election.Contest) bool {
			return slices.ContainsFunc(c.Options, func(o election.Option) bool { return o.ID == id })
		})
	}
	if i < 0 {
		return list
	}
	return fmt.Sprintf("%s[%d]", list, i)
}

func subjectField(m []string, d *Draft) string {
	s := subjects[m[1]]
	if s[1] == "id" {
		return "id"
	}
	return itemField(s[1], 2)(m, d)
}

// titleSubject is the Russian subject of checkText's message.
func titleSubject(what string) (string, string, string) {
	kind, id, _ := strings.Cut(what, " ")
	switch kind {
	case "election":
		return "Название голосования", "title", ""
	case "region":
		return "Регион «" + id + "»", "regions", id
	case "district":
		return "Округ «" + id + "»", "districts", id
	case "contest":
		return "Вопрос «" + id + "»", "contests", id
	case "option":
		return "Вариант «" + id + "»", "contests", id
	}
	return what, "", ""
}

var verdicts = []verdict{
	{regexp.MustCompile(`^(election|region|district|contest|option|commission member) id "(.*)": must be 1 to (\d+) characters$`), subjectField,
		func(m []string) string {
			return "Идентификатор " + subjects[m[1]][0] + " «" + m[2] + "» должен быть длиной от 1 до " + m[3] + " символов."
		}},
	{regexp.MustCompile(`^(election|region|district|contest|option|commission member) id "(.*)": only letters, digits, '-', '_' and '.'$`), subjectField,
		func(m []string) string {
			return "Идентификатор " + subjects[m[1]][0] + " «" + m[2] + "»: только латинские буквы, цифры, «-», «_» и «.»."
		}},
	{regexp.MustCompile(`^(election title|region \S*|district \S*|contest \S*|option \S*): a Russian title is required, both at most 1000 bytes of UTF-8$`),
		func(m []string, d *Draft) string {
			_, list, id := titleSubject(m[1])
			if list == "title" || list == "" {
				return "title"
			}
			return itemField(list, 1)([]string{"", id}, d)
		},
		func(m []string) string {
			s, _, _ := titleSubject(m[1])
			return s + ": нужно название на русском; каждое название — не длиннее 1000 байт в UTF-8."
		}},
	{regexp.MustCompile(`^voting window: opens must be before closes$`), fixed("voting"),
		func([]string) string {
			return "Голосование должно открываться раньше, чем закрывается."
		}},
	{regexp.MustCompile(`^voting window: "(.*)" is not an IANA time zone name$`), fixed("voting.tz"),
		func(m []string) string {
			return "Часовой пояс «" + m[1] + "» — не название из базы часовых поясов IANA (например, Europe/Moscow)."
		}},
	{regexp.MustCompile(`^region "(.*)" listed twice$`), twiceField("regions", 1),
		func(m []string) string { return "Регион «" + m[1] + "» указан дважды." }},
	{regexp.MustCompile(`^region "(.*)" voting window: opens must be before closes, both within the election's window$`), itemField("regions", 1),
		func(m []string) string {
			return "Регион «" + m[1] + "»: голосование должно открываться раньше, чем закрывается, и оба срока — в пределах сроков всего голосования."
		}},
	{regexp.MustCompile(`^region "(.*)" voting window: "(.*)" is not an IANA time zone name$`), itemField("regions", 1),
		func(m []string) string {
			return "Регион «" + m[1] + "»: часовой пояс «" + m[2] + "» — не название из базы часовых поясов IANA (например, Asia/Novosibirsk)."
		}},
	{regexp.MustCompile(`^(\d+) districts: must be 1 to (\d+)$`), fixed("districts"),
		func(m []string) string {
			return "Округов " + m[1] + ": должно быть от 1 до " + m[2] + "."
		}},
	{regexp.MustCompile(`^district "(.*)" listed twice$`), twiceField("districts", 1),
		func(m []string) string { return "Округ «" + m[1] + "» указан дважды." }},
	{regexp.MustCompile(`^(\d+) contests: must be 1 to (\d+)$`), fixed("contests"),
		func(m []string) string {
			return "Вопросов " + m[1] + ": должно быть от 1 до " + m[2] + "."
		}},
	{regexp.MustCompile(`^contest "(.*)": (\d+) options, must be 1 to (\d+)$`), itemField("contests", 1),
		func(m []string) string {
			return "Вопрос «" + m[1] + "»: вариантов " + m[2] + ", а должно быть от 1 до " + m[3] + "."
		}},
	{regexp.MustCompile(`^contest "(.*)": a (\S+) contest has min = max = 1$`), itemField("contests", 1),
		func(m []string) string {
			return "Вопрос «" + m[1] + "»: в вопросе вида " + m[2] + " выбирается ровно один вариант (минимум и максимум — 1)."
		}},
	{regexp.MustCompile(`^contest "(.*)": a referendum has three options \(yes, no, abstain\)$`), itemField("contests", 1),
		func(m []string) string {
			return "Вопрос «" + m[1] + "»: в референдуме три варианта — «за», «против», «воздержался»."
		}},
	{regexp.MustCompile(`^contest "(.*)": limits \[(-?\d+), (-?\d+)\] do not fit (\d+) options$`), itemField("contests", 1),
		func(m []string) string {
			return "Вопрос «" + m[1] + "»: пределы выбора от " + m[2] + " до " + m[3] + " не подходят к " + m[4] +
				" вариантам (нужно 0 ≤ минимум ≤ максимум ≤ число вариантов)."
		}},
	{regexp.MustCompile(`^contest "(.*)": unknown kind "(.*)"$`), itemField("contests", 1),
		func(m []string) string {
			return "Вопрос «" + m[1] + "»: неизвестный вид «" + m[2] + "» (нужен one_of_n, k_of_n или referendum)."
		}},
	{regexp.MustCompile(`^contest "(.*)": option "(.*)" listed twice$`), itemField("contests", 1),
		func(m []string) string {
			return "Вопрос «" + m[1] + "»: вариант «" + m[2] + "» указан дважды."
		}},
	{regexp.MustCompile(`^contest "(.*)": unknown district "(.*)"$`), itemField("contests", 1),
		func(m []string) string {
			return "Вопрос «" + m[1] + "»: округа «" + m[2] + "» нет в списке округов голосования."
		}},
	{regexp.MustCompile(`^contest "(.*)" listed twice$`), twiceField("contests", 1),
		func(m []string) string { return "Вопрос «" + m[1] + "» указан дважды." }},
	{regexp.MustCompile(`^(\d+) guardians: must be 1 to (\d+)$`), fixed("guardians"),
		func(m []string) string {
			return "Хранителей ключа " + m[1] + ": должно быть от 1 до " + m[2] + "."
		}},
	{regexp.MustCompile(`^threshold (-?\d+): must be 1 to (\d+) guardians$`), fixed("threshold"),
		func(m []string) string {
			return "Порог " + m[1] + ": расшифровать итоги должны суметь от 1 до " + m[2] + " хранителей (столько, сколько их указано)."
		}},
	{regexp.MustCompile(`^commission member "(.*)" listed twice$`), twiceField("commission", 1),
		func(m []string) string {
			return "Член комиссии «" + m[1] + "» указан дважды."
		}},
	{regexp.MustCompile(`^commission member "(.*)": (.*)$`), itemField("commission", 1),
		func(m []string) string {
			return "Член комиссии «" + m[1] + "»: ключ подписи не принят (" + m[2] + ")."
		}},
	{regexp.MustCompile(`guardians (\d+) and (\d+) have the same long-term key$`), fixed("guardians"),
		func(m []string) string {
			return "У хранителей ключа " + m[1] + " и " + m[2] + " один и тот же ключ: каждый создаёт свой командой urna guardian init."
		}},
}

// translate turns an error of the manifest's checks into an *Error naming
// the draft's field, in Russian and English. A message it does not know
// keeps its English text, under a Russian lead.
func translate(err error, d *Draft) *Error {
	msg := err.Error()
	for _, v := range verdicts {
		if m := v.re.FindStringSubmatch(msg); m != nil {
			return refuse(CodeInvalid, v.field(m, d), v.ru(m), msg)
		}
	}
	return refuse(CodeInvalid, "", "Описание голосования не прошло проверку: "+msg, msg)
}
