package web

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/urna-vote/urna/election"
	"github.com/urna-vote/urna/organiser"
)

// The console's edit form, which works without JavaScript: plain inputs
// for the vote's own fields, one textarea per list (a line per item, its
// fields separated by "|"), a block of inputs per contest with its options
// in a textarea, and an "add a question" button that saves the form with
// one more contest.

// consoleForm is the edit form's values, as shown and as sent back.
type consoleForm struct {
	ID, State, Version                             string
	TitleRU, TitleEN                               string
	Training                                       bool
	Level, TZ                                      string
	AppOpens, AppCloses, VotingOpens, VotingCloses string // datetime-local in TZ
	Regions, Districts, Guardians, Commission      string // textareas
	Threshold                                      string
	Contests                                       []contestForm
	Source, FilterRegions, FilterDistricts         string
	AccessVerified, AccessKey                      string // the rule's authentication, "" if the kind is not admitted
	Notify                                         map[string]bool
	ListSize                                       int
}

type contestForm struct {
	ID, TitleRU, TitleEN, Kind, Min, Max, Districts, Options string
}

const localLayout = "2006-01-02T15:04"

// localTime is Unix milliseconds as a datetime-local value in loc; "" for 0.
func localTime(ms int64, loc *time.Location) string {
	if ms == 0 {
		return ""
	}
	return time.UnixMilli(ms).In(loc).Format(localLayout)
}

func location(tz string) *time.Location {
	if loc, err := time.LoadLocation(tz); err == nil && tz != "" {
		return loc
	}
	return time.UTC
}

func line(fields ...string) string { return strings.Join(fields, " | ") }

// formOf fills the form from a draft.
func formOf(d organiser.Draft) consoleForm {
	loc := location(d.Voting.TimeZone)
	f := consoleForm{ID: d.ID, State: d.State, Version: strconv.FormatInt(d.Version, 10), TitleRU: d.Title.RU, TitleEN: d.Title.EN,
		Training: d.Training, Level: d.Level, TZ: d.Voting.TimeZone,
		AppOpens: localTime(d.Applications.Opens, loc), AppCloses: localTime(d.Applications.Closes, loc),
		VotingOpens: localTime(d.Voting.Opens, loc), VotingCloses: localTime(d.Voting.Closes, loc),
		Threshold: strconv.Itoa(d.Threshold), Source: d.Participants.Source,
		FilterRegions: strings.Join(d.Participants.Regions, ", "), FilterDistricts: strings.Join(d.Participants.Districts, ", "),
		Notify: map[string]bool{}, ListSize: d.Participants.ListSize}
	var b strings.Builder
	for _, r := range d.Regions {
		rl := location(r.Voting.TimeZone)
		fmt.Fprintln(&b, line(r.ID, r.Name.RU, r.Name.EN, r.Voting.TimeZone,
			strings.Replace(localTime(r.Voting.Opens, rl), "T", " ", 1), strings.Replace(localTime(r.Voting.Closes, rl), "T", " ", 1)))
	}
	f.Regions = b.String()
	b.Reset()
	for _, ds := range d.Districts {
		fmt.Fprintln(&b, line(ds.ID, ds.Name.RU, ds.Name.EN, ds.Region))
	}
	f.Districts = b.String()
	b.Reset()
	for _, g := range d.Guardians {
		fmt.Fprintln(&b, line(g.Name, g.Key))
	}
	f.Guardians = b.String()
	b.Reset()
	for _, m := range d.Commission {
		fmt.Fprintln(&b, line(m.ID, m.Name, m.Key))
	}
	f.Commission = b.String()
	for _, c := range d.Contests {
		b.Reset()
		for _, o := range c.Options {
			fmt.Fprintln(&b, line(o.ID, o.Title.RU, o.Title.EN))
		}
		f.Contests = append(f.Contests, contestForm{ID: c.ID, TitleRU: c.Title.RU, TitleEN: c.Title.EN, Kind: c.Kind,
			Min: strconv.Itoa(c.Min), Max: strconv.Itoa(c.Max), Districts: strings.Join(c.Districts, ", "), Options: b.String()})
	}
	for _, a := range d.Access {
		switch a.Accounts {
		case organiser.AccountsVerified:
			f.AccessVerified = a.Auth
		case organiser.AccountsSignatureKey:
			f.AccessKey = a.Auth
		}
	}
	for _, n := range d.Notifications {
		f.Notify[n] = true
	}
	return f
}

// maxFormContests bounds the contests a form may send.
const maxFormContests = organiser.MaxContests

// readForm reads the form's values as sent.
func readForm(v url.Values) consoleForm {
	g := func(name string) string { return strings.TrimSpace(v.Get(name)) }
	f := consoleForm{Version: g("version"), TitleRU: g("title_ru"), TitleEN: g("title_en"), Training: g("training") == "yes",
		Level: g("level"), TZ: g("tz"), AppOpens: g("applications_opens"), AppCloses: g("applications_closes"),
		VotingOpens: g("voting_opens"), VotingCloses: g("voting_closes"),
		Regions: v.Get("regions"), Districts: v.Get("districts"), Guardians: v.Get("guardians"), Commission: v.Get("commission"),
		Threshold: g("threshold"), Source: g("source"), FilterRegions: g("participants_regions"), FilterDistricts: g("participants_districts"),
		Notify: map[string]bool{}}
	if g("access_verified") == "yes" {
		f.AccessVerified = g("access_verified_auth")
	}
	if g("access_key") == "yes" {
		f.AccessKey = g("access_key_auth")
	}
	for _, e := range organiser.Events {
		f.Notify[e] = g("notify_"+e) == "yes"
	}
	for i := 0; i < maxFormContests && v.Has(fmt.Sprintf("contest-%d-id", i)); i++ {
		c := func(name string) string { return v.Get(fmt.Sprintf("contest-%d-%s", i, name)) }
		if c("remove") == "yes" {
			continue
		}
		f.Contests = append(f.Contests, contestForm{ID: strings.TrimSpace(c("id")), TitleRU: strings.TrimSpace(c("title_ru")),
			TitleEN: strings.TrimSpace(c("title_en")), Kind: c("kind"), Min: strings.TrimSpace(c("min")), Max: strings.TrimSpace(c("max")),
			Districts: c("districts"), Options: c("options")})
	}
	return f
}

// formError is a mistake in the form: the field and, for a textarea, the
// line.
func formError(field string, lineNo int, ru, en string) error {
	where, whereEN := "", ""
	if lineNo > 0 {
		where, whereEN = fmt.Sprintf(", строка %d", lineNo), fmt.Sprintf(", line %d", lineNo)
	}
	key := field
	if rest, ok := strings.CutPrefix(field, "contest-"); ok {
		_, key, _ = strings.Cut(rest, "-")
	}
	label := formLabels[key]
	return &organiser.Error{Code: organiser.CodeInvalid, Field: field,
		Message: text(label[0]+where+": "+ru, label[1]+whereEN+": "+en)}
}

var formLabels = map[string][2]string{
	"version": {"Версия", "Version"}, "threshold": {"Порог", "Threshold"}, "tz": {"Часовой пояс", "Time zone"},
	"applications_opens": {"Начало приёма заявлений", "Applications open"}, "applications_closes": {"Конец приёма заявлений", "Applications close"},
	"voting_opens": {"Начало голосования", "Voting opens"}, "voting_closes": {"Конец голосования", "Voting closes"},
	"regions": {"Регионы", "Regions"}, "districts": {"Округа", "Districts"}, "guardians": {"Хранители ключа", "Guardians"},
	"commission": {"Комиссия", "Commission"}, "min": {"Вопрос: минимум", "Question: minimum"}, "max": {"Вопрос: максимум", "Question: maximum"},
	"options": {"Вопрос: варианты", "Question: options"},
}

// rows splits a textarea into its non-empty lines, each into n fields
// separated by "|" (the last ones may be left out if optional, from
// required on).
func rows(field, text string, n, required int, format [2]string) ([][]string, error) {
	var out [][]string
	for i, l := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		if strings.TrimSpace(l) == "" {
			continue
		}
		parts := strings.Split(l, "|")
		if len(parts) > n || len(parts) < required {
			return nil, formError(field, i+1, "нужны поля через «|»: "+format[0], "give the fields separated by \"|\": "+format[1])
		}
		for len(parts) < n {
			parts = append(parts, "")
		}
		for k := range parts {
			parts[k] = strings.TrimSpace(parts[k])
		}
		out = append(out, parts)
	}
	return out, nil
}

func list(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

// draft turns the form into a draft, or names the field it cannot read.
func (f consoleForm) draft() (organiser.Draft, error) {
	d := organiser.Draft{ID: f.ID, Title: election.Text{RU: f.TitleRU, EN: f.TitleEN}, Training: f.Training, Level: f.Level,
		Participants: organiser.Participants{Source: f.Source, Regions: list(f.FilterRegions), Districts: list(f.FilterDistricts)}}
	var err error
	if d.Version, err = strconv.ParseInt(f.Version, 10, 64); err != nil || d.Version <= 0 {
		return d, formError("version", 0, "форма повреждена: откройте черновик заново", "the form is damaged: open the draft again")
	}
	if _, err := time.LoadLocation(f.TZ); err != nil || f.TZ == "" {
		return d, formError("tz", 0, "«"+f.TZ+"» — не название из базы часовых поясов IANA (например, Europe/Moscow)",
			fmt.Sprintf("%q is not an IANA time zone (such as Europe/Moscow)", f.TZ))
	}
	loc := location(f.TZ)
	d.Voting.TimeZone = f.TZ
	for _, t := range []struct {
		field, value string
		to           *int64
	}{
		{"applications_opens", f.AppOpens, &d.Applications.Opens}, {"applications_closes", f.AppCloses, &d.Applications.Closes},
		{"voting_opens", f.VotingOpens, &d.Voting.Opens}, {"voting_closes", f.VotingCloses, &d.Voting.Closes},
	} {
		if *t.to, err = parseLocal(t.value, loc); err != nil {
			return d, formError(t.field, 0, "дата и время в виде ГГГГ-ММ-ДД ЧЧ:ММ", "a date and time as YYYY-MM-DD HH:MM")
		}
	}
	if f.Threshold != "" {
		if d.Threshold, err = strconv.Atoi(f.Threshold); err != nil {
			return d, formError("threshold", 0, "нужно целое число", "a whole number")
		}
	}
	regions, err := rows("regions", f.Regions, 6, 6, [2]string{"id | название | name | часовой пояс | открытие | закрытие",
		"id | название | name | time zone | opens | closes"})
	if err != nil {
		return d, err
	}
	for i, r := range regions {
		rl, err := time.LoadLocation(r[3])
		if err != nil || r[3] == "" {
			return d, formError("regions", i+1, "«"+r[3]+"» — не название из базы часовых поясов IANA", fmt.Sprintf("%q is not an IANA time zone", r[3]))
		}
		reg := election.Region{ID: r[0], Name: election.Text{RU: r[1], EN: r[2]}, Voting: election.Window{TimeZone: r[3]}}
		if reg.Voting.Opens, err = parseLocal(r[4], rl); err == nil {
			reg.Voting.Closes, err = parseLocal(r[5], rl)
		}
		if err != nil {
			return d, formError("regions", i+1, "время открытия и закрытия в виде ГГГГ-ММ-ДД ЧЧ:ММ", "opening and closing as YYYY-MM-DD HH:MM")
		}
		d.Regions = append(d.Regions, reg)
	}
	districts, err := rows("districts", f.Districts, 4, 2, [2]string{"id | название | name | регион", "id | название | name | region"})
	if err != nil {
		return d, err
	}
	for _, r := range districts {
		d.Districts = append(d.Districts, organiser.District{ID: r[0], Name: election.Text{RU: r[1], EN: r[2]}, Region: r[3]})
	}
	guardians, err := rows("guardians", f.Guardians, 2, 2, [2]string{"имя | ключ", "name | key"})
	if err != nil {
		return d, err
	}
	for _, r := range guardians {
		d.Guardians = append(d.Guardians, organiser.Guardian{Name: r[0], Key: r[1]})
	}
	members, err := rows("commission", f.Commission, 3, 3, [2]string{"id | имя | ключ", "id | name | key"})
	if err != nil {
		return d, err
	}
	for _, r := range members {
		d.Commission = append(d.Commission, organiser.Member{ID: r[0], Name: r[1], Key: r[2]})
	}
	for i, c := range f.Contests {
		field := func(name string) string { return fmt.Sprintf("contest-%d-%s", i, name) }
		ct := election.Contest{ID: c.ID, Title: election.Text{RU: c.TitleRU, EN: c.TitleEN}, Kind: c.Kind, Districts: list(c.Districts)}
		if ct.Min, err = strconv.Atoi(c.Min); err != nil {
			return d, formError(field("min"), 0, "нужно целое число", "a whole number")
		}
		if ct.Max, err = strconv.Atoi(c.Max); err != nil {
			return d, formError(field("max"), 0, "нужно целое число", "a whole number")
		}
		options, err := rows(field("options"), c.Options, 3, 2, [2]string{"id | вариант | option", "id | вариант | option"})
		if err != nil {
			return d, err
		}
		for _, o := range options {
			ct.Options = append(ct.Options, election.Option{ID: o[0], Title: election.Text{RU: o[1], EN: o[2]}})
		}
		d.Contests = append(d.Contests, ct)
	}
	for _, a := range []struct{ accounts, auth string }{{organiser.AccountsVerified, f.AccessVerified}, {organiser.AccountsSignatureKey, f.AccessKey}} {
		if a.auth != "" {
			d.Access = append(d.Access, organiser.AccessRule{Accounts: a.accounts, Auth: a.auth})
		}
	}
	if len(d.Access) == 0 {
		return d, formError("access", 0, "отметьте хотя бы один вид учётных записей", "tick at least one kind of account")
	}
	d.Notifications = []string{}
	for _, e := range organiser.Events {
		if f.Notify[e] {
			d.Notifications = append(d.Notifications, e)
		}
	}
	return d, nil
}

// parseLocal reads a datetime-local value ("2006-01-02T15:04", or with a
// space) in loc; "" is 0.
func parseLocal(s string, loc *time.Location) (int64, error) {
	if s == "" {
		return 0, nil
	}
	t, err := time.ParseInLocation(localLayout, strings.Replace(s, " ", "T", 1), loc)
	if err != nil {
		return 0, err
	}
	return t.UnixMilli(), nil
}

// election0Contest is the contest "add a question" adds: one of n.
func election0Contest() election.Contest {
	return election.Contest{Kind: election.KindOneOfN, Min: 1, Max: 1}
}

var indexRE = regexp.MustCompile(`^contests\[(\d+)\]`)

// formField is the form input that shows a draft's field (a path such as
// "contests[1].options" or "guardians[0].key").
func formField(path string) string {
	if m := indexRE.FindStringSubmatch(path); m != nil {
		return "contest-" + m[1] + "-id"
	}
	head, _, _ := strings.Cut(path, "[")
	head, sub, _ := strings.Cut(head, ".")
	switch head {
	case "title":
		return "title_ru"
	case "voting":
		if sub == "tz" {
			return "tz"
		}
		if sub == "closes" {
			return "voting_closes"
		}
		return "voting_opens"
	case "applications":
		if sub == "opens" {
			return "applications_opens"
		}
		return "applications_closes"
	case "participants":
		switch sub {
		case "regions":
			return "participants_regions"
		case "districts":
			return "participants_districts"
		}
		return "source"
	case "access":
		return "access"
	}
	if slices.Contains([]string{"regions", "districts", "guardians", "commission", "threshold", "notifications", "level"}, head) {
		return head
	}
	return path
}
