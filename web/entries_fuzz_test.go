package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
)

// FuzzDecodeEntryBody: the decoder of posted entries never panics, refuses
// with one of its two classes, and whatever it accepts is an entry of an
// accepted type whose canonical encoding decodes to the same entry again.
func FuzzDecodeEntryBody(f *testing.F) {
	for _, s := range []string{
		`{"type":"heartbeat","heartbeat":{"guardian":1,"seen":7,"share":"AQMBAAAAAQ=="}}`,
		`{"type":"ceremony","ceremony":{"guardian":2,"round":1,"message":"AQEC"}}`,
		`{"type":"share","share":{"guardian":3,"share":"AQMD"}}`,
		`{"type":"signature","signature":{"member":"m1","signature":"AAAA"}}`,
		`{"type":"resolution","resolution":{"dispute":9,"member":"m1","outcome":"upheld","reason":"r","signature":"AAAA"}}`,
		`{"type":"ballot","ballot":{"ballot":"AAAA"}}`,
		`{"type":"heartbeat","time":1,"heartbeat":{"guardian":1,"seen":7,"share":"AA=="}}`,
		`{"type":"open"}`,
		`[]`, `{}`, `null`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := decodeEntryBody(data)
		if err != nil {
			var te *entryTypeError
			if !errors.Is(err, errMalformed) && !errors.As(err, &te) {
				t.Fatalf("error of no class: %v", err)
			}
			return
		}
		if !selfAuthenticating[e.Type] || e.Time != 0 {
			t.Fatalf("accepted an entry of type %q at time %d", e.Type, e.Time)
		}
		raw, err := e.Encode()
		if err != nil {
			t.Fatal(err)
		}
		var body map[string]json.RawMessage
		if err := json.Unmarshal(raw, &body); err != nil {
			t.Fatal(err)
		}
		delete(body, "time")
		again, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		e2, err := decodeEntryBody(again)
		if err != nil {
			t.Fatalf("the canonical form %s of an accepted entry is refused: %v", again, err)
		}
		raw2, _ := e2.Encode()
		if !bytes.Equal(raw, raw2) {
			t.Fatalf("decoded twice to different entries:\n%s\n%s", raw, raw2)
		}
	})
}
