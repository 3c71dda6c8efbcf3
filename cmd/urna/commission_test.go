package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/urna-vote/urna/demo"
	"github.com/urna-vote/urna/election"
	"github.com/urna-vote/urna/internal/secretfile"
	"github.com/urna-vote/urna/notify"
	"github.com/urna-vote/urna/platform"
	"github.com/urna-vote/urna/web"
)

// TestCommissionCommand runs urna commission against a demo platform whose
// result is published but unsigned: show, sign refused while a dispute is
// open, disputes, resolve, sign declined at the confirmation, sign --yes.
func TestCommissionCommand(t *testing.T) {
	ctx := context.Background()
	var off atomic.Int64
	now := func() time.Time { return time.Now().Add(time.Duration(off.Load())) }
	data := t.TempDir()
	outbox := notify.NewOutbox(8)
	p, err := platform.Open(ctx, platform.Config{Data: data, SMS: outbox, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if err := demo.Setup(ctx, p, demo.Options{Voters: 1, Guardians: 3, Threshold: 2}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(web.New(p, web.Options{Demo: true, Outbox: outbox}))
	defer func() { srv.Close(); p.Close() }()

	const id = "demo-park"
	e, _ := p.Election(id)
	keys, err := demo.LoadKeys(data, id)
	if err != nil {
		t.Fatal(err)
	}
	// The member's key, sealed as urna member keygen writes it.
	t.Setenv(secretfile.PassphraseEnv, "member passphrase")
	keyFile := filepath.Join(t.TempDir(), "member-1.key")
	text := "urna-sign-v1 ed25519 " + base64.StdEncoding.EncodeToString(keys.Members["member-1"]) + "\n"
	if err := secretfile.WriteFile(keyFile, []byte("member passphrase"), []byte(text)); err != nil {
		t.Fatal(err)
	}
	logKey := filepath.Join(t.TempDir(), "log.pub")
	os.WriteFile(logKey, []byte(e.VerifierKey+"\n"), 0o644)

	dispute, err := e.Box.Append(ctx, &election.Entry{Type: election.TypeDispute,
		Dispute: &election.DisputeEntry{Tracking: "AAAA-AAAA-AAAA-AAAA", Receipt: []byte("{}"), Reason: "нет бюллетеня"}})
	if err != nil {
		t.Fatal(err)
	}
	off.Add(int64(8 * 24 * time.Hour))
	keys.Members = nil // the result is published; the members sign below
	if err := keys.Count(ctx, e.Box); err != nil {
		t.Fatal(err)
	}

	run := func(args ...string) (string, string, error) {
		var stdout, stderr bytes.Buffer
		err := runCommission(args, &stdout, &stderr)
		return stdout.String(), stderr.String(), err
	}
	common := []string{srv.URL, "--election", id, "--log-key", logKey}
	out, _, err := run(append([]string{"show"}, common...)...)
	if err != nil || !strings.Contains(out, "Voters' disputes: 1 filed, 1 unresolved") || !strings.Contains(out, "member-1     not signed") {
		t.Fatalf("show: %v\n%s", err, out)
	}
	signArgs := append(append([]string{"sign"}, common...), "--member", "member-1", "--key", keyFile)
	_, stderr, err := run(signArgs...)
	if err == nil || !strings.Contains(err.Error(), "unresolved") || !strings.Contains(stderr, "UNRESOLVED") {
		t.Fatalf("sign with a dispute open: %v\n%s", err, stderr)
	}
	out, _, err = run(append([]string{"disputes"}, common...)...)
	if err != nil || !strings.Contains(out, "AAAA-AAAA-AAAA-AAAA") {
		t.Fatalf("disputes: %v\n%s", err, out)
	}
	out, _, err = run(append(append([]string{"resolve"}, common...), "--member", "member-1", "--key", keyFile,
		"--dispute", itoa(dispute), "--outcome", "dismissed", "--reason", "Бюллетень найден.")...)
	if err != nil || !strings.Contains(out, "resolved: the dispute at entry "+itoa(dispute)+" is dismissed") {
		t.Fatalf("resolve: %v\n%s", err, out)
	}

	// Declined at the confirmation: nothing is signed.
	withStdin(t, "no\n", func() {
		out, _, err = run(signArgs...)
	})
	if err == nil || err.Error() != "not signed" || !strings.Contains(out, "Signing, as member-1, the result above") {
		t.Fatalf("sign declined: %v\n%s", err, out)
	}
	out, _, err = run(append(signArgs, "--yes")...)
	if err != nil || !strings.Contains(out, "signed: the signature of member-1 is entry") {
		t.Fatalf("sign --yes: %v\n%s", err, out)
	}
	var signed bool
	e.Box.View(func(st *election.State) { signed = st.Signatures["member-1"] })
	if !signed {
		t.Fatal("the signature is not on the ledger")
	}
}

func itoa(i uint64) string { return strconv.FormatUint(i, 10) }

// withStdin runs f with the standard input reading text.
func withStdin(t *testing.T, text string, f func()) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	w.WriteString(text)
	w.Close()
	old := os.Stdin
	os.Stdin = r
	defer func() { os.Stdin = old; r.Close() }()
	f()
}
