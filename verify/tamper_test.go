package verify_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/urna-vote/urna/ballot"
	"github.com/urna-vote/urna/crypto/credential"
	"github.com/urna-vote/urna/election"
	"github.com/urna-vote/urna/ledger"
	"github.com/urna-vote/urna/simulate"
	. "github.com/urna-vote/urna/verify"
)

// The tamper tests simulate one election, then change its ledger in the ways
// an attacker would and check that verification fails and names the check
// and the entry. Each is played twice: by an outsider, who cannot re-sign
// the checkpoint (so it no longer matches), and by a malicious operator
// who holds the log key and re-signs it (so the semantic checks must catch
// the change on their own).

var (
	simOnce sync.Once
	simDir  string
	simErr  error
)

func simulated(t *testing.T) string {
	t.Helper()
	simOnce.Do(func() {
		simDir, simErr = os.MkdirTemp("", "urna-tamper-")
		if simErr != nil {
			return
		}
		_, simErr = simulate.Run(context.Background(), simulate.Options{
			Voters: 40, RevoteShare: 0.5, SpoilShare: 0.1, Receipts: 40, Out: simDir,
		})
	})
	if simErr != nil {
		t.Fatal(simErr)
	}
	return simDir
}

func TestMain(m *testing.M) {
	code := m.Run()
	if simDir != "" {
		os.RemoveAll(simDir)
	}
	os.Exit(code)
}

type fixture struct {
	t     *testing.T
	dir   string
	lines [][]byte
	// operator: the tamper is a malicious operator's, who also holds the
	// key that signs entries (check O1) and signs what it changes.
	operator bool
}

func newFixture(t *testing.T) *fixture {
	src := simulated(t)
	dir := t.TempDir()
	for _, name := range []string{"ledger.jsonl", "checkpoint", "log.pub", "operator.key", "operator-entries.key"} {
		b, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	b, _ := os.ReadFile(filepath.Join(dir, "ledger.jsonl"))
	f := &fixture{t: t, dir: dir}
	for _, l := range bytes.Split(bytes.TrimSuffix(b, []byte("\n")), []byte("\n")) {
		f.lines = append(f.lines, l)
	}
	return f
}

func (f *fixture) entry(i int) *election.Entry {
	e, err := election.DecodeEntry(f.lines[i])
	if err != nil {
		f.t.Fatal(err)
	}
	return e
}

// set replaces entry i with e.
func (f *fixture) set(i int, e *election.Entry) { f.lines[i] = f.encode(e) }

// encode encodes e, signing it first if the tamper is the operator's.
func (f *fixture) encode(e *election.Entry) []byte {
	if f.operator && e.Type != election.TypeElection {
		seed, err := os.ReadFile(filepath.Join(f.dir, "operator-entries.key"))
		if err != nil {
			f.t.Fatal(err)
		}
		seed, err = hex.DecodeString(strings.TrimSpace(string(seed)))
		if err != nil {
			f.t.Fatal(err)
		}
		manifest, err := json.Marshal(f.entry(0).Election)
		if err != nil {
			f.t.Fatal(err)
		}
		if err := e.SignAsOperator(election.OperatorContextOf(manifest), ed25519.NewKeyFromSeed(seed)); err != nil {
			f.t.Fatal(err)
		}
	}
	b, err := e.Encode()
	if err != nil {
		f.t.Fatal(err)
	}
	return b
}

// find returns the indices of entries of a type.
func (f *fixture) find(typ string) []int {
	var out []int
	for i, l := range f.lines {
		if bytes.Contains(l[:30], []byte(`"type":"`+typ+`"`)) {
			out = append(out, i)
		}
	}
	return out
}

// verify writes the lines, re-signs if operator, and verifies.
func (f *fixture) verify(operator bool, receipts ...string) *Report {
	f.t.Helper()
	data := append(bytes.Join(f.lines, []byte("\n")), '\n')
	if err := os.WriteFile(filepath.Join(f.dir, "ledger.jsonl"), data, 0o600); err != nil {
		f.t.Fatal(err)
	}
	if operator {
		key, _ := os.ReadFile(filepath.Join(f.dir, "operator.key"))
		signer, err := ledger.NewSigner(strings.TrimSpace(string(key)))
		if err != nil {
			f.t.Fatal(err)
		}
		signed, err := ledger.ResignCheckpoint(ledger.ReadJSONL(bytes.NewReader(data)), signer.Name(), signer)
		if err != nil {
			f.t.Fatal(err)
		}
		os.WriteFile(filepath.Join(f.dir, "checkpoint"), signed, 0o600)
	}
	r, err := Dir(f.dir, Options{})
	if err != nil {
		f.t.Fatal(err)
	}
	if len(receipts) > 0 {
		key, _ := os.ReadFile(filepath.Join(f.dir, "log.pub"))
		v, _ := ledger.NewVerifier(strings.TrimSpace(string(key)))
		for _, path := range receipts {
			rc, err := ReadReceipt(path)
			if err != nil {
				f.t.Fatal(err)
			}
			r.CheckReceipt(rc, v)
		}
	}
	return r
}

// wantFailure checks the report failed with check id (or one of others)
// at entry index (−2: any entry).
func wantFailure(t *testing.T, r *Report, id string, index int64, others ...string) {
	t.Helper()
	if r.OK {
		t.Fatalf("verification passed; want %s at entry %d", id, index)
	}
	for _, f := range r.Failures {
		if (f.Check == id || slices.Contains(others, f.Check)) && (index == -2 || f.Index == index) {
			return
		}
	}
	t.Fatalf("want check %s at entry %d; got %v", id, index, r.Failures)
}

func TestUntamperedVerifies(t *testing.T) {
	f := newFixture(t)
	receipts, _ := filepath.Glob(filepath.Join(simulated(t), "receipts", "*.json"))
	if len(receipts) != 40 {
		t.Fatalf("%d receipts", len(receipts))
	}
	r := f.verify(false, receipts...)
	if !r.OK {
		t.Fatalf("untampered election fails: %v", r.Failures)
	}
	want := readExpected(t)
	for c, opts := range want.Results {
		for o, n := range opts {
			if r.Results[c][o] != n {
				t.Errorf("%s/%s: verified %d, expected %d", c, o, r.Results[c][o], n)
			}
		}
	}
}

func readExpected(t *testing.T) simulate.Expected {
	var e simulate.Expected
	b, err := os.ReadFile(filepath.Join(simulated(t), "expected.json"))
	if err == nil {
		err = json.Unmarshal(b, &e)
	}
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// both runs a tamper as outsider and as operator.
func both(t *testing.T, tamper func(f *fixture) (id string, index int64)) {
	for _, operator := range []bool{false, true} {
		t.Run(fmt.Sprintf("operator=%v", operator), func(t *testing.T) {
			f := newFixture(t)
			f.operator = operator
			id, index := tamper(f)
			r := f.verify(operator)
			if !operator {
				// An outsider cannot sign a changed entry either: it
				// fails O1 where the operator's would fail id.
				wantFailure(t, r, CheckRoot, -1)
				wantFailure(t, r, id, index, election.CheckOperator)
				return
			}
			wantFailure(t, r, id, index)
		})
	}
}

func mutateBallot(f *fixture, i int, mutate func(b []byte)) {
	e := f.entry(i)
	b := append([]byte(nil), e.Ballot.Ballot...)
	mutate(b)
	e.Ballot.Ballot = b
	f.set(i, e)
}

func TestTamperBallotByte(t *testing.T) {
	both(t, func(f *fixture) (string, int64) {
		i := f.find(election.TypeBallot)[3]
		// A byte inside the first option's proof response z_0.
		mutateBallot(f, i, func(b []byte) { b[len(b)-64-300] ^= 1 })
		return CheckProofs(f, i), int64(i)
	})
}

// CheckProofs names the check a corrupted ballot fails: the proofs, or the
// decoding if the byte made an encoding non-canonical.
func CheckProofs(f *fixture, i int) string {
	if _, err := ballot.Decode(f.entry(i).Ballot.Ballot); err != nil {
		return election.CheckBallotForm
	}
	return election.CheckProofs
}

func TestTamperSwapCiphertexts(t *testing.T) {
	both(t, func(f *fixture) (string, int64) {
		bs := f.find(election.TypeBallot)
		i, j := bs[1], bs[2]
		a, b := f.entry(i), f.entry(j)
		offA, offB := firstCiphertext(t, a.Ballot.Ballot), firstCiphertext(t, b.Ballot.Ballot)
		ca := append([]byte(nil), a.Ballot.Ballot[offA:offA+64]...)
		copy(a.Ballot.Ballot[offA:], b.Ballot.Ballot[offB:offB+64])
		copy(b.Ballot.Ballot[offB:], ca)
		f.set(i, a)
		f.set(j, b)
		return election.CheckProofs, int64(i)
	})
}

// firstCiphertext returns the offset of the first ciphertext in a ballot.
func firstCiphertext(t *testing.T, b []byte) int {
	credLen := int(b[33])<<8 | int(b[34])
	return 1 + 32 + 2 + credLen + 32 + 4 + 1 + 8
}

func TestTamperDropBallot(t *testing.T) {
	both(t, func(f *fixture) (string, int64) {
		// The last ballot on the ledger is always counted: no later
		// ballot of its credential can supersede it.
		bs := f.find(election.TypeBallot)
		i := bs[len(bs)-1]
		f.lines = append(f.lines[:i], f.lines[i+1:]...)
		tally := f.find(election.TypeTally)[0]
		return election.CheckTally, int64(tally)
	})
}

func TestTamperDropBallotCaughtByReceipt(t *testing.T) {
	// The operator drops a ballot and recomputes the tally, the decryption
	// and the result as if it had never been cast: only the voter's receipt
	// catches it.
	f := newFixture(t)
	src := simulated(t)
	rc, err := ReadReceipt(filepath.Join(src, "receipts", "7.json"))
	if err != nil {
		t.Fatal(err)
	}
	i := int(rc.Entry)
	f.lines = append(f.lines[:i], f.lines[i+1:]...)
	r := f.verify(true, filepath.Join(src, "receipts", "7.json"))
	wantFailure(t, r, CheckReceiptConsistent, int64(i))
}

func TestTamperSwapEntries(t *testing.T) {
	both(t, func(f *fixture) (string, int64) {
		closeAt := f.find(election.TypeClose)[0]
		last := f.find(election.TypeBallot)
		b := last[len(last)-1]
		f.lines[b], f.lines[closeAt] = f.lines[closeAt], f.lines[b]
		// The ballot now stands after voting closed, with an earlier time.
		return election.CheckTime, int64(closeAt)
	})
}

func TestTamperUnissuedCredential(t *testing.T) {
	both(t, func(f *fixture) (string, int64) {
		// A ballot under a credential signed by a key that is not the
		// district's issuer.
		st := replayPrefix(t, f, f.find(election.TypeOpen)[0]+1)
		is, err := credential.GenerateIssuer(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		d := st.Manifest.Districts[0].ID
		req, _ := credential.NewRequest(rand.Reader, is.PublicKey(), st.ContextHash, d)
		sig, _ := is.BlindSign(req.Blinded())
		cred, err := req.Finalize(sig)
		if err != nil {
			t.Fatal(err)
		}
		key, _ := req.Key()
		style := st.Style(d)
		ch := make(ballot.Choices, len(style))
		for k, c := range style {
			ch[k] = make([]uint8, c.Options)
			for o := 0; o < c.Min; o++ {
				ch[k][o] = 1
			}
		}
		b, _, err := ballot.Encrypt(rand.Reader, st.BallotContext(), style, cred.Encode(), key.Secret(), 1, ch)
		if err != nil {
			t.Fatal(err)
		}
		closeAt := f.find(election.TypeClose)[0]
		prev := f.entry(closeAt - 1)
		e := &election.Entry{Type: election.TypeBallot, Time: prev.Time, Ballot: &election.BallotEntry{Ballot: b.Bytes()}}
		raw := f.encode(e)
		f.lines = append(f.lines[:closeAt], append([][]byte{raw}, f.lines[closeAt:]...)...)
		return election.CheckCredential, int64(closeAt)
	})
}

// replayPrefix replays the first n entries.
func replayPrefix(t *testing.T, f *fixture, n int) *election.State {
	st := election.New()
	for _, l := range f.lines[:n] {
		if err := st.Apply(l); err != nil {
			t.Fatal(err)
		}
	}
	return st
}

// insertBeforeClose inserts a copy of entry i just before the close entry,
// with the time of the entry before it.
func insertBeforeClose(f *fixture, i int) int64 {
	closeAt := f.find(election.TypeClose)[0]
	e := f.entry(i)
	e.Time = f.entry(closeAt - 1).Time
	raw := f.encode(e)
	f.lines = append(f.lines[:closeAt], append([][]byte{raw}, f.lines[closeAt:]...)...)
	return int64(closeAt)
}

func TestTamperReplayAfterRevote(t *testing.T) {
	both(t, func(f *fixture) (string, int64) {
		// Find a credential with two ballots and replay its first.
		seen := map[[32]byte]int{}
		first := -1
		for _, i := range f.find(election.TypeBallot) {
			b, _ := ballot.Decode(f.entry(i).Ballot.Ballot)
			if _, ok := seen[b.CredentialKey]; ok {
				first = seen[b.CredentialKey]
				break
			}
			seen[b.CredentialKey] = i
		}
		if first < 0 {
			t.Fatal("no re-vote in the simulation")
		}
		return election.CheckUnique, insertBeforeClose(f, first)
	})
}

func TestTamperDuplicateBallot(t *testing.T) {
	both(t, func(f *fixture) (string, int64) {
		return election.CheckUnique, insertBeforeClose(f, f.find(election.TypeBallot)[0])
	})
}

func TestTamperReplaceDecryptionShare(t *testing.T) {
	both(t, func(f *fixture) (string, int64) {
		shares := f.find(election.TypeShare)
		a, b := f.entry(shares[0]), f.entry(shares[1])
		// Guardian A publishes B's partial decryptions as its own.
		raw := append([]byte(nil), b.Share.Share...)
		raw[0] = byte(a.Share.Guardian)
		a.Share.Share = raw
		f.set(shares[0], a)
		return election.CheckShare, int64(shares[0])
	})
}

func TestTamperAlterResult(t *testing.T) {
	both(t, func(f *fixture) (string, int64) {
		i := f.find(election.TypeResult)[0]
		e := f.entry(i)
		e.Result.Districts[0].Contests[0].Counts[0]++
		f.set(i, e)
		return election.CheckResult, int64(i)
	})
}

func TestTamperTruncate(t *testing.T) {
	both(t, func(f *fixture) (string, int64) {
		f.lines = f.lines[:f.find(election.TypeClose)[0]]
		return CheckComplete, -1
	})
}

func TestTamperCheckpointSignature(t *testing.T) {
	f := newFixture(t)
	path := filepath.Join(f.dir, "checkpoint")
	b, _ := os.ReadFile(path)
	b[len(b)-5] ^= 1
	os.WriteFile(path, b, 0o600)
	r, err := Dir(f.dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	wantFailure(t, r, CheckCheckpoint, -1)
}
