//go:build !js && !wasip1

package tiles

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/urna-vote/urna/internal/seeded"
	"github.com/urna-vote/urna/ledger"
	"golang.org/x/mod/sumdb/note"
)

const origin = "urna.example/elections/tiles-test"

func TestPath(t *testing.T) {
	for _, tc := range []struct {
		tile Tile
		path string
	}{
		{Tile{0, 0, 256}, "tile/0/000"},
		{Tile{0, 0, 1}, "tile/0/000.p/1"},
		{Tile{1, 999, 255}, "tile/1/999.p/255"},
		{Tile{2, 1000, 256}, "tile/2/x001/000"},
		{Tile{0, 1234067, 256}, "tile/0/x001/x234/067"},
		{Tile{63, 5, 17}, "tile/63/005.p/17"},
		{Tile{EntriesLevel, 0, 256}, "tile/entries/000"},
		{Tile{EntriesLevel, 1234067, 8}, "tile/entries/x001/x234/067.p/8"},
	} {
		if got := tc.tile.Path(); got != tc.path {
			t.Errorf("%+v.Path() = %q, want %q", tc.tile, got, tc.path)
		}
		got, err := ParsePath(tc.path)
		if err != nil || got != tc.tile {
			t.Errorf("ParsePath(%q) = %+v, %v; want %+v", tc.path, got, err, tc.tile)
		}
	}
	for _, bad := range []string{
		"", "tile", "tile/", "tile/0", "tile/0/", "tile/0/0", "tile/0/00", "tile/0/0000",
		"tile/00/000", "tile/+0/000", "tile/-1/000", "tile/64/000", "tile/data/000", "tile/8/0/000",
		"tile/0/001/000", "tile/0/x000/001", "tile/0/x001/x000", "tile/0/y001/000", "tile/0/x01/000",
		"tile/0/000.p/0", "tile/0/000.p/256", "tile/0/000.p/01", "tile/0/000.p/+1", "tile/0/000.p/",
		"tile/0/000.p/1/", "tile/0/000/", "/tile/0/000", "tile/0/000?x", "tile/entries/000.p/1.p/1",
		"tile/0/x999/x999/x999/x999/x999/x999/999", "tile/0/x036/x028/x797/x018/x963/968",
		"tile/0/-01", "tile/0/ 01",
	} {
		if tile, err := ParsePath(bad); !errors.Is(err, ErrPath) {
			t.Errorf("ParsePath(%q) = %+v, %v; want ErrPath", bad, tile, err)
		}
	}
}

// TestWithin checks the example of the tlog-tiles specification: a tree of
// 70,000 entries has 273 full level-0 tiles and one of width 112, one full
// level-1 tile and one of width 17, and one level-2 tile of width 1.
func TestWithin(t *testing.T) {
	const size = 70000
	count := map[string]int{}
	for level := range 4 {
		for n := int64(0); n < 300; n++ {
			for w := 1; w <= Width; w++ {
				tile := Tile{level, n, w}
				if !tile.within(size) {
					continue
				}
				// The widest tile at each position is the one served.
				if w == Width || !(Tile{level, n, w + 1}).within(size) {
					count[fmt.Sprintf("%d/%d", level, w)]++
				}
			}
		}
	}
	want := map[string]int{"0/256": 273, "0/112": 1, "1/256": 1, "1/17": 1, "2/1": 1}
	if fmt.Sprint(count) != fmt.Sprint(want) {
		t.Errorf("tiles of a tree of 70,000: %v, want %v", count, want)
	}
	if (Tile{EntriesLevel, 273, 113}).within(size) || !(Tile{EntriesLevel, 273, 112}).within(size) {
		t.Error("entry bundles of a tree of 70,000 are wrong")
	}
}

func TestBundle(t *testing.T) {
	long := bytes.Repeat([]byte("L"), 70000)
	max := bytes.Repeat([]byte("M"), ledger.MaxEntrySize)
	entries := [][]byte{[]byte("{}"), bytes.Repeat([]byte("a"), 0xFFFF), long, max, []byte(`{"n":1}`)}
	b := AppendBundle(nil, entries)
	got, err := ParseBundle(b, len(entries))
	if err != nil || len(got) != len(entries) {
		t.Fatalf("ParseBundle = %d entries, %v", len(got), err)
	}
	for i := range entries {
		if !bytes.Equal(got[i], entries[i]) {
			t.Errorf("entry %d differs", i)
		}
	}
	if !bytes.HasPrefix(b, []byte{0, 2, '{', '}', 0xFF, 0xFF}) {
		t.Errorf("short entries are not uint16 length-prefixed: % x", b[:6])
	}
	for _, tc := range []struct {
		name  string
		data  []byte
		width int
	}{
		{"empty", nil, 1},
		{"fewer entries", AppendBundle(nil, entries[:2]), 3},
		{"trailing bytes", append(AppendBundle(nil, entries[:2]), 0), 2},
		{"more entries", AppendBundle(nil, entries[:2]), 1},
		{"cut entry", AppendBundle(nil, entries[:1])[:3], 1},
		{"empty entry", []byte{0, 0, 0, 0, 0, 0}, 1},
		{"long form of a short entry", []byte{0, 0, 0, 0, 0, 2, '{', '}'}, 1},
		{"long form beyond MaxEntrySize", []byte{0, 0, 0, 0x10, 0, 1}, 1},
		{"entry with a newline", []byte{0, 3, '{', '\n', '}'}, 1},
		{"width 0", nil, 0},
		{"width 257", nil, 257},
	} {
		if _, err := ParseBundle(tc.data, tc.width); !errors.Is(err, ErrBundle) {
			t.Errorf("ParseBundle(%s) = %v, want ErrBundle", tc.name, err)
		}
	}
}

func keys(t testing.TB, seed string) (note.Signer, note.Verifier) {
	t.Helper()
	skey, vkey, err := ledger.GenerateKey(seeded.Reader(seed), origin)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := ledger.NewSigner(skey)
	v, _ := ledger.NewVerifier(vkey)
	return s, v
}

func entry(i int) []byte {
	if i == 300 {
		// One entry too long for a uint16 length.
		return fmt.Appendf(nil, `{"n":%d,"pad":"%s"}`, i, strings.Repeat("p", 70000))
	}
	return fmt.Appendf(nil, `{"n":%d}`, i)
}

func newLedger(t testing.TB, n int) *ledger.Ledger {
	t.Helper()
	s, _ := keys(t, "tiles test key")
	l, err := ledger.Open(context.Background(), filepath.Join(t.TempDir(), "l.db"), ledger.Options{
		Origin: origin, Signer: s, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	appendN(t, l, n)
	return l
}

func appendN(t testing.TB, l *ledger.Ledger, n int) {
	t.Helper()
	var batch [][]byte
	for i := int(l.Size()); i < int(l.Size())+n; i++ {
		batch = append(batch, entry(i))
	}
	if _, err := l.AppendBatch(context.Background(), batch); err != nil {
		t.Fatal(err)
	}
}

func collect(t *testing.T, seq func(func([]byte, error) bool)) ([][]byte, error) {
	t.Helper()
	var out [][]byte
	for e, err := range seq {
		if err != nil {
			return out, err
		}
		out = append(out, e)
	}
	return out, nil
}

func TestHandlerAndClient(t *testing.T) {
	ctx := context.Background()
	l := newLedger(t, 600)
	srv := httptest.NewServer(http.StripPrefix("/log", NewHandler(l, slog.New(slog.DiscardHandler))))
	defer srv.Close()
	_, v := keys(t, "tiles test key")
	c := NewClient(srv.URL+"/log/", v, srv.Client())

	cp, msg, err := c.Checkpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want, wantMsg := l.Checkpoint()
	if cp != want || !bytes.Equal(msg, wantMsg) {
		t.Fatalf("Checkpoint = %+v, want %+v", cp, want)
	}
	for _, from := range []uint64{0, 255, 256, 300, 599, 600} {
		got, err := collect(t, c.Entries(ctx, cp, from))
		if err != nil || len(got) != int(600-from) {
			t.Fatalf("Entries(from %d) = %d entries, %v", from, len(got), err)
		}
		for i, e := range got {
			if !bytes.Equal(e, entry(int(from)+i)) {
				t.Fatalf("Entries(from %d): entry %d differs", from, int(from)+i)
			}
		}
	}
	for _, size := range []uint64{1, 255, 256, 257, 511, 599} {
		r, err := c.Root(ctx, cp, size)
		want, _ := l.Root(size)
		if err != nil || r != want {
			t.Errorf("Root(%d) = %s, %v; want %s", size, r, err, want)
		}
	}
	for _, i := range []uint64{0, 255, 300, 599} {
		p, err := c.InclusionProof(ctx, cp, i)
		if err != nil {
			t.Fatal(err)
		}
		if err := ledger.VerifyInclusion(entry(int(i)), i, cp, p); err != nil {
			t.Errorf("inclusion proof of %d from tiles: %v", i, err)
		}
	}

	// The log grows; the client follows it and checks consistency.
	appendN(t, l, 70)
	newer, _, err := c.Update(ctx, cp)
	if err != nil || newer.Size != 670 {
		t.Fatalf("Update = %+v, %v", newer, err)
	}
	got, err := collect(t, c.Entries(ctx, newer, 590))
	if err != nil || len(got) != 80 || !bytes.Equal(got[79], entry(669)) {
		t.Fatalf("Entries after Update = %d, %v", len(got), err)
	}
}

func TestHandlerHeaders(t *testing.T) {
	l := newLedger(t, 300)
	h := NewHandler(l, slog.New(slog.DiscardHandler))
	get := func(path string, hdr ...string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodGet, path, nil)
		for i := 0; i+1 < len(hdr); i += 2 {
			r.Header.Set(hdr[i], hdr[i+1])
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	for _, tc := range []struct {
		path, status, cache, ctype string
		size                       int
	}{
		{"/checkpoint", "200", cacheCheckpoint, "text/plain; charset=utf-8", -1},
		{"/tile/0/000", "200", cacheFull, "application/octet-stream", 8192},
		{"/tile/0/001.p/44", "200", cachePartial, "application/octet-stream", 44 * 32},
		{"/tile/0/001.p/43", "200", cachePartial, "application/octet-stream", 43 * 32},
		{"/tile/1/000.p/1", "200", cachePartial, "application/octet-stream", 32},
		{"/tile/entries/000", "200", cacheFull, "application/octet-stream", -1},
		{"/tile/entries/001.p/44", "200", cachePartial, "application/octet-stream", -1},
		{"/tile/0/001.p/45", "404", "", "", -1},
		{"/tile/0/001", "404", "", "", -1},
		{"/tile/1/000", "404", "", "", -1},
		{"/tile/2/000.p/1", "404", "", "", -1},
		{"/tile/entries/002.p/1", "404", "", "", -1},
		{"/tile/0/0", "404", "", "", -1},
		{"/other", "404", "", "", -1},
	} {
		w := get(tc.path)
		if fmt.Sprint(w.Code) != tc.status {
			t.Errorf("GET %s = %d, want %s", tc.path, w.Code, tc.status)
			continue
		}
		if tc.status != "200" {
			continue
		}
		if got := w.Header().Get("Cache-Control"); got != tc.cache {
			t.Errorf("GET %s: Cache-Control %q, want %q", tc.path, got, tc.cache)
		}
		if got := w.Header().Get("Content-Type"); got != tc.ctype {
			t.Errorf("GET %s: Content-Type %q, want %q", tc.path, got, tc.ctype)
		}
		if tc.size >= 0 && w.Body.Len() != tc.size {
			t.Errorf("GET %s: %d bytes, want %d", tc.path, w.Body.Len(), tc.size)
		}
	}
	// A level-0 tile holds the leaf hashes.
	w := get("/tile/0/000")
	for _, i := range []int{0, 255} {
		if h := ledger.LeafHash(entry(i)); !bytes.Equal(w.Body.Bytes()[i*32:i*32+32], h[:]) {
			t.Errorf("hash %d of tile 0/000 is not the leaf hash of entry %d", i, i)
		}
	}
	// Bundles are gzipped for clients that accept it.
	w = get("/tile/entries/000", "Accept-Encoding", "br, gzip")
	if w.Header().Get("Content-Encoding") != "gzip" {
		t.Fatal("bundle not gzipped")
	}
	zr, err := gzip.NewReader(w.Body)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(zr)
	if entries, err := ParseBundle(data, 256); err != nil || !bytes.Equal(entries[7], entry(7)) {
		t.Errorf("gzipped bundle: %v", err)
	}
	if w := get("/tile/entries/000", "Accept-Encoding", "gzip;q=0"); w.Header().Get("Content-Encoding") != "" {
		t.Error("bundle gzipped for a client refusing gzip")
	}
	r := httptest.NewRequest(http.MethodPost, "/checkpoint", nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST = %d", rec.Code)
	}
}

// tamper serves a log through a function that may change a response.
func tamper(t *testing.T, l *ledger.Ledger, f func(path string, body []byte) []byte) *Client {
	h := NewHandler(l, slog.New(slog.DiscardHandler))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Header.Del("Accept-Encoding") // plain bodies, to alter
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		w.WriteHeader(rec.Code)
		w.Write(f(strings.TrimPrefix(r.URL.Path, "/"), rec.Body.Bytes()))
	}))
	t.Cleanup(srv.Close)
	_, v := keys(t, "tiles test key")
	return NewClient(srv.URL, v, srv.Client())
}

// TestClientRejectsTampering serves altered resources; the client must
// refuse each one.
func TestClientRejectsTampering(t *testing.T) {
	ctx := context.Background()
	l := newLedger(t, 600)
	cp, _ := l.Checkpoint()
	flip := func(target string, at int) func(string, []byte) []byte {
		return func(path string, body []byte) []byte {
			if path == target {
				body = bytes.Clone(body)
				body[at] ^= 1
			}
			return body
		}
	}
	for _, tc := range []struct {
		name string
		f    func(string, []byte) []byte
	}{
		{"EntryByte", flip("tile/entries/001", 5)},
		{"PartialBundleByte", flip("tile/entries/002.p/88", 5)},
		{"LevelZeroHash", flip("tile/0/000", 64)},
		{"PartialHash", flip("tile/0/002.p/88", 0)},
		{"LevelOneHash", flip("tile/1/000.p/2", 1)},
		{"SwappedEntries", func(path string, body []byte) []byte {
			if path != "tile/entries/000" {
				return body
			}
			entries, _ := ParseBundle(body, 256)
			entries[3], entries[4] = entries[4], entries[3]
			return AppendBundle(nil, entries)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := tamper(t, l, tc.f)
			got, err := collect(t, c.Entries(ctx, cp, 0))
			if !errors.Is(err, ledger.ErrInvalidProof) {
				t.Fatalf("Entries of a tampered log = %v, want ErrInvalidProof", err)
			}
			// Nothing of the tampered bundle was yielded.
			if len(got)%Width != 0 {
				t.Errorf("%d entries yielded before the error", len(got))
			}
		})
	}
	t.Run("CheckpointByte", func(t *testing.T) {
		c := tamper(t, l, flip("checkpoint", 30))
		if _, _, err := c.Checkpoint(ctx); err == nil {
			t.Fatal("Checkpoint accepted a tampered checkpoint")
		}
	})
	t.Run("CheckpointOfAnotherKey", func(t *testing.T) {
		other, _ := keys(t, "another key")
		c := tamper(t, l, func(path string, body []byte) []byte {
			if path == "checkpoint" {
				body, _ = ledger.SignCheckpoint(cp, other)
			}
			return body
		})
		if _, _, err := c.Checkpoint(ctx); !errors.Is(err, ledger.ErrSignature) {
			t.Fatalf("Checkpoint signed by another key = %v", err)
		}
	})
}

// TestUpdateDetectsFork plays an operator that serves a rewritten history,
// re-signed with the log key: a follower holding an older checkpoint finds
// the new tree inconsistent with it.
func TestUpdateDetectsFork(t *testing.T) {
	ctx := context.Background()
	honest := newLedger(t, 400)
	old, _ := honest.Checkpoint()

	// The forked log: the same key, entry 10 replaced, then more entries.
	s, _ := keys(t, "tiles test key")
	forked, err := ledger.Open(ctx, filepath.Join(t.TempDir(), "forked.db"), ledger.Options{Origin: origin, Signer: s, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer forked.Close()
	for i := range 500 {
		e := entry(i)
		if i == 10 {
			e = []byte(`{"forged":true}`)
		}
		if _, err := forked.Append(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	var served atomic.Pointer[ledger.Ledger]
	served.Store(forked)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		NewHandler(served.Load(), slog.New(slog.DiscardHandler)).ServeHTTP(w, r)
	}))
	defer srv.Close()
	_, v := keys(t, "tiles test key")
	c := NewClient(srv.URL, v, srv.Client())
	if _, _, err := c.Update(ctx, old); !errors.Is(err, ledger.ErrInvalidProof) {
		t.Fatalf("Update across a fork = %v, want ErrInvalidProof", err)
	}
	// A log that shrank.
	served.Store(newLedger(t, 100))
	if _, _, err := c.Update(ctx, old); !errors.Is(err, ledger.ErrInvalidProof) {
		t.Fatalf("Update to a shorter log = %v, want ErrInvalidProof", err)
	}
	// The honest log grown is accepted.
	appendN(t, honest, 10)
	served.Store(honest)
	if cp, _, err := c.Update(ctx, old); err != nil || cp.Size != 410 {
		t.Fatalf("Update of the honest log = %+v, %v", cp, err)
	}
}

// TestLongPoll: checkpoint?after=N answers when the tree grows past N, at
// once if it already has, and a client follows a live log by it.
func TestLongPoll(t *testing.T) {
	l := newLedger(t, 10)
	srv := httptest.NewServer(NewHandler(l, nil))
	defer srv.Close()
	_, v := keys(t, "tiles test key")
	c := NewClient(srv.URL, v, nil)
	ctx := context.Background()
	if cp, _, err := c.WaitCheckpoint(ctx, 5); err != nil || cp.Size != 10 {
		t.Fatalf("a tree already past 5: %d %v", cp.Size, err)
	}
	appended := make(chan error, 1)
	go func() {
		time.Sleep(300 * time.Millisecond)
		_, err := l.AppendBatch(context.Background(), [][]byte{entry(10), entry(11), entry(12)})
		appended <- err
	}()
	start := time.Now()
	cp, _, err := c.WaitCheckpoint(ctx, 10)
	if err != nil || cp.Size != 13 {
		t.Fatalf("after the append: %d %v", cp.Size, err)
	}
	if waited := time.Since(start); waited < 200*time.Millisecond {
		t.Errorf("answered after %v, before the log grew", waited)
	}
	if err := <-appended; err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(srv.URL + "/checkpoint?after=x")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("after=x: %d", resp.StatusCode)
	}
}
