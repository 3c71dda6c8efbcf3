package election

import (
	"errors"
	"testing"
)

func TestDecodeEntryStrict(t *testing.T) {
	good := `{"type":"credential","time":1000,"credential":{"pseudonym":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=","district":"d1"}}`
	if _, err := DecodeEntry([]byte(good)); err != nil {
		t.Fatalf("canonical entry rejected: %v", err)
	}
	for name, in := range map[string]string{
		"unknown field":     `{"type":"open","time":1,"extra":1}`,
		"duplicate key":     `{"type":"open","type":"open","time":1}`,
		"key order":         `{"time":1,"type":"open"}`,
		"spacing":           `{"type": "open","time":1}`,
		"trailing newline":  `{"type":"open","time":1}` + "\n",
		"two values":        `{"type":"open","time":1}{}`,
		"float time":        `{"type":"open","time":1.0}`,
		"exponent time":     `{"type":"open","time":1e3}`,
		"negative time":     `{"type":"open","time":-1}`,
		"upper-case key":    `{"Type":"open","time":1}`,
		"unknown type":      `{"type":"vote","time":1}`,
		"missing payload":   `{"type":"ballot","time":1}`,
		"foreign payload":   `{"type":"open","time":1,"ballot":{"ballot":"AA=="}}`,
		"two payloads":      `{"type":"ballot","time":1,"ballot":{"ballot":"AA=="},"spoil":{"ballot":"AA==","opening":"AA=="}}`,
		"unpadded base64":   `{"type":"ballot","time":1,"ballot":{"ballot":"AA"}}`,
		"url base64":        `{"type":"ballot","time":1,"ballot":{"ballot":"-_8="}}`,
		"non-canonical b64": `{"type":"ballot","time":1,"ballot":{"ballot":"AB=="}}`,
		"unescaped html":    `{"type":"election","time":1,"election":{"id":"<"}}`,
		"not an object":     `[]`,
		"empty":             ``,
	} {
		if _, err := DecodeEntry([]byte(in)); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: got %v, want ErrMalformed", name, err)
		}
	}
}

func FuzzDecodeEntry(f *testing.F) {
	seeds := []string{
		`{"type":"open","time":1}`,
		`{"type":"close","time":2}`,
		`{"type":"credential","time":1000,"credential":{"pseudonym":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=","district":"d1"}}`,
		`{"type":"ballot","time":1,"ballot":{"ballot":"AAEC"}}`,
		`{"type":"share","time":5,"share":{"guardian":1,"share":"AAEC"}}`,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := DecodeEntry(data)
		if err != nil {
			return
		}
		again, err := e.Encode()
		if err != nil || string(again) != string(data) {
			t.Fatalf("decoded entry re-encodes differently: %q vs %q", again, data)
		}
		s := New()
		_ = s.Apply(data) // must not panic on anything that decodes
	})
}
