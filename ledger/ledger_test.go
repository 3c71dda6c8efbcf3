//go:build !js && !wasip1

package ledger

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestAppendAndRead(t *testing.T) {
	engines(t, func(t *testing.T, ts testStore) {
		ctx := context.Background()
		all := testEntries(600)
		l, path := openTest(t, ts, Options{})
		if c, _ := l.Checkpoint(); c.Size != 0 || c.Root != EmptyRoot {
			t.Fatalf("new ledger checkpoint = %+v", c)
		}
		for i, e := range all[:500] {
			idx, err := l.Append(ctx, e)
			if err != nil || idx != uint64(i) {
				t.Fatalf("Append #%d = %d, %v", i, idx, err)
			}
		}
		first, err := l.AppendBatch(ctx, all[500:])
		if err != nil || first != 500 {
			t.Fatalf("AppendBatch = %d, %v", first, err)
		}
		check := func(l *Ledger) {
			t.Helper()
			if l.Size() != 600 {
				t.Fatalf("Size = %d", l.Size())
			}
			for _, i := range []uint64{0, 1, 255, 256, 599} {
				e, err := l.Entry(ctx, i)
				if err != nil || !bytes.Equal(e, all[i]) {
					t.Errorf("Entry(%d) = %q, %v", i, e, err)
				}
			}
			var got [][]byte
			for e, err := range l.Entries(0, 600) {
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, e)
			}
			if diff := cmp.Diff(all, got); diff != "" {
				t.Errorf("Entries(0, 600) differ: %s", diff)
			}
			for e, err := range l.Entries(598, 600) {
				if err != nil || !bytes.Equal(e, all[598]) {
					t.Errorf("Entries(598, 600) starts with %q, %v", e, err)
				}
				break
			}
			if c, _ := l.Checkpoint(); c.Root != Hash(refRoot(all)) {
				t.Errorf("root %s, want %s", c.Root, Hash(refRoot(all)))
			}
			if err := l.Check(ctx); err != nil {
				t.Errorf("Check: %v", err)
			}
		}
		check(l)
		if _, err := l.Entry(ctx, 600); !errors.Is(err, ErrRange) {
			t.Errorf("Entry(600) = %v", err)
		}
		for _, err := range l.Entries(10, 601) {
			if !errors.Is(err, ErrRange) {
				t.Errorf("Entries(10, 601) = %v", err)
			}
		}
		if _, err := l.InclusionProof(600, 600); !errors.Is(err, ErrRange) {
			t.Errorf("InclusionProof(600, 600) = %v", err)
		}
		if _, err := l.ConsistencyProof(10, 601); !errors.Is(err, ErrRange) {
			t.Errorf("ConsistencyProof(10, 601) = %v", err)
		}
		l.Close()
		if _, err := l.Append(ctx, all[0]); !errors.Is(err, ErrClosed) {
			t.Errorf("Append after Close = %v", err)
		}
		check(reopen(t, path, Options{}))
	})
}

func TestConcurrentAppends(t *testing.T) {
	engines(t, func(t *testing.T, ts testStore) {
		ctx := context.Background()
		l, _ := openTest(t, ts, Options{})
		const workers, each = 16, 40
		got := make([][]uint64, workers)
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				for i := range each {
					idx, err := l.Append(ctx, testEntry(fmt.Sprint(w), i, 100))
					if err != nil {
						t.Error(err)
						return
					}
					got[w] = append(got[w], idx)
				}
			})
		}
		wg.Wait()
		var all []uint64
		for w := range workers {
			if !slices.IsSorted(got[w]) {
				t.Errorf("worker %d got indices out of order: %v", w, got[w])
			}
			for i, idx := range got[w] {
				e, err := l.Entry(ctx, idx)
				if err != nil || !bytes.Equal(e, testEntry(fmt.Sprint(w), i, 100)) {
					t.Errorf("entry %d is not worker %d's #%d: %q, %v", idx, w, i, e, err)
				}
			}
			all = append(all, got[w]...)
		}
		slices.Sort(all)
		for i, idx := range all {
			if idx != uint64(i) {
				t.Fatalf("indices are not 0..%d: %v", workers*each-1, all)
			}
		}
		if err := l.Check(ctx); err != nil {
			t.Error(err)
		}
	})
}

// countingValidator is a toy state machine: it accepts entries that do not
// contain "REJECT", and checks it is called at exactly its own count.
type countingValidator struct {
	mu       sync.Mutex
	next     uint64
	accepted [][]byte
	misuse   error
}

var errBad = errors.New("entry marked REJECT")

func (v *countingValidator) Check(index uint64, e []byte) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if index != v.next {
		v.misuse = fmt.Errorf("checked at %d, state at %d", index, v.next)
		return v.misuse
	}
	if bytes.Contains(e, []byte("REJECT")) {
		return errBad
	}
	v.next++
	v.accepted = append(v.accepted, bytes.Clone(e))
	return nil
}

func TestValidator(t *testing.T) {
	engines(t, func(t *testing.T, ts testStore) {
		ctx := context.Background()
		v := &countingValidator{}
		l, path := openTest(t, ts, Options{Validator: v})

		// Concurrent appends, every third one bad: good entries go through in
		// the same group commits as rejected ones.
		var wg sync.WaitGroup
		var mu sync.Mutex
		good := map[string]uint64{}
		for w := range 8 {
			wg.Go(func() {
				for i := range 30 {
					e := testEntry(fmt.Sprint(w), i, 60)
					if i%3 == 0 {
						e = fmt.Appendf(nil, `{"REJECT":%d,"w":%d}`, i, w)
					}
					idx, err := l.Append(ctx, e)
					var rej *RejectedError
					switch {
					case i%3 == 0 && errors.As(err, &rej) && errors.Is(err, errBad):
					case i%3 != 0 && err == nil:
						mu.Lock()
						good[string(e)] = idx
						mu.Unlock()
					default:
						t.Errorf("Append(%s) = %d, %v", e, idx, err)
					}
				}
			})
		}
		wg.Wait()
		if v.misuse != nil {
			t.Fatal(v.misuse)
		}
		if l.Size() != 160 || v.next != 160 {
			t.Fatalf("Size = %d, validator at %d; want 160", l.Size(), v.next)
		}
		for e, idx := range good {
			got, _ := l.Entry(ctx, idx)
			if string(got) != e {
				t.Errorf("entry %d = %s, want %s", idx, got, e)
			}
		}
		// The validator's state is the log.
		for i, e := range v.accepted {
			got, _ := l.Entry(ctx, uint64(i))
			if !bytes.Equal(got, e) {
				t.Errorf("entry %d = %s, the validator applied %s", i, got, e)
			}
		}

		// A batch is cut at its first rejected entry.
		batch := [][]byte{[]byte(`{"a":1}`), []byte(`{"b":2}`), []byte(`{"REJECT":3}`), []byte(`{"c":4}`)}
		first, err := l.AppendBatch(ctx, batch)
		var rej *RejectedError
		if !errors.As(err, &rej) || rej.Offset != 2 || rej.Index != 162 || first != 160 {
			t.Fatalf("AppendBatch = %d, %v; want 160 and a rejection at offset 2", first, err)
		}
		if l.Size() != 162 {
			t.Fatalf("Size after a cut batch = %d, want 162", l.Size())
		}
		// A single rejected Append reports index 0 and the rejection.
		if idx, err := l.Append(ctx, []byte(`{"REJECT":5}`)); idx != 0 || !errors.As(err, &rej) || rej.Index != 162 {
			t.Errorf("Append(bad) = %d, %v", idx, err)
		}
		l.Close()

		// Reopened, the caller replays the log into a fresh state first.
		v2 := &countingValidator{}
		l2 := reopen(t, path, Options{Validator: v2})
		for e, err := range l2.Entries(0, l2.Size()) {
			if err != nil {
				t.Fatal(err)
			}
			if err := v2.Check(v2.next, e); err != nil {
				t.Fatal(err)
			}
		}
		if idx, err := l2.Append(ctx, []byte(`{"after":"reopen"}`)); err != nil || idx != 162 {
			t.Errorf("Append after replay = %d, %v", idx, err)
		}
	})
}

func TestAppendRejectsInvalidEntries(t *testing.T) {
	engines(t, func(t *testing.T, ts testStore) {
		ctx := context.Background()
		l, _ := openTest(t, ts, Options{})
		for name, e := range map[string][]byte{
			"empty":    {},
			"newline":  []byte("{\"a\":\n1}"),
			"trailing": []byte("{}\n"),
			"too long": bytes.Repeat([]byte("a"), MaxEntrySize+1),
		} {
			if _, err := l.Append(ctx, e); !errors.Is(err, ErrInvalidEntry) {
				t.Errorf("Append(%s) = %v, want ErrInvalidEntry", name, err)
			}
		}
		if _, err := l.AppendBatch(ctx, [][]byte{[]byte("{}"), nil}); !errors.Is(err, ErrInvalidEntry) {
			t.Errorf("AppendBatch with an empty entry = %v", err)
		}
		if _, err := l.AppendBatch(ctx, nil); !errors.Is(err, ErrInvalidEntry) {
			t.Errorf("AppendBatch() = %v", err)
		}
		if l.Size() != 0 {
			t.Errorf("Size = %d after invalid appends", l.Size())
		}
		max := bytes.Repeat([]byte("a"), MaxEntrySize)
		if idx, err := l.Append(ctx, max); err != nil || idx != 0 {
			t.Errorf("Append of MaxEntrySize bytes = %d, %v", idx, err)
		}
	})
}

func TestAppendCancelled(t *testing.T) {
	engines(t, func(t *testing.T, ts testStore) {
		l, _ := openTest(t, ts, Options{})
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := l.Append(ctx, []byte("{}")); !errors.Is(err, context.Canceled) {
			t.Errorf("Append with a cancelled context = %v", err)
		}
		if l.Size() != 0 {
			t.Errorf("a cancelled append was sequenced")
		}
	})
}

func TestOpenOptions(t *testing.T) {
	engines(t, func(t *testing.T, ts testStore) {
		ctx := context.Background()
		l, path := openTest(t, ts, Options{})
		mustAppend(t, l, testEntries(3))
		l.Close()

		t.Run("ReadOnly", func(t *testing.T) {
			r, err := Open(ctx, path, Options{Origin: testOrigin})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			if r.Size() != 3 {
				t.Errorf("Size = %d", r.Size())
			}
			if _, err := r.Append(ctx, []byte("{}")); !errors.Is(err, ErrReadOnly) {
				t.Errorf("Append on a read-only ledger = %v", err)
			}
		})
		t.Run("ReadOnlyMissing", func(t *testing.T) {
			missing := ts.at(t, "none")
			if _, err := Open(ctx, missing, Options{Origin: testOrigin}); err == nil {
				t.Error("opened a missing store read-only")
			}
			if ts.engine == "sqlite" {
				if _, err := os.Stat(missing); err == nil {
					t.Error("a read-only open created the store")
				}
				return
			}
			var n int
			if err := ts.raw(t, ts.dsn).QueryRow("SELECT count(*) FROM information_schema.schemata WHERE schema_name = $1", schemaOfTest(t, missing)).Scan(&n); err != nil || n != 0 {
				t.Errorf("a read-only open created the schema (%d, %v)", n, err)
			}
		})
		t.Run("OtherOrigin", func(t *testing.T) {
			if _, err := Open(ctx, path, Options{Origin: "urna.example/other"}); err == nil || !strings.Contains(err.Error(), "holds log") {
				t.Errorf("Open with another origin = %v", err)
			}
		})
		t.Run("SignerOfAnotherLog", func(t *testing.T) {
			s, _ := testKeys(t)
			if _, err := Open(ctx, path, Options{Origin: "urna.example/other", Signer: s}); err == nil {
				t.Error("Open accepted a signer whose key names another log")
			}
		})
		t.Run("OtherKey", func(t *testing.T) {
			skey, _, err := GenerateKey(strings.NewReader(strings.Repeat("x", 64)), testOrigin)
			if err != nil {
				t.Fatal(err)
			}
			s, _ := NewSigner(skey)
			if _, err := Open(ctx, path, Options{Origin: testOrigin, Signer: s}); !errors.Is(err, ErrCorrupt) {
				t.Errorf("Open with another key of the same name = %v, want ErrCorrupt", err)
			}
		})
		t.Run("BadOrigin", func(t *testing.T) {
			for _, o := range []string{"", "a b", "a+b", "a\nb", strings.Repeat("a", 257)} {
				if _, err := Open(ctx, path, Options{Origin: o}); !errors.Is(err, ErrMalformed) {
					t.Errorf("Open(origin %q) = %v", o, err)
				}
			}
		})
		t.Run("BadPath", func(t *testing.T) {
			if ts.engine == "postgres" {
				t.Skip("TestPostgresAddress")
			}
			if _, err := Open(ctx, path+"?mode=ro", Options{Origin: testOrigin}); err == nil {
				t.Error("Open accepted a path with a query")
			}
		})
	})
}

// TestSecondWriter checks that two ledgers on one store cannot both append:
// the second one's write finds the store moved and fails.
func TestSecondWriter(t *testing.T) {
	engines(t, func(t *testing.T, ts testStore) {
		ctx := context.Background()
		a, path := openTest(t, ts, Options{})
		b := reopen(t, path, Options{})
		if _, err := a.Append(ctx, []byte(`{"a":1}`)); err != nil {
			t.Fatal(err)
		}
		if _, err := b.Append(ctx, []byte(`{"b":1}`)); !errors.Is(err, ErrFailed) || !errors.Is(err, ErrCorrupt) {
			t.Fatalf("the second writer's Append = %v, want ErrFailed", err)
		}
		if _, err := a.Append(ctx, []byte(`{"a":2}`)); err != nil {
			t.Errorf("the first writer failed too: %v", err)
		}
		a.Close()
		b.Close()
		l := reopen(t, path, Options{})
		if l.Size() != 2 {
			t.Errorf("Size = %d, want 2", l.Size())
		}
	})
}

// TestFailStop injects a failure just before COMMIT: the append fails, the
// ledger refuses every later append, and the store holds exactly what was
// acknowledged before.
func TestFailStop(t *testing.T) {
	engines(t, func(t *testing.T, ts testStore) {
		ctx := context.Background()
		var fail bool
		var mu sync.Mutex
		errInjected := errors.New("injected fsync failure")
		opts := Options{failpoint: func() error {
			mu.Lock()
			defer mu.Unlock()
			if fail {
				return errInjected
			}
			return nil
		}}
		l, path := openTest(t, ts, opts)
		all := testEntries(20)
		mustAppend(t, l, all[:10])
		before, signed := l.Checkpoint()

		mu.Lock()
		fail = true
		mu.Unlock()
		if _, err := l.Append(ctx, all[10]); !errors.Is(err, ErrFailed) || !errors.Is(err, errInjected) {
			t.Fatalf("Append with a failing commit = %v, want ErrFailed wrapping the cause", err)
		}
		mu.Lock()
		fail = false
		mu.Unlock()
		for _, e := range all[11:13] {
			if _, err := l.Append(ctx, e); !errors.Is(err, ErrFailed) || !errors.Is(err, errInjected) {
				t.Fatalf("Append after the failure = %v, want ErrFailed", err)
			}
		}
		if !errors.Is(l.Err(), ErrFailed) {
			t.Errorf("Err() = %v", l.Err())
		}
		after, signed2 := l.Checkpoint()
		if after != before || !bytes.Equal(signed, signed2) || l.Size() != 10 {
			t.Errorf("the failed ledger moved: %+v, size %d", after, l.Size())
		}
		// Reads still work.
		if e, err := l.Entry(ctx, 9); err != nil || !bytes.Equal(e, all[9]) {
			t.Errorf("Entry(9) after failure = %q, %v", e, err)
		}
		l.Close()

		l2 := reopen(t, path, Options{})
		if c, s := l2.Checkpoint(); c != before || !bytes.Equal(s, signed) {
			t.Errorf("reopened at %+v, want %+v", c, before)
		}
		if idx, err := l2.Append(ctx, all[10]); err != nil || idx != 10 {
			t.Errorf("Append after reopening = %d, %v", idx, err)
		}
	})
}

// TestFailStopClosedStore closes the database under the writer.
func TestFailStopClosedStore(t *testing.T) {
	engines(t, func(t *testing.T, ts testStore) {
		ctx := context.Background()
		l, _ := openTest(t, ts, Options{})
		mustAppend(t, l, testEntries(3))
		l.w.Close()
		if _, err := l.Append(ctx, []byte("{}")); !errors.Is(err, ErrFailed) {
			t.Fatalf("Append on a closed store = %v", err)
		}
		if _, err := l.Append(ctx, []byte("{}")); !errors.Is(err, ErrFailed) {
			t.Fatalf("second Append on a closed store = %v", err)
		}
		if l.Size() != 3 {
			t.Errorf("Size = %d", l.Size())
		}
	})
}

// TestFailStopDiskFull makes SQLite run out of pages (SQLITE_FULL, what a
// full disk gives) in the middle of appending.
func TestFailStopDiskFull(t *testing.T) {
	ctx := context.Background()
	l, path := openTest(t, sqliteStore(t), Options{})
	var pages int64
	if err := l.w.QueryRow("PRAGMA page_count").Scan(&pages); err != nil {
		t.Fatal(err)
	}
	if _, err := l.w.Exec(fmt.Sprintf("PRAGMA max_page_count = %d", pages+40)); err != nil {
		t.Fatal(err)
	}
	var acked [][]byte
	var err error
	for i := range 1000 {
		e := testEntry("full", i, 3000)
		if _, err = l.Append(ctx, e); err != nil {
			break
		}
		acked = append(acked, e)
	}
	if !errors.Is(err, ErrFailed) || !strings.Contains(err.Error(), "full") {
		t.Fatalf("Append on a full store = %v, want ErrFailed (database or disk is full)", err)
	}
	if len(acked) == 0 {
		t.Fatal("nothing was appended before the store was full")
	}
	if _, err := l.Append(ctx, []byte("{}")); !errors.Is(err, ErrFailed) {
		t.Errorf("Append after the failure = %v", err)
	}
	l.Close()
	l2 := reopen(t, path, Options{})
	if l2.Size() != uint64(len(acked)) {
		t.Fatalf("reopened with %d entries, %d were acknowledged", l2.Size(), len(acked))
	}
	for i, e := range acked {
		if got, _ := l2.Entry(ctx, uint64(i)); !bytes.Equal(got, e) {
			t.Fatalf("entry %d differs after reopening", i)
		}
	}
}

// TestOpenRefusesCorruptStore alters a closed store behind the ledger's
// back in each way below, on each engine; opening must fail with
// ErrCorrupt, never repair.
func TestOpenRefusesCorruptStore(t *testing.T) {
	// SQL that turns text into the engine's bytes: sqlite, postgres.
	type sqls struct{ sqlite, postgres string }
	same := func(q string) sqls { return sqls{q, q} }
	engines(t, func(t *testing.T, ts testStore) {
		ctx := context.Background()
		l, orig := openTest(t, ts, Options{})
		mustAppend(t, l, testEntries(700))
		l.Close()
		for _, tc := range []struct {
			name  string
			sql   sqls
			quick bool // caught without the full check
		}{
			{"EntryByteMiddle", sqls{
				`UPDATE entries SET data = CAST(replace(CAST(data AS TEXT), '"t"', '"T"') AS BLOB) WHERE idx = 100`,
				`UPDATE entries SET data = convert_to(replace(convert_from(data, 'UTF8'), '"t"', '"T"'), 'UTF8') WHERE idx = 100`}, false},
			{"EntryByteTail", sqls{
				`UPDATE entries SET data = CAST(replace(CAST(data AS TEXT), '"t"', '"T"') AS BLOB) WHERE idx = 650`,
				`UPDATE entries SET data = convert_to(replace(convert_from(data, 'UTF8'), '"t"', '"T"'), 'UTF8') WHERE idx = 650`}, true},
			{"SwappedEntries", same(`UPDATE entries SET idx = -1 WHERE idx = 10; UPDATE entries SET idx = 10 WHERE idx = 11; UPDATE entries SET idx = 11 WHERE idx = -1`), false},
			{"DeletedMiddle", same(`DELETE FROM entries WHERE idx = 300`), false},
			{"DeletedLast", same(`DELETE FROM entries WHERE idx = 699`), true},
			{"ExtraEntry", sqls{
				`INSERT INTO entries VALUES (700, CAST('{}' AS BLOB))`,
				`INSERT INTO entries VALUES (700, convert_to('{}', 'UTF8'))`}, true},
			{"Truncated", same(`DELETE FROM entries WHERE idx >= 600`), true},
			{"HashChanged", sqls{
				`UPDATE hashes SET hash = zeroblob(32) WHERE idx = 5`,
				`UPDATE hashes SET hash = decode(repeat('00', 32), 'hex') WHERE idx = 5`}, false},
			{"LastHashChanged", sqls{
				`UPDATE hashes SET hash = zeroblob(32) WHERE idx = (SELECT max(idx) FROM hashes)`,
				`UPDATE hashes SET hash = decode(repeat('00', 32), 'hex') WHERE idx = (SELECT max(idx) FROM hashes)`}, true},
			{"HashCut", sqls{
				`UPDATE hashes SET hash = substr(hash, 1, 31) WHERE idx = 7`,
				`UPDATE hashes SET hash = substring(hash from 1 for 31) WHERE idx = 7`}, false},
			{"RootChanged", sqls{
				`UPDATE log SET root = zeroblob(32)`,
				`UPDATE log SET root = decode(repeat('00', 32), 'hex')`}, true},
			{"SizeShrunk", same(`UPDATE log SET size = 699`), true},
			{"CheckpointChanged", sqls{
				`UPDATE log SET checkpoint = CAST(replace(CAST(checkpoint AS TEXT), '700', '701') AS BLOB)`,
				`UPDATE log SET checkpoint = convert_to(replace(convert_from(checkpoint, 'UTF8'), '700', '701'), 'UTF8')`}, true},
			{"CheckpointGarbage", sqls{
				`UPDATE log SET checkpoint = CAST('garbage' AS BLOB)`,
				`UPDATE log SET checkpoint = convert_to('garbage', 'UTF8')`}, true},
			{"EntryWithNewline", sqls{
				`UPDATE entries SET data = CAST('{}' || char(10) AS BLOB) WHERE idx = 100`,
				`UPDATE entries SET data = convert_to('{}' || chr(10), 'UTF8') WHERE idx = 100`}, false},
		} {
			t.Run(tc.name, func(t *testing.T) {
				where := ts.clone(t, orig, strings.ToLower(tc.name))
				q := tc.sql.sqlite
				if ts.engine == "postgres" {
					q = tc.sql.postgres
				}
				ts.exec(t, where, q)
				s, _ := testKeys(t)
				_, err := Open(ctx, where, Options{Origin: testOrigin, Signer: s})
				if !errors.Is(err, ErrCorrupt) {
					t.Errorf("Open = %v, want ErrCorrupt", err)
				}
				l, err := Open(ctx, where, Options{Origin: testOrigin, Signer: s, SkipFullCheck: true})
				if tc.quick {
					if err == nil {
						l.Close()
					}
					if !errors.Is(err, ErrCorrupt) {
						t.Errorf("Open without the full check = %v, want ErrCorrupt", err)
					}
					return
				}
				if err != nil {
					t.Fatalf("Open without the full check = %v", err)
				}
				defer l.Close()
				if err := l.Check(ctx); !errors.Is(err, ErrCorrupt) {
					t.Errorf("Check = %v, want ErrCorrupt", err)
				}
			})
		}
	})
}

func TestExportImport(t *testing.T) {
	engines(t, func(t *testing.T, ts testStore) {
		ctx := context.Background()
		all := testEntries(520)
		l, _ := openTest(t, ts, Options{})
		mustAppend(t, l, all)
		var buf bytes.Buffer
		signed, err := l.Export(ctx, &buf)
		if err != nil {
			t.Fatal(err)
		}
		_, v := testKeys(t)
		c, err := VerifyEntries(ReadJSONL(bytes.NewReader(buf.Bytes())), signed, v)
		if err != nil || c.Size != 520 {
			t.Fatalf("VerifyEntries(export) = %+v, %v", c, err)
		}
		tr, err := ReadTree(bytes.NewReader(buf.Bytes()))
		if err != nil || tr.Size() != 520 {
			t.Fatalf("ReadTree = %v", err)
		}
		if r, _ := tr.Root(520); r != c.Root {
			t.Errorf("ReadTree root %s, want %s", r, c.Root)
		}
		s, _ := testKeys(t)
		path := ts.at(t, "imported")
		imp, err := Import(ctx, path, bytes.NewReader(buf.Bytes()), Options{Origin: testOrigin, Signer: s})
		if err != nil {
			t.Fatal(err)
		}
		defer imp.Close()
		ic, isigned := imp.Checkpoint()
		if ic != c || !bytes.Equal(isigned, signed) {
			t.Errorf("imported checkpoint %+v, want %+v", ic, c)
		}
		// Importing into a store that is not empty is refused.
		imp.Close()
		if _, err := Import(ctx, path, bytes.NewReader(buf.Bytes()), Options{Origin: testOrigin, Signer: s}); err == nil {
			t.Error("Import into a full store succeeded")
		}
		// A cut export does not import.
		cut := buf.Bytes()[:buf.Len()-1]
		if _, err := Import(ctx, ts.at(t, "cut"), bytes.NewReader(cut), Options{Origin: testOrigin, Signer: s}); !errors.Is(err, ErrMalformed) {
			t.Errorf("Import of a cut file = %v", err)
		}
	})
}

func TestJSONL(t *testing.T) {
	for _, tc := range []struct {
		in      string
		n       int
		wantErr bool
	}{
		{"", 0, false},
		{"{}\n", 1, false},
		{"{}\n[]\n", 2, false},
		{"{}\n\n", 1, true},
		{"\n", 0, true},
		{"{}", 0, true},
		{"{}\n[]", 1, true},
		{strings.Repeat("a", MaxEntrySize) + "\n", 1, false},
		{strings.Repeat("a", MaxEntrySize+1) + "\n", 0, true},
	} {
		n := 0
		var err error
		for _, e := range ReadJSONL(strings.NewReader(tc.in)) {
			if e != nil {
				err = e
				break
			}
			n++
		}
		if n != tc.n || (err != nil) != tc.wantErr {
			t.Errorf("ReadJSONL(%.20q): %d entries, err %v; want %d, error %v", tc.in, n, err, tc.n, tc.wantErr)
		}
		if err != nil && !errors.Is(err, ErrMalformed) {
			t.Errorf("ReadJSONL(%.20q) error %v does not wrap ErrMalformed", tc.in, err)
		}
	}
	var buf bytes.Buffer
	if _, err := WriteJSONL(&buf, sliceEntries([][]byte{[]byte("a\nb")})); !errors.Is(err, ErrInvalidEntry) {
		t.Errorf("WriteJSONL of an entry with a newline = %v", err)
	}
}

// TestDurabilitySettings checks the settings the durability promise rests
// on, on the writer's connection: SQLite's WAL mode and synchronous=FULL
// (2); PostgreSQL's synchronous_commit=on, even where the database's
// default turns it off.
func TestDurabilitySettings(t *testing.T) {
	engines(t, func(t *testing.T, ts testStore) {
		if ts.engine == "postgres" {
			db := ts.raw(t, ts.dsn)
			var name string
			if err := db.QueryRow("SELECT current_database()").Scan(&name); err != nil {
				t.Fatal(err)
			}
			if _, err := db.Exec("ALTER DATABASE " + name + " SET synchronous_commit = off"); err != nil {
				t.Fatal(err)
			}
			l, _ := openTest(t, ts, Options{})
			var sync string
			if err := l.w.QueryRow("SHOW synchronous_commit").Scan(&sync); err != nil || sync != "on" {
				t.Errorf("synchronous_commit = %q, %v; want on", sync, err)
			}
			var off string
			if err := ts.raw(t, ts.dsn).QueryRow("SHOW synchronous_commit").Scan(&off); err != nil || off != "off" {
				t.Fatalf("the test did not turn synchronous_commit off (%q, %v)", off, err)
			}
			return
		}
		l, _ := openTest(t, ts, Options{})
		var mode string
		var sync int
		if err := l.w.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
			t.Errorf("journal_mode = %q, %v; want wal", mode, err)
		}
		if err := l.w.QueryRow("PRAGMA synchronous").Scan(&sync); err != nil || sync != 2 {
			t.Errorf("synchronous = %d, %v; want 2 (FULL)", sync, err)
		}
	})
}

// TestOpenDamagedFile flips bytes of the database file at many places. A
// damaged store must either fail to open or open to exactly the original
// log (the byte was in unused space): never to a different tree.
func TestOpenDamagedFile(t *testing.T) {
	ctx := context.Background()
	all := testEntries(400)
	l, path := openTest(t, sqliteStore(t), Options{})
	mustAppend(t, l, all)
	want, _ := l.Checkpoint()
	l.Close()
	orig, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := testKeys(t)
	failed := 0
	for off := 100; off < len(orig); off += len(orig)/97 + 1 {
		os.Remove(path + "-wal")
		os.Remove(path + "-shm")
		damaged := bytes.Clone(orig)
		damaged[off] ^= 0x5a
		if err := os.WriteFile(path, damaged, 0o600); err != nil {
			t.Fatal(err)
		}
		l, err := Open(ctx, path, Options{Origin: testOrigin, Signer: s, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			failed++
			continue
		}
		got, _ := l.Checkpoint()
		n := 0
		for e, err := range l.Entries(0, l.Size()) {
			if err != nil || !bytes.Equal(e, all[n]) {
				t.Errorf("byte %d damaged: entry %d differs, yet the store opened", off, n)
				break
			}
			n++
		}
		l.Close()
		if got != want {
			t.Errorf("byte %d damaged: opened at %+v, want %+v", off, got, want)
		}
	}
	if failed == 0 {
		t.Error("no damage was detected at all")
	}
	t.Logf("%d of the damaged files were refused", failed)
}

// TestLedgerMatchesTree checks that the SQLite ledger stores the same tree
// as the in-memory one: roots at every size, and proofs.
func TestLedgerMatchesTree(t *testing.T) {
	engines(t, func(t *testing.T, ts testStore) {
		all := testEntries(300)
		l, _ := openTest(t, ts, Options{})
		tr := buildTree(t, all)
		// Appended in uneven batches, so group commits cross tile edges.
		for i := 0; i < len(all); {
			n := min(1+i%37, len(all)-i)
			first, err := l.AppendBatch(context.Background(), all[i:i+n])
			if err != nil || first != uint64(i) {
				t.Fatalf("AppendBatch at %d = %d, %v", i, first, err)
			}
			i += n
		}
		for n := uint64(0); n <= 300; n++ {
			got, err := l.Root(n)
			want, _ := tr.Root(n)
			if err != nil || got != want {
				t.Fatalf("Root(%d) = %s, %v; want %s", n, got, err, want)
			}
		}
		for _, c := range []struct{ i, n uint64 }{{0, 1}, {0, 300}, {299, 300}, {255, 256}, {256, 257}, {100, 200}} {
			got, err := l.InclusionProof(c.i, c.n)
			want, _ := tr.InclusionProof(c.i, c.n)
			if err != nil || !equalHashes(got, want) {
				t.Errorf("InclusionProof(%d, %d) differs from the in-memory tree: %v", c.i, c.n, err)
			}
			got, err = l.ConsistencyProof(c.i, c.n)
			want, _ = tr.ConsistencyProof(c.i, c.n)
			if err != nil || !equalHashes(got, want) {
				t.Errorf("ConsistencyProof(%d, %d) differs from the in-memory tree: %v", c.i, c.n, err)
			}
		}
		head, signed := l.Checkpoint()
		if head.Size != 300 || head.Root != Hash(refRoot(all)) {
			t.Errorf("Checkpoint() = %+v", head)
		}
		_, v := testKeys(t)
		if c, err := OpenCheckpoint(signed, v); err != nil || c != head {
			t.Errorf("OpenCheckpoint(latest) = %+v, %v", c, err)
		}
	})
}
