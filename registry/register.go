package registry

import (
	"context"
	"database/sql"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// Register limits.
const (
	MaxRegisterRows  = 10_000_000
	MaxRegisterField = 1024
)

var registerHeader = []string{"full_name", "birth_date", "document", "snils", "address", "region", "district"}

// ImportRegister reads the voter register as CSV (header
// full_name,birth_date,document,snils,address,region,district) and stores
// it in one transaction: all rows or, on any error, none. A row replaces
// the earlier row of the same insurance number. An error names the line
// and the column.
func (r *Registry) ImportRegister(ctx context.Context, in io.Reader) (int, error) {
	cr := csv.NewReader(in)
	cr.FieldsPerRecord = len(registerHeader)
	cr.ReuseRecord = true
	bad := func(line int, col, what string) error {
		return refuse("bad_register", col, fmt.Sprintf("Реестр, строка %d, столбец %s: %s", line, col, what),
			fmt.Sprintf("register, line %d, column %s: %s", line, col, what))
	}
	head, err := cr.Read()
	if err != nil {
		return 0, bad(1, "", "no header: "+errText(err))
	}
	head[0] = strings.TrimPrefix(head[0], "\ufeff")
	if strings.Join(head, ",") != strings.Join(registerHeader, ",") {
		return 0, bad(1, "", "the header must be "+strings.Join(registerHeader, ","))
	}
	n := 0
	err = r.db.Tx(ctx, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, `INSERT INTO register (snils, full_name, birth_date, document, address, region, district)
			VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (snils) DO UPDATE SET full_name = excluded.full_name,
			birth_date = excluded.birth_date, document = excluded.document, address = excluded.address,
			region = excluded.region, district = excluded.district`)
		if err != nil {
			return err
		}
		defer st.Close()
		for {
			rec, err := cr.Read()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				line := 0
				var pe *csv.ParseError
				if errors.As(err, &pe) {
					line = pe.Line
				}
				return bad(line, "", errText(err))
			}
			line, _ := cr.FieldPos(0)
			if n++; n > MaxRegisterRows {
				return bad(line, "", "too many rows")
			}
			for i, f := range rec {
				if len(f) > MaxRegisterField || strings.ContainsAny(f, "\x00\r\n") {
					return bad(line, registerHeader[i], "too long or with a control character")
				}
			}
			snils, ok := NormalizeSNILS(rec[3])
			if !ok {
				return bad(line, "snils", "not a valid insurance number")
			}
			if _, err := time.Parse("2006-01-02", rec[1]); err != nil {
				return bad(line, "birth_date", "not a date YYYY-MM-DD")
			}
			for i, f := range rec {
				if strings.TrimSpace(f) == "" && registerHeader[i] != "address" {
					return bad(line, registerHeader[i], "empty")
				}
			}
			if _, err := st.ExecContext(ctx, snils, squash(rec[0]), rec[1], squash(rec[2]), squash(rec[4]), rec[5], rec[6]); err != nil {
				return err
			}
		}
	})
	if err != nil {
		return 0, err
	}
	r.Audit(ctx, Event{Kind: "register_imported", Detail: fmt.Sprintf("%d rows", n)})
	return n, nil
}

func errText(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

func squash(s string) string { return strings.Join(strings.Fields(s), " ") }

// sameName compares names case-, ё/е- and space-insensitively.
func sameName(a, b string) bool {
	norm := func(s string) string {
		return strings.ReplaceAll(strings.ToLower(squash(s)), "ё", "е")
	}
	return norm(a) == norm(b)
}

// ElectionInfo is an election's private metadata: what the registry needs
// to accept applications.
type ElectionInfo struct {
	ID                string    `json:"id"`
	Title             Text      `json:"title"`
	Level             string    `json:"level"` // federal, regional, municipal
	Districts         []string  `json:"districts"`
	ApplicationsClose time.Time `json:"applications_close"`
	Training          bool      `json:"training"`
	// Notify lists the notification events (notify.Event*) its voters
	// are told of; nil tells them of every event.
	Notify []string `json:"notify,omitempty"`
}

// Notifies reports whether the election's voters are told of event.
func (e ElectionInfo) Notifies(event string) bool {
	return e.Notify == nil || slices.Contains(e.Notify, event)
}

// AddElection registers an election.
func (r *Registry) AddElection(ctx context.Context, e ElectionInfo) error {
	training := 0
	if e.Training {
		training = 1
	}
	notify := "*"
	if e.Notify != nil {
		notify = strings.Join(e.Notify, ",")
	}
	_, err := r.db.ExecContext(ctx, `INSERT INTO elections (id, title_ru, title_en, level, districts, applications_close, training, notify) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		e.ID, e.Title.RU, e.Title.EN, e.Level, strings.Join(e.Districts, ","), e.ApplicationsClose.UnixMilli(), training, notify)
	return err
}

// Elections lists the elections, by id.
func (r *Registry) Elections(ctx context.Context) ([]ElectionInfo, error) {
	rows, err := r.db.QueryContext(ctx, `SELECT id, title_ru, title_en, level, districts, applications_close, training, notify FROM elections ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ElectionInfo
	for rows.Next() {
		var e ElectionInfo
		var ds, notify string
		var closes, training int64
		if err := rows.Scan(&e.ID, &e.Title.RU, &e.Title.EN, &e.Level, &ds, &closes, &training, &notify); err != nil {
			return nil, err
		}
		e.Districts, e.ApplicationsClose, e.Training = strings.Split(ds, ","), time.UnixMilli(closes), training != 0
		switch notify {
		case "*":
		case "":
			e.Notify = []string{}
		default:
			e.Notify = strings.Split(notify, ",")
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Election returns one election's metadata.
func (r *Registry) Election(ctx context.Context, id string) (ElectionInfo, error) {
	es, err := r.Elections(ctx)
	if err != nil {
		return ElectionInfo{}, err
	}
	for _, e := range es {
		if e.ID == id {
			return e, nil
		}
	}
	return ElectionInfo{}, refuse("unknown_election", "", "Таких выборов нет.", "There is no such election.")
}
