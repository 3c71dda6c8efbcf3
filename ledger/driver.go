//go:build !js && !wasip1

package ledger

// The store's database/sql driver: modernc.org/sqlite, SQLite translated to
// Go, so no cgo. It does not build for WebAssembly, where this package
// still provides everything but Open and Import: the tree, checkpoints and
// proofs that the browser's verifier needs.
import _ "modernc.org/sqlite"
