package election

import (
	"crypto/rand"
	"strings"
	"testing"

	"github.com/urna-vote/urna/crypto/credential"
	"github.com/urna-vote/urna/crypto/sign"
)

func validManifest(t *testing.T) *Manifest {
	t.Helper()
	is, err := credential.GenerateIssuer(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	issuer := credential.MarshalPublicKey(is.PublicKey())
	txt := Text{RU: "Текст", EN: "Text"}
	key := make([]byte, 32)
	return &Manifest{
		ID: "e1", Title: txt,
		Voting:    Window{Opens: 1000, Closes: 2000, TimeZone: "Europe/Moscow"},
		Districts: []District{{ID: "d1", Name: txt, Region: "r", Issuer: issuer}, {ID: "d2", Name: txt, Region: "r", Issuer: issuer}},
		Contests: []Contest{
			{ID: "c1", Title: txt, Kind: KindOneOfN, Min: 1, Max: 1, Options: []Option{{ID: "a", Title: txt}, {ID: "b", Title: txt}}, Districts: []string{}},
			{ID: "c2", Title: txt, Kind: KindReferendum, Min: 1, Max: 1, Options: []Option{{ID: "y", Title: txt}, {ID: "n", Title: txt}, {ID: "x", Title: txt}}, Districts: []string{"d2"}},
		},
		Guardians:  []Guardian{{Index: 1, Key: key}, {Index: 2, Key: key}},
		Threshold:  2,
		Commission: []Member{{ID: "m1", Key: memberKey(t, sign.Ed25519)}},
	}
}

// memberKey returns a fresh public key of the scheme.
func memberKey(t *testing.T, scheme string) []byte {
	t.Helper()
	s, err := sign.Generate(scheme, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return s.Public()
}

func TestManifestCheck(t *testing.T) {
	if _, err := validManifest(t).Check(); err != nil {
		t.Fatalf("valid manifest: %v", err)
	}
	for name, tc := range map[string]struct {
		mutate func(m *Manifest)
		want   string
	}{
		"bad id":             {func(m *Manifest) { m.ID = "a b" }, "only letters"},
		"no Russian title":   {func(m *Manifest) { m.Title.RU = "" }, "Russian title"},
		"empty window":       {func(m *Manifest) { m.Voting.Closes = m.Voting.Opens }, "opens must be before closes"},
		"bad zone":           {func(m *Manifest) { m.Voting.TimeZone = "Moscow time" }, "IANA"},
		"duplicate district": {func(m *Manifest) { m.Districts[1].ID = "d1" }, "listed twice"},
		"bad issuer":         {func(m *Manifest) { m.Districts[0].Issuer = []byte{1} }, "issuer key"},
		"one-of-n limits":    {func(m *Manifest) { m.Contests[0].Max = 2 }, "min = max = 1"},
		"referendum of 2":    {func(m *Manifest) { m.Contests[1].Options = m.Contests[1].Options[:2] }, "three options"},
		"k-of-n over":        {func(m *Manifest) { m.Contests[0].Kind = KindKOfN; m.Contests[0].Max = 3 }, "do not fit"},
		"unknown kind":       {func(m *Manifest) { m.Contests[0].Kind = "ranked" }, "unknown kind"},
		"duplicate option":   {func(m *Manifest) { m.Contests[0].Options[1].ID = "a" }, "listed twice"},
		"unknown district":   {func(m *Manifest) { m.Contests[1].Districts = []string{"d9"} }, "unknown district"},
		"threshold above n":  {func(m *Manifest) { m.Threshold = 3 }, "threshold"},
		"guardian order":     {func(m *Manifest) { m.Guardians[1].Index = 5 }, "indices must run"},
		"member key":         {func(m *Manifest) { m.Commission[0].Key = nil }, "commission member \"m1\""},
		"member scheme":      {func(m *Manifest) { m.Commission[0].Scheme = "rsa" }, "commission member \"m1\""},
		"default scheme":     {func(m *Manifest) { m.Commission[0].Scheme = sign.Ed25519 }, "omitting"},
		"scheme of key":      {func(m *Manifest) { m.Commission[0].Scheme = sign.GOST256 }, "commission member \"m1\""},
		"region window outside": {func(m *Manifest) {
			m.Regions = []Region{{ID: "r", Name: Text{RU: "Р"}, Voting: Window{Opens: 900, Closes: 1500, TimeZone: "Asia/Omsk"}}}
		}, "within the election's window"},
		"region twice": {func(m *Manifest) {
			w := Window{Opens: 1000, Closes: 1500, TimeZone: "Asia/Omsk"}
			m.Regions = []Region{{ID: "r", Name: Text{RU: "Р"}, Voting: w}, {ID: "r", Name: Text{RU: "Р"}, Voting: w}}
		}, "listed twice"},
		"region zone": {func(m *Manifest) {
			m.Regions = []Region{{ID: "r", Name: Text{RU: "Р"}, Voting: Window{Opens: 1000, Closes: 1500, TimeZone: ""}}}
		}, "IANA"},
	} {
		m := validManifest(t)
		tc.mutate(m)
		_, err := m.Check()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error containing %q", name, err, tc.want)
		}
	}
}

func TestRegionWindow(t *testing.T) {
	m := validManifest(t)
	m.Districts[1].Region = "omsk"
	m.Regions = []Region{{ID: "omsk", Name: Text{RU: "Омская область"}, Voting: Window{Opens: 1100, Closes: 1900, TimeZone: "Asia/Omsk"}}}
	if _, err := m.Check(); err != nil {
		t.Fatal(err)
	}
	if w := m.Window("d2"); w.Opens != 1100 || w.Closes != 1900 || w.TimeZone != "Asia/Omsk" {
		t.Errorf("d2 window %+v, want the region's", w)
	}
	if w := m.Window("d1"); w != m.Voting {
		t.Errorf("d1 window %+v, want the election's", w)
	}
}

func TestStyle(t *testing.T) {
	m := validManifest(t)
	if s := m.Style("d1"); len(s) != 1 || s[0].Index != 0 {
		t.Errorf("d1 style %+v", s)
	}
	if s := m.Style("d2"); len(s) != 2 || s[1].Index != 1 || s[1].Options != 3 {
		t.Errorf("d2 style %+v", s)
	}
}

func TestFirstEntryMustDefine(t *testing.T) {
	s := New()
	err := s.Apply([]byte(`{"type":"open","time":1}`))
	if ce, ok := err.(*CheckError); !ok || ce.ID != CheckManifest || ce.Index != 0 {
		t.Fatalf("got %v", err)
	}
	if s.Next != 0 {
		t.Fatal("a rejected entry moved the state")
	}
}

// A GOST member's key is checked as such.
func TestGOSTMember(t *testing.T) {
	m := validManifest(t)
	m.Commission = append(m.Commission, Member{ID: "m2", Scheme: sign.GOST256, Key: memberKey(t, sign.GOST256)})
	if _, err := m.Check(); err != nil {
		t.Fatal(err)
	}
}
