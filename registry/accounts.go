package registry

import (
	"context"
	"database/sql"
	"errors"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

var (
	phoneRE    = regexp.MustCompile(`^\+7\d{10}$`)
	emailRE    = regexp.MustCompile(`^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$`)
	documentRE = regexp.MustCompile(`^\d{4} \d{6}$`)
	snilsRE    = regexp.MustCompile(`^\d{3}-\d{3}-\d{3} \d{2}$`)
)

func normalizePhone(p string) string {
	p = strings.NewReplacer(" ", "", "-", "", "(", "", ")", "").Replace(strings.TrimSpace(p))
	if strings.HasPrefix(p, "8") && len(p) == 11 {
		p = "+7" + p[1:]
	}
	return p
}

// NormalizeSNILS returns an insurance number in the form "123-456-789 01"
// if its check digits are right.
func NormalizeSNILS(s string) (string, bool) {
	var d []byte
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			d = append(d, byte(r))
		case r == ' ' || r == '-':
		default:
			return "", false
		}
	}
	if len(d) != 11 {
		return "", false
	}
	sum := 0
	for k := 0; k < 9; k++ {
		sum += int(d[k]-'0') * (9 - k)
	}
	check := sum % 101
	if check == 100 {
		check = 0
	}
	if check != int(d[9]-'0')*10+int(d[10]-'0') {
		return "", false
	}
	return string(d[0:3]) + "-" + string(d[3:6]) + "-" + string(d[6:9]) + " " + string(d[9:11]), true
}

// normalize checks an identity field by field and returns it in canonical
// form.
func normalize(id Identity) (Identity, error) {
	bad := func(field, ru, en string) error { return refuse("invalid_"+field, field, ru, en) }
	id.FullName = strings.Join(strings.Fields(id.FullName), " ")
	if n := utf8.RuneCountInString(id.FullName); n < 3 || n > 200 || !strings.Contains(id.FullName, " ") {
		return id, bad("full_name", "Укажите фамилию, имя и отчество (при наличии).", "Give your full name: surname, name and patronymic if any.")
	}
	b, err := time.Parse("2006-01-02", id.BirthDate)
	if err != nil || b.Year() < 1900 || b.After(time.Now()) {
		return id, bad("birth_date", "Дата рождения в виде ГГГГ-ММ-ДД.", "Date of birth as YYYY-MM-DD.")
	}
	id.Document = strings.Join(strings.Fields(id.Document), " ")
	if len(id.Document) == 10 && !strings.Contains(id.Document, " ") {
		id.Document = id.Document[:4] + " " + id.Document[4:]
	}
	if !documentRE.MatchString(id.Document) {
		return id, bad("document", "Серия и номер паспорта: 4 и 6 цифр.", "Passport series and number: 4 and 6 digits.")
	}
	s, ok := NormalizeSNILS(id.SNILS)
	if !ok {
		return id, bad("snils", "СНИЛС указан с ошибкой: 11 цифр, контрольное число должно сходиться.", "The insurance number (SNILS) is wrong: 11 digits with a matching checksum.")
	}
	id.SNILS = s
	id.Phone = normalizePhone(id.Phone)
	if !phoneRE.MatchString(id.Phone) {
		return id, bad("phone", "Телефон в виде +7XXXXXXXXXX.", "Phone as +7XXXXXXXXXX.")
	}
	id.Email = strings.ToLower(strings.TrimSpace(id.Email))
	if !emailRE.MatchString(id.Email) || len(id.Email) > 254 {
		return id, bad("email", "Адрес электронной почты указан с ошибкой.", "The e-mail address is malformed.")
	}
	id.Address = strings.Join(strings.Fields(id.Address), " ")
	if n := utf8.RuneCountInString(id.Address); n < 5 || n > 500 {
		return id, bad("address", "Укажите адрес регистрации.", "Give your registered address.")
	}
	return id, nil
}

// Register creates a simple (unverified) account.
func (r *Registry) Register(ctx context.Context, id Identity, password, ip string) (Account, error) {
	id, err := normalize(id)
	if err != nil {
		return Account{}, err
	}
	if n := utf8.RuneCountInString(password); n < 8 || n > 128 || password == id.Phone || strings.EqualFold(password, id.Email) {
		return Account{}, refuse("weak_password", "password", "Пароль — от 8 до 128 символов, не телефон и не почта.",
			"The password must be 8 to 128 characters and not your phone or e-mail.")
	}
	acc := Account{ID: randomHex(16), Identity: id, Status: StatusSimple, Created: r.opts.Now()}
	hash := hashPassword(password)
	_, err = r.db.ExecContext(ctx, `INSERT INTO accounts (id, full_name, birth_date, document, snils, phone, email, address, password, status, verified_by, created)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, '', $11) ON CONFLICT DO NOTHING`,
		acc.ID, id.FullName, id.BirthDate, id.Document, id.SNILS, id.Phone, id.Email, id.Address, hash, acc.Status, acc.Created.UnixMilli())
	if err != nil {
		return Account{}, err
	}
	if _, err := r.Account(ctx, acc.ID); err != nil {
		return Account{}, refuse("exists", "phone", "Учётная запись с этим телефоном или почтой уже есть.", "An account with this phone or e-mail exists.")
	}
	r.Audit(ctx, Event{IP: ip, Account: acc.ID, Kind: "registered"})
	return acc, nil
}

// Account returns an account.
func (r *Registry) Account(ctx context.Context, id string) (Account, error) {
	var a Account
	var created int64
	err := r.db.QueryRowContext(ctx, `SELECT id, full_name, birth_date, document, snils, phone, email, address, status, verified_by, created FROM accounts WHERE id = $1`, id).
		Scan(&a.ID, &a.Identity.FullName, &a.Identity.BirthDate, &a.Identity.Document, &a.Identity.SNILS, &a.Identity.Phone, &a.Identity.Email, &a.Identity.Address, &a.Status, &a.VerifiedBy, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return Account{}, refuse("not_found", "", "Учётная запись не найдена.", "No such account.")
	}
	a.Created = time.UnixMilli(created)
	return a, err
}

// VerifyAccount marks an account verified by an operator who checked the
// person's documents.
func (r *Registry) VerifyAccount(ctx context.Context, id, operator, ip string) error {
	res, err := r.db.ExecContext(ctx, `UPDATE accounts SET status = $1, verified_by = $2 WHERE id = $3`, StatusVerified, "operator:"+operator, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return refuse("not_found", "", "Учётная запись не найдена.", "No such account.")
	}
	r.Audit(ctx, Event{IP: ip, Account: id, Kind: "verified", Detail: "operator " + operator})
	return nil
}

// VerifyExternal records that an identity provider asserted a verified
// identity: it finds the account linked to issuer and subject, or creates
// one (with no password: it logs in through the provider), and marks it
// verified.
func (r *Registry) VerifyExternal(ctx context.Context, issuer, subject string, id Identity, ip string) (Account, error) {
	link := issuer + " " + subject
	var accID string
	err := r.db.QueryRowContext(ctx, `SELECT id FROM accounts WHERE external = $1`, link).Scan(&accID)
	if errors.Is(err, sql.ErrNoRows) {
		if id, err = normalize(id); err != nil {
			return Account{}, err
		}
		accID = randomHex(16)
		_, err = r.db.ExecContext(ctx, `INSERT INTO accounts (id, full_name, birth_date, document, snils, phone, email, address, password, status, verified_by, external, created)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, '', $9, $10, $11, $12)`,
			accID, id.FullName, id.BirthDate, id.Document, id.SNILS, id.Phone, id.Email, id.Address, StatusVerified, "idp:"+issuer, link, r.opts.Now().UnixMilli())
		if err != nil {
			return Account{}, refuse("exists", "phone", "Учётная запись с этим телефоном или почтой уже есть.", "An account with this phone or e-mail exists.")
		}
	} else if err != nil {
		return Account{}, err
	}
	r.Audit(ctx, Event{IP: ip, Account: accID, Kind: "verified", Detail: "identity provider " + issuer})
	return r.Account(ctx, accID)
}
