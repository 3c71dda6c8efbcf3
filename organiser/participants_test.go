package organiser_test

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/urna-vote/urna/organiser"
)

func TestParseParticipants(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string
	}{
		{"112-233-445 95\n", []string{"112-233-445 95"}},
		{"\ufeff11223344595\r\n+7 (916) 123-45-67\r\nAnna@Example.ORG", []string{"112-233-445 95", "+79161234567", "anna@example.org"}},
		{"  112 233 445 95  \n+79161234567\n", []string{"112-233-445 95", "+79161234567"}},
	} {
		got, err := organiser.ParseParticipants(strings.NewReader(c.in))
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("%q: %q %v, want %q", c.in, got, err, c.want)
		}
	}
	for _, c := range []struct {
		in   string
		line int
		en   string
	}{
		{"", 1, "empty"},
		{"\ufeff", 1, "empty"},
		{"\n", 1, "empty line"},
		{"112-233-445 95\n\n+79161234567\n", 2, "empty line"},
		{"112-233-445 95\n\n", 2, "empty line"},
		{"snils\n112-233-445 95\n", 1, "not an insurance number"},
		{"112-233-445 95,Иванов\n", 1, "one person per line"},
		{"\"112-233-445 95\"\n", 1, "one person per line"},
		{"+79161234567\n112-233-445 96\n", 2, "check digits"},
		{"89161234567\n", 1, "write a phone as +7"},
		{"+7916123456\n", 1, "not a phone"},
		{"+79161234567\n+7 916 123 45 67\n", 2, "same person as line 1"},
		{"a@b.c\nA@B.C\n", 2, "same person as line 1"},
		{"anna@@example.org\n", 1, "malformed e-mail"},
		{"anna@example.org\n\xff\xfe\n", 2, "not UTF-8"},
		{"+79161234567\n" + strings.Repeat("1", 300) + "\n", 2, "longer than 256"},
		{"+79161234567\r\r\n", 1, "not a phone"},
	} {
		_, err := organiser.ParseParticipants(strings.NewReader(c.in))
		var oe *organiser.Error
		if !errors.As(err, &oe) || oe.Code != organiser.CodeBadParticipants || oe.Line != c.line || !strings.Contains(oe.Message.EN, c.en) ||
			!strings.Contains(oe.Message.RU, "Список участников") {
			t.Errorf("%q: %v, want line %d: %s", c.in, err, c.line, c.en)
		}
	}
}

// A list that fails half-way leaves the draft and its old list as they
// were; a good list replaces the old one and makes the list the
// participants.
func TestSetParticipantsAllOrNothing(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		d, err := e.s.Create(e.ctx, organiser.Draft{ID: "listed"}, "a")
		if err != nil {
			t.Fatal(err)
		}
		first := []string{"112-233-445 95", "+79161234567"}
		if d, err = e.s.SetParticipants(e.ctx, "listed", d.Version, first, "a"); err != nil {
			t.Fatal(err)
		}
		if d.Participants.Source != organiser.SourceList || d.Participants.ListSize != 2 || d.Version != 2 {
			t.Fatalf("after the upload: %+v, version %d", d.Participants, d.Version)
		}
		// A list with an entry the database refuses (the same one twice,
		// as only a caller that skipped ParseParticipants could send):
		// nothing of it is written.
		if _, err := e.s.SetParticipants(e.ctx, "listed", d.Version, []string{"a@b.c", "a@b.c"}, "a"); err == nil {
			t.Fatal("a list with a repeated entry was stored")
		}
		if _, err := e.s.SetParticipants(e.ctx, "listed", 1, []string{"a@b.c"}, "a"); code(t, err) != organiser.CodeStale {
			t.Errorf("an upload at a stale version: %v", err)
		}
		got, _ := e.s.Participants(e.ctx, "listed")
		if cur, _ := e.s.Get(e.ctx, "listed"); !slices.Equal(got, []string{"+79161234567", "112-233-445 95"}) || cur.Version != 2 {
			t.Fatalf("after refused uploads: %q, version %d", got, cur.Version)
		}
		many := make([]string, 1000)
		for i := range many {
			many[i] = fmt.Sprintf("voter%d@example.test", i)
		}
		if d, err = e.s.SetParticipants(e.ctx, "listed", d.Version, many, "a"); err != nil {
			t.Fatal(err)
		}
		if got, _ := e.s.Participants(e.ctx, "listed"); len(got) != 1000 || d.Participants.ListSize != 1000 {
			t.Errorf("%d entries stored, list size %d", len(got), d.Participants.ListSize)
		}
	})
}

// Anything the parser accepts re-encodes to a list it reads back to the
// same entries, and that encoding is a fixed point; nothing panics.
func FuzzParseParticipants(f *testing.F) {
	for _, s := range []string{"112-233-445 95\n", "\ufeff11223344595\r\n+7 (916) 123-45-67\r\nAnna@Example.ORG", "", "\n\n", "a@b.c\nA@B.C\n",
		"+79161234567,x\n", "\"a@b.c\"\n", "89161234567\n", "\xff\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		entries, err := organiser.ParseParticipants(bytes.NewReader(in))
		if err != nil {
			var oe *organiser.Error
			if !errors.As(err, &oe) || oe.Line < 0 || oe.Message.RU == "" {
				t.Fatalf("%q: an error without a line: %v", in, err)
			}
			return
		}
		enc := organiser.FormatParticipants(entries)
		again, err := organiser.ParseParticipants(bytes.NewReader(enc))
		if err != nil || !slices.Equal(again, entries) {
			t.Fatalf("%q → %q → %q %v", in, entries, again, err)
		}
		if !bytes.Equal(organiser.FormatParticipants(again), enc) {
			t.Fatalf("the normal form of %q is not a fixed point", in)
		}
	})
}

// A guardian's and a member's key text: what parses is exactly what
// formats back.
func FuzzParseKeys(f *testing.F) {
	for _, s := range []string{"4gRWxwtAfZ5qazMbZDPuMlHStyqNWQ8qHOC/JrOaGUs=", "ed25519 11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=",
		"gost2012-256 " + strings.Repeat("A", 86) + "==", "ed25519  AAAA", "AAAA\n", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if key, err := organiser.ParseGuardianKey(s); err == nil && organiser.FormatGuardianKey(key) != s {
			t.Fatalf("guardian key %q formats as %q", s, organiser.FormatGuardianKey(key))
		}
		if scheme, key, err := organiser.ParseMemberKey(s); err == nil && organiser.FormatMemberKey(scheme, key) != s {
			t.Fatalf("member key %q formats as %q", s, organiser.FormatMemberKey(scheme, key))
		}
	})
}
