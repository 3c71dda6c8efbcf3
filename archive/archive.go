// Package archive keeps closed elections for as long as the law asks, and
// gives anyone a copy.
//
// When an election is decided and signed by its whole commission (or when
// the operator archives it), the platform writes one file for it,
// DIR/ID.tar.gz, beside a small record of it, DIR/ID.json. The tar.gz holds
// one folder, ID/, that `urna verify ID` checks as it is:
//
//	ID/SHA256SUMS           the SHA-256 of every other file (sha256sum -c)
//	ID/checkpoint           the ledger's signed checkpoint
//	ID/ledger.jsonl         every entry of the ledger, one a line
//	ID/log.pub              the key that verifies the checkpoint
//	ID/manifest.json        the election's manifest as the ledger holds it
//	ID/protocol.xml         the result protocol (PR1 rebuilds it byte for byte)
//	ID/protocol.signed.xml  the same, signed with the publication key
//	ID/protocol.pdf         the protocol for people, signed
//
// (the signed exports only when a publication key is configured; the
// protocol files only for an election with a result). The archive is
// deterministic in form: names sorted, every time stamp the time the
// result was published, owner and group zero, no gzip name or time.
//
// An archive is written to a temporary file, synced and renamed into
// place, and only then recorded: a crash leaves either a whole archive or
// none. Each is kept for Options.Keep after it was written (default three
// years), then Purge deletes it and logs that it did.
package archive

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/urna-vote/urna/election"
	"github.com/urna-vote/urna/ledger"
	"github.com/urna-vote/urna/protocol"
)

// DefaultKeep is how long an archive is kept unless configured: three
// years.
const DefaultKeep = 3 * 365 * 24 * time.Hour

// Names of the files in an archive's folder.
const (
	FileSums        = "SHA256SUMS"
	FileCheckpoint  = "checkpoint"
	FileLedger      = "ledger.jsonl"
	FileLogKey      = "log.pub"
	FileManifest    = "manifest.json"
	FileProtocol    = "protocol.xml"
	FileSignedXML   = "protocol.signed.xml"
	FileProtocolPDF = "protocol.pdf"
)

// Options configure an Archive.
type Options struct {
	// Dir is the archive folder, DATA/archive; it is created if missing.
	Dir string
	// Keep is how long an archive is kept after it was written; zero
	// means DefaultKeep.
	Keep time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Publisher, if set, gives the publication key that signs the
	// protocol's XML and PDF; nil: the archive holds the unsigned XML.
	Publisher func() (*protocol.Publisher, error)
	Logger    *slog.Logger
}

// An Archive is the folder of archived elections. Its methods are safe for
// concurrent use.
type Archive struct {
	opts Options
	log  *slog.Logger
	mu   sync.Mutex // serialises writing and purging

	// Files read from archives (Read), by id, name and the archive's
	// SHA-256: the protocol comes after the ledger in the tar, so reading
	// it means decompressing the whole ledger, once. readMu lets one
	// such read run at a time.
	readMu    sync.Mutex
	cacheMu   sync.Mutex
	cache     map[string][]byte
	cacheSize int
}

// maxCache bounds the bytes of files Read keeps.
const maxCache = 64 << 20

// A Record describes one archived election (DIR/ID.json).
type Record struct {
	ID       string        `json:"id"`
	Title    election.Text `json:"title"`
	Training bool          `json:"training"`
	// Decided is when the result was published (zero: no result).
	Decided time.Time `json:"decided"`
	// Signed says the whole commission signed the result.
	Signed bool `json:"signed"`
	// Entries is the size of the archived ledger's checkpoint.
	Entries uint64 `json:"entries"`
	// Archived is when the archive was written.
	Archived time.Time `json:"archived"`
	Size     int64     `json:"size"`   // of the tar.gz, bytes
	SHA256   string    `json:"sha256"` // of the tar.gz, hex
	Files    []string  `json:"files"`  // in the folder, sorted
}

// Errors of the archive.
var (
	ErrNotFound = errors.New("archive: no such archived election")
	ErrExists   = errors.New("archive: the election is already archived")
)

// Open opens the archive folder, creating it if needed, and removes what a
// crash left of an archive being written or purged: temporary folders, and
// a tar.gz without its record.
func Open(opts Options) (*Archive, error) {
	if opts.Keep <= 0 {
		opts.Keep = DefaultKeep
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	a := &Archive{opts: opts, log: opts.Logger}
	if a.log == nil {
		a.log = slog.Default()
	}
	if err := os.MkdirAll(opts.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("archive: %w", err)
	}
	tmps, _ := filepath.Glob(filepath.Join(opts.Dir, "*.tmp"))
	for _, t := range tmps {
		os.RemoveAll(t)
	}
	tars, _ := filepath.Glob(filepath.Join(opts.Dir, "*.tar.gz"))
	for _, t := range tars {
		id := strings.TrimSuffix(filepath.Base(t), ".tar.gz")
		if _, err := os.Stat(a.recordPath(id)); errors.Is(err, os.ErrNotExist) {
			a.log.Warn("archive: removing an archive without its record (an interrupted write or purge)", "path", t)
			os.Remove(t)
		}
	}
	return a, nil
}

// Keep is how long archives are kept.
func (a *Archive) Keep() time.Duration { return a.opts.Keep }

// Expires is when the archive r will be purged.
func (a *Archive) Expires(r Record) time.Time { return r.Archived.Add(a.opts.Keep) }

// checkID refuses ids that are not plain file names: an id names files.
func checkID(id string) error {
	if id == "" || len(id) > election.MaxIDLen {
		return fmt.Errorf("%w: %q", ErrNotFound, id)
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return fmt.Errorf("%w: %q", ErrNotFound, id)
		}
	}
	return nil
}

// Path is where election id's tar.gz is (whether or not it exists).
func (a *Archive) Path(id string) string { return filepath.Join(a.opts.Dir, id+".tar.gz") }

func (a *Archive) recordPath(id string) string { return filepath.Join(a.opts.Dir, id+".json") }

// Get returns the record of an archived election, or ErrNotFound.
func (a *Archive) Get(id string) (Record, error) {
	if err := checkID(id); err != nil {
		return Record{}, err
	}
	b, err := os.ReadFile(a.recordPath(id))
	if errors.Is(err, os.ErrNotExist) {
		return Record{}, fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	if err != nil {
		return Record{}, fmt.Errorf("archive: %w", err)
	}
	var r Record
	if err := json.Unmarshal(b, &r); err != nil || r.ID != id {
		return Record{}, fmt.Errorf("archive: %s is damaged: %v", a.recordPath(id), err)
	}
	return r, nil
}

// List returns the archived elections, the latest result first.
func (a *Archive) List() ([]Record, error) {
	paths, err := filepath.Glob(filepath.Join(a.opts.Dir, "*.json"))
	if err != nil {
		return nil, err
	}
	var out []Record
	for _, p := range paths {
		r, err := a.Get(strings.TrimSuffix(filepath.Base(p), ".json"))
		if err != nil {
			a.log.Error("archive: reading a record", "path", p, "err", err)
			continue
		}
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Decided.Equal(out[j].Decided) {
			return out[i].Decided.After(out[j].Decided)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

// Read returns one file of an archived election's folder (FileProtocol,
// say), or an error wrapping ErrNotFound. Files other than the ledger are
// kept in memory once read (up to 64 MiB in all).
func (a *Archive) Read(id, name string) ([]byte, error) {
	r, err := a.Get(id)
	if err != nil {
		return nil, err
	}
	key := r.SHA256 + "/" + id + "/" + name
	if b, ok := a.cached(key); ok {
		return b, nil
	}
	a.readMu.Lock()
	defer a.readMu.Unlock()
	if b, ok := a.cached(key); ok {
		return b, nil
	}
	b, err := a.read(r, name)
	if err != nil || name == FileLedger {
		return b, err
	}
	a.cacheMu.Lock()
	defer a.cacheMu.Unlock()
	if a.cacheSize+len(b) > maxCache {
		a.cache, a.cacheSize = nil, 0
	}
	if a.cache == nil {
		a.cache = map[string][]byte{}
	}
	a.cache[key] = b
	a.cacheSize += len(b)
	return b, nil
}

func (a *Archive) cached(key string) ([]byte, bool) {
	a.cacheMu.Lock()
	defer a.cacheMu.Unlock()
	b, ok := a.cache[key]
	return b, ok
}

// read reads one file from the archive of r.
func (a *Archive) read(r Record, name string) ([]byte, error) {
	id := r.ID
	f, err := os.Open(a.Path(id))
	if err != nil {
		return nil, fmt.Errorf("archive: %w", err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("archive: %s: %w", r.ID, err)
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%w: %s has no %s", ErrNotFound, id, name)
		}
		if err != nil {
			return nil, fmt.Errorf("archive: %s: %w", id, err)
		}
		if h.Name == id+"/"+name && h.Typeflag == tar.TypeReg {
			return io.ReadAll(io.LimitReader(tr, h.Size))
		}
	}
}

// A Source is one election as the platform holds it: its ledger, the key
// that verifies the ledger's checkpoints, and View, which runs a function
// on the state replayed from that ledger (ballotbox.Box.View).
type Source struct {
	ID     string
	Ledger *ledger.Ledger
	LogKey string
	View   func(func(st *election.State))
}

// Write archives an election. The ledger must not grow while it is read
// (an election signed by its whole commission takes no more entries); if
// it keeps growing, Write gives up with an error. It returns ErrExists if
// the election is already archived, and leaves nothing behind on error.
func (a *Archive) Write(ctx context.Context, src Source) (*Record, error) {
	if err := checkID(src.ID); err != nil {
		return nil, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, err := a.Get(src.ID); err == nil {
		return nil, fmt.Errorf("%w: %s", ErrExists, src.ID)
	}
	tmp, err := os.MkdirTemp(a.opts.Dir, src.ID+"-*.tmp")
	if err != nil {
		return nil, fmt.Errorf("archive: %w", err)
	}
	defer os.RemoveAll(tmp)
	var c *contents
	for try := 0; ; try++ {
		c, err = a.collect(ctx, src, tmp)
		if err == nil || !errors.Is(err, errMoved) || try == 20 {
			break
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	if err != nil {
		return nil, err
	}
	rec, err := a.store(src.ID, c, tmp)
	if err != nil {
		return nil, err
	}
	a.log.Info("archive: election archived", "election", rec.ID, "entries", rec.Entries, "bytes", rec.Size,
		"sha256", rec.SHA256, "kept_until", a.Expires(*rec).Format(time.RFC3339))
	return rec, nil
}

// errMoved: the ledger grew while it was being read.
var errMoved = errors.New("archive: the ledger grew while it was being archived")

// contents is what goes into an archive's folder.
type contents struct {
	rec    Record
	mtime  time.Time
	files  map[string][]byte // small files, by name
	ledger string            // the exported ledger, a file in the temporary folder
	sums   map[string]string // name → hex SHA-256
}

// collect exports the ledger into dir and reads, from the state at the
// same checkpoint, the manifest and the protocol.
func (a *Archive) collect(ctx context.Context, src Source, dir string) (*contents, error) {
	c := &contents{files: map[string][]byte{}, sums: map[string]string{}, ledger: filepath.Join(dir, FileLedger)}
	f, err := os.Create(c.ledger)
	if err != nil {
		return nil, fmt.Errorf("archive: %w", err)
	}
	h := sha256.New()
	signed, err := src.Ledger.Export(ctx, io.MultiWriter(f, h))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("archive: exporting the ledger of %s: %w", src.ID, err)
	}
	c.sums[FileLedger] = hex.EncodeToString(h.Sum(nil))
	v, err := ledger.NewVerifier(strings.TrimSpace(src.LogKey))
	if err != nil {
		return nil, fmt.Errorf("archive: the log key of %s: %w", src.ID, err)
	}
	cp, err := ledger.OpenCheckpoint(signed, v)
	if err != nil {
		return nil, fmt.Errorf("archive: the checkpoint of %s: %w", src.ID, err)
	}
	c.files[FileCheckpoint] = signed
	c.files[FileLogKey] = []byte(strings.TrimSpace(src.LogKey) + "\n")
	var p *protocol.Protocol
	err = nil
	src.View(func(st *election.State) {
		if st.Next != cp.Size {
			err = errMoved
			return
		}
		m := st.Manifest
		if m == nil || m.ID != src.ID {
			err = fmt.Errorf("archive: the ledger of %s does not define that election", src.ID)
			return
		}
		var mj []byte
		if mj, err = json.Marshal(m); err != nil {
			return
		}
		c.files[FileManifest] = append(mj, '\n')
		c.rec = Record{ID: src.ID, Title: m.Title, Training: m.Training, Entries: cp.Size,
			Signed: st.Result != nil && len(st.Signatures) == len(m.Commission)}
		stamp := st.LastTime
		if st.Result != nil {
			c.rec.Decided = time.UnixMilli(st.DecidedAt).UTC()
			stamp = st.DecidedAt
			p, err = protocol.Build(st, cp)
		}
		c.mtime = time.Unix(stamp/1000, 0).UTC()
	})
	if err != nil {
		return nil, err
	}
	if p != nil {
		if err := a.protocolFiles(c, p); err != nil {
			return nil, err
		}
	}
	for name, b := range c.files {
		sum := sha256.Sum256(b)
		c.sums[name] = hex.EncodeToString(sum[:])
	}
	return c, nil
}

// protocolFiles renders the protocol: the XML, and with a publication key
// the signed XML and the signed PDF.
func (a *Archive) protocolFiles(c *contents, p *protocol.Protocol) error {
	doc, err := p.XML()
	if err != nil {
		return fmt.Errorf("archive: the protocol of %s: %w", c.rec.ID, err)
	}
	c.files[FileProtocol] = doc
	if a.opts.Publisher == nil {
		return nil
	}
	pub, err := a.opts.Publisher()
	if err != nil {
		return fmt.Errorf("archive: the publication key: %w", err)
	}
	if c.files[FileSignedXML], err = protocol.SignXML(doc, pub); err != nil {
		return fmt.Errorf("archive: signing the protocol of %s: %w", c.rec.ID, err)
	}
	pdf, err := p.PDF(pub.Certificate())
	if err != nil {
		return fmt.Errorf("archive: the protocol's PDF of %s: %w", c.rec.ID, err)
	}
	if c.files[FileProtocolPDF], err = protocol.SignPDF(pdf, pub, a.opts.Now()); err != nil {
		return fmt.Errorf("archive: signing the protocol's PDF of %s: %w", c.rec.ID, err)
	}
	return nil
}

// store writes the tar.gz beside the record, each through a temporary file
// synced and renamed, the record last.
func (a *Archive) store(id string, c *contents, dir string) (*Record, error) {
	var sums bytes.Buffer
	names := make([]string, 0, len(c.sums))
	for name := range c.sums {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		fmt.Fprintf(&sums, "%s  %s\n", c.sums[name], name)
	}
	c.files[FileSums] = sums.Bytes()
	names = append(names, FileSums)
	sort.Strings(names)

	tmp := filepath.Join(dir, "archive.tar.gz")
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, fmt.Errorf("archive: %w", err)
	}
	h := sha256.New()
	n, err := writeTar(io.MultiWriter(f, h), id, names, c)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("archive: writing %s: %w", id, err)
	}
	rec := c.rec
	rec.Archived = a.opts.Now().UTC().Truncate(time.Millisecond)
	rec.Size, rec.SHA256, rec.Files = n, hex.EncodeToString(h.Sum(nil)), names
	rb, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := os.Rename(tmp, a.Path(id)); err != nil {
		return nil, fmt.Errorf("archive: %w", err)
	}
	if err := writeFileSync(filepath.Join(dir, "record.json"), append(rb, '\n')); err != nil {
		os.Remove(a.Path(id))
		return nil, err
	}
	if err := os.Rename(filepath.Join(dir, "record.json"), a.recordPath(id)); err != nil {
		os.Remove(a.Path(id))
		return nil, fmt.Errorf("archive: %w", err)
	}
	syncDir(a.opts.Dir)
	return &rec, nil
}

// writeTar writes the folder id/ with the named files as a gzipped tar and
// returns the bytes written.
func writeTar(w io.Writer, id string, names []string, c *contents) (int64, error) {
	cw := &countingWriter{w: w}
	zw, err := gzip.NewWriterLevel(cw, gzip.BestCompression)
	if err != nil {
		return 0, err
	}
	tw := tar.NewWriter(zw)
	header := func(name string, size int64, mode int64, typ byte) *tar.Header {
		return &tar.Header{Name: name, Size: size, Mode: mode, Typeflag: typ, ModTime: c.mtime, Format: tar.FormatUSTAR}
	}
	if err := tw.WriteHeader(header(id+"/", 0, 0o755, tar.TypeDir)); err != nil {
		return 0, err
	}
	for _, name := range names {
		if name == FileLedger {
			if err := copyFile(tw, header(id+"/"+name, 0, 0o644, tar.TypeReg), c.ledger); err != nil {
				return 0, err
			}
			continue
		}
		b := c.files[name]
		if err := tw.WriteHeader(header(id+"/"+name, int64(len(b)), 0o644, tar.TypeReg)); err != nil {
			return 0, err
		}
		if _, err := tw.Write(b); err != nil {
			return 0, err
		}
	}
	if err := tw.Close(); err != nil {
		return 0, err
	}
	if err := zw.Close(); err != nil {
		return 0, err
	}
	return cw.n, nil
}

// copyFile writes the file at path into the tar under h.
func copyFile(tw *tar.Writer, h *tar.Header, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	h.Size = fi.Size()
	if err := tw.WriteHeader(h); err != nil {
		return err
	}
	_, err = io.Copy(tw, f)
	return err
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

func writeFileSync(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("archive: %w", err)
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("archive: %w", err)
	}
	return nil
}

// syncDir makes the renames in dir durable.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// Purge deletes the archives whose keeping period has ended, logging each,
// and returns their ids.
func (a *Archive) Purge(ctx context.Context) ([]string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	recs, err := a.List()
	if err != nil {
		return nil, err
	}
	now := a.opts.Now()
	var purged []string
	var errs []error
	for _, r := range recs {
		if ctx.Err() != nil {
			return purged, ctx.Err()
		}
		if now.Before(a.Expires(r)) {
			continue
		}
		// The record goes first: an archive without its record is no
		// longer listed or served, and Open removes one that a crash left.
		if err := os.Remove(a.recordPath(r.ID)); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
			continue
		}
		if err := os.Remove(a.Path(r.ID)); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
		purged = append(purged, r.ID)
		a.log.Info("archive: kept for its period; purged", "election", r.ID, "archived", r.Archived.Format(time.RFC3339),
			"kept_until", a.Expires(r).Format(time.RFC3339), "sha256", r.SHA256)
	}
	syncDir(a.opts.Dir)
	if len(purged) > 0 {
		a.cacheMu.Lock()
		a.cache, a.cacheSize = nil, 0
		a.cacheMu.Unlock()
	}
	return purged, errors.Join(errs...)
}
