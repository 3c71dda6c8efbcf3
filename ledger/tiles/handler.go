package tiles

import (
	"compress/gzip"
	"errors"
	"iter"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/urna-vote/urna/ledger"
	"golang.org/x/mod/sumdb/tlog"
)

// A Log is what a Handler serves; *ledger.Ledger implements it.
type Log interface {
	// Checkpoint returns the latest tree head and its signed checkpoint.
	Checkpoint() (ledger.Checkpoint, []byte)
	// ReadHashes reads stored hashes by tlog stored-hash index
	// (tlog.HashReader).
	ReadHashes(indexes []int64) ([]ledger.Hash, error)
	// Entries iterates over the entries [from, to).
	Entries(from, to uint64) iter.Seq2[[]byte, error]
}

var _ Log = (*ledger.Ledger)(nil)

// Cache-Control values. The checkpoint changes with every commit; a tile's
// content never changes, but partial tiles are superseded by wider ones and
// may stop being served.
const (
	cacheCheckpoint = "no-cache"
	cacheFull       = "public, max-age=31536000, immutable"
	cachePartial    = "public, max-age=60"
)

// maxWait bounds a long poll of the checkpoint.
const maxWait = 20 * time.Second

// NewHandler returns an http.Handler that serves a log as C2SP tlog-tiles,
// at paths relative to where it is mounted (use http.StripPrefix):
//
//	checkpoint                  the latest signed checkpoint
//	tile/<L>/<N>[.p/<W>]        hash tiles
//	tile/entries/<N>[.p/<W>]    entry bundles (see AppendBundle)
//
// Only GET and HEAD are allowed. A tile beyond the latest checkpoint, or a
// malformed path, is 404. Entry bundles are gzip-compressed for clients that
// accept it. logger receives server errors; nil means slog.Default().
func NewHandler(log Log, logger *slog.Logger) http.Handler {
	if logger == nil {
		logger = slog.Default()
	}
	return &handler{log: log, logger: logger}
}

type handler struct {
	log    Log
	logger *slog.Logger
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	p := strings.TrimPrefix(r.URL.Path, "/")
	head, signed := h.log.Checkpoint()
	if p == "checkpoint" && r.URL.Query().Has("after") {
		// Long polling (an extension of tlog-tiles for live followers):
		// ?after=N answers when the tree has more than N entries, or after
		// maxWait with the checkpoint as it is.
		after, err := strconv.ParseUint(r.URL.Query().Get("after"), 10, 64)
		if err != nil {
			http.Error(w, "tiles: after must be a tree size", http.StatusBadRequest)
			return
		}
		deadline := time.NewTimer(maxWait)
		defer deadline.Stop()
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
	wait:
		for head.Size <= after {
			select {
			case <-r.Context().Done():
				return
			case <-deadline.C:
				break wait
			case <-tick.C:
				head, signed = h.log.Checkpoint()
			}
		}
	}
	if p == "checkpoint" {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", cacheCheckpoint)
		w.Write(signed)
		return
	}
	t, err := ParsePath(p)
	if err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	if !t.within(head.Size) {
		http.Error(w, "tiles: tile beyond the tree", http.StatusNotFound)
		return
	}
	var data []byte
	if t.Level == EntriesLevel {
		data, err = h.bundle(t)
	} else {
		data, err = tlog.ReadTileData(t.tlogTile(), h.log)
	}
	if err != nil {
		h.logger.Error("tiles: reading a tile", "path", p, "size", head.Size, "err", err)
		http.Error(w, "tiles: internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	if t.W == Width {
		w.Header().Set("Cache-Control", cacheFull)
	} else {
		w.Header().Set("Cache-Control", cachePartial)
	}
	if t.Level == EntriesLevel {
		w.Header().Set("Vary", "Accept-Encoding")
		if acceptsGzip(r) {
			w.Header().Set("Content-Encoding", "gzip")
			zw, _ := gzip.NewWriterLevel(w, gzip.BestSpeed)
			zw.Write(data)
			zw.Close()
			return
		}
	}
	w.Write(data)
}

func (h *handler) bundle(t Tile) ([]byte, error) {
	from := uint64(t.N) * Width
	entries := make([][]byte, 0, t.W)
	for e, err := range h.log.Entries(from, from+uint64(t.W)) {
		if err != nil {
			return nil, err
		}
		entries = append(entries, e)
	}
	if len(entries) != t.W {
		return nil, errors.New("tiles: short read of entries")
	}
	return AppendBundle(nil, entries), nil
}

// acceptsGzip reports whether the request's Accept-Encoding lists gzip
// without q=0.
func acceptsGzip(r *http.Request) bool {
	for _, v := range r.Header.Values("Accept-Encoding") {
		for _, part := range strings.Split(v, ",") {
			coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			if strings.EqualFold(strings.TrimSpace(coding), "gzip") {
				q := strings.ReplaceAll(params, " ", "")
				return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
			}
		}
	}
	return false
}
