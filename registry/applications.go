package registry

import (
	"context"
	"database/sql"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"
)

// Application statuses.
const (
	StatusAccounted = "accounted" // Учтено
	StatusCancelled = "cancelled"
)

// An Application to vote online in an election.
type Application struct {
	Number     string    `json:"number"`
	ElectionID string    `json:"election_id"`
	AccountID  string    `json:"-"`
	District   string    `json:"district"`
	Status     string    `json:"status"`
	Created    time.Time `json:"created"`
}

var fieldNames = map[string]Text{
	"full_name":  {"Фамилия, имя и отчество", "Full name"},
	"birth_date": {"Дата рождения", "Date of birth"},
	"document":   {"Серия и номер паспорта", "Passport series and number"},
	"address":    {"Адрес регистрации", "Registered address"},
}

// Apply applies to vote online: the verified account's identity is matched
// against the voter register, and an accepted application is accounted
// with a number. Applying again while accounted returns the application.
func (r *Registry) Apply(ctx context.Context, accountID, electionID, ip string) (Application, error) {
	acc, err := r.Account(ctx, accountID)
	if err != nil {
		return Application{}, err
	}
	if acc.Status != StatusVerified {
		return Application{}, refuse("account_not_verified", "", "Учётная запись не подтверждена. Подтвердите личность у оператора или через портал госуслуг.",
			"Your account is not verified. Verify your identity with an operator or through the state services portal.")
	}
	e, err := r.Election(ctx, electionID)
	if err != nil {
		return Application{}, err
	}
	now := r.opts.Now()
	if !now.Before(e.ApplicationsClose) {
		return Application{}, refuse("applications_closed", "", "Приём заявлений на дистанционное голосование завершён "+e.ApplicationsClose.UTC().Format("02.01.2006 15:04")+" UTC. Проголосовать можно на избирательном участке.",
			"Applications to vote online closed at "+e.ApplicationsClose.UTC().Format("2006-01-02 15:04")+" UTC. You can vote at your polling station.")
	}
	if app, err := r.application(ctx, accountID, electionID); err == nil && app.Status == StatusAccounted {
		return app, nil
	}
	district := ""
	if e.Training {
		district = e.Districts[0]
	} else {
		var row struct{ name, birth, doc, addr, district string }
		err := r.db.QueryRowContext(ctx, `SELECT full_name, birth_date, document, address, district FROM register WHERE snils = $1`, acc.Identity.SNILS).
			Scan(&row.name, &row.birth, &row.doc, &row.addr, &row.district)
		if errors.Is(err, sql.ErrNoRows) {
			err = r.db.QueryRowContext(ctx, `SELECT full_name, birth_date, document, address, district FROM register WHERE document = $1`, acc.Identity.Document).
				Scan(&row.name, &row.birth, &row.doc, &row.addr, &row.district)
		}
		if errors.Is(err, sql.ErrNoRows) {
			return Application{}, refuse("not_in_register", "snils", "Вас нет в реестре избирателей: ни СНИЛС, ни паспорт не найдены. Проверьте их в профиле или обратитесь в территориальную избирательную комиссию.",
				"You are not in the voter register: neither your insurance number nor your passport was found. Check them in your profile or contact your territorial election commission.")
		}
		if err != nil {
			return Application{}, err
		}
		for _, c := range []struct{ field, mine, theirs string }{
			{"full_name", acc.Identity.FullName, row.name}, {"birth_date", acc.Identity.BirthDate, row.birth},
			{"document", acc.Identity.Document, row.doc}, {"address", acc.Identity.Address, row.addr},
		} {
			if !sameName(c.mine, c.theirs) {
				f := fieldNames[c.field]
				return Application{}, refuse("register_mismatch", c.field,
					fmt.Sprintf("%s в вашей учётной записи не совпадает с реестром избирателей. Проверьте эти данные в профиле или обратитесь в территориальную избирательную комиссию.", f.RU),
					fmt.Sprintf("%s in your account does not match the voter register. Check it in your profile or contact your territorial election commission.", f.EN))
			}
		}
		if !slices.Contains(e.Districts, row.district) {
			return Application{}, refuse("not_eligible", "", "По реестру вы не голосуете на этих выборах.", "According to the register you do not vote in this election.")
		}
		district = row.district
	}
	if err := r.eligible(ctx, electionID, acc); err != nil {
		return Application{}, err
	}
	var app Application
	err = r.db.Tx(ctx, func(tx *sql.Tx) error {
		// The number comes from a counter row that the update locks, so
		// concurrent applications never share one, whatever the isolation.
		if _, err := tx.ExecContext(ctx, `INSERT INTO application_counters (election, last) VALUES ($1, 0) ON CONFLICT (election) DO NOTHING`, electionID); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `UPDATE application_counters SET last = last + 1 WHERE election = $1 RETURNING last - 1`, electionID).Scan(&n); err != nil {
			return err
		}
		app = Application{Number: fmt.Sprintf("Z-%s-%06d", electionID, n+1), ElectionID: electionID, AccountID: accountID,
			District: district, Status: StatusAccounted, Created: now}
		_, err := tx.ExecContext(ctx, `INSERT INTO applications (election, account, number, district, status, created) VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (election, account) DO UPDATE SET status = excluded.status, district = excluded.district, created = excluded.created`,
			electionID, accountID, app.Number, district, StatusAccounted, now.UnixMilli())
		return err
	})
	if err != nil {
		return Application{}, err
	}
	r.Audit(ctx, Event{IP: ip, Account: accountID, Kind: "applied", Detail: electionID})
	return r.application(ctx, accountID, electionID)
}

func (r *Registry) application(ctx context.Context, accountID, electionID string) (Application, error) {
	var a Application
	var created int64
	err := r.db.QueryRowContext(ctx, `SELECT number, election, account, district, status, created FROM applications WHERE election = $1 AND account = $2`,
		electionID, accountID).Scan(&a.Number, &a.ElectionID, &a.AccountID, &a.District, &a.Status, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return a, refuse("no_application", "", "Заявления нет.", "There is no application.")
	}
	a.Created = time.UnixMilli(created)
	return a, err
}

// CancelApplication cancels an application before the deadline: the voter
// then votes at the polling station.
func (r *Registry) CancelApplication(ctx context.Context, accountID, electionID, ip string) error {
	e, err := r.Election(ctx, electionID)
	if err != nil {
		return err
	}
	if !r.opts.Now().Before(e.ApplicationsClose) {
		return refuse("applications_closed", "", "Срок отзыва заявления истёк.", "The deadline to cancel has passed.")
	}
	res, err := r.db.ExecContext(ctx, `UPDATE applications SET status = $1 WHERE election = $2 AND account = $3 AND status = $4`,
		StatusCancelled, electionID, accountID, StatusAccounted)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return refuse("no_application", "", "Учтённого заявления нет.", "There is no accounted application.")
	}
	r.Audit(ctx, Event{IP: ip, Account: accountID, Kind: "cancelled", Detail: electionID})
	return nil
}

// Applications lists an account's applications.
func (r *Registry) Applications(ctx context.Context, accountID string) ([]Application, error) {
	rows, err := r.db.QueryContext(ctx, `SELECT number, election, account, district, status, created FROM applications WHERE account = $1 ORDER BY election`, accountID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Application{}
	for rows.Next() {
		var a Application
		var created int64
		if err := rows.Scan(&a.Number, &a.ElectionID, &a.AccountID, &a.District, &a.Status, &created); err != nil {
			return nil, err
		}
		a.Created = time.UnixMilli(created)
		out = append(out, a)
	}
	return out, rows.Err()
}

// PaperRoll writes the polling station's list of a district as CSV: the
// register's voters there, without those with an accounted application to
// vote online.
func (r *Registry) PaperRoll(ctx context.Context, electionID, district string, w io.Writer) error {
	rows, err := r.db.QueryContext(ctx, `SELECT g.full_name, g.birth_date, g.address FROM register g
		WHERE g.district = $1 AND NOT EXISTS (SELECT 1 FROM applications a JOIN accounts c ON c.id = a.account
			WHERE a.election = $2 AND a.status = $3 AND c.snils = g.snils)
		ORDER BY g.full_name`, district, electionID, StatusAccounted)
	if err != nil {
		return err
	}
	defer rows.Close()
	cw := csv.NewWriter(w)
	cw.Write([]string{"full_name", "birth_date", "address"})
	for rows.Next() {
		var a, b, c string
		if err := rows.Scan(&a, &b, &c); err != nil {
			return err
		}
		cw.Write([]string{a, b, c})
	}
	cw.Flush()
	if err := rows.Err(); err != nil {
		return err
	}
	return cw.Error()
}

// MarkIssued records that a voter received the ballot (credential) of an
// election: the commission's list of who voted online. A second time is
// refused by the table's key, whatever the isolation.
func (r *Registry) MarkIssued(ctx context.Context, accountID, electionID string) error {
	app, err := r.application(ctx, accountID, electionID)
	if err != nil || app.Status != StatusAccounted {
		return refuse("no_application", "", "У вас нет учтённого заявления на дистанционное голосование по этим выборам.",
			"You have no accounted application to vote online in this election.")
	}
	res, err := r.db.ExecContext(ctx, `INSERT INTO issued (election, account, at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
		electionID, accountID, r.opts.Now().UnixMilli())
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return refuse("credential_already_issued", "", "Бюллетень по этим выборам вам уже выдан.", "You have already received the ballot of this election.")
	}
	return nil
}

// HasIssued says whether a voter received the ballot of an election.
func (r *Registry) HasIssued(ctx context.Context, accountID, electionID string) (bool, error) {
	var n int
	err := r.db.QueryRowContext(ctx, `SELECT count(*) FROM issued WHERE election = $1 AND account = $2`, electionID, accountID).Scan(&n)
	return n > 0, err
}

// Issued counts the voters who received the ballot of an election.
func (r *Registry) Issued(ctx context.Context, electionID string) (int, error) {
	var n int
	err := r.db.QueryRowContext(ctx, `SELECT count(*) FROM issued WHERE election = $1`, electionID).Scan(&n)
	return n, err
}

// A Recipient is one voter who received an election's ballot, as the
// commission's list shows them.
type Recipient struct {
	FullName    string    `json:"full_name"`
	BirthDate   string    `json:"birth_date"`
	District    string    `json:"district"`
	Application string    `json:"application"`
	At          time.Time `json:"at"`
}

// Recipients lists the voters who received an election's ballot, by
// district and name: the commission's list, displayed in its room.
func (r *Registry) Recipients(ctx context.Context, electionID string) ([]Recipient, error) {
	rows, err := r.db.QueryContext(ctx, `SELECT a.full_name, a.birth_date, p.district, p.number, i.at FROM issued i
		JOIN accounts a ON a.id = i.account
		JOIN applications p ON p.election = i.election AND p.account = i.account
		WHERE i.election = $1 ORDER BY p.district, a.full_name`, electionID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Recipient{}
	for rows.Next() {
		var rc Recipient
		var at int64
		if err := rows.Scan(&rc.FullName, &rc.BirthDate, &rc.District, &rc.Application, &at); err != nil {
			return nil, err
		}
		rc.At = time.UnixMilli(at)
		out = append(out, rc)
	}
	return out, rows.Err()
}

// A Contact is how to reach a voter with an accounted application.
type Contact struct {
	AccountID string
	Phone     string
	Email     string
	Issued    bool // received the ballot
}

// Applicants returns the contacts of the voters with an accounted
// application in an election.
func (r *Registry) Applicants(ctx context.Context, electionID string) ([]Contact, error) {
	rows, err := r.db.QueryContext(ctx, `SELECT a.id, a.phone, a.email, CASE WHEN i.account IS NULL THEN 0 ELSE 1 END
		FROM applications p JOIN accounts a ON a.id = p.account
		LEFT JOIN issued i ON i.election = p.election AND i.account = p.account
		WHERE p.election = $1 AND p.status = $2 ORDER BY a.id`, electionID, StatusAccounted)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Contact
	for rows.Next() {
		var c Contact
		var issued int
		if err := rows.Scan(&c.AccountID, &c.Phone, &c.Email, &issued); err != nil {
			return nil, err
		}
		c.Issued = issued == 1
		out = append(out, c)
	}
	return out, rows.Err()
}
