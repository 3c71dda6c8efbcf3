package organiser

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/urna-vote/urna/registry"
)

// Limits of an uploaded participants list.
const (
	MaxParticipants      = 1_000_000
	MaxParticipantsBytes = 64 << 20
	maxParticipantLine   = 256
)

var (
	listPhoneRE = regexp.MustCompile(`^\+7\d{10}$`)
	listEmailRE = regexp.MustCompile(`^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$`)
)

// ParseParticipants reads an uploaded list of participants (CSV of one
// column, no header): one person per line, named by their insurance number
// in the voter register (SNILS: 11 digits with matching check digits,
// separators "-" and " " allowed), or by the login of their account — a
// phone, "+7" and 10 digits (spaces, dashes and brackets allowed), or an
// e-mail address. Lines end with LF or CRLF; a UTF-8 byte order mark may
// begin the list; spaces around an entry are ignored. Nothing else is
// accepted: no empty line, no second column, no quotes, no person twice.
//
// It returns the entries in normal form and in order — SNILS as
// "123-456-789 01", phones as "+79161234567", e-mail in lower case — or,
// for the first problem, an *Error naming its line, and no entries.
func ParseParticipants(r io.Reader) ([]string, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxParticipantsBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxParticipantsBytes {
		return nil, badLine(0, fmt.Sprintf("список длиннее %d МиБ", MaxParticipantsBytes>>20), fmt.Sprintf("the list is longer than %d MiB", MaxParticipantsBytes>>20))
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	if len(data) == 0 {
		return nil, badLine(1, "список пуст", "the list is empty")
	}
	data = bytes.TrimSuffix(data, []byte("\n"))
	lines := bytes.Split(data, []byte("\n"))
	if len(lines) > MaxParticipants {
		return nil, badLine(MaxParticipants+1, fmt.Sprintf("в списке больше %d человек", MaxParticipants), fmt.Sprintf("more than %d people", MaxParticipants))
	}
	out := make([]string, 0, len(lines))
	first := make(map[string]int, len(lines))
	for i, l := range lines {
		n := i + 1
		l = bytes.TrimSuffix(l, []byte("\r"))
		entry, err := parseEntry(n, l)
		if err != nil {
			return nil, err
		}
		if prev, dup := first[entry]; dup {
			return nil, badLine(n, fmt.Sprintf("тот же человек, что в строке %d (%s)", prev, entry), fmt.Sprintf("the same person as line %d (%s)", prev, entry))
		}
		first[entry] = n
		out = append(out, entry)
	}
	return out, nil
}

func badLine(n int, ru, en string) *Error {
	e := refuse(CodeBadParticipants, "participants", fmt.Sprintf("Список участников, строка %d: %s.", n, ru),
		fmt.Sprintf("participants list, line %d: %s", n, en))
	if n == 0 {
		e = refuse(CodeBadParticipants, "participants", "Список участников: "+ru+".", "participants list: "+en)
	}
	e.Line = n
	return e
}

// parseEntry reads one line of the list.
func parseEntry(n int, l []byte) (string, error) {
	if len(l) > maxParticipantLine {
		return "", badLine(n, fmt.Sprintf("строка длиннее %d байт", maxParticipantLine), fmt.Sprintf("longer than %d bytes", maxParticipantLine))
	}
	if !utf8.Valid(l) {
		return "", badLine(n, "не текст в UTF-8", "not UTF-8 text")
	}
	s := strings.Trim(string(l), " ")
	switch {
	case s == "":
		return "", badLine(n, "пустая строка", "empty line")
	case strings.ContainsAny(s, ",;\t\""):
		return "", badLine(n, "в строке должен быть один человек, без запятых, точек с запятой, табуляций и кавычек",
			"one person per line, without commas, semicolons, tabs or quotes")
	case strings.Contains(s, "@"):
		e := strings.ToLower(s)
		if !listEmailRE.MatchString(e) || len(e) > 254 {
			return "", badLine(n, "«"+s+"» — адрес электронной почты с ошибкой", fmt.Sprintf("%q is a malformed e-mail address", s))
		}
		return e, nil
	case strings.HasPrefix(s, "+"):
		p := strings.NewReplacer(" ", "", "-", "", "(", "", ")", "").Replace(s)
		if !listPhoneRE.MatchString(p) {
			return "", badLine(n, "«"+s+"» — не телефон в виде +7 и 10 цифр", fmt.Sprintf("%q is not a phone: +7 and 10 digits", s))
		}
		return p, nil
	}
	snils, ok := registry.NormalizeSNILS(s)
	if ok {
		return snils, nil
	}
	if strings.Trim(s, "0123456789- ") == "" && len(strings.NewReplacer("-", "", " ", "").Replace(s)) == 11 {
		return "", badLine(n, "«"+s+"»: контрольное число СНИЛС не сходится (телефон пишите как +7 и 10 цифр)",
			fmt.Sprintf("%q: the insurance number's check digits do not match (write a phone as +7 and 10 digits)", s))
	}
	return "", badLine(n, "«"+s+"» — не СНИЛС (11 цифр), не телефон (+7…) и не адрес почты",
		fmt.Sprintf("%q is not an insurance number (11 digits), a phone (+7…) or an e-mail address", s))
}

// FormatParticipants is a list in normal form, one entry a line, each
// ending with LF: ParseParticipants reads it back to the same entries.
func FormatParticipants(entries []string) []byte {
	var b bytes.Buffer
	for _, e := range entries {
		b.WriteString(e)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// SetParticipants replaces a draft's participants list with entries (as
// ParseParticipants returns them) at the version read, and makes the list
// the draft's participants. All of it is written, or nothing.
func (s *Service) SetParticipants(ctx context.Context, id string, version int64, entries []string, by string) (Draft, error) {
	if len(entries) == 0 || len(entries) > MaxParticipants {
		return Draft{}, badLine(0, fmt.Sprintf("нужно от 1 до %d человек", MaxParticipants), fmt.Sprintf("1 to %d people", MaxParticipants))
	}
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		d, err := s.load(ctx, tx, id)
		if err != nil {
			return err
		}
		if d.State != StateDraft || d.Version != version {
			return errNoRow
		}
		d.Participants.Source = SourceList
		body, err := encode(d)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE organiser_votes SET body = $1, version = version + 1, updated = $2, updated_by = $3
			WHERE id = $4 AND version = $5 AND state = $6`, body, s.opts.Now().UnixMilli(), by, id, version, StateDraft)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errNoRow
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM organiser_participants WHERE vote = $1`, id); err != nil {
			return err
		}
		return insertEntries(ctx, tx, id, entries)
	})
	if errors.Is(err, errNoRow) {
		return Draft{}, s.whyNot(ctx, id)
	}
	if err != nil {
		return Draft{}, err
	}
	s.audit(ctx, by, "vote_participants", fmt.Sprintf("%s: %d", id, len(entries)))
	return s.Get(ctx, id)
}

// insertEntries writes a list in statements of a few hundred rows.
func insertEntries(ctx context.Context, tx *sql.Tx, id string, entries []string) error {
	const batch = 400
	for len(entries) > 0 {
		n := min(batch, len(entries))
		var q strings.Builder
		q.WriteString(`INSERT INTO organiser_participants (vote, entry) VALUES `)
		args := []any{id}
		for i, e := range entries[:n] {
			if i > 0 {
				q.WriteString(", ")
			}
			fmt.Fprintf(&q, "($1, $%d)", i+2)
			args = append(args, e)
		}
		if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
			return err
		}
		entries = entries[n:]
	}
	return nil
}

// Participants returns a vote's uploaded list, in normal form and sorted.
func (s *Service) Participants(ctx context.Context, id string) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT entry FROM organiser_participants WHERE vote = $1 ORDER BY entry`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var e string
		if err := rows.Scan(&e); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
