package organiser

import (
	"encoding/json"
	"testing"
	"time"
)

// A draft is outside data (the console's API and forms): whatever JSON
// arrives, the save-time and fix-time checks answer with refusals that
// have a code and a message in both languages, and never panic.
func FuzzCheckDraft(f *testing.F) {
	for _, seed := range []string{
		`{}`,
		`{"id":"x","level":"municipal","threshold":2,"guardians":[{"name":"a","key":"AAAA"}],"commission":[{"id":"m","key":"ed25519 AAAA"}]}`,
		`{"id":"city","title":{"ru":"Выборы","en":"Election"},"level":"regional","voting":{"opens":1,"closes":2,"tz":"Europe/Moscow"},
		  "regions":[{"id":"54","name":{"ru":"Н","en":"N"},"voting":{"opens":1,"closes":2,"tz":"Asia/Novosibirsk"}}],
		  "districts":[{"id":"54-01","name":{"ru":"О","en":"D"},"region":"54"}],
		  "contests":[{"id":"q","title":{"ru":"В","en":"Q"},"kind":"one_of_n","min":1,"max":1,"districts":["54-01"],"options":[{"id":"a","title":{"ru":"А","en":"A"}}]}],
		  "access":[{"accounts":"signature_key","auth":"oidc"}],"notifications":["applied","applied"],"participants":{"source":"list"}}`,
		`{"id":"x","contests":[{"id":"q","options":[{"id":"a"},{"id":"a"}]}],"districts":[{"id":"d"},{"id":"d"}]}`,
	} {
		f.Add([]byte(seed))
	}
	s := &Service{opts: Options{Now: func() time.Time { return time.UnixMilli(0) }}}
	f.Fuzz(func(t *testing.T, data []byte) {
		var d Draft
		if json.Unmarshal(data, &d) != nil {
			return
		}
		wellFormed := func(e *Error) {
			t.Helper()
			if e.Code == "" || e.Message.RU == "" || e.Message.EN == "" {
				t.Fatalf("a refusal without a code or a message: %+v", e)
			}
		}
		if err := checkID(d.ID); err != nil {
			wellFormed(err.(*Error))
		}
		d.defaults()
		if err := d.checkSaved(); err != nil {
			wellFormed(err.(*Error))
			return
		}
		for _, e := range s.Check(d) {
			wellFormed(e)
		}
	})
}
