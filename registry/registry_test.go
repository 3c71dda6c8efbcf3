package registry

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/urna-vote/urna/internal/storetest"
	"github.com/urna-vote/urna/notify"
	"github.com/urna-vote/urna/store"
)

type clock struct{ off atomic.Int64 }

func (c *clock) now() time.Time          { return time.Unix(1_800_000_000, 0).Add(time.Duration(c.off.Load())) }
func (c *clock) advance(d time.Duration) { c.off.Add(int64(d)) }

// engine is the database engine the tests run on: TestMain runs them all
// on SQLite, then again on PostgreSQL when one is available
// (internal/storetest).
var engine = "sqlite"

func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 && os.Getenv("URNA_TEST_POSTGRES") != "" {
		engine = "postgres"
		code = m.Run()
	}
	os.Exit(code)
}

func newRegistry(t *testing.T) (*Registry, *notify.Outbox, *clock) {
	t.Helper()
	db, err := store.Open(context.Background(), storetest.Engines(t)[engine])
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	o := notify.NewOutbox(4)
	c := &clock{}
	return New(db, Options{Now: c.now, SMS: o, Secret: bytes.Repeat([]byte{7}, 32)}), o, c
}

var ivan = Identity{FullName: "Иванов Иван Иванович", BirthDate: "1980-05-17", Document: "4512 123456",
	SNILS: "112-233-445 95", Phone: "+79161234567", Email: "ivan@example.test", Address: "Москва, ул. Тверская, д. 1, кв. 2"}

func code(t *testing.T, err error) string {
	t.Helper()
	var re *Error
	if errors.As(err, &re) {
		return re.Code
	}
	if err == nil {
		return ""
	}
	t.Fatalf("not a registry error: %v", err)
	return ""
}

func count(t *testing.T, r *Registry, table string) int {
	var n int
	if err := r.db.QueryRow(`SELECT count(*) FROM ` + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestRegisterRefusesEachBadField(t *testing.T) {
	r, _, _ := newRegistry(t)
	ctx := context.Background()
	for _, c := range []struct {
		field  string
		mutate func(*Identity)
	}{
		{"full_name", func(i *Identity) { i.FullName = "Иван" }},
		{"birth_date", func(i *Identity) { i.BirthDate = "17.05.1980" }},
		{"document", func(i *Identity) { i.Document = "45 12" }},
		{"snils", func(i *Identity) { i.SNILS = "112-233-445 96" }},
		{"phone", func(i *Identity) { i.Phone = "12345" }},
		{"email", func(i *Identity) { i.Email = "ivan" }},
		{"address", func(i *Identity) { i.Address = "" }},
	} {
		id := ivan
		c.mutate(&id)
		_, err := r.Register(ctx, id, "correct horse battery", "10.0.0.1")
		var re *Error
		if !errors.As(err, &re) || re.Field != c.field || re.Message.RU == "" {
			t.Errorf("%s: %v", c.field, err)
		}
	}
	if _, err := r.Register(ctx, ivan, "1234567", "ip"); code(t, err) != "weak_password" {
		t.Errorf("short password: %v", err)
	}
	if n := count(t, r, "accounts"); n != 0 {
		t.Errorf("%d accounts written by refused registrations", n)
	}
	if _, err := r.Register(ctx, ivan, "correct horse battery", "ip"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Register(ctx, ivan, "correct horse battery", "ip"); code(t, err) != "exists" {
		t.Errorf("second registration: %v", err)
	}
}

func login(t *testing.T, r *Registry, o *notify.Outbox) (string, string) {
	t.Helper()
	ch, err := r.StartLogin(context.Background(), ivan.Phone, "correct horse battery", "ip")
	if err != nil {
		t.Fatal(err)
	}
	m, _ := o.Last(ivan.Phone, LoginCodeText)
	f := strings.Fields(m.Text)
	return ch, strings.TrimSuffix(f[5], ".")
}

func TestLoginCodes(t *testing.T) {
	r, o, c := newRegistry(t)
	ctx := context.Background()
	if _, err := r.Register(ctx, ivan, "correct horse battery", "ip"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.StartLogin(ctx, ivan.Phone, "wrong password", "ip"); code(t, err) != "login_failed" {
		t.Errorf("wrong password: %v", err)
	}
	if _, err := r.StartLogin(ctx, "+79990000000", "whatever1", "ip"); code(t, err) != "login_failed" {
		t.Errorf("unknown login: %v", err)
	}
	ch, cd := login(t, r, o)
	if len(cd) != CodeDigits {
		t.Fatalf("code %q", cd)
	}
	other, _ := login(t, r, o)
	if _, err := r.FinishLogin(ctx, other, cd, "ip"); code(t, err) != "code_invalid" {
		t.Errorf("a code used on another challenge: %v", err)
	}
	if _, err := r.FinishLogin(ctx, ch, cd, "ip"); err != nil {
		t.Fatalf("right code: %v", err)
	}
	if _, err := r.FinishLogin(ctx, ch, cd, "ip"); code(t, err) != "code_used" {
		t.Errorf("reused: %v", err)
	}
	ch, cd = login(t, r, o)
	c.advance(CodeLifetime)
	if _, err := r.FinishLogin(ctx, ch, cd, "ip"); code(t, err) != "code_expired" {
		t.Errorf("expired: %v", err)
	}
	ch, cd = login(t, r, o)
	for i := 0; i < CodeAttempts; i++ {
		r.FinishLogin(ctx, ch, "00000000", "ip")
	}
	if _, err := r.FinishLogin(ctx, ch, cd, "ip"); code(t, err) != "code_expired" {
		t.Errorf("right code after %d wrong ones: %v", CodeAttempts, err)
	}
	log, err := r.AuditLog(ctx, "", 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range log {
		if strings.Contains(e.Detail, cd) || strings.Contains(e.Detail, "correct horse") {
			t.Errorf("a secret in the audit log: %+v", e)
		}
	}
}

func TestLockoutAfter100Failures(t *testing.T) {
	r, _, c := newRegistry(t)
	ctx := context.Background()
	acc, err := r.Register(ctx, ivan, "correct horse battery", "ip")
	if err != nil {
		t.Fatal(err)
	}
	// Failures are counted in the store; write 99 directly, then fail once
	// through the login itself.
	for i := 0; i < MaxFailuresAnHour-1; i++ {
		r.db.Exec(`INSERT INTO login_failures (account, at) VALUES ($1, $2)`, acc.ID, c.now().UnixMilli())
	}
	if _, err := r.StartLogin(ctx, ivan.Email, "wrong password", "ip"); code(t, err) != "login_failed" {
		t.Fatalf("100th failure: %v", err)
	}
	if _, err := r.StartLogin(ctx, ivan.Email, "correct horse battery", "ip"); code(t, err) != "login_locked" {
		t.Errorf("right password after 100 failures in the hour: %v", err)
	}
	c.advance(time.Hour + time.Second)
	if _, err := r.StartLogin(ctx, ivan.Email, "correct horse battery", "ip"); err != nil {
		t.Errorf("an hour later: %v", err)
	}
	events, _ := r.AuditLog(ctx, acc.ID, 10)
	found := false
	for _, e := range events {
		found = found || e.Kind == "login_locked"
	}
	if !found {
		t.Error("no login_locked event in the audit log")
	}
}

const registerCSV = "\ufefffull_name,birth_date,document,snils,address,region,district\n" +
	"Иванов Иван Иванович,1980-05-17,4512 123456,112-233-445 95,\"Москва, ул. Тверская, д. 1, кв. 2\",77,77-01\n" +
	"Петров Пётр Петрович,1975-01-02,4500 000001,100-000-000 09,\"Москва, ул. Арбат, д. 3\",77,77-02\n"

func TestApplications(t *testing.T) {
	r, _, c := newRegistry(t)
	ctx := context.Background()
	if n, err := r.ImportRegister(ctx, strings.NewReader(registerCSV)); err != nil || n != 2 {
		t.Fatalf("import: %d %v", n, err)
	}
	closes := c.now().Add(24 * time.Hour)
	r.AddElection(ctx, ElectionInfo{ID: "city", Title: Text{RU: "Город"}, Level: "municipal", Districts: []string{"77-01"}, ApplicationsClose: closes})
	r.AddElection(ctx, ElectionInfo{ID: "far", Title: Text{RU: "Далеко"}, Level: "municipal", Districts: []string{"50-01"}, ApplicationsClose: closes})
	id := ivan
	id.Document = "4512 654321"
	acc, err := r.Register(ctx, id, "correct horse battery", "ip")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Apply(ctx, acc.ID, "city", "ip"); code(t, err) != "account_not_verified" {
		t.Errorf("simple account: %v", err)
	}
	r.VerifyAccount(ctx, acc.ID, "op", "ip")
	_, err = r.Apply(ctx, acc.ID, "city", "ip")
	var re *Error
	if !errors.As(err, &re) || re.Code != "register_mismatch" || re.Field != "document" || !strings.Contains(re.Message.RU, "паспорта") {
		t.Errorf("document differs: %v", err)
	}
	r.db.Exec(`UPDATE accounts SET document = '4512 123456', full_name = 'иванов  Иван ИВАНОВИЧ' WHERE id = $1`, acc.ID)
	if _, err := r.Apply(ctx, acc.ID, "far", "ip"); code(t, err) != "not_eligible" {
		t.Errorf("other district: %v", err)
	}
	app, err := r.Apply(ctx, acc.ID, "city", "ip")
	if err != nil || app.Status != StatusAccounted || app.Number != "Z-city-000001" {
		t.Fatalf("apply: %+v %v", app, err)
	}
	var roll bytes.Buffer
	r.PaperRoll(ctx, "city", "77-01", &roll)
	if strings.Contains(roll.String(), "Иванов") {
		t.Errorf("paper roll lists a voter who votes online:\n%s", roll.String())
	}
	if err := r.MarkIssued(ctx, acc.ID, "city"); err != nil {
		t.Fatal(err)
	}
	if err := r.MarkIssued(ctx, acc.ID, "city"); code(t, err) != "credential_already_issued" {
		t.Errorf("second issuance: %v", err)
	}
	if err := r.CancelApplication(ctx, acc.ID, "city", "ip"); err != nil {
		t.Fatal(err)
	}
	roll.Reset()
	r.PaperRoll(ctx, "city", "77-01", &roll)
	if !strings.Contains(roll.String(), "Иванов") {
		t.Errorf("paper roll omits a voter whose application was cancelled:\n%s", roll.String())
	}
	r.Apply(ctx, acc.ID, "city", "ip")
	c.advance(25 * time.Hour)
	if err := r.CancelApplication(ctx, acc.ID, "city", "ip"); code(t, err) != "applications_closed" {
		t.Errorf("cancel after the deadline: %v", err)
	}
	if _, err := r.Apply(ctx, acc.ID, "far", "ip"); code(t, err) != "applications_closed" {
		t.Errorf("apply after the deadline: %v", err)
	}
}

func TestImportRegisterAllOrNothing(t *testing.T) {
	r, _, _ := newRegistry(t)
	bad := registerCSV + "Сидоров Сидор,1990-13-01,4500 000002,100-000-000 09,addr,77,77-01\n"
	_, err := r.ImportRegister(context.Background(), strings.NewReader(bad))
	var re *Error
	if !errors.As(err, &re) || re.Field != "birth_date" || !strings.Contains(re.Message.EN, "line 4") {
		t.Errorf("bad date on line 4: %v", err)
	}
	if n := count(t, r, "register"); n != 0 {
		t.Errorf("%d rows written by a failed import", n)
	}
}

func FuzzImportRegister(f *testing.F) {
	f.Add(registerCSV)
	f.Add("full_name,birth_date,document,snils,address,region,district\n\"unterminated")
	db, err := store.Open(context.Background(), "sqlite:"+filepath.Join(f.TempDir(), "private.db"))
	if err != nil {
		f.Fatal(err)
	}
	defer db.Close()
	r := New(db, Options{Secret: make([]byte, 32)})
	f.Fuzz(func(t *testing.T, data string) {
		if _, err := db.Exec(`DELETE FROM register`); err != nil {
			t.Fatal(err)
		}
		n, err := r.ImportRegister(context.Background(), strings.NewReader(data))
		rows := count(t, r, "register")
		if err != nil && rows != 0 {
			t.Fatalf("failed import wrote %d rows", rows)
		}
		if err == nil && rows > n {
			t.Fatalf("imported %d, stored %d", n, rows)
		}
	})
}
