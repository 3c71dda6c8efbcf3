package simulate

import (
	"github.com/urna-vote/urna/election"
)

// DefaultManifest is the built-in election of `urna simulate`: three
// districts in two regions, and on the same ballot a federal one-of-five
// contest for everyone, a regional two-of-six council vote in region 77 and
// a municipal referendum in district 77-01. Keys are filled in by Run.
func DefaultManifest() *election.Manifest {
	t := func(ru, en string) election.Text { return election.Text{RU: ru, EN: en} }
	opts := func(prefix string, names ...[2]string) []election.Option {
		var out []election.Option
		for i, n := range names {
			out = append(out, election.Option{ID: prefix + string(rune('1'+i)), Title: t(n[0], n[1])})
		}
		return out
	}
	return &election.Manifest{
		ID:    "simulation",
		Title: t("Имитационные выборы", "Simulated election"),
		Voting: election.Window{
			TimeZone: "Europe/Moscow",
		},
		Districts: []election.District{
			{ID: "77-01", Name: t("Округ 77-01", "District 77-01"), Region: "77"},
			{ID: "77-02", Name: t("Округ 77-02", "District 77-02"), Region: "77"},
			{ID: "50-01", Name: t("Округ 50-01", "District 50-01"), Region: "50"},
		},
		Contests: []election.Contest{
			{
				ID: "president", Title: t("Выборы президента", "Presidential election"),
				Kind: election.KindOneOfN, Min: 1, Max: 1,
				Options: opts("c", [2]string{"Кандидат А", "Candidate A"}, [2]string{"Кандидат Б", "Candidate B"},
					[2]string{"Кандидат В", "Candidate C"}, [2]string{"Кандидат Г", "Candidate D"}, [2]string{"Кандидат Д", "Candidate E"}),
				Districts: []string{},
			},
			{
				ID: "council-77", Title: t("Выборы в совет региона 77", "Region 77 council"),
				Kind: election.KindKOfN, Min: 0, Max: 2,
				Options: opts("p", [2]string{"Партия 1", "Party 1"}, [2]string{"Партия 2", "Party 2"}, [2]string{"Партия 3", "Party 3"},
					[2]string{"Партия 4", "Party 4"}, [2]string{"Партия 5", "Party 5"}, [2]string{"Партия 6", "Party 6"}),
				Districts: []string{"77-01", "77-02"},
			},
			{
				ID: "park-77-01", Title: t("Референдум о парке", "Referendum on the park"),
				Kind: election.KindReferendum, Min: 1, Max: 1,
				Options:   opts("r", [2]string{"За", "Yes"}, [2]string{"Против", "No"}, [2]string{"Воздержаться", "Abstain"}),
				Districts: []string{"77-01"},
			},
		},
	}
}
