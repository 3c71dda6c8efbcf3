package protocol_test

import (
	"crypto/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/urna-vote/urna/internal/golden"
	"github.com/urna-vote/urna/protocol"
)

// sample is a fixed protocol with everything the formats must carry:
// Cyrillic titles, two contests, two districts, a dispute, a member who did not sign
// and a member whose key has another scheme. It is the input of the golden
// files in testdata/.
func sample() *protocol.Protocol {
	return &protocol.Protocol{
		Election: protocol.Election{ID: "gd-2026", TitleRU: "Выборы депутатов Городской думы 2026 года", TitleEN: "City Duma election 2026",
			Build: "7d2c5f0e9a3b41c8d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3"},
		Ledger: protocol.Ledger{Origin: "vybory.example.ru/elections/gd-2026", Size: 1873, Root: "q5Jx0m3Q4wq6YbW3yZ9m8rTt1vUu2sSx0a1b2c3d4e8="},
		Counts: protocol.Counts{Participants: 1388, BallotsIssued: 1312, Voted: 1207, BallotsCounted: 1207, BallotsSuperseded: 148, BallotsSpoiled: 31, BallotsRejected: 4},
		Contests: []protocol.Contest{
			{ID: "mayor", TitleRU: "Глава города", TitleEN: "Mayor", Options: []protocol.Option{
				{ID: "m1", Votes: 612, TitleRU: "Щукина Анна Сергеевна", TitleEN: "Anna Shchukina"},
				{ID: "m2", Votes: 493, TitleRU: "Шапошников Илья Петрович", TitleEN: "Ilya Shaposhnikov"},
				{ID: "m3", Votes: 102, TitleRU: "Против всех", TitleEN: "None of the above"},
			}},
			{ID: "park", TitleRU: "Согласны ли вы с созданием парка на месте бывшего завода «Кировец» вместе с велодорожками вдоль набережной?", TitleEN: "Do you agree to a park on the former Kirovets works with cycle paths along the embankment?", Options: []protocol.Option{
				{ID: "yes", Votes: 1001, TitleRU: "Да", TitleEN: "Yes"},
				{ID: "no", Votes: 206, TitleRU: "Нет", TitleEN: "No"},
			}},
		},
		Districts: []protocol.District{
			{ID: "okrug-1", Participants: 742, Contests: []protocol.DistrictContest{
				{ID: "mayor", Options: []protocol.DistrictOption{{ID: "m1", Votes: 400}, {ID: "m2", Votes: 211}, {ID: "m3", Votes: 50}}},
				{ID: "park", Options: []protocol.DistrictOption{{ID: "yes", Votes: 560}, {ID: "no", Votes: 101}}},
			}},
			{ID: "okrug-2", Participants: 646, Contests: []protocol.DistrictContest{
				{ID: "mayor", Options: []protocol.DistrictOption{{ID: "m1", Votes: 212}, {ID: "m2", Votes: 282}, {ID: "m3", Votes: 52}}},
				{ID: "park", Options: []protocol.DistrictOption{{ID: "yes", Votes: 441}, {ID: "no", Votes: 105}}},
			}},
		},
		Regions: []protocol.Region{
			{ID: "77", Participants: 1388, Contests: []protocol.DistrictContest{
				{ID: "mayor", Options: []protocol.DistrictOption{{ID: "m1", Votes: 612}, {ID: "m2", Votes: 493}, {ID: "m3", Votes: 102}}},
				{ID: "park", Options: []protocol.DistrictOption{{ID: "yes", Votes: 1001}, {ID: "no", Votes: 206}}},
			}},
		},
		Guardians: []protocol.Guardian{{Index: 1, Name: "Ерофеева Мария"}, {Index: 3, Name: "Юсупов Тимур"}, {Index: 4, Name: "Łukasz Żółć"}},
		Commission: []protocol.Member{
			{ID: "chair", Name: "Председатель Жукова Ольга", Fingerprint: "3b1f0c0f6f2b8e2f4ad2e3b0b7f86b0e2b9d3c4c1d9f0a8e7b6c5d4e3f2a1b0c",
				Signature: "1cGhrtZ0uLN+2XLcuYjvKlYpR4MlcQRkqYbHH8bI3FJaO2b0PYTrA8pK6L0zPBmXUQXw6kq5D2r4p6Dsw3ifAA=="},
			{ID: "secretary", Scheme: "gost2012-256", Name: "Секретарь Фёдоров Пётр", Fingerprint: "a4e1c9d2b3f4e5d6c7b8a9f0e1d2c3b4a5f6e7d8c9b0a1f2e3d4c5b6a7f8e9d0",
				Signature: "c2lnbmF0dXJlIG9mIHRoZSBzZWNyZXRhcnk="},
			{ID: "member-3", Name: "Член комиссии Эрдниев Бадма", Fingerprint: "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0"},
		},
		Disputes: []protocol.Dispute{{Entry: 1604, Tracking: "QX7-4KD9-M2PA", Filed: "2026-09-13T09:12:44.310Z",
			Reason: "Код моего бюллетеня не находится в журнале", Outcome: "dismissed", Member: "chair",
			Decision: "Бюллетень найден в журнале под записью 1533: избиратель проверял код в другом голосовании", Resolved: "2026-09-13T18:55:01.002Z"}},
		Times: protocol.Times{Opened: "2026-09-11T05:00:00.000Z", KeyTested: "2026-09-13T16:50:00.000Z", Closed: "2026-09-13T17:00:00.000Z", Decided: "2026-09-13T18:42:07.125Z"},
	}
}

// testPublisher is the publication key of the golden files
// (testdata/publisher.key, publisher.crt). A test key, published here on
// purpose: it signs nothing but test data. go test -run TestGolden -update
// makes a new one only if the files are missing.
func testPublisher(t testing.TB) *protocol.Publisher {
	t.Helper()
	keyFile, certFile := filepath.Join("testdata", "publisher.key"), filepath.Join("testdata", "publisher.crt")
	if _, err := os.Stat(keyFile); os.IsNotExist(err) && *golden.Update {
		pub, err := protocol.GeneratePublisher(rand.Reader, "Протоколы urna test")
		if err != nil {
			t.Fatal(err)
		}
		k, c, err := pub.MarshalPEM()
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(keyFile, k, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(certFile, c, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	k, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	c, err := os.ReadFile(certFile)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := protocol.ParsePublisher(k, c)
	if err != nil {
		t.Fatal(err)
	}
	return pub
}

var (
	freshOnce sync.Once
	freshPub  *protocol.Publisher
	freshErr  error
)

// freshPublisher is a publisher generated by this test run.
func freshPublisher(t testing.TB) *protocol.Publisher {
	t.Helper()
	freshOnce.Do(func() {
		freshPub, freshErr = protocol.GeneratePublisher(rand.Reader, "Публикация протоколов urna.local")
	})
	if freshErr != nil {
		t.Fatal(freshErr)
	}
	return freshPub
}

// tool finds a command-line tool from a Debian package. Without it the
// test is skipped, unless URNA_REQUIRE_BROWSER=1 (as in CI, whose .ci/run
// installs it), when it fails.
func tool(t *testing.T, name, pkg string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("URNA_REQUIRE_BROWSER") == "1" {
			t.Fatalf("%s is required (apt-get install %s): %v", name, pkg, err)
		}
		t.Skipf("%s is not installed (apt-get install %s)", name, pkg)
	}
	return path
}

// run runs a tool and returns its combined output and whether it exited 0.
func run(t *testing.T, name string, args ...string) (string, bool) {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		if _, ok := err.(*exec.ExitError); !ok {
			t.Fatalf("%s: %v", name, err)
		}
	}
	return string(out), err == nil
}

// write writes b to a file in a fresh temporary folder.
func write(t *testing.T, name string, b []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func mustXML(t testing.TB, p *protocol.Protocol) []byte {
	t.Helper()
	doc, err := p.XML()
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// oneLine shortens a tool's output for a failure message.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
