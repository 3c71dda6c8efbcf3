package protocol

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/urna-vote/urna/election"
)

// Regions sum their districts, in the order their first district comes,
// each with only the contests its districts hold, in manifest order.
func TestRegions(t *testing.T) {
	m := &election.Manifest{
		Districts: []election.District{{ID: "54-01", Region: "54"}, {ID: "77-01", Region: "77"}, {ID: "54-02", Region: "54"}},
		Contests: []election.Contest{
			{ID: "mayor", Options: []election.Option{{ID: "a"}, {ID: "b"}}},
			{ID: "council-77", Options: []election.Option{{ID: "x"}, {ID: "y"}}},
		},
	}
	mayor := func(a, b uint64) DistrictContest {
		return DistrictContest{ID: "mayor", Options: []DistrictOption{{ID: "a", Votes: a}, {ID: "b", Votes: b}}}
	}
	districts := []District{
		{ID: "54-01", Participants: 10, Contests: []DistrictContest{mayor(3, 4)}},
		{ID: "77-01", Participants: 20, Contests: []DistrictContest{
			{ID: "council-77", Options: []DistrictOption{{ID: "x", Votes: 9}, {ID: "y", Votes: 1}}}, mayor(5, 5)}},
		{ID: "54-02", Participants: 5, Contests: []DistrictContest{mayor(1, 0)}},
	}
	want := []Region{
		{ID: "54", Participants: 15, Contests: []DistrictContest{mayor(4, 4)}},
		{ID: "77", Participants: 20, Contests: []DistrictContest{mayor(5, 5),
			{ID: "council-77", Options: []DistrictOption{{ID: "x", Votes: 9}, {ID: "y", Votes: 1}}}}},
	}
	if diff := cmp.Diff(want, regions(m, districts)); diff != "" {
		t.Error(diff)
	}
}
