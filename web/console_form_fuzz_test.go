package web

import (
	"errors"
	"net/url"
	"testing"

	"github.com/urna-vote/urna/organiser"
)

// FuzzConsoleForm feeds arbitrary form bodies to the console's edit form:
// reading it never panics, and a refusal is an organiser refusal naming
// the field at fault, with a message in both languages.
func FuzzConsoleForm(f *testing.F) {
	for _, s := range []string{
		"version=1&tz=UTC&level=other",
		"version=x",
		"version=3&title_ru=Выборы&title_en=Election&level=municipal&tz=Europe/Moscow&voting_opens=2027-09-19T08:00&voting_closes=2027-09-19T20:00" +
			"&regions=54 | Новосибирская | Novosibirsk | Asia/Novosibirsk | 2027-09-19T08:00 | 2027-09-19T20:00" +
			"&districts=54-01 | Округ | District | 54&threshold=2&guardians=Анна | AAAA&commission=chair | Председатель | ed25519 AAAA" +
			"&contest-0-id=q&contest-0-title_ru=В&contest-0-title_en=Q&contest-0-kind=one_of_n&contest-0-min=1&contest-0-max=1" +
			"&contest-0-options=a | А | A%0Ab | Б | B&contest-1-id=x&contest-1-remove=yes" +
			"&source=register&participants_regions=54&access_verified=yes&access_verified_auth=any&notify_applied=yes",
		"version=1&tz=Europe/Moscow&voting_opens=2027-13-45T99:99&districts=a|b|c|d|e|f",
		"version=1&tz=UTC&contest-0-id=q&contest-0-min=-1&contest-0-max=99999999999999999999",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		v, err := url.ParseQuery(body)
		if err != nil {
			return
		}
		if _, err := readForm(v).draft(); err != nil {
			var oe *organiser.Error
			if !errors.As(err, &oe) || oe.Field == "" || oe.Message.RU == "" || oe.Message.EN == "" {
				t.Fatalf("a refusal that does not name its field in both languages: %#v", err)
			}
		}
	})
}
