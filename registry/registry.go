// Package registry keeps the platform's private records of people:
// accounts and their verification, login with a password and a one-time
// SMS code, the voter register, the elections' application windows, the
// applications to vote online, the commission's list of who received
// ballots, and the audit log of security events. None of it is ever on the
// public ledger.
//
// Errors meant for voters are *Error values with a stable code, the field
// at fault if any, and a message in Russian and English.
package registry

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/argon2"

	"github.com/urna-vote/urna/notify"
	"github.com/urna-vote/urna/store"
)

// Text is a message in Russian and English.
type Text struct {
	RU string `json:"ru"`
	EN string `json:"en"`
}

// An Error is a refusal meant for the person who asked.
type Error struct {
	Code    string
	Field   string
	Message Text
}

func (e *Error) Error() string { return "registry: " + e.Code + ": " + e.Message.EN }

func refuse(code, field, ru, en string) *Error {
	return &Error{Code: code, Field: field, Message: Text{RU: ru, EN: en}}
}

// Options configure a Registry.
type Options struct {
	Now    func() time.Time
	SMS    notify.SMS
	Secret []byte // 32 bytes: keys the one-time codes' MACs
	Logger *slog.Logger
}

// A Registry is the private records over a store.
type Registry struct {
	db          *store.DB
	opts        Options
	eligibility atomic.Pointer[Eligibility] // see SetEligibility
}

// New returns the registry kept in db.
func New(db *store.DB, opts Options) *Registry {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Registry{db: db, opts: opts}
}

// Identity is what a person registers with.
type Identity struct {
	FullName  string `json:"full_name"`
	BirthDate string `json:"birth_date"` // YYYY-MM-DD
	Document  string `json:"document"`   // passport series and number
	SNILS     string `json:"snils"`      // insurance number
	Phone     string `json:"phone"`      // E.164
	Email     string `json:"email"`
	Address   string `json:"address"`
}

// Account statuses.
const (
	StatusSimple   = "simple"
	StatusVerified = "verified"
)

// An Account is a registered person.
type Account struct {
	ID         string    `json:"id"`
	Identity   Identity  `json:"identity"`
	Status     string    `json:"status"`
	VerifiedBy string    `json:"verified_by,omitempty"`
	Created    time.Time `json:"created"`
}

// Event is one entry of the audit log.
type Event struct {
	Time    time.Time `json:"time"`
	IP      string    `json:"ip"`
	Account string    `json:"account"`
	Kind    string    `json:"kind"`
	Detail  string    `json:"detail"`
}

// Audit writes a security event. It never fails the caller: a failure to
// write is logged.
func (r *Registry) Audit(ctx context.Context, e Event) {
	if e.Time.IsZero() {
		e.Time = r.opts.Now()
	}
	if _, err := r.db.ExecContext(ctx, `INSERT INTO audit (at, ip, account, kind, detail) VALUES ($1, $2, $3, $4, $5)`,
		e.Time.UnixMilli(), e.IP, e.Account, e.Kind, e.Detail); err != nil {
		r.opts.Logger.Error("registry: audit log", "kind", e.Kind, "err", err)
	}
}

// AuditLog returns an account's last events, newest first.
func (r *Registry) AuditLog(ctx context.Context, accountID string, limit int) ([]Event, error) {
	rows, err := r.db.QueryContext(ctx, `SELECT at, ip, account, kind, detail FROM audit WHERE account = $1 ORDER BY at DESC LIMIT $2`, accountID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		var at int64
		if err := rows.Scan(&at, &e.IP, &e.Account, &e.Kind, &e.Detail); err != nil {
			return nil, err
		}
		e.Time = time.UnixMilli(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("registry: no randomness: " + err.Error())
	}
	return hex.EncodeToString(b)
}

// Password hashing: argon2id with OWASP's parameters.
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
)

func hashPassword(password string) string {
	salt := make([]byte, 16)
	rand.Read(salt)
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=19$m=%d,t=%d,p=%d$%s$%s", argonMemory, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

// dummyHash is checked when the login is unknown, so that an unknown login
// takes as long as a wrong password.
var dummyHash = hashPassword(randomHex(16))

func checkPassword(encoded, password string) bool {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var m uint32
	var t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

func (r *Registry) codeMAC(challenge, code string) string {
	m := hmac.New(sha256.New, r.opts.Secret)
	m.Write([]byte("urna/v1/login-code\x00" + challenge + "\x00" + code))
	return hex.EncodeToString(m.Sum(nil))
}

// Login limits.
const (
	CodeDigits        = 8
	CodeLifetime      = 5 * time.Minute
	CodeAttempts      = 5
	MaxFailuresAnHour = 100
)

// LoginCodeText begins the SMS that carries a one-time login code.
const LoginCodeText = "Код для входа в urna: "

// StartLogin checks a phone number or e-mail and the password, then sends
// a one-time code by SMS and returns the challenge it is bound to.
func (r *Registry) StartLogin(ctx context.Context, login, password, ip string) (string, error) {
	failed := refuse("login_failed", "", "Неверный логин или пароль.", "Wrong login or password.")
	var id, hash, phone string
	err := r.db.QueryRowContext(ctx, `SELECT id, password, phone FROM accounts WHERE phone = $1 OR email = $2`,
		normalizePhone(login), strings.ToLower(strings.TrimSpace(login))).Scan(&id, &hash, &phone)
	if errors.Is(err, sql.ErrNoRows) {
		checkPassword(dummyHash, password)
		r.Audit(ctx, Event{IP: ip, Kind: "login_failed", Detail: "unknown login"})
		return "", failed
	}
	if err != nil {
		return "", err
	}
	now := r.opts.Now()
	var failures int
	if err := r.db.QueryRowContext(ctx, `SELECT count(*) FROM login_failures WHERE account = $1 AND at > $2`,
		id, now.Add(-time.Hour).UnixMilli()).Scan(&failures); err != nil {
		return "", err
	}
	if failures >= MaxFailuresAnHour {
		r.Audit(ctx, Event{IP: ip, Account: id, Kind: "login_locked"})
		return "", refuse("login_locked", "", "Слишком много неудачных попыток входа. Попробуйте через час.",
			"Too many failed logins. Try again in an hour.")
	}
	if hash == "" || !checkPassword(hash, password) {
		if _, err := r.db.ExecContext(ctx, `INSERT INTO login_failures (account, at) VALUES ($1, $2)`, id, now.UnixMilli()); err != nil {
			return "", err
		}
		r.Audit(ctx, Event{IP: ip, Account: id, Kind: "login_failed", Detail: "wrong password"})
		return "", failed
	}
	if r.opts.SMS == nil {
		return "", refuse("sms_unavailable", "", "Отправка SMS не настроена.", "Text messages are not configured.")
	}
	n, err := rand.Int(rand.Reader, big.NewInt(100_000_000))
	if err != nil {
		return "", err
	}
	code := fmt.Sprintf("%0*d", CodeDigits, n.Int64())
	challenge := randomHex(16)
	if _, err := r.db.ExecContext(ctx, `INSERT INTO challenges (id, account, code_mac, expires, attempts, used) VALUES ($1, $2, $3, $4, 0, 0)`,
		challenge, id, r.codeMAC(challenge, code), now.Add(CodeLifetime).UnixMilli()); err != nil {
		return "", err
	}
	if r.opts.SMS == nil {
		return "", refuse("sms_unavailable", "", "Отправка SMS не настроена.", "Text messages are not configured.")
	}
	if err := r.opts.SMS.SendSMS(ctx, phone, LoginCodeText+code+". Никому его не сообщайте."); err != nil {
		r.db.ExecContext(ctx, `DELETE FROM challenges WHERE id = $1`, challenge)
		r.Audit(ctx, Event{IP: ip, Account: id, Kind: "code_send_failed"})
		return "", refuse("sms_unavailable", "", "Не удалось отправить SMS с кодом. Попробуйте немного позже; если вы уже вошли, можно продолжать голосовать.",
			"The text message with the code could not be sent. Try again a little later; if you are logged in, you can go on voting.")
	}
	r.Audit(ctx, Event{IP: ip, Account: id, Kind: "code_sent"})
	return challenge, nil
}

// FinishLogin checks the one-time code of a challenge and returns the
// account logged in.
func (r *Registry) FinishLogin(ctx context.Context, challenge, code, ip string) (Account, error) {
	invalid := refuse("code_invalid", "code", "Неверный код из SMS.", "Wrong code.")
	var acc Account
	var event *Event // written after the transaction, which holds the connection
	err := r.db.Tx(ctx, func(tx *sql.Tx) error {
		var account, mac string
		var expires, attempts, used int64
		err := tx.QueryRowContext(ctx, `SELECT account, code_mac, expires, attempts, used FROM challenges WHERE id = $1`, challenge).
			Scan(&account, &mac, &expires, &attempts, &used)
		if errors.Is(err, sql.ErrNoRows) {
			return invalid
		}
		if err != nil {
			return err
		}
		switch {
		case used != 0:
			event = &Event{IP: ip, Account: account, Kind: "code_reused"}
			return refuse("code_used", "code", "Этот код уже использован. Войдите снова.", "This code was already used. Log in again.")
		case r.opts.Now().UnixMilli() >= expires:
			event = &Event{IP: ip, Account: account, Kind: "code_expired"}
			return refuse("code_expired", "code", "Срок действия кода истёк. Войдите снова, чтобы получить новый.", "The code has expired. Log in again for a new one.")
		case attempts >= CodeAttempts:
			return refuse("code_expired", "code", "Слишком много неверных кодов. Войдите снова.", "Too many wrong codes. Log in again.")
		}
		if subtle.ConstantTimeCompare([]byte(r.codeMAC(challenge, code)), []byte(mac)) != 1 {
			return errWrongCode{account}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE challenges SET used = 1 WHERE id = $1`, challenge); err != nil {
			return err
		}
		acc.ID = account
		return nil
	})
	if event != nil {
		r.Audit(ctx, *event)
	}
	var wc errWrongCode
	if errors.As(err, &wc) {
		// Count the failed attempt against the challenge and the account.
		if _, err := r.db.ExecContext(ctx, `UPDATE challenges SET attempts = attempts + 1 WHERE id = $1`, challenge); err != nil {
			return Account{}, err
		}
		if _, err := r.db.ExecContext(ctx, `INSERT INTO login_failures (account, at) VALUES ($1, $2)`, wc.account, r.opts.Now().UnixMilli()); err != nil {
			return Account{}, err
		}
		r.Audit(ctx, Event{IP: ip, Account: wc.account, Kind: "code_invalid"})
		return Account{}, invalid
	}
	if err != nil {
		return Account{}, err
	}
	r.Audit(ctx, Event{IP: ip, Account: acc.ID, Kind: "login"})
	return r.Account(ctx, acc.ID)
}

// errWrongCode ends the transaction of a wrong code, whose attempt is then
// counted.
type errWrongCode struct{ account string }

func (e errWrongCode) Error() string { return "wrong code" }
