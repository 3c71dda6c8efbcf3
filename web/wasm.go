package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// The voter's device in the browser is client/wasm, built by
// internal/wasmbuild into static/urna.wasm.gz (kept in the repository, so
// a fresh clone runs without a build step; web's test checks it is the
// build of the current code).
//
//go:generate go run ../internal/wasmbuild -o static

var (
	wasmGz   = mustAsset("static/urna.wasm.gz")
	wasmHash = func() string { h := sha256.Sum256(wasmGz); return hex.EncodeToString(h[:8]) }()
	// wasmPath names the module with its hash, so it is cached for good
	// and a new build is a new address.
	wasmPath = "/static/urna.wasm?v=" + wasmHash
	wasmRaw  = sync.OnceValue(func() []byte {
		zr, err := gzip.NewReader(bytes.NewReader(wasmGz))
		if err != nil {
			panic(err)
		}
		b, err := io.ReadAll(zr)
		if err != nil {
			panic(err)
		}
		return b
	})
	wasmSize = func() int {
		// The gzip trailer's last four bytes are the uncompressed size.
		n := len(wasmGz)
		return int(wasmGz[n-4]) | int(wasmGz[n-3])<<8 | int(wasmGz[n-2])<<16 | int(wasmGz[n-1])<<24
	}()
)

func mustAsset(name string) []byte {
	b, err := assets.ReadFile(name)
	if err != nil {
		panic(err)
	}
	return b
}

// serveWasm serves the module compressed to browsers that accept gzip (all
// that run WebAssembly do) and plain otherwise.
func serveWasm(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "application/wasm")
	h.Set("Vary", "Accept-Encoding")
	if r.URL.Query().Get("v") == wasmHash {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	h.Set("ETag", `"`+wasmHash+`"`)
	if match := r.Header.Get("If-None-Match"); match == `"`+wasmHash+`"` {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := wasmRaw
	if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
		h.Set("Content-Encoding", "gzip")
		body = func() []byte { return wasmGz }
	}
	b := body()
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.Write(b)
}
