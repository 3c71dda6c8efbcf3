package demo

import (
	"errors"
	"fmt"
	"time"

	"github.com/urna-vote/urna/election"
	"github.com/urna-vote/urna/registry"
)

// A demo district: where a demo voter is registered.
type district struct {
	id, region, tz string
	name           election.Text
}

var demoDistricts = []district{
	{id: "77-01", region: "77", tz: "Europe/Moscow", name: election.Text{RU: "Москва, округ 1", EN: "Moscow, district 1"}},
	{id: "77-02", region: "77", tz: "Europe/Moscow", name: election.Text{RU: "Москва, округ 2", EN: "Moscow, district 2"}},
	{id: "54-01", region: "54", tz: "Asia/Novosibirsk", name: election.Text{RU: "Новосибирск, округ 1", EN: "Novosibirsk, district 1"}},
}

func t(ru, en string) election.Text { return election.Text{RU: ru, EN: en} }

func options(prefix string, names ...[2]string) []election.Option {
	var out []election.Option
	for i, n := range names {
		out = append(out, election.Option{ID: fmt.Sprintf("%s%d", prefix, i+1), Title: t(n[0], n[1])})
	}
	return out
}

func districts(ids ...string) []election.District {
	var out []election.District
	for _, d := range demoDistricts {
		for _, id := range ids {
			if d.id == id {
				out = append(out, election.District{ID: d.id, Name: d.name, Region: d.region})
			}
		}
	}
	return out
}

// elections are the demo's elections: a voter of 77-01 receives four
// ballots at once, one of 54-01 two.
func elections(now time.Time) []definition {
	closes := now.Add(7 * 24 * time.Hour)
	info := func(level string) registry.ElectionInfo {
		return registry.ElectionInfo{Level: level, ApplicationsClose: closes.Add(-24 * time.Hour)}
	}
	return []definition{
		{info: info("federal"), manifest: &election.Manifest{
			ID: "demo-federal", Title: t("Выборы депутатов Государственной думы (демо)", "State Duma election (demo)"),
			// Each region votes in its own hours: Novosibirsk four hours
			// ahead of Moscow.
			Voting: election.Window{Opens: now.Add(-5 * time.Hour).UnixMilli(), Closes: closes.UnixMilli(), TimeZone: "Europe/Moscow"},
			Regions: []election.Region{
				{ID: "77", Name: t("Москва", "Moscow"), Voting: window(now, "Europe/Moscow")},
				{ID: "54", Name: t("Новосибирская область", "Novosibirsk region"), Voting: election.Window{
					Opens: now.Add(-5 * time.Hour).UnixMilli(), Closes: closes.Add(-4 * time.Hour).UnixMilli(), TimeZone: "Asia/Novosibirsk"}},
			},
			Districts: districts("77-01", "77-02", "54-01"),

			Contests: []election.Contest{{
				ID: "party-list", Title: t("Федеральный избирательный округ", "Federal party list"),
				Kind: election.KindOneOfN, Min: 1, Max: 1, Districts: []string{},
				Options: options("p", [2]string{"Партия зелёных садов", "Green Gardens Party"},
					[2]string{"Союз инженеров", "Union of Engineers"}, [2]string{"Народная библиотека", "People's Library"},
					[2]string{"Движение «Реки»", "Rivers Movement"}, [2]string{"Партия велосипедистов", "Cyclists' Party"}),
			}},
		}},
		{info: info("regional"), manifest: &election.Manifest{
			ID: "demo-moscow", Title: t("Выборы в Московскую городскую думу (демо)", "Moscow City Duma election (demo)"),
			Voting:    window(now, "Europe/Moscow"),
			Districts: districts("77-01", "77-02"),

			Contests: []election.Contest{{
				ID: "council", Title: t("Депутаты городской думы (до двух)", "City Duma members (up to two)"),
				Kind: election.KindKOfN, Min: 0, Max: 2, Districts: []string{},
				Options: options("c", [2]string{"Иванова Анна", "Anna Ivanova"}, [2]string{"Петров Борис", "Boris Petrov"},
					[2]string{"Сидорова Вера", "Vera Sidorova"}, [2]string{"Кузнецов Глеб", "Gleb Kuznetsov"}),
			}},
		}},
		{info: info("municipal"), manifest: &election.Manifest{
			ID: "demo-park", Title: t("Местный референдум о парке (демо)", "Local referendum on the park (demo)"),
			Voting:    window(now, "Europe/Moscow"),
			Districts: districts("77-01"),

			Contests: []election.Contest{{
				ID: "park", Title: t("Сохранить парк у реки?", "Keep the riverside park?"),
				Kind: election.KindReferendum, Min: 1, Max: 1, Districts: []string{},
				Options: options("r", [2]string{"За", "Yes"}, [2]string{"Против", "No"}, [2]string{"Воздержаться", "Abstain"}),
			}},
		}},
		{info: info("federal"), manifest: &election.Manifest{
			ID: "demo-training", Title: t("Тренировочное голосование", "Training vote"), Training: true,
			Voting:    window(now, "Europe/Moscow"),
			Districts: []election.District{{ID: "training", Name: t("Тренировочный округ", "Training district"), Region: "00"}},

			Contests: []election.Contest{{
				ID: "season", Title: t("Какое время года вам нравится больше?", "Which season do you like best?"),
				Kind: election.KindOneOfN, Min: 1, Max: 1, Districts: []string{},
				Options: options("s", [2]string{"Зима", "Winter"}, [2]string{"Весна", "Spring"},
					[2]string{"Лето", "Summer"}, [2]string{"Осень", "Autumn"}),
			}},
		}},
	}
}

var (
	surnames = []string{"Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Соколов", "Михайлов", "Новиков", "Фёдоров", "Морозов"}
	names    = []string{"Александр", "Дмитрий", "Максим", "Сергей", "Андрей", "Алексей", "Артём", "Илья", "Кирилл", "Михаил"}
	fathers  = []string{"Александрович", "Дмитриевич", "Максимович", "Сергеевич", "Андреевич", "Алексеевич", "Иванович", "Петрович", "Олегович", "Юрьевич"}
)

// identity is demo voter i's identity: deterministic, unique, valid.
func identity(i int, d district) registry.Identity {
	return registry.Identity{
		FullName:  fmt.Sprintf("%s %s %s", surnames[i%10], names[(i/10)%10], fathers[(i/100)%10]),
		BirthDate: fmt.Sprintf("%04d-%02d-%02d", 1950+i%50, 1+i%12, 1+i%28),
		Document:  fmt.Sprintf("45%02d %06d", i%100, 100000+i),
		SNILS:     snils(100000000 + i),
		Phone:     Voter(i),
		Email:     fmt.Sprintf("voter%d@demo.urna.local", i+1),
		Address:   fmt.Sprintf("%s, ул. Демонстрационная, д. %d, кв. %d", d.name.RU, 1+i%200, 1+i%150),
	}
}

// snils formats a 9-digit number as an insurance number with its check
// digits: the sum of each digit times its weight (9 down to 1), modulo 101,
// where 100 counts as 00.
func snils(n int) string {
	s := fmt.Sprintf("%09d", n)
	sum := 0
	for k := 0; k < 9; k++ {
		sum += int(s[k]-'0') * (9 - k)
	}
	check := sum % 101
	if check == 100 {
		check = 0
	}
	return fmt.Sprintf("%s-%s-%s %02d", s[0:3], s[3:6], s[6:9], check)
}

func asRegistryError(err error, target **registry.Error) bool { return errors.As(err, target) }
