package archive_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/urna-vote/urna/archive"
	"github.com/urna-vote/urna/demo"
	"github.com/urna-vote/urna/election"
	"github.com/urna-vote/urna/issuance"
	"github.com/urna-vote/urna/notify"
	"github.com/urna-vote/urna/platform"
	"github.com/urna-vote/urna/protocol"
	"github.com/urna-vote/urna/verify"
)

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// logBuffer collects log lines.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *logBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

// decided returns a demo platform whose election "demo-park" is counted
// and signed by its whole commission, and "demo-moscow" still open.
func decided(t *testing.T) (*platform.Platform, *issuance.Election) {
	t.Helper()
	ctx := context.Background()
	var off atomic.Int64 // read by the platform's background work
	now := func() time.Time { return time.Now().Add(time.Duration(off.Load())) }
	data := t.TempDir()
	p, err := platform.Open(ctx, platform.Config{Data: data, SMS: notify.NewOutbox(4), Now: now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	if err := demo.Setup(ctx, p, demo.Options{Voters: 1, Guardians: 3, Threshold: 2}); err != nil {
		t.Fatal(err)
	}
	e, _ := p.Election("demo-park")
	keys, err := demo.LoadKeys(data, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	off.Store(int64(8 * 24 * time.Hour))
	if err := keys.Count(ctx, e.Box); err != nil {
		t.Fatal(err)
	}
	return p, e
}

func source(e *issuance.Election) archive.Source {
	return archive.Source{ID: e.ID, Ledger: e.Box.Ledger(), LogKey: e.VerifierKey, View: e.Box.View}
}

// untar extracts a tar.gz into dir, checking that it is in the archive's
// fixed form, and returns the names in order.
func untar(t *testing.T, path, dir string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	if zr.Name != "" || !zr.ModTime.IsZero() {
		t.Errorf("gzip header carries name %q, time %v", zr.Name, zr.ModTime)
	}
	tr := tar.NewReader(zr)
	var names []string
	var mtime time.Time
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if mtime.IsZero() {
			mtime = h.ModTime
		}
		if !h.ModTime.Equal(mtime) || h.Uid != 0 || h.Gid != 0 || h.Uname != "" || h.Gname != "" {
			t.Errorf("%s: time %v, owner %d/%d %q/%q", h.Name, h.ModTime, h.Uid, h.Gid, h.Uname, h.Gname)
		}
		names = append(names, h.Name)
		target := filepath.Join(dir, filepath.FromSlash(h.Name))
		if !strings.HasPrefix(target, filepath.Clean(dir)+string(filepath.Separator)) {
			t.Fatalf("entry %q leaves the folder", h.Name)
		}
		switch h.Typeflag {
		case tar.TypeDir:
			os.MkdirAll(target, 0o755)
		case tar.TypeReg:
			b, _ := io.ReadAll(tr)
			if err := os.WriteFile(target, b, 0o644); err != nil {
				t.Fatal(err)
			}
		default:
			t.Fatalf("entry %q of type %c", h.Name, h.Typeflag)
		}
	}
	if !sort.StringsAreSorted(names) {
		t.Errorf("names not sorted: %v", names)
	}
	return names
}

// An election decided and signed by its whole commission is archived; the
// archive, untarred, is a folder urna verify accepts, whose protocol is
// the one the ledger gives (PR1), signed; after the keeping period the
// archive is purged, and the purge is logged.
func TestArchiveVerifyPurge(t *testing.T) {
	p, e := decided(t)
	ctx := context.Background()
	clk := &clock{t: time.Date(2027, 9, 20, 12, 0, 0, 0, time.UTC)}
	logs := &logBuffer{}
	dir := filepath.Join(t.TempDir(), "archive")
	a, err := archive.Open(archive.Options{Dir: dir, Now: clk.now, Publisher: p.Publisher,
		Logger: slog.New(slog.NewTextHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := a.Write(ctx, source(e))
	if err != nil {
		t.Fatal(err)
	}
	if !rec.Signed || rec.Decided.IsZero() || rec.Title.EN == "" || rec.Entries != e.Box.Ledger().Size() {
		t.Errorf("record %+v", rec)
	}
	if got, want := a.Expires(*rec), clk.now().Add(archive.DefaultKeep); !got.Equal(want) {
		t.Errorf("kept until %v, want %v", got, want)
	}
	if _, err := a.Write(ctx, source(e)); !errors.Is(err, archive.ErrExists) {
		t.Errorf("archiving twice: %v, want ErrExists", err)
	}

	out := t.TempDir()
	names := untar(t, a.Path(e.ID), out)
	want := []string{"demo-park/", "demo-park/SHA256SUMS", "demo-park/checkpoint", "demo-park/ledger.jsonl", "demo-park/log.pub",
		"demo-park/manifest.json", "demo-park/protocol.pdf", "demo-park/protocol.signed.xml", "demo-park/protocol.xml"}
	if strings.Join(names, " ") != strings.Join(want, " ") {
		t.Fatalf("archive holds %v, want %v", names, want)
	}
	folder := filepath.Join(out, e.ID)
	sums, _ := os.ReadFile(filepath.Join(folder, archive.FileSums))
	lines := strings.Split(strings.TrimSuffix(string(sums), "\n"), "\n")
	if len(lines) != len(want)-2 {
		t.Fatalf("SHA256SUMS has %d lines:\n%s", len(lines), sums)
	}
	for _, line := range lines {
		sum, name, ok := strings.Cut(line, "  ")
		b, err := os.ReadFile(filepath.Join(folder, name))
		got := sha256.Sum256(b)
		if !ok || err != nil || hex.EncodeToString(got[:]) != sum {
			t.Errorf("SHA256SUMS line %q does not match the file (%v)", line, err)
		}
	}

	rep, err := verify.Dir(folder, verify.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK {
		t.Fatalf("urna verify of the archive: %s", rep.Error)
	}
	for _, name := range []string{archive.FileProtocol, archive.FileSignedXML} {
		doc, _ := os.ReadFile(filepath.Join(folder, name))
		rep.CheckProtocol(doc)
		if !rep.OK {
			t.Fatalf("%s: %s", name, rep.Error)
		}
	}
	pdf, _ := os.ReadFile(filepath.Join(folder, archive.FileProtocolPDF))
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Errorf("protocol.pdf starts %q", pdf[:min(len(pdf), 8)])
	}
	signedXML, _ := os.ReadFile(filepath.Join(folder, archive.FileSignedXML))
	if _, _, err := protocol.VerifyXML(signedXML); err != nil {
		t.Errorf("the signed XML: %v", err)
	}
	// One file, read from the archive.
	doc, err := a.Read(e.ID, archive.FileProtocol)
	if err != nil {
		t.Fatal(err)
	}
	if onDisk, _ := os.ReadFile(filepath.Join(folder, archive.FileProtocol)); !bytes.Equal(doc, onDisk) {
		t.Error("Read gives another protocol.xml")
	}
	if again, err := a.Read(e.ID, archive.FileProtocol); err != nil || !bytes.Equal(again, doc) {
		t.Errorf("reading again: %v", err)
	}
	if _, err := a.Read(e.ID, "nothing.txt"); !errors.Is(err, archive.ErrNotFound) {
		t.Errorf("reading a file it does not hold: %v", err)
	}
	if _, err := a.Read("../secret", archive.FileProtocol); !errors.Is(err, archive.ErrNotFound) {
		t.Errorf("reading outside the archive: %v", err)
	}

	// Kept: not a day before the period ends; purged after.
	clk.set(clk.now().Add(archive.DefaultKeep - 24*time.Hour))
	if purged, err := a.Purge(ctx); err != nil || len(purged) != 0 {
		t.Fatalf("purge before the period ended: %v, %v", purged, err)
	}
	clk.set(clk.now().Add(25 * time.Hour))
	purged, err := a.Purge(ctx)
	if err != nil || len(purged) != 1 || purged[0] != e.ID {
		t.Fatalf("purge after the period: %v, %v", purged, err)
	}
	if _, err := os.Stat(a.Path(e.ID)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the archive file is still there: %v", err)
	}
	if _, err := a.Get(e.ID); !errors.Is(err, archive.ErrNotFound) {
		t.Errorf("the record is still there: %v", err)
	}
	if _, err := a.Read(e.ID, archive.FileProtocol); !errors.Is(err, archive.ErrNotFound) {
		t.Errorf("reading a purged archive: %v", err)
	}
	if !strings.Contains(logs.String(), "purged") || !strings.Contains(logs.String(), "election=demo-park") {
		t.Errorf("the purge was not logged:\n%s", logs.String())
	}
}

// Without a publication key the archive is the same bytes every time it is
// written; an election without a result is archived without a protocol.
func TestArchiveDeterministic(t *testing.T) {
	p, e := decided(t)
	ctx := context.Background()
	clk := &clock{t: time.Now()}
	var files [][]byte
	for i := 0; i < 2; i++ {
		a, err := archive.Open(archive.Options{Dir: t.TempDir(), Now: clk.now})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.Write(ctx, source(e)); err != nil {
			t.Fatal(err)
		}
		b, _ := os.ReadFile(a.Path(e.ID))
		files = append(files, b)
	}
	if !bytes.Equal(files[0], files[1]) {
		t.Error("two archives of one election differ")
	}

	open, _ := p.Election("demo-moscow")
	a, err := archive.Open(archive.Options{Dir: t.TempDir(), Now: clk.now})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := a.Write(ctx, source(open))
	if err != nil {
		t.Fatal(err)
	}
	if rec.Signed || !rec.Decided.IsZero() || strings.Contains(strings.Join(rec.Files, " "), "protocol") {
		t.Errorf("an open election's record: %+v", rec)
	}
	var phase election.Phase
	open.Box.View(func(st *election.State) { phase = st.Phase })
	if phase != election.PhaseOpen {
		t.Fatalf("phase %v", phase)
	}
}

// A tar.gz without its record (a write or purge cut short) is removed when
// the archive is opened, and never served.
func TestArchiveOrphanRemoved(t *testing.T) {
	dir := t.TempDir()
	orphan := filepath.Join(dir, "lost.tar.gz")
	os.WriteFile(orphan, []byte("partial"), 0o644)
	os.Mkdir(filepath.Join(dir, "x-123.tmp"), 0o755)
	a, err := archive.Open(archive.Options{Dir: dir, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(orphan); !errors.Is(err, os.ErrNotExist) {
		t.Error("the orphan archive is still there")
	}
	if _, err := os.Stat(filepath.Join(dir, "x-123.tmp")); !errors.Is(err, os.ErrNotExist) {
		t.Error("the temporary folder is still there")
	}
	if recs, err := a.List(); err != nil || len(recs) != 0 {
		t.Errorf("list: %v, %v", recs, err)
	}
}
