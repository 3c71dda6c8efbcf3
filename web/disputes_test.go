package web_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/urna-vote/urna/ballot"
	"github.com/urna-vote/urna/ballotbox"
	"github.com/urna-vote/urna/demo"
	"github.com/urna-vote/urna/election"
	"github.com/urna-vote/urna/ledger"
)

// disputeAnswer is the body of POST /api/v1/elections/{id}/disputes.
type disputeAnswer struct {
	Code    string `json:"code"`
	Index   *int64 `json:"index"`
	Message struct{ RU, EN string }
}

func fileDispute(t *testing.T, base, id string, receipt []byte, reason string) (int, disputeAnswer) {
	t.Helper()
	body, err := json.Marshal(map[string]any{"receipt": json.RawMessage(receipt), "reason": reason})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(base+"/api/v1/elections/"+id+"/disputes", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var a disputeAnswer
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, a
}

// forgedReceipt makes a receipt signed with the election's own log key (as
// an operator who rolled the ledger back would once have issued it) for a
// checkpoint of size entries and the given root.
func forgedReceipt(t *testing.T, data, id string, size, entry uint64, root ledger.Hash, code string) []byte {
	t.Helper()
	skey, err := os.ReadFile(filepath.Join(data, "elections", id, "log.key"))
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ledger.NewSigner(strings.TrimSpace(string(skey)))
	if err != nil {
		t.Fatal(err)
	}
	signed, err := ledger.SignCheckpoint(ledger.Checkpoint{Origin: signer.Name(), Size: size, Root: root}, signer)
	if err != nil {
		t.Fatal(err)
	}
	rc := ballotbox.Receipt{TrackingCode: code, Entry: entry, Time: time.Now().UnixMilli(), Checkpoint: string(signed),
		Proof: ledger.Proof{root}}
	b, err := json.Marshal(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// someCode is a well-formed tracking code no ballot has.
func someCode(seed string) string {
	h := sha256.Sum256([]byte(seed))
	const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
	var b []byte
	for i := 0; i < ballot.TrackingCodeLen; i++ {
		b = append(b, crockford[h[i]%32])
	}
	code, err := ballot.NormalizeTrackingCode(string(b))
	if err != nil {
		panic(err)
	}
	return code
}

// Voters' disputes: a receipt whose ballot is on the ledger is answered
// with where it is; an altered or foreign receipt is refused; a genuine
// receipt the ledger contradicts goes on the ledger and blocks the
// commission's signatures until a member resolves it.
func TestDisputes(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const id = "demo-federal"
	box, _ := e.p.Election(id)

	// A voter casts; the receipt as the platform sent it.
	c := e.login(t, 0)
	el, err := c.Election(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	bs, _ := c.Ballots(ctx)
	district := ""
	for _, b := range bs {
		if b.Election == id {
			district = b.District
		}
	}
	dev, err := c.Credential(ctx, el, district)
	if err != nil {
		t.Fatal(err)
	}
	choices := make(ballot.Choices, len(dev.Style()))
	for i, ct := range dev.Style() {
		choices[i] = make([]uint8, ct.Options)
		choices[i][0] = 1
	}
	b, _, err := dev.Encrypt(choices)
	if err != nil {
		t.Fatal(err)
	}
	var receipt []byte
	if err := c.Call(ctx, "POST", "/cast/v1/elections/"+id+"/ballots", map[string][]byte{"ballot": b.Bytes()}, &receipt); err != nil {
		t.Fatal(err)
	}
	var rc ballotbox.Receipt
	if err := json.Unmarshal(receipt, &rc); err != nil {
		t.Fatal(err)
	}
	size := func() uint64 { return box.Box.Ledger().Size() }

	t.Run("BallotPresent", func(t *testing.T) {
		before := size()
		st, a := fileDispute(t, e.url, id, receipt, "не нашёл свой бюллетень")
		if st != http.StatusConflict || a.Code != "ballot_present" || a.Index == nil || uint64(*a.Index) != rc.Entry {
			t.Fatalf("got %d %+v, want 409 ballot_present at entry %d", st, a, rc.Entry)
		}
		if !strings.Contains(a.Message.EN, "counted") {
			t.Errorf("message %q does not say the ballot is counted", a.Message.EN)
		}
		if size() != before {
			t.Error("the ledger grew")
		}
	})

	t.Run("AlteredTrackingCode", func(t *testing.T) {
		var altered ballotbox.Receipt
		json.Unmarshal(receipt, &altered)
		altered.TrackingCode = someCode("altered")
		ab, _ := json.Marshal(altered)
		before := size()
		st, a := fileDispute(t, e.url, id, ab, "")
		if st != http.StatusBadRequest || a.Code != "receipt_invalid" {
			t.Fatalf("got %d %+v, want 400 receipt_invalid", st, a)
		}
		if size() != before {
			t.Error("the ledger grew")
		}
	})

	t.Run("ForeignKey", func(t *testing.T) {
		// A checkpoint of another election's log, whatever it says.
		other := forgedReceipt(t, e.data, "demo-moscow", size()+5, size()+1, ledger.Hash{1}, someCode("foreign"))
		st, a := fileDispute(t, e.url, id, other, "")
		if st != http.StatusBadRequest || a.Code != "receipt_invalid" {
			t.Fatalf("got %d %+v, want 400 receipt_invalid", st, a)
		}
	})

	t.Run("Malformed", func(t *testing.T) {
		var fields map[string]any
		json.Unmarshal(receipt, &fields)
		reordered, _ := json.Marshal(fields) // keys sorted: not the platform's order
		for name, body := range map[string]string{
			"unknown field":     `{"receipt":` + string(receipt) + `,"reason":"","voter":"me"}`,
			"repeated field":    `{"receipt":` + string(receipt) + `,"reason":"a","reason":"b"}`,
			"receipt extra":     `{"receipt":` + strings.Replace(string(receipt), `{`, `{"x":1,`, 1) + `,"reason":""}`,
			"no receipt":        `{"reason":"где мой голос"}`,
			"two values":        `{"receipt":` + string(receipt) + `,"reason":""} {}`,
			"receipt reordered": `{"receipt":` + string(reordered) + `,"reason":""}`,
		} {
			resp, err := http.Post(e.url+"/api/v1/elections/"+id+"/disputes", "application/json", strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusBadRequest {
				t.Errorf("%s: status %d, want 400", name, resp.StatusCode)
			}
		}
	})

	// Genuine receipts the ledger contradicts: one for a checkpoint larger
	// than the ledger (it was rolled back), one whose checkpoint's root the
	// ledger's first entries do not give (it was rewritten).
	var filed []uint64
	t.Run("RolledBack", func(t *testing.T) {
		n := size()
		beyond := forgedReceipt(t, e.data, id, n+10, n+4, ledger.Hash{7}, someCode("rolled back"))
		st, a := fileDispute(t, e.url, id, beyond, "Бюллетень пропал из реестра.")
		if st != http.StatusCreated || a.Index == nil {
			t.Fatalf("got %d %+v, want 201", st, a)
		}
		filed = append(filed, uint64(*a.Index))
		// The dispute entry keeps the receipt's exact bytes.
		raw, err := box.Box.Ledger().Entry(ctx, uint64(*a.Index))
		if err != nil {
			t.Fatal(err)
		}
		got, err := election.DecodeEntry(raw)
		if err != nil {
			t.Fatal(err)
		}
		if got.Type != election.TypeDispute || !bytes.Equal(got.Dispute.Receipt, beyond) || got.Dispute.Reason != "Бюллетень пропал из реестра." {
			t.Errorf("the dispute entry is %s", raw)
		}
		// Filing the same receipt again adds nothing.
		st, a = fileDispute(t, e.url, id, beyond, "")
		if st != http.StatusConflict || a.Code != "dispute_exists" || a.Index == nil || uint64(*a.Index) != filed[0] {
			t.Errorf("filed again: %d %+v, want 409 dispute_exists at %d", st, a, filed[0])
		}
	})
	t.Run("Rewritten", func(t *testing.T) {
		rewritten := forgedReceipt(t, e.data, id, rc.Entry+1, rc.Entry, ledger.Hash{9}, someCode("rewritten"))
		// Through the tracking page's form, without JavaScript.
		form := url.Values{"election": {id}, "receipt": {"\n" + string(rewritten) + "\n"}, "reason": {"Квитанция есть, бюллетеня нет."}}
		resp, err := http.PostForm(e.url+"/track/dispute?lang=ru", form)
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated || !bytes.Contains(page, []byte(`id="dispute-filed"`)) || !bytes.Contains(page, []byte("Жалоба подана")) {
			t.Fatalf("form: %d\n%s", resp.StatusCode, page)
		}
		var open []uint64
		box.Box.View(func(s *election.State) { open = s.Unresolved() })
		if len(open) != 2 {
			t.Fatalf("unresolved disputes %v, want two", open)
		}
		filed = append(filed, open[1])
	})

	// The form shows a refusal in the reader's language and keeps the text.
	t.Run("FormRefusal", func(t *testing.T) {
		form := url.Values{"election": {id}, "receipt": {"{\"tracking_code\": 1}"}, "reason": {"my words"}}
		resp, err := http.PostForm(e.url+"/track/dispute?lang=en", form)
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || !bytes.Contains(page, []byte(`id="dispute-error"`)) ||
			!bytes.Contains(page, []byte("not a receipt of the platform")) || !bytes.Contains(page, []byte("my words")) {
			t.Fatalf("form: %d\n%s", resp.StatusCode, page)
		}
	})
	if len(filed) != 2 {
		t.Fatal("the disputes were not filed")
	}

	// Counting: the result is published, but no member can sign while the
	// disputes are open (P2).
	e.clock.advance(8 * 24 * time.Hour)
	keys, err := demo.LoadKeys(e.data, id)
	if err != nil {
		t.Fatal(err)
	}
	err = keys.Count(ctx, box.Box)
	var ce *election.CheckError
	if !errors.As(err, &ce) || ce.ID != election.CheckDisputes {
		t.Fatalf("counting with open disputes: %v, want check %s", err, election.CheckDisputes)
	}
	var msg []byte
	var signed int
	box.Box.View(func(s *election.State) { msg, signed = s.ProtocolMessage(), len(s.Signatures) })
	if signed != 0 {
		t.Fatalf("%d signatures with open disputes", signed)
	}

	// A member resolves both; then every member signs.
	member := "member-1"
	for i, d := range filed {
		outcome := []string{election.OutcomeUpheld, election.OutcomeDismissed}[i]
		reason := "рассмотрено"
		var m []byte
		box.Box.View(func(s *election.State) { m = s.ResolutionMessage(d, outcome, reason) })
		sig := ed25519.Sign(ed25519.NewKeyFromSeed(keys.Members[member]), m)
		if _, err := box.Box.Append(ctx, &election.Entry{Type: election.TypeResolution, Resolution: &election.ResolutionEntry{
			Dispute: d, Member: member, Outcome: outcome, Reason: reason, Signature: sig}}); err != nil {
			t.Fatalf("resolving %d: %v", d, err)
		}
	}
	for mid, seed := range keys.Members {
		sig := ed25519.Sign(ed25519.NewKeyFromSeed(seed), msg)
		if _, err := box.Box.Append(ctx, &election.Entry{Type: election.TypeSignature,
			Signature: &election.SignatureEntry{Member: mid, Signature: sig}}); err != nil {
			t.Fatalf("%s signing: %v", mid, err)
		}
	}
	// Signed by all: no more disputes.
	beyond := forgedReceipt(t, e.data, id, size()+10, size()+4, ledger.Hash{8}, someCode("too late"))
	if st, a := fileDispute(t, e.url, id, beyond, ""); st != http.StatusConflict || a.Code != "disputes_closed" {
		t.Errorf("after the signatures: %d %+v, want 409 disputes_closed", st, a)
	}
}
